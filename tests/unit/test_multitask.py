"""MultiTaskModel on a tiny randomly initialised BERT (fast): every head overfits a handful of
examples, survives save -> reload with identical predictions, and batch == one-by-one
(spaCy's test_overfitting_IO)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from nlp.models.artifact import load_artifact, save_artifact
from nlp.models.base import TextModel
from nlp.models.multitask import (
    EMOTION_LABELS,
    EMOTION_VIEWS,
    HEADS,
    LoraSettings,
    MultiTaskModel,
    head_loss,
)
from nlp.models.runtime import EncoderTextModel, RuntimeSettings, resolve_workers
from nlp.models.splitk import SplitKLinear

TINY_SHA = "tiny-" + "0" * 59

# text -> labels per head (binary/multiclass: index; emotion: multi-hot over EMOTION_LABELS)
EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    (
        "buy my new serum link in bio #ad",
        {
            "commercial": 1,
            "disclosure": 1,
            "sentiment": 2,
            "offensive": 0,
            "spam": 0,
            "machine": 0,
            "emotion": ["joy", "anticipation"],
        },
    ),
    (
        "i hate this rainy monday so much",
        {
            "commercial": 0,
            "disclosure": 0,
            "sentiment": 0,
            "offensive": 1,
            "spam": 0,
            "machine": 0,
            "emotion": ["anger", "sadness"],
        },
    ),
    (
        "check out my channel free followers here",
        {
            "commercial": 1,
            "disclosure": 0,
            "sentiment": 1,
            "offensive": 0,
            "spam": 1,
            "machine": 1,
            "emotion": ["neutral"],
        },
    ),
    (
        "merci pour ce moment magnifique avec vous",
        {
            "commercial": 0,
            "disclosure": 0,
            "sentiment": 2,
            "offensive": 0,
            "spam": 0,
            "machine": 1,
            "emotion": ["joy", "trust"],
        },
    ),
    (
        "sponsorisé par la marque je suis rémunérée",
        {
            "commercial": 1,
            "disclosure": 1,
            "sentiment": 1,
            "offensive": 0,
            "spam": 0,
            "machine": 0,
            "emotion": ["surprise", "fear"],
        },
    ),
]


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for t, _ in EXAMPLES for w in ("query: " + t).lower().split()} | {"query:"})
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    vocab.update({w: i + 4 for i, w in enumerate(words)})
    tok = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        cls_token="<s>",
        sep_token="</s>",
    )


def tiny_base(seed: int = 0) -> tuple[Any, Any, dict[str, Any]]:
    """(BertModel, tokenizer, base_info) small enough to train in a second."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    tok = tiny_tokenizer()
    cfg = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    model = BertModel(cfg, add_pooling_layer=False).eval()
    return model, tok, {"base": "tiny-bert", "source": "test", "sha256": TINY_SHA}


def _targets(head: str, rows: list[dict[str, Any]]) -> torch.Tensor:
    if head == "emotion":
        y = torch.zeros(len(rows), len(EMOTION_LABELS))
        for i, r in enumerate(rows):
            for lab in r["emotion"]:
                y[i, EMOTION_LABELS.index(lab)] = 1.0
        return y
    return torch.tensor([r[head] for r in rows])


def train_tiny(steps: int = 60, seed: int = 0) -> MultiTaskModel:
    model = MultiTaskModel(
        *tiny_base(seed), HEADS, head_dropout=0.0, lora=LoraSettings(r=4, alpha=8, dropout=0.0)
    )
    texts = [t for t, _ in EXAMPLES]
    rows = [y for _, y in EXAMPLES]
    opt = torch.optim.AdamW(model.trainable_parameter_groups(lr_adapters=1e-2, lr_heads=5e-2))
    batch = model.tokenize(texts, max_length=32)
    model.train()
    for _ in range(steps):
        out = model(**batch)
        loss = sum(head_loss(h, out[h], _targets(h, rows)) for h in HEADS)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def trained() -> MultiTaskModel:
    return train_tiny()


def test_multitask_forward_returns_logits_per_requested_head() -> None:
    model = MultiTaskModel(*tiny_base(), HEADS, lora=LoraSettings(r=2, alpha=4))
    batch = model.tokenize(["buy my serum", "merci"], max_length=16)
    out = model(**batch, heads={"sentiment", "emotion"})
    assert set(out) == {"sentiment", "emotion"}
    assert out["sentiment"].shape == (2, 3)
    assert out["emotion"].shape == (2, len(EMOTION_LABELS))
    with pytest.raises(KeyError):
        model(**batch, heads={"nope"})


def test_multitask_only_adapters_and_heads_train() -> None:
    model = MultiTaskModel(*tiny_base(), HEADS, lora=LoraSettings(r=2, alpha=4))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("heads.") for n in trainable)
    emb = model.encoder.get_base_model().embeddings.word_embeddings.weight
    assert not emb.requires_grad


