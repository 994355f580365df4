"""``clearpost audit INPUT --jurisdiction uk,fr``: one row per post x jurisdiction.

Columns: ``id, jurisdiction, verdict, reasons, evidence, rule_ids, citation, confidence``
(then ``kind, fix, citation_url, rule_pack``). In CSV the lists are JSON-encoded; JSON Lines
keeps them as lists; Parquet keeps reasons/rule_ids as lists and evidence as JSON text. A
per-row ``jurisdiction`` column (``"uk"`` or ``"uk,fr"``) overrides the flag for that row;
every code is checked before the first post is audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from nlp.commands import add_encoding_argument

if TYPE_CHECKING:
    from nlp.results import Finding

HELP = "Audit a file of posts for sponsorship disclosure under one or more jurisdictions."

COLUMNS = [
    "id",
    "jurisdiction",
    "verdict",
    "reasons",
    "evidence",
    "rule_ids",
    "citation",
    "confidence",
]
EXTRA_COLUMNS = ["kind", "fix", "citation_url", "rule_pack"]
FORMATS = ("csv", "jsonl", "parquet")
PROGRESS_MIN_POSTS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", help="CSV, JSON Lines or Parquet file with at least id and text ('-' = stdin)"
    )
    parser.add_argument(
        "--jurisdiction",
        "-j",
        required=True,
        help="comma-separated rule packs, e.g. uk,fr (gb = uk; `clearpost rules` lists them)",
    )
    parser.add_argument("--output", "-o", default="-", help="output file ('-' = stdout, default)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from the output's extension, else csv)",
    )
    parser.add_argument(
        "--all-findings",
        action="store_true",
        help="also write category (banned/restricted) and extra-label findings as rows",
    )
    add_encoding_argument(parser)
    parser.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar on stderr (auto: only on a terminal and for long inputs)",
    )


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output != "-" else ""
    return {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "parquet": "parquet"}.get(
        suffix, "csv"
    )


def _row_codes(extra: dict[str, Any] | None, default: list[str]) -> list[str]:
    j = (extra or {}).get("jurisdiction")
    if j is None or (isinstance(j, float) and j != j) or not str(j).strip():
        return default
    return [c.strip() for c in str(j).replace(";", ",").split(",") if c.strip()]


def finding_row(f: Finding) -> dict[str, Any]:
    return {
        "id": f.post_id,
        "jurisdiction": f.jurisdiction,
        "verdict": f.verdict.value,
        "reasons": list(f.reasons),
        "evidence": [e.model_dump() for e in f.evidence],
        "rule_ids": list(f.rule_ids),
        "citation": f.citation,
        "confidence": f.confidence,
        "kind": f.kind,
        "fix": f.fix,
        "citation_url": f.citation_url,
        "rule_pack": f.rule_pack,
    }


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


class _Writer:
    def __init__(self, fmt: str, out: str) -> None:
        from nlp.errors import InputError

        self.fmt = fmt
        self.out = out
        self.rows: list[dict[str, Any]] = []
        self._fh: TextIO | None = None
        self._csv: Any = None
        if fmt == "parquet" and out == "-":
            raise InputError("--format parquet needs an --output file (it cannot go to stdout)")
        if fmt in ("csv", "jsonl"):
            self._fh = (
                sys.stdout if out == "-" else open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
            )
            if fmt == "csv":
                import csv

                self._csv = csv.DictWriter(self._fh, fieldnames=COLUMNS + EXTRA_COLUMNS)
                self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "csv":
            flat = dict(row)
            for k in ("reasons", "evidence", "rule_ids"):
                flat[k] = _json(row[k])
            self._csv.writerow(flat)
        elif self.fmt == "jsonl":
            assert self._fh is not None
            self._fh.write(_json(row) + "\n")
        else:
            self.rows.append(row)

    def close(self) -> None:
        if self.fmt == "parquet":
            import pandas as pd

            df = pd.DataFrame(self.rows, columns=COLUMNS + EXTRA_COLUMNS)
            df["evidence"] = df["evidence"].map(_json)
            df.to_parquet(self.out, index=False)
        elif self._fh is not None:
            self._fh.flush()
            if self._fh is not sys.stdout:
                self._fh.close()


def read_posts(source: str, encoding: str | None = None) -> tuple[list[Any], list[dict[str, Any]]]:
    """Posts and per-row extras through the project's reader (``nlp.ingest.read_table``)."""
    from nlp.ingest import read_table

    posts, extras = read_table(sys.stdin.buffer if source == "-" else source, encoding=encoding)
    return list(posts), [dict(e or {}) for e in extras]


def _progress(it: Iterator[Any], total: int, mode: str) -> Iterator[Any]:
    if mode == "off" or (
        mode == "auto" and (total < PROGRESS_MIN_POSTS or not sys.stderr.isatty())
    ):
        return it
    from tqdm import tqdm

    return iter(tqdm(it, total=total, file=sys.stderr, unit="post", desc="audit"))


def run(args: argparse.Namespace) -> int:
    from nlp.errors import InputError, UnknownJurisdictionError
    from nlp.preprocess import Preprocessor
    from nlp.rules.registry import RulePackRegistry
    from nlp.signals.disclosure import DisclosureAuditor

    registry = RulePackRegistry.default()
    default_codes = [p.id for p in registry.resolve(args.jurisdiction)]
    if args.input != "-" and not Path(args.input).exists():
        raise InputError(f"input file {args.input} does not exist")
    posts, extras = read_posts(args.input, args.encoding)
    if len(extras) < len(posts):
        extras += [{} for _ in range(len(posts) - len(extras))]

    # Every per-row code is checked before the first audit: fail loudly, never half-way.
    per_row: list[list[str]] = []
    bad: dict[str, list[int]] = {}
    for i, extra in enumerate(extras[: len(posts)]):
        codes = _row_codes(extra, default_codes)
        try:
            per_row.append([p.id for p in registry.resolve(codes)])
        except UnknownJurisdictionError as exc:
            for u in exc.unknown:
                bad.setdefault(u, []).append(i + 1)
            per_row.append([])
    if bad:
        where = "; ".join(f"{code!r} in row(s) {rows[:10]}" for code, rows in bad.items())
        raise UnknownJurisdictionError([f"{where}"], registry.codes())

    fmt = _output_format(args)
    writer = _Writer(fmt, args.output)
    auditor = DisclosureAuditor(registry)
    pre_iter = Preprocessor().pipe(posts)
    try:
        for pre, codes in _progress(zip(pre_iter, per_row, strict=True), len(posts), args.progress):
            for f in auditor.audit(pre, codes):
                if f.kind == "disclosure" or args.all_findings:
                    writer.write(finding_row(f))
    finally:
        writer.close()
    return 0
