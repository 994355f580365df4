"""Split-K Linear layers (nlp/models/splitk.py): the same product as the Linear it replaces,
summed over slices of its inputs, and swapped in or out of a model by name."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from nlp.models.splitk import SplitKLinear, split_linears


def test_same_product_as_the_linear_it_replaces() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(64, 24).double()
    split = SplitKLinear(lin, 4)
    x = torch.randn(3, 7, 64, dtype=torch.float64)
    with torch.no_grad():
        ref = lin(x)
        got = split(x)
    assert got.shape == (3, 7, 24)
    torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-12)
    # each slice of the weight is the matching columns, contiguous
    assert split.weight_parts.shape == (4, 24, 16) and split.weight_parts[1].is_contiguous()
    assert torch.equal(split.weight_parts[2], lin.weight[:, 32:48])


def test_bf16_split_stays_close_to_float32() -> None:
    torch.manual_seed(1)
    lin = nn.Linear(128, 32)
    x = torch.randn(40, 128)
    with torch.no_grad():
        ref = lin(x)
        got = SplitKLinear(lin.to(torch.bfloat16), 4)(x.to(torch.bfloat16)).float()
    assert (got - ref).abs().max() / ref.abs().max() < 0.03


def test_without_bias_and_bad_part_counts() -> None:
    lin = nn.Linear(12, 5, bias=False)
    split = SplitKLinear(lin, 3)
    assert split.bias is None
    with torch.no_grad():
        torch.testing.assert_close(split(torch.ones(2, 12)), lin(torch.ones(2, 12)))
    for parts in (1, 5):  # one part is no split; 12 inputs do not split into 5
        with pytest.raises(ValueError, match="equal parts"):
            SplitKLinear(lin, parts)


def test_split_linears_swaps_matching_layers_and_restores_them() -> None:
    model = nn.ModuleDict(
        {
            "up": nn.Linear(8, 16),
            "block": nn.ModuleDict({"output": nn.ModuleDict({"dense": nn.Linear(16, 8)})}),
        }
    )
    originals = dict(model.named_modules())
    restore = split_linears(model, re.compile(r"output\.dense$"), 4)
    assert isinstance(model["block"]["output"]["dense"], SplitKLinear)
    assert model["up"] is originals["up"]  # not matched: untouched
    restore()
    assert model["block"]["output"]["dense"] is originals["block.output.dense"]