def test_emotion_views_cover_each_benchmark_in_its_labels() -> None:
    assert EMOTION_VIEWS["tweeteval"][1] == ("anger", "joy", "optimism", "sadness")
    for _kind, labels in EMOTION_VIEWS.values():
        assert set(labels) <= set(EMOTION_LABELS)


def test_multitask_overfits_every_head(trained: MultiTaskModel) -> None:
    texts = [t for t, _ in EXAMPLES]
    rows = [y for _, y in EXAMPLES]
    with torch.no_grad():
        out = trained(**trained.tokenize(texts, max_length=32))
    for head, spec in HEADS.items():
        z = out[head]
        if spec.kind == "multilabel":
            assert torch.equal((z > 0).float(), _targets(head, rows)), head
        else:
            assert z.argmax(-1).tolist() == [r[head] for r in rows], head


@pytest.mark.parametrize("quantization", ["fp32", "int8", "int8-full", "bf16"])
def test_multitask_save_reload_identical_and_batch_equals_single(
    trained: MultiTaskModel, tmp_path: Path, quantization: str
) -> None:
    texts = [t for t, _ in EXAMPLES]
    settings = RuntimeSettings(quantization=quantization, max_length=32)  # type: ignore[arg-type]
    before = EncoderTextModel.from_multitask(trained, settings=settings)
    d = save_artifact(
        trained,
        tmp_path,
        name="tiny",
        version="0.0.1",
        calibration={"sentiment": 1.5},
        max_length=32,
    )
    size = (d / "weights.safetensors").stat().st_size
    assert size < 200_000
    after = load_artifact(d, settings=settings, base=tiny_base(seed=123))  # other random base
    assert isinstance(after, TextModel)
    assert after.info["base_sha256"] == TINY_SHA and after.info["quantization"] == quantization
    # the reloaded model must not depend on the random init of the base it is built on...
    # ...except through the base weights themselves, which the sha256 pins: use the same seed
    after = load_artifact(d, settings=settings, base=tiny_base(seed=0))
    batch = after.predict(texts)
    one_by_one = [after.predict([t])[0] for t in texts]
    calibrated = EncoderTextModel.from_multitask(
        trained, settings=settings, calibration={"sentiment": 1.5}
    ).predict(texts)
    # batch-invariant (the default): a text's outputs are the same bytes alone or in a batch
    assert batch == one_by_one
    # padded batches: a window padded to its batch's longest text, and float kernels that block
    # by batch shape, move a text's probabilities slightly with its batch mates
    atol = {"fp32": 1e-5, "int8": 5e-3, "int8-full": 5e-3, "bf16": 2e-2}[quantization]
    padded = load_artifact(
        d,
        settings=dataclasses.replace(settings, batch_invariant=False),
        base=tiny_base(seed=0),
    ).predict(texts)
    for a, b, c in zip(batch, padded, calibrated, strict=True):
        for key in HEADS:
            np.testing.assert_allclose(_flat(a[key]), _flat(b[key]), atol=atol)
            np.testing.assert_allclose(_flat(a[key]), _flat(c[key]), atol=atol)
    # every head still predicts its training labels after the round trip
    for pred, (_t, y) in zip(batch, EXAMPLES, strict=True):
        assert (pred["commercial"] > 0.5) == bool(y["commercial"])
        assert (
            max(pred["sentiment"], key=pred["sentiment"].get)
            == HEADS["sentiment"].labels[y["sentiment"]]
        )
    assert before.predict(texts[:1])[0].keys() == batch[0].keys()


def _flat(v: Any) -> np.ndarray:
    return np.array(list(v.values()) if isinstance(v, dict) else [v], dtype=np.float64)


@pytest.mark.parametrize("quantization", ["fp32", "int8", "bf16", "auto", "bf16-split"])
def test_runtime_batch_invariant_outputs_ignore_batch_mates(
    trained: MultiTaskModel, quantization: str
) -> None:
    q, _, split = quantization.partition("-")
    rt = EncoderTextModel.from_multitask(
        trained,
        settings=RuntimeSettings(quantization=q, max_length=12, split_k=4 if split else None),  # type: ignore[arg-type]
    )
    q = rt.info["quantization"]
    assert q in ("fp32", "int8", "bf16")
    # fp32 runs fixed-shape batches; int8 (per-row scales) any row count at a fixed width, and
    # bf16 too where the load-time probe found this CPU's kernels row-count invariant
    free = q == "int8" or rt.info.get("row_probe") == "passed"
    assert rt.info["batching"] == ("per-width-16" if free else "fixed-16x16")
    assert ("row_probe" in rt.info) == (q == "bf16")
    assert (rt.info.get("activation_scale") == "per-row") == (q == "int8")
    target = EXAMPLES[1][0]
    long = " ".join(t for t, _ in EXAMPLES)  # several windows
    alone = rt.predict([target])[0]
    many = [t for t, _ in EXAMPLES] * 3  # full 8-row batches, the target in several slots
    for company in (
        [long, target],
        [target, "ok"],
        [EXAMPLES[0][0], long, target, long],
        many,
        [*many[:5], target, *many[5:]],
    ):
        got = rt.predict(company)[company.index(target)]
        assert got == alone, company
    np.testing.assert_array_equal(rt.encode([target])[0], rt.encode([long, target])[1])


