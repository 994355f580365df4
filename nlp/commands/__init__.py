"""CLI sub-commands, one module each. A module defines ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int`` and keeps heavy imports inside ``run``."""

from __future__ import annotations

import argparse

COMMANDS: dict[str, str] = {
    "audit": "nlp.commands.audit",
    "check": "nlp.commands.check",
    "analyze": "nlp.commands.analyze",
    "score": "nlp.commands.score",
    "sweep": "nlp.commands.sweep",
    "report": "nlp.commands.report",
    "serve": "nlp.commands.serve",
    "keys": "nlp.commands.keys",
    "rules": "nlp.commands.rules",
}


def add_encoding_argument(parser: argparse.ArgumentParser) -> None:
    """``--encoding`` for the commands that read a posts file (``nlp.ingest.read_table``)."""
    parser.add_argument(
        "--encoding",
        default=None,
        help="text encoding of a CSV/JSON input that is not UTF-8 (cp1252, latin-1, ...)",
    )
