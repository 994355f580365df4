"""The served encoder's lean forward (nlp/models/lean.py): the very bytes of transformers'
BertModel forward, used only where a load-time check shows it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from nlp.models import lean
from nlp.models.multitask import MultiTaskModel
from nlp.models.runtime import EncoderTextModel, RuntimeSettings
from tests.unit.test_multitask import EXAMPLES, tiny_base, train_tiny


def _bert(dtype: torch.dtype, attn: str = "eager") -> Any:
    model, _, _ = tiny_base(seed=3)
    model = model.to(dtype)
    model.set_attn_implementation(attn)
    return model.eval()


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_lean_forward_gives_the_transformers_bytes(dtype: torch.dtype) -> None:
    model = _bert(dtype)
    fwd = lean.lean_forward(model)
    assert fwd is not None
    gen = torch.Generator().manual_seed(1)
    for rows, width in [(1, 5), (4, 12), (7, 30)]:
        ids = torch.randint(4, 20, (rows, width), generator=gen)
        mask = torch.ones((rows, width), dtype=torch.long)
        mask[0, width // 2 :] = 0  # a padded window beside full ones
        with torch.inference_mode():
            ref = model(input_ids=ids, attention_mask=mask).last_hidden_state
            got = fwd(ids, mask)
        assert got.dtype == dtype
        assert torch.equal(ref, got), (rows, width)
    assert lean.same_bytes(model, fwd, [(1, 8), (3, 16)], vocab=20)


def test_lean_forward_declines_what_it_does_not_reproduce() -> None:
    assert lean.lean_forward(_bert(torch.float32, attn="sdpa")) is None
    training = _bert(torch.float32)
    training.train()
    assert lean.lean_forward(training) is None
    # and the check catches a forward that differs by one rounding step
    model = _bert(torch.float32)
    fwd = lean.lean_forward(model)
    assert fwd is not None

    def off(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = fwd(ids, mask)
        return torch.nextafter(out, torch.full_like(out, 10.0))

    assert not lean.same_bytes(model, off, [(2, 8)], vocab=20)


@pytest.fixture(scope="module")
def trained() -> MultiTaskModel:
    return train_tiny(steps=20)


def test_runtime_serves_the_lean_forward_only_where_it_gives_the_same_bytes(
    trained: MultiTaskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = RuntimeSettings(quantization="bf16", max_length=12)
    rt = EncoderTextModel.from_multitask(trained, settings=settings)
    assert rt._forward.__name__ == "forward"  # nlp.models.lean's
    texts = [t for t, _ in EXAMPLES]
    served = rt.logits(texts)
    rt._forward = rt._transformers_forward
    plain = rt.logits(texts)
    for head in served:
        np.testing.assert_array_equal(served[head], plain[head])
    # where the check fails (another CPU's kernels), the transformers forward serves
    monkeypatch.setattr(lean, "same_bytes", lambda *a, **k: False)
    fallback = EncoderTextModel.from_multitask(trained, settings=settings)
    assert fallback._forward == fallback._transformers_forward
    # int8 keeps transformers' sdpa attention, which the lean forward does not reproduce
    monkeypatch.undo()
    int8 = EncoderTextModel.from_multitask(
        trained, settings=RuntimeSettings(quantization="int8", max_length=12)
    )
    assert int8._forward == int8._transformers_forward