def test_bf16_row_probe_falls_back_to_fixed_shapes_when_rows_change_bytes(
    trained: MultiTaskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a CPU's bf16 kernels give a window other bytes at another row count, the load-time
    probe sees it and every batch keeps the fixed shape (copies fill it), so outputs still
    ignore batch mates; free_rows=False never probes."""
    orig = EncoderTextModel._encode_batch

    def row_dependent(self, windows, idx, width=None, rows=0):  # type: ignore[no-untyped-def]
        out = orig(self, windows, idx, width, rows)
        return out + 1e-3 * (max(rows, len(idx)) % 5)  # what a kernel blocking on M might do

    monkeypatch.setattr(EncoderTextModel, "_encode_batch", row_dependent)
    rt = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="bf16", max_length=12)
    )
    assert rt.info["row_probe"] == "failed" and rt.info["batching"] == "fixed-16x16"
    # the split down-projections were tried, failed the probe too, and were taken out again
    assert "down_projection" not in rt.info
    assert not any(isinstance(m, SplitKLinear) for m in rt.encoder.modules())
    target = EXAMPLES[1][0]
    alone = rt.predict([target])[0]
    assert rt.predict([EXAMPLES[0][0], target])[1] == alone
    monkeypatch.setattr(EncoderTextModel, "_encode_batch", orig)
    off = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="bf16", max_length=12, free_rows=False)
    )
    assert "row_probe" not in off.info and off.info["batching"] == "fixed-16x16"


def test_bf16_down_projections_are_split_where_that_makes_rows_invariant(
    trained: MultiTaskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the plain bf16 encoder fails the row probe (AMX) and the split one passes it, the
    runtime serves the split one, batches per width and records it; split_k=1 never splits."""

    def split_only(self: EncoderTextModel) -> bool:  # what the AMX VM measured
        return any(isinstance(m, SplitKLinear) for m in self.encoder.modules())

    monkeypatch.setattr(EncoderTextModel, "_rows_invariant", split_only)
    rt = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="bf16", max_length=12)
    )
    assert rt.info["down_projection"] == "split-k4" and rt.info["row_probe"] == "passed"
    assert rt.info["batching"] == "per-width-16"
    layers = rt.encoder.config.num_hidden_layers
    assert sum(isinstance(m, SplitKLinear) for m in rt.encoder.modules()) == layers
    plain = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="bf16", max_length=12, split_k=1)
    )
    assert "down_projection" not in plain.info and plain.info["row_probe"] == "failed"
    assert plain.info["batching"] == "fixed-16x16"
    # the same model within bf16 rounding of the partial sums
    texts = [t for t, _ in EXAMPLES]
    for a, b in zip(rt.predict(texts), plain.predict(texts), strict=True):
        np.testing.assert_allclose(_flat(a["sentiment"]), _flat(b["sentiment"]), atol=0.02)
        assert a.keys() == b.keys()
    with pytest.raises(ValueError, match="split_k"):
        EncoderTextModel.from_multitask(
            trained, settings=RuntimeSettings(quantization="bf16", max_length=12, split_k=0)
        )


@pytest.mark.parametrize("quantization", ["bf16", "int8"])
def test_runtime_parallel_window_workers_give_the_same_bytes(
    trained: MultiTaskModel, quantization: str
) -> None:
    threads = torch.get_num_threads()
    texts = [" ".join(t for t, _ in EXAMPLES), *(t for t, _ in EXAMPLES)]
    q: Any = quantization
    try:
        one = EncoderTextModel.from_multitask(
            trained, settings=RuntimeSettings(quantization=q, max_length=12, num_threads=1)
        )
        two = EncoderTextModel.from_multitask(
            trained,
            settings=RuntimeSettings(quantization=q, max_length=12, encoder_workers=2),
        )
        assert torch.get_num_threads() == 1 and two.info["threads_per_window"] == "1"
        # int8 splits each width's windows between the two workers: other row counts, same bytes
        assert two.predict(texts) == one.predict(texts)
        assert two.predict(texts[3:4])[0] == one.predict(texts)[3]
        assert two.predict(texts * 3) == one.predict(texts * 3)
        torch.set_num_threads(3)
        assert resolve_workers(RuntimeSettings()) == 3  # auto: one per torch thread
        # a model with workers leaves torch at 1 thread; the next model still gets 3 workers
        three = EncoderTextModel.from_multitask(
            trained, settings=RuntimeSettings(quantization=q, max_length=12)
        )
        assert torch.get_num_threads() == 1 and three.info["threads_per_window"] == "1"
        assert resolve_workers(RuntimeSettings()) == 3
        assert resolve_workers(RuntimeSettings(num_threads=2)) == 1
        assert resolve_workers(RuntimeSettings(batch_invariant=False, encoder_workers=4)) == 1
        with pytest.raises(ValueError, match="encoder_workers"):
            EncoderTextModel.from_multitask(trained, settings=RuntimeSettings(encoder_workers=0))
    finally:
        torch.set_num_threads(threads)


