"""The disclosure audit on human-labelled Instagram intent (MDID, Kruk et al. 2019):
``python -m training.audit_intent [--data-dir ../shared/data] [--jurisdiction uk] [--rules-only]``.

MDID's 1,284 captions carry the author's intent as people judged it (from image and text);
185 are ``promote``: brands, shops and creators promoting a product, almost none of them
disclosed. No other public set labels commercial intent on real Instagram posts, so this is
where the audit's first question (is the post commercial at all?) can be measured against
people. Evaluation only: it is never trained or tuned on (see ``training.data.EVAL_ONLY``).

Prints one JSON object per metric and line, like ``training.ruled``:
- ``promote_flagged_rate``: of the promote posts, the share the audit did not pass
  (undisclosed, inadequate or needs_review: what a reviewer would be shown);
- ``promote_strict_rate``: the share it called undisclosed or inadequate on its own;
- ``promote_missed_rate``: the share it called not_commercial;
- ``other_flagged_rate``: of the posts people judged not promotional, the share it flagged
  anyway (the review load it adds);
- ``other_strict_rate``: the share of those it called undisclosed or inadequate.
Read it with MDID's caveats: labels were given with the image in view, the 2018 posts were
sampled by hashtag (brands' own accounts among them), and ``promote`` is intent, not a
contract: a flagged non-promote post is not necessarily a mistake, nor a missed one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from training.ruled import FLAGGED, STRICT, share, verdicts

# as training.train has it (not imported from there: it imports torch, --rules-only does not)
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MDID = Path("mdid_instagram_intent") / "posts.csv"


def read_mdid(path: Path) -> list[tuple[str, str, bool]]:
    """(id, caption, promote) per post; an empty caption is kept as empty text."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"id", "orig_caption", "intent"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return [
        (str(r.id), str(r.orig_caption), str(r.intent) == "promote")
        for r in df.itertuples(index=False)
    ]


def audit_verdicts(
    rows: Sequence[tuple[str, str, bool]], jurisdiction: str, rules_only: bool = False
) -> list[str]:
    """The disclosure verdict of each caption under ``jurisdiction`` (``training.ruled``'s)."""
    from nlp.posts import Post

    posts = [Post(id=i or str(n), creator="creator", text=t) for n, (i, t, _) in enumerate(rows)]
    got = verdicts([{"jurisdiction": jurisdiction}] * len(rows), posts, rules_only)
    return [v for v, _ in got]


def rates(promote: Sequence[bool], verdicts: Sequence[str]) -> dict[str, float | int | None]:
    pos = [v for p, v in zip(promote, verdicts, strict=True) if p]
    neg = [v for p, v in zip(promote, verdicts, strict=True) if not p]
    return {
        "n_promote": len(pos),
        "n_other": len(neg),
        "promote_flagged_rate": share(pos, FLAGGED),
        "promote_strict_rate": share(pos, STRICT),
        "promote_missed_rate": share(pos, {"not_commercial"}),
        "other_flagged_rate": share(neg, FLAGGED),
        "other_strict_rate": share(neg, STRICT),
    }


def metric_lines(dataset: str, values: dict[str, float | int | None]) -> Iterator[dict[str, Any]]:
    for k, v in values.items():
        yield {"task": "audit_intent", "dataset": dataset, "split": "test", "metric": k, "value": v}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m training.audit_intent",
        description="the disclosure audit against MDID's human intent labels (JSON lines)",
    )
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--jurisdiction", "-j", default="uk")
    ap.add_argument(
        "--rules-only", action="store_true", help="rule packs only, no model (fast, no torch)"
    )
    a = ap.parse_args(argv)
    path = a.data_dir / MDID
    if not path.is_file():
        print(f"error: {path}: no such file (MDID, see its SOURCE.md)", file=sys.stderr)
        return 2
    from nlp.rules.registry import RulePackRegistry

    code = RulePackRegistry.default().resolve(a.jurisdiction)[0].id
    rows = read_mdid(path)
    verdicts = audit_verdicts(rows, code, a.rules_only)
    dataset = f"mdid_instagram_intent:{code}" + (":rules_only" if a.rules_only else "")
    for line in metric_lines(dataset, rates([p for _, _, p in rows], verdicts)):
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
