"""``clearpost`` command line. Exit codes: 0 ok, 1 findings/bad input reported, 2 usage."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from nlp import __version__
from nlp.commands import COMMANDS
from nlp.errors import ClearpostError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clearpost", description="Audit influencer posts: disclosure, tone, authenticity."
    )
    parser.add_argument("--version", action="version", version=f"clearpost {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, modname in COMMANDS.items():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        # argparse %-formats help strings: escape a literal '%' ("80% interval")
        text = mod.HELP.replace("%", "%%")
        p = sub.add_parser(name, help=text, description=text)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except ClearpostError as exc:
        print(f"clearpost: error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
