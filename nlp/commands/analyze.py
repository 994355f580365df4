"""``clearpost analyze INPUT -o analyses.parquet [--jurisdiction uk,fr] [--no-model]``.

One row per post: flat key columns (verdict per jurisdiction, commercial probability,
sentiment, authenticity flags ...) and the whole ``PostAnalysis`` as JSON in ``analysis``, which
``clearpost score`` and ``clearpost sweep`` read back. Parquet or JSON Lines by the output's
suffix (``-`` writes JSON Lines to stdout). Cross-post signals (scripted copy, engagement
benchmarks, duplicate comments) are computed over the whole INPUT.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nlp.commands import add_encoding_argument

HELP = "Analyse posts (disclosure, commercial intent, tone, authenticity) into an analyses file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", help="posts: CSV, JSON Lines or Parquet (id/url and text required)"
    )
    parser.add_argument(
        "--output",
        "-o",
        default="analyses.parquet",
        help="analyses file: .parquet or .jsonl ('-' = JSON Lines on stdout); default analyses.parquet",
    )
    parser.add_argument(
        "--jurisdiction",
        "-j",
        default="uk",
        help="comma-separated rule packs, e.g. uk,fr (default uk)",
    )
    parser.add_argument("--no-model", action="store_true", help="rules only: do not load the model")
    parser.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (default) or ray (Parquet in, a directory of Parquet shards out)",
    )
    parser.add_argument("--batch-size", type=int, default=None, help="posts per model batch")
    add_encoding_argument(parser)
    parser.add_argument(
        "--num-actors",
        type=int,
        default=None,
        help="--engine ray: model-holding worker actors (default: the cluster's CPUs // 2)",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar on stderr (auto: on a terminal)",
    )


def _out_format(output: str) -> str:
    if output == "-":
        return "jsonl"
    suffix = Path(output).suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    from nlp.errors import InputError

    raise InputError(f"--output {output}: use a .parquet or .jsonl file (or '-')", code="E104")


def write_frame(df: Any, output: str) -> None:
    fmt = _out_format(output)
    if fmt == "parquet":
        df.to_parquet(output, index=False)
    elif output == "-":
        df.to_json(sys.stdout, orient="records", lines=True, force_ascii=False)
    else:
        df.to_json(output, orient="records", lines=True, force_ascii=False)


def analyze_posts(
    posts: list[Any],
    jurisdictions: str,
    no_model: bool,
    progress: str,
    batch_size: int | None = None,
) -> tuple[list[Any], list[str]]:
    """Posts -> (analyses, resolved jurisdictions) with a tqdm bar on stderr."""
    from nlp.analyzer import Analyzer, settle_heap

    analyzer = Analyzer(
        model=None if no_model else "default",
        batch_size=batch_size,
        jurisdictions=tuple(j for j in jurisdictions.split(",") if j.strip()),
    )
    settle_heap()
    js = analyzer.jurisdictions
    show = progress == "on" or (progress == "auto" and sys.stderr.isatty())
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(posts), file=sys.stderr, unit="post", desc="analyze")
    try:
        analyses = analyzer.analyze(posts, js, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return analyses, js


def run(args: argparse.Namespace) -> int:
    from nlp.errors import InputError

    remote = "://" in args.input  # s3://, gs://, hdfs://: the engine reads it, not this process
    if args.input != "-" and not remote and not Path(args.input).exists():
        raise InputError(f"input file {args.input} does not exist", code="E102")
    if args.num_actors is not None and args.engine != "ray":
        raise InputError("--num-actors needs --engine ray", code="E103")
    if args.engine == "ray":
        from nlp.engines.ray_engine import run_ray

        summary = run_ray(
            args.input,
            args.output,
            jurisdictions=[j for j in args.jurisdiction.split(",") if j.strip()],
            model=None if args.no_model else "default",
            batch_size=args.batch_size or 256,
            num_actors=args.num_actors,
        )
        print(f"analyzed {summary.n_posts} posts -> {summary.output_path}", file=sys.stderr)
        return 0
    _out_format(args.output)  # fail before the work, not after
    from nlp.analyzer import analyses_to_frame
    from nlp.ingest import read_table

    posts, _extras = read_table(
        sys.stdin.buffer if args.input == "-" else args.input, encoding=args.encoding
    )
    analyses, js = analyze_posts(
        list(posts), args.jurisdiction, args.no_model, args.progress, args.batch_size
    )
    write_frame(analyses_to_frame(analyses, js), args.output)
    if args.output != "-":
        print(f"analyzed {len(analyses)} posts ({', '.join(js)}) -> {args.output}", file=sys.stderr)
    return 0
