"""``clearpost check "caption" --jurisdiction fr``: for creators before publishing.

Prints, per jurisdiction, the verdict, the reasons, the evidence and a concrete fix
("Put 'Publicité' or 'Collaboration commerciale' at the start of the caption"); ``--json``
prints the findings instead. Exit code 0 when every finding is compliant or not commercial,
1 otherwise (so it can gate a publishing script).
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "Check one caption before publishing: verdict, reasons and the concrete fix."

_OK = {"compliant", "not_commercial"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("caption", help="the caption text ('-' reads it from stdin)")
    parser.add_argument(
        "--jurisdiction", "-j", required=True, help="comma-separated rule packs, e.g. fr or uk,fr"
    )
    parser.add_argument(
        "--platform",
        default="instagram",
        choices=["instagram", "tiktok", "youtube", "x", "facebook", "other"],
    )
    parser.add_argument(
        "--format",
        dest="post_format",
        default="post",
        choices=["post", "story", "reel", "video", "short", "live"],
    )
    parser.add_argument(
        "--paid-label",
        action="store_true",
        help="the platform's own 'Paid partnership' label will be shown",
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")


def run(args: argparse.Namespace) -> int:
    from nlp.posts import Post
    from nlp.preprocess import Preprocessor
    from nlp.rules.registry import RulePackRegistry
    from nlp.signals.disclosure import DisclosureAuditor

    caption = sys.stdin.read() if args.caption == "-" else args.caption
    registry = RulePackRegistry.default()
    packs = registry.resolve(args.jurisdiction)
    post = Post(
        id="check",
        text=caption,
        platform=args.platform,
        format=args.post_format,
        platform_paid_label=args.paid_label,
    )
    pre = Preprocessor().process(post)
    findings = DisclosureAuditor(registry).audit(pre, [p.id for p in packs])
    if args.json:
        print(
            json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False, indent=2)
        )
    else:
        for f in findings:
            pack = registry.get(f.jurisdiction)
            head = f"{pack.name} ({f.rule_pack})" + (
                "" if f.kind == "disclosure" else f" [{f.kind}]"
            )
            print(
                f"{head}: {f.verdict.value.upper().replace('_', ' ')}  (confidence {f.confidence:.2f})"
            )
            if f.reasons:
                print(f"  reasons:  {', '.join(f.reasons)}")
            for e in f.evidence:
                print(
                    f"  evidence: {e.text!r} at {e.start}-{e.end} ({e.label}{': ' + e.detail if e.detail else ''})"
                )
            if f.fix:
                print(f"  fix:      {f.fix}")
            rules = ", ".join(f.rule_ids)
            print(f"  rules:    {rules}")
            print(f"  source:   {f.citation}" + (f" <{f.citation_url}>" if f.citation_url else ""))
            print()
    return 0 if all(f.verdict.value in _OK for f in findings) else 1