def test_runtime_auto_precision_follows_the_cpu(
    trained: MultiTaskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlp.models import runtime

    monkeypatch.setattr(runtime, "native_bf16", lambda: True)
    assert runtime.resolve_quantization("auto") == "bf16"
    monkeypatch.setattr(runtime, "native_bf16", lambda: False)
    assert runtime.resolve_quantization("auto") == "int8"
    assert runtime.resolve_quantization("fp32") == "fp32"
    rt = EncoderTextModel.from_multitask(trained, settings=RuntimeSettings(max_length=12))
    assert rt.info["quantization"] == "int8"
    with pytest.raises(ValueError, match="auto, int8"):
        runtime.quantize_encoder(copy.deepcopy(trained.encoder), "int4")  # type: ignore[arg-type]


def test_runtime_long_text_is_windowed_not_truncated(trained: MultiTaskModel) -> None:
    rt = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="fp32", max_length=8)
    )
    long = " ".join(t for t, _ in EXAMPLES)
    windows, owner, weight = rt._windows([long, "merci"])
    assert owner.count(0) > 1 and owner.count(1) == 1
    assert all(len(w) <= 8 for w in windows)
    assert sum(weight[: owner.count(0)]) == len(
        rt.tokenizer("query: " + long, add_special_tokens=False)["input_ids"]
    )
    emb = rt.encode([long, "merci"])
    assert emb.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert rt.predict([]) == []


def test_emotion_view_biases_shift_only_their_view(trained: MultiTaskModel) -> None:
    """Per-label calibration biases ("emotion/<view>/bias/<label>") move that view's sigmoid
    by exactly the bias, leave the head's own probabilities and other views alone, and keep a
    text's outputs the same alone and in a batch."""
    texts = [t for t, _ in EXAMPLES]
    settings = RuntimeSettings(quantization="fp32", max_length=32)
    cal = {"emotion": 1.3, "emotion/plutchik": 1.3}
    plain = EncoderTextModel.from_multitask(trained, settings=settings, calibration=cal)
    shifted = EncoderTextModel.from_multitask(
        trained, settings=settings, calibration={**cal, "emotion/plutchik/bias/joy": -1.0}
    )
    a, b = plain.predict(texts), shifted.predict(texts)
    assert b == [shifted.predict([t])[0] for t in texts]
    for x, y in zip(a, b, strict=True):
        assert x["emotion"] == y["emotion"]
        assert x["emotion_views"]["ekman"] == y["emotion_views"]["ekman"]
        px, py = x["emotion_views"]["plutchik"]["joy"], y["emotion_views"]["plutchik"]["joy"]
        logit = np.log(px / (1 - px))
        assert py == pytest.approx(1 / (1 + np.exp(-(logit - 1.0))), abs=1e-5)
        assert x["emotion_views"]["plutchik"]["anger"] == y["emotion_views"]["plutchik"]["anger"]


def test_fixed_shape_batches_match_one_window_at_a_time(trained: MultiTaskModel) -> None:
    """Fixed shapes change only the padding around a window, not what the model computes: the
    vectors agree with one-window-at-a-time encoding to rounding (bf16) and are themselves the
    same bytes in any batch; invariant_rows=1 is the one-window-at-a-time mode."""
    texts = [t for t, _ in EXAMPLES] + [" ".join(t for t, _ in EXAMPLES)]
    for q, atol in (("fp32", 1e-5), ("bf16", 3e-2)):
        fixed = EncoderTextModel.from_multitask(
            trained,
            settings=RuntimeSettings(quantization=q, max_length=12),  # type: ignore[arg-type]
        )
        single = EncoderTextModel.from_multitask(
            trained,
            settings=RuntimeSettings(quantization=q, max_length=12, invariant_rows=1),  # type: ignore[arg-type]
        )
        assert single.info["batching"] == "invariant"
        np.testing.assert_allclose(fixed.encode(texts), single.encode(texts), atol=atol)
        assert single.predict(texts)[2] == single.predict(texts[2:3])[0]
