"""Artifact refusals (fast, tiny model) and one real-encoder round trip (slow)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from nlp.errors import ModelArtifactError
from nlp.models import artifact as art
from nlp.models.multitask import HEADS, LoraSettings, MultiTaskModel
from nlp.models.runtime import RuntimeSettings
from tests.unit.test_multitask import TINY_SHA, tiny_base


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = MultiTaskModel(*tiny_base(), HEADS, lora=LoraSettings(r=2, alpha=4))
    root = tmp_path_factory.mktemp("artifacts")
    d = art.save_artifact(model, root, name="tiny", version="1.2.0", metrics={"f1": 0.5})
    art.write_model_card(d, summary="A tiny test model.", limitations="None: it is random.")
    return d


def _copy(saved: Path, tmp_path: Path) -> Path:
    d = tmp_path / saved.name
    shutil.copytree(saved, d)
    return d


def _edit_meta(d: Path, fn) -> None:  # type: ignore[no-untyped-def]
    p = d / art.META_FILE
    meta = json.loads(p.read_text())
    fn(meta)
    p.write_text(json.dumps(meta))


def test_artifact_is_self_describing(saved: Path) -> None:
    meta = art.read_meta(saved)
    assert meta["base"]["sha256"] == TINY_SHA
    assert meta["config"]["heads"]["sentiment"]["labels"] == ["negative", "neutral", "positive"]
    assert meta["config"]["lora"]["r"] == 2
    assert {"torch", "transformers", "peft"} <= set(meta["library_versions"])
    assert (saved / art.CARD_FILE).read_text().startswith("# tiny 1.2.0")
    model = art.load_artifact(
        saved, base=tiny_base(), settings=RuntimeSettings(quantization="fp32")
    )
    assert model.info["id"] == "tiny" and model.info["version"] == "1.2.0"
    assert model.info["sha256"] == art.artifact_sha256(saved)


def test_artifact_refuses_missing_meta(saved: Path, tmp_path: Path) -> None:
    d = _copy(saved, tmp_path)
    (d / art.META_FILE).unlink()
    with pytest.raises(ModelArtifactError) as err:
        art.load_artifact(d, base=tiny_base())
    assert err.value.code == "E410"


def test_artifact_refuses_mismatched_base_hash(saved: Path) -> None:
    model, tok, info = tiny_base()
    info["sha256"] = "f" * 64
    with pytest.raises(ModelArtifactError) as err:
        art.load_artifact(saved, base=(model, tok, info))
    assert err.value.code == "E411" and TINY_SHA in str(err.value)


def test_artifact_refuses_label_map_that_does_not_fit_the_heads(
    saved: Path, tmp_path: Path
) -> None:
    d = _copy(saved, tmp_path)

    def add_label(meta: dict) -> None:  # type: ignore[type-arg]
        meta["config"]["heads"]["sentiment"]["labels"].append("mixed")

    _edit_meta(d, add_label)
    with pytest.raises(ModelArtifactError) as err:
        art.load_artifact(d, base=tiny_base())
    assert err.value.code == "E412" and "sentiment" in str(err.value)


def test_artifact_refuses_altered_weights(saved: Path, tmp_path: Path) -> None:
    d = _copy(saved, tmp_path)
    with (d / art.WEIGHTS_FILE).open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelArtifactError) as err:
        art.load_artifact(d, base=tiny_base())
    assert err.value.code == "E413"


def test_artifact_warns_on_library_version_change(saved: Path, tmp_path: Path) -> None:
    d = _copy(saved, tmp_path)
    _edit_meta(d, lambda m: m["library_versions"].update(torch="1.0.0"))
    with pytest.warns(art.ArtifactVersionWarning, match="torch saved 1.0.0"):
        art.load_artifact(d, base=tiny_base(), settings=RuntimeSettings(quantization="fp32"))


def test_artifact_default_dir_picks_newest_and_none_when_empty(saved: Path, tmp_path: Path) -> None:
    assert art.default_artifact_dir(tmp_path / "nothing") is None
    assert art.load_default_model(root=tmp_path / "nothing") is None
    shutil.copytree(saved, tmp_path / "tiny-1.2.0")
    shutil.copytree(saved, tmp_path / "tiny-1.10.0")
    _edit_meta(tmp_path / "tiny-1.10.0", lambda m: m.update(version="1.10.0"))
    assert art.default_artifact_dir(tmp_path) == tmp_path / "tiny-1.10.0"


@pytest.mark.slow
def test_artifact_real_encoder_round_trip(tmp_path: Path) -> None:
    from tests.unit.test_encoder import fresh_real_base

    torch.manual_seed(0)
    model = MultiTaskModel(*fresh_real_base(), HEADS, lora=LoraSettings())
    # make the adapters non-trivial (peft initialises lora_B to zero)
    with torch.no_grad():
        for n, p in model.encoder.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.01)
    d = art.save_artifact(model, tmp_path, name="real", version="0.0.1", max_length=64)
    assert (d / art.WEIGHTS_FILE).stat().st_size < 8_000_000
    texts = ["#ad love this serum 😍", "je suis rémunérée par la marque", "what a terrible day"]
    settings = RuntimeSettings(quantization="fp32", max_length=64)
    from nlp.models.runtime import EncoderTextModel

    before = EncoderTextModel.from_multitask(model, settings=settings).predict(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        after = art.load_artifact(d, settings=settings, base=fresh_real_base())
    got = after.predict(texts)
    for a, b in zip(before, got, strict=True):
        assert abs(a["commercial"] - b["commercial"]) < 1e-5
        np.testing.assert_allclose(
            list(a["emotion"].values()), list(b["emotion"].values()), atol=1e-5
        )
    assert after.info["base_sha256"].startswith("1571fc98")


def test_artifact_serves_with_the_prefix_it_was_trained_with(saved: Path, tmp_path: Path) -> None:
    d = _copy(saved, tmp_path)
    _edit_meta(d, lambda m: m.update(text_prefix=""))
    model = art.load_artifact(d, base=tiny_base(), settings=RuntimeSettings(quantization="fp32"))
    assert model.settings.prefix == ""
