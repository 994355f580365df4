"""``clearpost rules [CODE ...] [--json]``: the rule packs a verdict can cite.

Without a code: one line per pack (id, version, effective date, name, authority). With codes
(ids, aliases, ISO codes or country names, as ``--jurisdiction`` takes them): each pack's scope,
its rules with the citation and URL a finding under that rule carries, and its sources.
``--json`` prints the same as ``GET /v1/rules`` does (``nlp.rules.registry.pack_summary``).
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

HELP = "List the jurisdiction rule packs, or one pack's rules with their legal citations."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "codes",
        nargs="*",
        metavar="CODE",
        help="packs to show in full (uk, fr, gb, Deutschland ...); none: list every pack",
    )
    parser.add_argument("--json", action="store_true", help="print the packs as JSON")


def _lines(s: dict[str, Any]) -> list[str]:
    out = [
        f"{s['ref']}  {s['name']}, effective {s['effective_date']}",
        f"authority: {s['authority']}",
    ]
    if s["aliases"]:
        out.append(f"also: {', '.join(s['aliases'])}")
    out += textwrap.wrap(f"scope: {' '.join(s['scope'].split())}", width=96, subsequent_indent="  ")
    out.append("rules:")
    for r in s["rules"]:
        out.append(f"  {r['id']}: {r['title']}")
        out.append(
            f"      {r['citation']}" + (f" <{r['citation_url']}>" if r["citation_url"] else "")
        )
    out.append("sources:")
    for src in s["sources"]:
        out.append(f"  {src['id']}: {src['citation']}")
        out.append(f"      {src['url'] or '(no URL recorded)'}")
    return out


def run(args: argparse.Namespace) -> int:
    from nlp.rules.registry import RulePackRegistry, pack_summary

    registry = RulePackRegistry.default()
    packs = (
        registry.resolve(args.codes) if args.codes else [registry.get(c) for c in registry.codes()]
    )
    summaries = [pack_summary(p) for p in packs]
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False, indent=2))
    elif not args.codes:
        for s in summaries:
            print(
                f"{s['id']}  {s['version']:<8} {s['effective_date']}  {s['name']}: {s['authority']}"
            )
    else:
        print("\n\n".join("\n".join(_lines(s)) for s in summaries))
    return 0
