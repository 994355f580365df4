"""``clearpost sweep INPUT --jurisdiction fr``: cohort metrics as the EU 2024 sweep reports them
(share of creators posting commercial content, always disclosing, disclosure visible without
"more", non-standard wording), with the counts behind each share. JSON on stdout or ``-o``."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "Cohort metrics per jurisdiction, as the EU 2024 influencer sweep reports them."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="analyses (from `clearpost analyze`) or posts")
    parser.add_argument(
        "--jurisdiction", "-j", required=True, help="comma-separated, e.g. fr or uk,fr"
    )
    parser.add_argument("--output", "-o", default="-", help="output file ('-' = stdout, default)")
    parser.add_argument("--no-model", action="store_true", help="posts input: rules only")
    parser.add_argument("--progress", choices=("auto", "on", "off"), default="auto")


def run(args: argparse.Namespace) -> int:
    from nlp.commands.score import load_analyses
    from nlp.scoring.sweep import sweep

    js = [j.strip().lower() for j in args.jurisdiction.split(",") if j.strip()]
    analyses = load_analyses(args.input, ",".join(js), args.no_model, args.progress)
    metrics = [m.model_dump(mode="json") for m in sweep(analyses, js)]
    text = json.dumps(metrics, ensure_ascii=False, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0
