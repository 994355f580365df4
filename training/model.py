"""Training-side helpers around the model engineer's ``nlp.models.multitask.MultiTaskModel``:
the checkpoint state (adapters + heads only) and a tiny random encoder for tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Only what training changed: LoRA weights and heads (the frozen base is not saved)."""
    return {
        k: v.detach().cpu().clone()
        for k, v in model.state_dict().items()
        if "lora_" in k or k.startswith("heads.")
    }


def tiny_encoder(texts: Sequence[str], seed: int = 0) -> tuple[nn.Module, Any, dict[str, Any]]:
    """A tiny random BertModel + a word-piece tokenizer trained on ``texts`` (tests only)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    )
    tok.train_from_iterator(list(texts) or ["hello world"], trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )  # fmt: skip
    model = BertModel(cfg, add_pooling_layer=False)
    return model, tokenizer, {"base": "tiny-random", "source": "tiny-random", "sha256": None}
