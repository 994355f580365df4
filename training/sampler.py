"""Temperature-scaled multi-task sampling.

Each step draws ONE data set d with probability proportional to ``weight_d * n_d ** (1 / T)``
(n_d = its training rows; T = 1: proportional to size, T -> inf: uniform), then the next batch of
that data set from an endless, per-epoch reshuffled stream. A batch holds one data set, so it has
one loss and one label space. The whole state (RNG + stream positions) is picklable, so a
resumed run continues the same sequence.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any


class TemperatureSampler:
    def __init__(
        self,
        sizes: Mapping[str, int],
        batch_size: int,
        temperature: float = 2.0,
        weights: Mapping[str, float] | None = None,
        seed: int = 13,
    ) -> None:
        if not sizes:
            raise ValueError("the sampler needs at least one training data set")
        self.names = sorted(sizes)
        self.sizes = {n: int(sizes[n]) for n in self.names}
        self.batch_size = int(batch_size)
        self.temperature = float(temperature)
        w = weights or {}
        raw = {
            n: float(w.get(n, 1.0)) * self.sizes[n] ** (1.0 / self.temperature) for n in self.names
        }
        total = sum(raw.values())
        self.probs = {n: raw[n] / total for n in self.names}
        self.rng = random.Random(seed)
        self._order: dict[str, list[int]] = {}
        self._pos: dict[str, int] = {}
        self.epochs: dict[str, int] = {n: 0 for n in self.names}

    def _reshuffle(self, name: str) -> None:
        order = list(range(self.sizes[name]))
        self.rng.shuffle(order)
        self._order[name] = order
        self._pos[name] = 0

    def next_batch(self) -> tuple[str, list[int]]:
        name = self.rng.choices(self.names, weights=[self.probs[n] for n in self.names])[0]
        if name not in self._order:
            self._reshuffle(name)
        out: list[int] = []
        while len(out) < min(self.batch_size, self.sizes[name]):
            if self._pos[name] >= self.sizes[name]:
                self.epochs[name] += 1
                self._reshuffle(name)
            take = self._order[name][self._pos[name] : self._pos[name] + self.batch_size - len(out)]
            self._pos[name] += len(take)
            out += take
        return name, out

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self.rng.getstate(),
            "order": {k: list(v) for k, v in self._order.items()},
            "pos": dict(self._pos),
            "epochs": dict(self.epochs),
            "probs": dict(self.probs),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rng.setstate(state["rng"])
        self._order = {k: list(v) for k, v in state["order"].items()}
        self._pos = dict(state["pos"])
        self.epochs = dict(state["epochs"])
