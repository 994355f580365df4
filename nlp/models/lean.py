"""The served encoder's forward pass without the transformers module stack.

``BertModel.forward`` in transformers 5 wraps every layer in decorators, kwargs handling and
output capturing: about 1 ms of Python a call on one core, on top of the tensor work (a window
of 16 tokens: 7.7 ms with it, 6.8 ms without; measured on the bundled model, bf16, one
thread). That fixed cost is paid once per forward call, so it weighs on the small batches the
service runs for single posts, not on the 16-window batches of a bulk run (~1%).

``lean_forward(encoder)`` returns a function ``(input_ids, attention_mask) -> last hidden
state`` issuing the same tensor operations in the same order, or None where the encoder is not
one it knows (a plain BERT encoder, eval mode, eager attention, no cross-attention). It is used
only after ``same_bytes`` has shown, on the CPU that serves, that it gives the very bytes of the
transformers forward (``EncoderTextModel`` checks it at load and keeps the transformers forward
otherwise), so a post's scores do not depend on which path ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)
from torch import nn

Forward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _plain_bert(encoder: nn.Module) -> bool:
    cfg = getattr(encoder, "config", None)
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    emb = getattr(encoder, "embeddings", None)
    if cfg is None or layers is None or emb is None or encoder.training:
        return False
    if getattr(cfg, "_attn_implementation", None) != "eager":
        return False
    if getattr(cfg, "is_decoder", False) or getattr(cfg, "add_cross_attention", False):
        return False
    if getattr(cfg, "position_embedding_type", "absolute") != "absolute":
        return False
    if not all(hasattr(emb, a) for a in ("position_ids", "token_type_ids", "LayerNorm")):
        return False
    return all(
        hasattr(layer, "attention")
        and hasattr(layer.attention, "self")
        and hasattr(layer, "intermediate")
        and hasattr(layer, "output")
        and not getattr(layer, "add_cross_attention", False)
        for layer in layers
    )


def lean_forward(encoder: nn.Module) -> Forward | None:
    """The encoder's forward as plain tensor calls, or None where it is not a plain BERT in
    eval mode with eager attention."""
    if not _plain_bert(encoder):
        return None
    cfg: Any = encoder.config
    emb: Any = encoder.embeddings
    heads = int(cfg.num_attention_heads)
    size = int(cfg.hidden_size) // heads
    layers = []
    for layer in encoder.encoder.layer:  # type: ignore[union-attr]
        att: Any = layer.attention
        layers.append(
            (
                att.self.query.forward,
                att.self.key.forward,
                att.self.value.forward,
                float(att.self.scaling),
                att.output.dense.forward,
                att.output.LayerNorm,
                layer.intermediate.dense.forward,  # type: ignore[union-attr]
                layer.intermediate.intermediate_act_fn,  # type: ignore[union-attr]
                layer.output.dense.forward,  # type: ignore[union-attr]
                layer.output.LayerNorm,  # type: ignore[union-attr]
            )
        )

    def norm(x: torch.Tensor, ln: Any) -> torch.Tensor:
        return F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)

    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        b, n = input_ids.shape
        x = emb.word_embeddings(input_ids)
        x = x + emb.token_type_embeddings(emb.token_type_ids[:, :n].expand(b, n))
        x = x + emb.position_embeddings(emb.position_ids[:, :n])
        x = norm(x, emb.LayerNorm)
        # transformers' eager mask: 0 where attended, the dtype's minimum where padded
        pad = (attention_mask == 0)[:, None, None, :]
        mask = torch.zeros((b, 1, 1, n), dtype=x.dtype).masked_fill_(pad, torch.finfo(x.dtype).min)
        mask = mask.expand(b, 1, n, n)
        for q_fn, k_fn, v_fn, scaling, o_fn, ln1, up_fn, act, down_fn, ln2 in layers:
            q = q_fn(x).view(b, n, -1, size).transpose(1, 2)
            k = k_fn(x).view(b, n, -1, size).transpose(1, 2)
            v = v_fn(x).view(b, n, -1, size).transpose(1, 2)
            w = torch.matmul(q, k.transpose(2, 3)) * scaling
            w = F.softmax(w + mask, dim=-1)
            o = torch.matmul(w, v).transpose(1, 2).contiguous()
            o = o.reshape(b, n, -1).contiguous()
            x = norm(o_fn(o) + x, ln1)
            x = norm(down_fn(act(up_fn(x))) + x, ln2)
        return x

    return forward


def same_bytes(
    encoder: nn.Module,
    forward: Forward,
    shapes: Sequence[tuple[int, int]],
    *,
    vocab: int,
    seed: int = 0,
) -> bool:
    """Does ``forward`` give the very bytes of ``encoder(...)`` on random windows of these
    (rows, width) shapes, the last row half padding?"""
    gen = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        for rows, width in shapes:
            ids = torch.randint(5, max(vocab - 1, 6), (rows, width), generator=gen)
            mask = torch.ones((rows, width), dtype=torch.long)
            mask[-1, max(1, width // 2) :] = 0
            out = encoder(input_ids=ids, attention_mask=mask)
            ref = out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]
            if not torch.equal(ref, forward(ids, mask)):
                return False
    return True
