"""A bf16 Linear whose rows do not depend on how many rows it multiplies, on AMX CPUs too.

On an Intel Xeon with AMX (torch 2.13, oneDNN), the bf16 product of the FFN down-projection
(K = 1536 inputs, 384 outputs) takes one path for 33 to ~320 rows and another below and above
(measured with random matrices, one thread: rows 24 and 33 of a 48-row product differ from the
same rows of a 4,096-row one). The encoder's rows are tokens (windows x padded width), so a
window's vector moved with the number of windows batched beside it, the service's row probe
failed, and every batch was filled with copies to a fixed 16 rows: ten single posts sharing a
micro-batch paid for up to 16 windows at every width they spanned.

The products with K = 384 (query, key, value, attention output, FFN up-projection) gave the
same bytes for every row count from 1 to 3,072 there. ``SplitKLinear`` computes the
down-projection as a sum of such products over ``parts`` slices of K,

    y = x[:, 0:384] W0^T + b,  then y = addmm(y, x[:, 384:768], W1^T), ...   (bf16, in order)

so every product it runs is one whose rows are invariant there. Two slices of 768 or three of
512 were not enough (rows moved again from ~33-225 rows up); four of 384 were (0 of the row
counts 1-399, 512, 768, 1,024 and 2,048 differed). It costs ~1.2x on that layer for a 1,024-row
batch (0.95 -> 1.17 ms on one AMX core; 0.13 -> 0.21 ms for 64 rows) and the extra bf16
roundings of the partial sums (rms error against fp32 0.0020 instead of 0.0013 on outputs of rms
0.76), so ``EncoderTextModel`` uses it only where the plain encoder fails its row probe and the
split one passes it (``info["down_projection"]``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)
from torch import nn


class SplitKLinear(nn.Module):
    """Drop-in for an inference-only ``nn.Linear``: the product over ``parts`` equal slices of
    the input features, summed in order (the bias with the first). Thread-safe (read-only)."""

    bias: torch.Tensor | None
    weight_parts: torch.Tensor

    def __init__(self, linear: nn.Linear, parts: int) -> None:
        super().__init__()
        if parts < 2 or linear.in_features % parts:
            raise ValueError(
                f"cannot split {linear.in_features} input features into {parts} equal parts"
            )
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.parts = int(parts)
        self.k = linear.in_features // parts
        w = linear.weight.detach()
        # (parts, out, k): each slice contiguous, as a Linear's own weight is
        parts_w = w.view(self.out_features, self.parts, self.k).transpose(0, 1).contiguous()
        self.register_buffer("weight_parts", parts_w)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape, k = x.shape, self.k
        x2 = x.reshape(-1, shape[-1])
        y = F.linear(x2[:, :k], self.weight_parts[0], self.bias)
        for i in range(1, self.parts):
            # y + x_i W_i^T in one call: faster than a separate add (1.17 vs 1.40 ms for 1,024
            # rows), and as row-invariant
            y = torch.addmm(y, x2[:, i * k : (i + 1) * k], self.weight_parts[i].t())
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, parts={self.parts}"
        )


def split_linears(model: nn.Module, pattern: re.Pattern[str], parts: int) -> Callable[[], None]:
    """Replace (in place) every ``nn.Linear`` of ``model`` whose qualified name ``pattern``
    matches by a ``SplitKLinear``; returns a function that puts the originals back."""
    swapped: list[tuple[nn.Module, str, nn.Module]] = []
    for parent_name, parent in list(model.named_modules()):
        for name, child in list(parent.named_children()):
            full = f"{parent_name}.{name}" if parent_name else name
            if isinstance(child, nn.Linear) and pattern.search(full):
                setattr(parent, name, SplitKLinear(child, parts))
                swapped.append((parent, name, child))

    def restore() -> None:
        for parent, name, child in swapped:
            setattr(parent, name, child)

    return restore
