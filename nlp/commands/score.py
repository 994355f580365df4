"""``clearpost score INPUT [--profile vetting] [--format csv|json] -o OUT``.

INPUT is an analyses file written by ``clearpost analyze`` (it has an ``analysis`` column) or a
posts file, analysed first (``--jurisdiction``, ``--no-model`` apply then). JSON output: a list
of objects with ``creator, score, band, interval [low, high], n_posts, components`` (each
``name, value, weight, contribution, evidence``), plus period, profile, flags and versions. CSV:
one row per creator, one ``<component>_value`` / ``_contribution`` column pair per component.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nlp.commands import add_encoding_argument

HELP = "Score creators 0-100 (with band, 80% interval and explained components)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", help="analyses (.parquet/.jsonl from `clearpost analyze`) or posts"
    )
    parser.add_argument("--output", "-o", default="-", help="output file ('-' = stdout, default)")
    parser.add_argument(
        "--format",
        choices=("json", "csv"),
        default=None,
        help="default: from the output's suffix, else json",
    )
    parser.add_argument(
        "--profile", default="compliance", help="weight profile: compliance, vetting"
    )
    parser.add_argument(
        "--weights",
        default=None,
        help="JSON object overriding weights, e.g. '{\"disclosure\": 0.6}'",
    )
    parser.add_argument(
        "--jurisdiction",
        "-j",
        default=None,
        help="whose verdicts count (worst across them); default all in the input",
    )
    parser.add_argument("--no-model", action="store_true", help="posts input: rules only")
    parser.add_argument("--progress", choices=("auto", "on", "off"), default="auto")
    add_encoding_argument(parser)


def load_analyses(
    path: str,
    jurisdiction: str | None,
    no_model: bool,
    progress: str,
    encoding: str | None = None,
) -> list[Any]:
    """Analyses from an analyses file, or by analysing a posts file."""
    import pandas as pd

    from nlp.analyzer import FRAME_ANALYSIS_COLUMN, analyses_from_frame
    from nlp.errors import InputError

    p = Path(path)
    if path != "-" and not p.exists():
        raise InputError(f"input file {path} does not exist", code="E102")
    suffix = p.suffix.lower()
    frame = None
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(p, columns=None)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(p, lines=True, dtype=False)
    except ValueError:
        frame = None
    if frame is not None and FRAME_ANALYSIS_COLUMN in frame.columns:
        return analyses_from_frame(frame)
    from nlp.commands.analyze import analyze_posts
    from nlp.ingest import read_table

    posts, _ = read_table(sys.stdin.buffer if path == "-" else path, encoding=encoding)
    analyses, _js = analyze_posts(list(posts), jurisdiction or "uk", no_model, progress)
    return analyses


def _csv_rows(public: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for t in public:
        row: dict[str, Any] = {
            "creator": t["creator"],
            "score": t["score"],
            "band": t["band"],
            "interval_low": t["interval"][0],
            "interval_high": t["interval"][1],
            "n_posts": t["n_posts"],
            "period_start": t["period"][0],
            "period_end": t["period"][1],
            "profile": t["profile"],
            "flags": ";".join(t["flags"]),
        }
        for c in t["components"]:
            row[f"{c['name']}_value"] = c["value"]
            row[f"{c['name']}_weight"] = c["weight"]
            row[f"{c['name']}_contribution"] = c["contribution"]
            row[f"{c['name']}_evidence"] = ";".join(c["evidence"])
        rows.append(row)
    return rows


def run(args: argparse.Namespace) -> int:
    from nlp.errors import ConfigError
    from nlp.scoring.trust import score_creators, trust_to_public

    weights = None
    if args.weights:
        try:
            weights = json.loads(args.weights)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--weights is not a JSON object: {exc}", code="E501") from exc
        if not isinstance(weights, dict):
            raise ConfigError("--weights must be a JSON object of component -> weight", code="E501")
    # validate the profile and weights before any analysis work
    from nlp.scoring.trust import profile_weights

    profile_weights(args.profile, weights)
    fmt = args.format or ("csv" if args.output.lower().endswith(".csv") else "json")
    analyses = load_analyses(
        args.input, args.jurisdiction, args.no_model, args.progress, args.encoding
    )
    js = [j.strip() for j in args.jurisdiction.split(",")] if args.jurisdiction else None
    trusts = score_creators(analyses, profile=args.profile, weights=weights, jurisdictions=js)
    public = [trust_to_public(t) for t in trusts]
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        if fmt == "json":
            json.dump(public, out, ensure_ascii=False, indent=2)
            out.write("\n")
        else:
            import csv

            rows = _csv_rows(public)
            if rows:
                w = csv.DictWriter(out, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
