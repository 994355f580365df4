"""Refit an artifact's temperatures and thresholds on the validation splits through the serving
path it will actually run (``--quantization auto`` = bf16 on a CPU with native bf16, else int8).

    python -m training.recalibrate --artifact nlp/models/artifacts/clearpost-mtl-0.2.0

Training calibrates through ``eval.quantization`` of its config; when serving runs at another
precision the logits shift a little and the fitted temperatures no longer match them. This
reruns training's own ``calibrate_and_validate`` on logits from ``load_artifact`` (validation
splits only, never test) and rewrites ``calibration``, ``calibration_detail``, the validation
metrics and the model card. The weights are untouched; the artifact's sha256 changes, because
its outputs do.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import torch

from training.evaluate import latest_artifact, runtime_settings
from training.train import DEFAULT_DATA_DIR, calibrate_and_validate, head_logits, load_data


def recalibrate(
    art: Path, data_dir: Path, quantization: str = "auto", base: Any = None
) -> dict[str, Any]:
    """``base``: an already loaded base encoder (tests); default: the one the artifact names."""
    from nlp.models.artifact import META_FILE, load_artifact, read_meta
    from training.card import write_model_card

    meta = read_meta(art)
    served = load_artifact(art, settings=runtime_settings(meta, quantization), base=base)
    precision = served.info["quantization"]
    cfg = copy.deepcopy(dict(meta["training"]))
    cfg.setdefault("eval", {})["quantization"] = precision
    train_sets, _ = load_data(cfg, data_dir)
    calib, val_metrics = calibrate_and_validate(
        None,  # type: ignore[arg-type]
        None,
        cfg,
        train_sets,
        logits_provider=lambda _name, td, texts: head_logits(served, texts, td.head),
    )
    raw = json.loads((art / META_FILE).read_text(encoding="utf-8"))
    before = dict(raw.get("calibration") or {})
    raw["calibration"] = calib["temperatures"]
    raw["calibration_detail"] = calib
    raw.setdefault("metrics", {})["validation"] = val_metrics
    (art / META_FILE).write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
    write_model_card(art)
    return {"precision": precision, "before": before, "after": calib["temperatures"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--artifact", default=None, help="default: newest under nlp/models/artifacts")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--quantization", default="auto", choices=["auto", "int8", "bf16", "fp32"])
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    art = Path(a.artifact) if a.artifact else latest_artifact()
    out = recalibrate(art, Path(a.data_dir), a.quantization)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
