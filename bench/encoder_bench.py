"""Encoder serving benchmark: fp32 vs dynamic int8 vs bf16 on REAL captions (bench.corpus), with
the agreement of each quantised runtime with fp32.

    python -m bench.encoder_bench [--data-dir ../shared/data] [--per-source 50] [--threads 2]
                                  [--artifact DIR] [--json out.json]

Prints ``RESULT name=value unit`` lines (bench.run parses them):
  encoder_<q>_texts_per_s        EncoderTextModel.predict (windows of 128, length-sorted
                                 batches of 32, dynamic padding, every head) on the corpus
  encoder_<q>_fixed<L>_texts_per_s  batch 32 padded to exactly L tokens (MODELS.md's setting)
  encoder_<q>_embed_cos_min|mean    cosine of pooled embeddings vs fp32
  encoder_<q>_prob_maxdiff          max |P - P_fp32| over every head output
  encoder_<q>_decision_agreement    share of (text, head) decisions equal to fp32's
                                    (binary: P > 0.5; multiclass: argmax; multilabel: P > 0.5)
With no trained artifact (none bundled, no --artifact) the heads are seeded random projections:
the probability figures then measure quantisation noise only, not accuracy; a note says so.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import DEFAULT_DATA_DIR, Results, environment, rss_mb, set_threads, write_json

QUANTS = ("fp32", "int8", "int8-full", "bf16")


def _corpus(data_dir: Path, per_source: int, res: Results) -> list[str]:
    try:
        from bench.corpus import load_corpus

        corpus = load_corpus(data_dir, per_source=per_source, seed=0)
        texts = [t for t in corpus.texts if t and t.strip()]
        if texts:
            res.note(corpus.describe())
            return texts
    except Exception as err:  # noqa: BLE001 - a benchmark reports and goes on
        res.note(f"real corpus unavailable ({err}); using the built-in caption sample")
    base = [
        "Monday till Sunday 💌",
        "On a Wednesday 💼🎀 @maisonvalentino #valentinogaravani",
        "Je suis rémunérée par @marque pour cette vidéo, code JULIE20 pour -20% #publicité",
        "New video is up! This video is sponsored by NordVPN: go to nordvpn.com/julie for 70% off. "
        "Thanks for watching, don't forget to like and subscribe ❤️",
    ]
    return base * 25


def _decisions(kind: str, v: Any) -> list[int]:
    if isinstance(v, dict):
        vals = list(v.values())
        if kind == "multiclass":
            return [int(np.argmax(vals))]
        return [int(x > 0.5) for x in vals]
    return [int(v > 0.5)]


def _flat(v: Any) -> list[float]:
    return list(v.values()) if isinstance(v, dict) else [float(v)]


def _fixed_length_rate(rt: Any, length: int, batches: int = 3, bs: int = 32) -> float:
    import torch

    ids = torch.randint(5, 250000, (bs, length))
    ids[:, 0], ids[:, -1] = rt._bos_id, rt._eos_id
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        rt.encoder(input_ids=ids, attention_mask=mask)  # warm-up
        t0 = time.perf_counter()
        for _ in range(batches):
            rt.encoder(input_ids=ids, attention_mask=mask)
        dt = time.perf_counter() - t0
    return batches * bs / dt


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.encoder_bench", description=__doc__)
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--per-source", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--artifact", default=None, help="artifact dir (default: newest bundled)")
    p.add_argument("--quants", default=",".join(QUANTS))
    p.add_argument("--fixed-lengths", default="64,128")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    res = Results("encoder_bench")
    threads = set_threads(a.threads)
    res.note(f"threads={threads} loadavg={os.getloadavg()}")
    texts = _corpus(Path(a.data_dir), a.per_source, res)

    import torch

    from nlp.models.artifact import default_artifact_dir, load_artifact
    from nlp.models.encoder import load_base_encoder
    from nlp.models.multitask import HEADS, MultiTaskModel
    from nlp.models.runtime import EncoderTextModel, RuntimeSettings

    t0 = time.perf_counter()
    base = load_base_encoder()
    res.add("encoder_base_load_s", time.perf_counter() - t0, "s")
    art_dir = Path(a.artifact) if a.artifact else default_artifact_dir()
    if art_dir is None:
        torch.manual_seed(0)
        fp_model = MultiTaskModel(*base, HEADS, lora=None)
        res.note("no trained artifact: heads are seeded random projections (noise check only)")

        def make(q: str) -> Any:
            return EncoderTextModel.from_multitask(
                fp_model,
                settings=RuntimeSettings(quantization=q, num_threads=threads),  # type: ignore[arg-type]
            )
    else:
        res.note(f"artifact {art_dir}")

        def make(q: str) -> Any:
            import copy

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                b = (copy.deepcopy(base[0]), base[1], base[2])
                return load_artifact(
                    art_dir,
                    base=b,
                    settings=RuntimeSettings(quantization=q, num_threads=threads),  # type: ignore[arg-type]
                )

    n_tok = [len(x) for x in base[1](["query: " + t for t in texts], verbose=False)["input_ids"]]
    res.note(
        f"{len(texts)} texts, tokens median {int(np.median(n_tok))}, p90 "
        f"{int(np.percentile(n_tok, 90))}, max {max(n_tok)}"
    )
    ref_pred: list[dict[str, Any]] | None = None
    ref_emb: np.ndarray | None = None
    for q in [x for x in a.quants.split(",") if x]:
        tag = q.replace("-", "_")
        rt = make(q)
        rt.predict(texts[:16])  # warm-up
        dt = time.perf_counter()
        pred = rt.predict(texts)
        dt = time.perf_counter() - dt
        res.add(f"encoder_{tag}_texts_per_s", len(texts) / dt, "texts/s")
        for length in [int(x) for x in a.fixed_lengths.split(",") if x]:
            res.add(
                f"encoder_{tag}_fixed{length}_texts_per_s",
                _fixed_length_rate(rt, length),
                "texts/s",
            )
        emb = rt.encode(texts)
        if ref_pred is None:
            ref_pred, ref_emb = pred, emb
        else:
            assert ref_emb is not None
            cos = (emb * ref_emb).sum(1)
            res.add(f"encoder_{tag}_embed_cos_min", float(cos.min()), "cosine")
            res.add(f"encoder_{tag}_embed_cos_mean", float(cos.mean()), "cosine")
            diffs, agree, total = 0.0, 0, 0
            for a_row, r_row in zip(pred, ref_pred, strict=True):
                for head, spec in HEADS.items():
                    if head not in r_row:
                        continue
                    diffs = max(
                        diffs,
                        float(np.max(np.abs(np.subtract(_flat(a_row[head]), _flat(r_row[head]))))),
                    )
                    da, dr = _decisions(spec.kind, a_row[head]), _decisions(spec.kind, r_row[head])
                    agree += sum(int(x == y) for x, y in zip(da, dr, strict=True))
                    total += len(dr)
            res.add(f"encoder_{tag}_prob_maxdiff", diffs, "abs")
            res.add(f"encoder_{tag}_decision_agreement", agree / max(total, 1), "share")
        res.add(f"encoder_{tag}_rss_peak_mb", rss_mb() or 0.0, "MB")
        del rt
        gc.collect()
    if a.json:
        payload = res.as_dict()
        payload["environment"] = environment()
        write_json(a.json, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
