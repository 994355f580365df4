"""Agreement of the disclosure audit with regulators' rulings:
``python -m training.ruled FILE.jsonl [FILE ...] [--rules-only] [--show all|misses|none]``.

Compliance teams keep the posts a regulator or a court ruled on (ASA, ASAI, FTC/NAD, JDP,
Reklamombudsmannen ...). This runs clearpost over such a file and says how often its verdict
agrees with the ruling. The file is the user's: none ships with clearpost (the rulings quote
third parties' posts). One JSON object per line:

    {"id": "...", "jurisdiction": "uk", "text": "caption as quoted in the ruling",
     "overlay_text": "text on the image or story frame, or null",
     "platform": "instagram", "format": "post|story|reel|video|tweet|unknown",
     "expected": "not_compliant|compliant|not_an_ad", "text_quality": "quoted|paraphrased",
     "platform_paid_label": false}

``expected`` is what the ruling found: the post was not (adequately) identifiable as an ad,
it was, or it was not a marketing communication at all. A story's overlay text is read before
its caption, a post's after. ``platform_paid_label`` (optional, default false) says the post
carried the platform's own paid-partnership header ("Paid partnership with X", "Betalt
samarbete med X"), which is not part of the caption. Rows without any text are skipped
(counted).

Prints one JSON object per metric and line, like ``training.evaluate``:
- ``flagged_rate``: of the not_compliant rulings, the share clearpost did not pass
  (undisclosed, inadequate or needs_review): what a reviewer would have been shown;
- ``strict_rate``: the share it called undisclosed or inadequate on its own;
- ``false_pass_rate``: the share it called compliant (the costly error);
- ``missed_rate``: the share it called not_commercial;
- ``compliant_agreement``: of the compliant / not_an_ad rulings, the share it passed
  (compliant or not_commercial);
each overall, per jurisdiction (``dataset`` = file:jurisdiction) and for quoted texts only.
A text-only tool cannot see a label's size, colour or frame, nor a contract: read the misses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

EXPECTED = ("not_compliant", "compliant", "not_an_ad")
_FORMATS = {"post", "story", "reel", "video", "short", "live"}
_PLATFORMS = {"instagram", "tiktok", "youtube", "x", "facebook", "other"}
_PLATFORM_ALIASES = {"twitter": "x", "snapchat": "other", "pinterest": "other"}
FLAGGED = {"undisclosed", "inadequate", "needs_review"}
STRICT = {"undisclosed", "inadequate"}
PASSED = {"compliant", "not_commercial"}


class RuledFileError(ValueError):
    """A line of a ruled-posts file that cannot be read, with its file and line number."""


def read_ruled(path: Path) -> Iterator[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise RuledFileError(f"{path}: not UTF-8 (byte {e.start}); save it as UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise RuledFileError(f"{path}:{n}: not JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise RuledFileError(f"{path}:{n}: expected a JSON object")
        if row.get("expected") not in EXPECTED:
            raise RuledFileError(
                f"{path}:{n}: 'expected' must be one of {', '.join(EXPECTED)}, "
                f"got {row.get('expected')!r}"
            )
        if not isinstance(row.get("jurisdiction"), str) or not row["jurisdiction"]:
            raise RuledFileError(f"{path}:{n}: 'jurisdiction' is missing")
        if not isinstance(row.get("platform_paid_label", False), bool):
            raise RuledFileError(f"{path}:{n}: 'platform_paid_label' must be true or false")
        for key in ("text", "overlay_text"):
            if row.get(key) is not None and not isinstance(row[key], str):
                raise RuledFileError(f"{path}:{n}: '{key}' must be a string or null")
        row.setdefault("id", f"{path.name}:{n}")
        yield row


def post_text(row: dict[str, Any]) -> str:
    text = (row.get("text") or "").strip()
    overlay = (row.get("overlay_text") or "").strip()
    if text and overlay:
        return f"{overlay}\n{text}" if row.get("format") == "story" else f"{text}\n{overlay}"
    return text or overlay


def _post(row: dict[str, Any], text: str) -> Any:
    from nlp.posts import Platform, Post, PostFormat

    platform = str(row.get("platform") or "instagram").lower()
    platform = _PLATFORM_ALIASES.get(platform, platform)
    fmt = str(row.get("format") or "post").lower()
    return Post(
        id=str(row["id"])[:256],
        text=text,
        platform=Platform(platform if platform in _PLATFORMS else "instagram"),
        format=PostFormat(fmt if fmt in _FORMATS else "post"),
        creator="creator",
        platform_paid_label=bool(row.get("platform_paid_label", False)),
    )


def verdicts(
    rows: list[dict[str, Any]], posts: list[Any], rules_only: bool = False
) -> list[tuple[str, list[str]]]:
    """(verdict, reasons) of the disclosure finding for each row's post, under its
    jurisdiction. Posts are analysed in one batch per jurisdiction (the runtime is
    batch-invariant: a post's findings do not depend on what it is batched with)."""
    from nlp.rules.registry import RulePackRegistry

    registry = RulePackRegistry.default()
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[registry.resolve(r["jurisdiction"])[0].id].append(i)
    out: list[tuple[str, list[str]]] = [("", [])] * len(rows)
    if rules_only:
        from nlp.preprocess import Preprocessor
        from nlp.signals.disclosure import DisclosureAuditor

        auditor = DisclosureAuditor(registry)
        pre = Preprocessor()
        findings = {
            code: [auditor.audit(x, [code]) for x in pre.pipe([posts[i] for i in idx])]
            for code, idx in groups.items()
        }
    else:
        from nlp.analyzer import Analyzer

        analyzer = Analyzer()
        findings = {
            code: [
                a.findings
                for a in analyzer.analyze([posts[i] for i in idx], [code], cross_post=False)
            ]
            for code, idx in groups.items()
        }
    for code, idx in groups.items():
        for i, fs in zip(idx, findings[code], strict=True):
            f = next(f for f in fs if f.kind == "disclosure")
            out[i] = (f.verdict.value, list(f.reasons))
    return out


def share(verdicts: list[str], keep: set[str]) -> float | None:
    """The share of ``verdicts`` in ``keep``, to 4 places; None for no verdicts."""
    return round(sum(v in keep for v in verdicts) / len(verdicts), 4) if verdicts else None


def _rates(pairs: Iterable[tuple[str, str]]) -> dict[str, float | int | None]:
    pairs = list(pairs)
    neg = [v for e, v in pairs if e == "not_compliant"]
    pos = [v for e, v in pairs if e != "not_compliant"]
    return {
        "n_not_compliant": len(neg),
        "n_compliant_or_not_an_ad": len(pos),
        "flagged_rate": share(neg, FLAGGED),
        "strict_rate": share(neg, STRICT),
        "false_pass_rate": share(neg, {"compliant"}),
        "missed_rate": share(neg, {"not_commercial"}),
        "compliant_agreement": share(pos, PASSED),
    }


def metric_lines(
    dataset: str, rows: list[dict[str, Any]], got: list[tuple[str, list[str]]]
) -> Iterator[dict[str, Any]]:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r, (v, _) in zip(rows, got, strict=True):
        groups[dataset].append((r["expected"], v))
        groups[f"{dataset}:{r['jurisdiction']}"].append((r["expected"], v))
        if r.get("text_quality", "quoted") == "quoted":
            groups[f"{dataset}:quoted"].append((r["expected"], v))
    for name in sorted(groups, key=lambda g: (g.count(":"), g)):
        for k, value in _rates(groups[name]).items():
            yield {"task": "ruled_disclosure", "dataset": name, "split": "all", "metric": k,
                   "value": value}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m training.ruled",
        description="agreement of the disclosure audit with regulators' rulings (JSON lines)",
    )
    ap.add_argument("files", nargs="+", type=Path, help="ruled-posts JSONL file(s)")
    ap.add_argument(
        "--rules-only", action="store_true", help="rule packs only, no model (fast, no torch)"
    )
    ap.add_argument(
        "--show",
        default="misses",
        choices=["all", "misses", "none"],
        help="list posts to stderr: every one, those clearpost passed against a "
        "not_compliant ruling or flagged against a compliant one, or none",
    )
    a = ap.parse_args(argv)
    rows: list[dict[str, Any]] = []
    skipped = 0
    for path in a.files:
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
        try:
            for row in read_ruled(path):
                if post_text(row):
                    rows.append(row)
                else:
                    skipped += 1
        except RuledFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if not rows:
        print("error: no post with text in the given file(s)", file=sys.stderr)
        return 2
    from nlp.rules.registry import RulePackRegistry, UnknownJurisdictionError

    try:
        RulePackRegistry.default().resolve(sorted({r["jurisdiction"] for r in rows}))
    except UnknownJurisdictionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from pydantic import ValidationError

    posts = []
    for r in rows:
        try:
            posts.append(_post(r, post_text(r)))
        except ValidationError as e:
            err = e.errors()[0]
            print(f"error: post {r['id']!r}: {err['loc'][0]}: {err['msg']}", file=sys.stderr)
            return 2
    got = verdicts(rows, posts, rules_only=a.rules_only)
    dataset = "+".join(p.stem for p in a.files)
    for line in metric_lines(dataset, rows, got):
        print(json.dumps(line, ensure_ascii=False))
    if skipped:
        print(f"skipped {skipped} row(s) without text", file=sys.stderr)
    confusion = Counter((r["expected"], v) for r, (v, _) in zip(rows, got, strict=True))
    print("expected -> clearpost:", file=sys.stderr)
    for (want, v), n in sorted(confusion.items()):
        print(f"  {want:14s} -> {v:15s} {n}", file=sys.stderr)
    if a.show != "none":
        for r, (v, reasons) in zip(rows, got, strict=True):
            miss = (r["expected"] == "not_compliant" and v in PASSED) or (
                r["expected"] != "not_compliant" and v not in PASSED
            )
            if a.show == "all" or miss:
                text = post_text(r).replace("\n", " / ")[:140]
                print(
                    f"{'MISS' if miss else 'ok  '} {r['id']} [{r['jurisdiction']}] "
                    f"{r['expected']} -> {v} {','.join(reasons)} | {text}",
                    file=sys.stderr,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
