"""The contract between the Analyzer and any text model (the multi-task encoder, or a fake).

One ``predict`` call = one encoder pass per text for every head.
Per-text output keys (all optional; absent when the head is not in the artifact):
  commercial: float          P(text promotes a brand/product/service)
  disclosure: float          P(text contains a sentence disclosing a material connection)
  emotion: dict[str, float]  multi-label emotion probabilities
  sentiment: dict[str, float] negative/neutral/positive (sums to 1)
  offensive: float           P(offensive) for brand safety
  spam: float                P(spam/scam/bot-like comment)
  machine: float             P(machine-generated text)
  emotion_views: dict[str, dict[str, float]]  the emotion head read in each benchmark's own
                             labels: "tweeteval" (softmax over anger/joy/optimism/sadness),
                             "ekman" (Ekman 6 + neutral, sigmoid), "plutchik" (8, sigmoid)
Binary outputs are P(positive label); every probability is temperature-calibrated when the
artifact carries a temperature for that head (nlp/models/artifact.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class TextModel(Protocol):
    @property
    def info(self) -> dict[str, str]:
        """id, version, sha256 of the artifact, base-weights hash: goes into Versions.model."""
        ...

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]: ...
