"""Average trained artifacts of one recipe into one artifact (a "model soup", Wortsman et al. 2022).

    python -m training.soup --artifacts runs/a/clearpost-mtl-0.2.0 runs/b/clearpost-mtl-0.3.0 \
        --out-root runs/soup --version 0.3.0
    python -m training.recalibrate --artifact runs/soup/clearpost-mtl-0.3.0   # required after

Every input must share the base weights, the heads and label maps, the LoRA targets and the
LoRA scaling (alpha / r): runs of one recipe from the same seed, e.g. the CPU standard profile
and the GPU profile. The average of the weight updates is exact, not approximated: the LoRA
update of module W in input i is s * B_i A_i, so the weighted mean sum_i w_i s B_i A_i is again
a LoRA with A = [A_1; A_2; ...] and B = [w_1 B_1, w_2 B_2, ...] of rank sum(r_i) and the same
scaling s (alpha is scaled with r). Heads (one linear layer each) are averaged weight by
weight. Temperatures and thresholds do not average: the soup must be recalibrated on
validation before it is evaluated or served, and ``calibration`` is left empty until then.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from nlp.models.artifact import META_FILE, WEIGHTS_FILE, library_versions, read_meta
from nlp.models.encoder import sha256_file


def _check_compatible(metas: Sequence[dict[str, Any]]) -> None:
    first = metas[0]
    for m in metas[1:]:
        for key in ("base", "max_length", "text_prefix"):
            if m.get(key) != first.get(key):
                raise ValueError(f"artifacts differ in {key!r}: {m.get(key)} != {first.get(key)}")
        if m["config"]["heads"] != first["config"]["heads"]:
            raise ValueError("artifacts have different heads or label maps")
        la, lb = m["config"]["lora"], first["config"]["lora"]
        if la["target_modules"] != lb["target_modules"]:
            raise ValueError("artifacts adapt different modules")
        if la["alpha"] / la["r"] != lb["alpha"] / lb["r"]:
            raise ValueError("artifacts have different LoRA scaling (alpha / r)")


def soup_state(
    states: Sequence[dict[str, torch.Tensor]], weights: Sequence[float]
) -> dict[str, torch.Tensor]:
    """Concatenate LoRA factors (B scaled by each weight), average everything else."""
    keys = set(states[0])
    if any(set(s) != keys for s in states[1:]):
        raise ValueError("artifacts hold different parameter sets")
    out: dict[str, torch.Tensor] = {}
    for k in sorted(keys):
        ts = [s[k].float() for s in states]
        if ".lora_A." in k:
            out[k] = torch.cat(ts, dim=0).contiguous()
        elif ".lora_B." in k:
            out[k] = torch.cat(
                [w * t for w, t in zip(weights, ts, strict=True)], dim=1
            ).contiguous()
        else:
            out[k] = torch.stack([w * t for w, t in zip(weights, ts, strict=True)]).sum(0)
    return out


def make_soup(
    artifacts: Sequence[Path],
    out_root: Path,
    *,
    version: str,
    weights: Sequence[float] | None = None,
) -> Path:
    from safetensors.torch import load_file, save_file

    if len(artifacts) < 2:
        raise ValueError("a soup needs at least two artifacts")
    w = [1.0 / len(artifacts)] * len(artifacts) if weights is None else [float(x) for x in weights]
    if len(w) != len(artifacts) or abs(sum(w) - 1.0) > 1e-6 or min(w) < 0:
        raise ValueError("weights must be one non-negative number per artifact, summing to 1")
    metas = [read_meta(a) for a in artifacts]
    _check_compatible(metas)
    state = soup_state([load_file(str(Path(a) / WEIGHTS_FILE)) for a in artifacts], w)
    first = metas[0]
    d = Path(out_root) / f"{first['name']}-{version}"
    d.mkdir(parents=True, exist_ok=True)
    save_file(state, str(d / WEIGHTS_FILE))
    (d / WEIGHTS_FILE).chmod(0o644)
    meta = json.loads(json.dumps(first))
    lora = meta["config"]["lora"]
    r = sum(int(m["config"]["lora"]["r"]) for m in metas)
    scaled = lora["alpha"] * r / lora["r"]
    lora["alpha"] = int(scaled) if float(scaled).is_integer() else scaled
    lora["r"] = r
    meta.update(
        version=version,
        calibration={},
        calibration_detail={"method": "none yet: run python -m training.recalibrate"},
        metrics={},
        library_versions=library_versions(),
        weights_sha256=sha256_file(d / WEIGHTS_FILE),
        soup={
            "method": "weighted mean of the LoRA updates (exact, rank concatenation) and heads",
            "ingredients": [
                {
                    "name": m["name"],
                    "version": m["version"],
                    "weight": wi,
                    "weights_sha256": m.get("weights_sha256"),
                    "training": m.get("training", {}),
                    "training_run": m.get("training_run", {}),
                    "library_versions": m.get("library_versions", {}),
                }
                for m, wi in zip(metas, w, strict=True)
            ],
        },
    )
    meta["training_run"] = {
        "soup_of": [f"{m['name']} {m['version']}" for m in metas],
        "steps": sum(int(m.get("training_run", {}).get("steps", 0)) for m in metas),
        "train_minutes": round(
            sum(float(m.get("training_run", {}).get("train_minutes", 0)) for m in metas), 2
        ),
    }
    (d / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--artifacts", nargs="+", required=True)
    ap.add_argument("--weights", nargs="+", type=float, default=None)
    ap.add_argument("--out-root", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args(argv)
    d = make_soup([Path(p) for p in a.artifacts], Path(a.out_root), version=a.version,
                  weights=a.weights)  # fmt: skip
    print(d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
