"""8-bit Linear layers whose outputs never depend on the other rows of the batch.

PyTorch's dynamic int8 (``quantize_dynamic``, fbgemm) picks ONE activation scale per input tensor
from its min and max: a token's quantised values, and so a post's probabilities, move with the
other texts of the batch. That is why int8 used to encode one window at a time (27 windows/s on
one AVX2 core against 41 in a fixed 16-window batch, measured on the bundled model).

``RowInt8Linear`` gives every row (token) its own scale instead, as LLM.int8() and SmoothQuant's
per-token activation quantisation do, and still runs fbgemm's fast u8 x s8 kernels:

    s   = max |x_row|                     one float per row
    x^  = x / s                           every row now lies in [-1, 1]
    y^  = linear_dynamic([x^; sentinel])  the sentinel row [1, -1, 0, ...] pins the tensor's min
                                          and max at -1 and 1, so fbgemm always picks the SAME
                                          activation scale (2/127) and zero point
    y   = y^ * s + b                      (the bias is added after rescaling)

Integer accumulation is exact, and every other step is elementwise, so a row's result is the
same bytes whatever rows surround it and however many there are (tested for 1 to 1,024 rows).
The Linear layers that stay float32 run as ``ChunkedLinear``: fixed blocks of ``CHUNK_ROWS``
rows, so their kernels always see one shape. With both, the int8 encoder gives a window the same
bytes in a batch of any size, provided its padded width is fixed (attention, LayerNorm and GELU
work per token or per window): measured on the bundled model, 0 mismatches in 150 real windows
batched with 1 to 23 others. So int8 batches windows of one width without filling the batch
with copies (``EncoderTextModel`` batching "per-width"): a lone post costs its own windows only. Weights are quantised per output
channel (symmetric int8); activations use 7 bits (``reduce_range``) so the AVX2 kernel's 16-bit
pair sums cannot saturate. Per-row scales are also more accurate than per-tensor ones: pooled
embedding cosine to fp32 on 320 real caption windows, min 0.982 / mean 0.997 (the FFN
down-projections kept fp32, as before; with per-tensor weight scales 0.971 / 0.995).
"""

from __future__ import annotations

import re
import warnings

import torch
from torch import nn


class RowInt8Linear(nn.Module):
    """Drop-in for an inference-only ``nn.Linear``: int8 weights (per output channel), int8
    activations with one scale per row. Thread-safe for concurrent forwards (read-only state)."""

    bias: torch.Tensor | None
    sentinel: torch.Tensor

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        if linear.in_features < 2:
            raise ValueError("RowInt8Linear needs at least 2 input features (the sentinel row)")
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        w = linear.weight.detach().float()
        scales = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-12).double()
        zeros = torch.zeros(w.shape[0], dtype=torch.long)
        with warnings.catch_warnings():
            # torch 2.13 marks quantized tensor creation as deprecated (torchao is its
            # successor); fbgemm's kernels behind it are what runs fast on AVX2 today
            warnings.simplefilter("ignore")
            qw = torch.quantize_per_channel(w, scales, zeros, axis=0, dtype=torch.qint8)
            self._packed = torch.ops.quantized.linear_prepack(qw, None)
        bias = None if linear.bias is None else linear.bias.detach().float().clone()
        self.register_buffer("bias", bias)
        sentinel = torch.zeros(1, self.in_features)
        sentinel[0, 0], sentinel[0, 1] = 1.0, -1.0
        self.register_buffer("sentinel", sentinel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1]).float()
        s = x2.abs().amax(dim=1, keepdim=True).clamp(min=1e-30)
        y = torch.ops.quantized.linear_dynamic(
            torch.cat([x2 / s, self.sentinel]), self._packed, True
        )[:-1]
        y = y * s
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, per-row int8"


CHUNK_ROWS = 64


class ChunkedLinear(nn.Module):
    """A float ``nn.Linear`` applied to fixed blocks of ``chunk`` rows (the last one zero-padded):
    a GEMM's rounding may depend on its row count (MKL takes other paths below 4 rows, oneDNN's
    bf16 blocking follows M), never on which rows share a block of one shape."""

    def __init__(self, linear: nn.Linear, chunk: int = CHUNK_ROWS) -> None:
        super().__init__()
        self.linear = linear
        self.chunk = int(chunk)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1])
        n, c = x2.shape[0], self.chunk
        pad = -n % c
        if pad:
            x2 = torch.cat([x2, x2.new_zeros(pad, x2.shape[1])])
        y = torch.cat([self.linear(x2[a : a + c]) for a in range(0, n + pad, c)])[:n]
        return y.reshape(*shape[:-1], y.shape[-1])


def quantize_rows(model: nn.Module, keep: re.Pattern[str] | None = None) -> nn.Module:
    """Replace every ``nn.Linear`` of ``model`` (in place) by a ``RowInt8Linear``, except those
    whose qualified name ``keep`` matches: they stay float32, as ``ChunkedLinear``."""
    for parent_name, parent in list(model.named_modules()):
        for name, child in list(parent.named_children()):
            full = f"{parent_name}.{name}" if parent_name else name
            if isinstance(child, nn.Linear):
                kept = keep is not None and keep.search(full)
                setattr(parent, name, ChunkedLinear(child) if kept else RowInt8Linear(child))
    return model
