"""Per-row int8 Linear layers (nlp/models/int8.py): a row's output is the same bytes whatever
rows surround it, and close to float32."""

from __future__ import annotations

import re
import warnings

import pytest
import torch
from torch import nn

from nlp.models.int8 import ChunkedLinear, RowInt8Linear, quantize_rows


@pytest.fixture(scope="module")
def linear() -> nn.Linear:
    torch.manual_seed(0)
    return nn.Linear(64, 96)


def test_row_output_ignores_other_rows_and_row_count(linear: nn.Linear) -> None:
    q = RowInt8Linear(linear)
    torch.manual_seed(1)
    target = torch.randn(64)
    alone = q(target[None])[0]
    for n_rows in (2, 3, 16, 17, 100):
        for slot in (0, n_rows // 2, n_rows - 1):
            # batch mates on a 1000x wider scale: a per-tensor scale would crush the target row
            mates = torch.randn(n_rows, 64) * 1000
            mates[slot] = target
            assert torch.equal(q(mates)[slot], alone), (n_rows, slot)


def test_close_to_float32_and_better_than_per_tensor_beside_an_outlier(linear: nn.Linear) -> None:
    q = RowInt8Linear(linear)
    torch.manual_seed(2)
    x = torch.randn(32, 64)
    x[0] *= 200  # one outlier row in the batch
    with torch.no_grad():
        ref = linear(x)
        rel = (q(x) - ref).abs()[1:].max() / ref[1:].abs().max()
        assert rel < 0.03
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            per_tensor = torch.ao.quantization.quantize_dynamic(
                nn.Sequential(linear), {nn.Linear}, dtype=torch.qint8
            )
        rel_tensor = (per_tensor(x) - ref).abs()[1:].max() / ref[1:].abs().max()
    assert rel < rel_tensor / 5


def test_shapes_bias_and_zero_rows() -> None:
    torch.manual_seed(3)
    lin = nn.Linear(16, 8, bias=False)
    q = RowInt8Linear(lin)
    x = torch.randn(2, 5, 16)
    x[1, 2] = 0.0
    y = q(x)
    assert y.shape == (2, 5, 8) and q.bias is None
    assert torch.equal(y[1, 2], torch.zeros(8))  # an all-zero row (padding) stays exactly zero
    with torch.no_grad():
        torch.testing.assert_close(y, lin(x), atol=0.05, rtol=0.05)
    with pytest.raises(ValueError, match="at least 2"):
        RowInt8Linear(nn.Linear(1, 4))


def test_quantize_rows_keeps_matching_layers_float() -> None:
    model = nn.Sequential()
    model.add_module("dense", nn.Linear(8, 8))
    model.add_module("output", nn.Sequential())
    model.output.add_module("dense", nn.Linear(8, 8))
    quantize_rows(model, keep=re.compile(r"(^|\.)output\.dense$"))
    assert isinstance(model.dense, RowInt8Linear)
    assert isinstance(model.output.dense, ChunkedLinear)
    assert type(model.output.dense.linear) is nn.Linear

    full = nn.Sequential()
    full.add_module("output", nn.Sequential())
    full.output.add_module("dense", nn.Linear(8, 8))
    quantize_rows(full)
    assert isinstance(full.output.dense, RowInt8Linear)


def test_chunked_linear_row_ignores_row_count() -> None:
    torch.manual_seed(4)
    lin = nn.Linear(48, 24)
    c = ChunkedLinear(lin, chunk=8)
    target = torch.randn(48)
    with torch.no_grad():
        alone = c(target[None])[0]
        torch.testing.assert_close(alone, lin(target[None])[0])
        for n_rows in (2, 3, 7, 8, 9, 30):
            x = torch.randn(n_rows, 48)
            x[n_rows - 1] = target
            assert torch.equal(c(x)[n_rows - 1], alone), n_rows
        assert c(torch.randn(2, 5, 48)).shape == (2, 5, 24)
