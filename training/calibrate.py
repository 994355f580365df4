"""Temperature scaling (Guo et al. 2017) per head, fitted on validation logits, and ECE.

single-label data: softmax over the data set's own labels; multi-label data: a sigmoid per label.
The temperature is the one scalar T > 0 minimising the validation negative log-likelihood of
logits / T (grid search on log T: no optimiser state, deterministic). Thresholds for multi-label
data and for the commercial head are tuned on validation too, never on test.

Multi-label emotion views (the GoEmotions/Ekman and XED/Plutchik label sets) also get one bias per
label on top of their temperature (per-label Platt scaling: sigmoid(z / T + b)): one temperature
cannot match label base rates that differ between benchmarks and labels. Biases are fitted the
same way (grid search on validation NLL, deterministic).
"""

from __future__ import annotations

import numpy as np

GRID = np.exp(np.linspace(np.log(0.25), np.log(8.0), 161))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def nll(logits: np.ndarray, y: np.ndarray, kind: str, t: float = 1.0) -> float:
    if kind == "single":
        p = softmax(logits / t)
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y.astype(int)], 1e-12, 1.0))))
    p = np.clip(sigmoid(logits / t), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_temperature(parts: list[tuple[np.ndarray, np.ndarray, str]]) -> float:
    """One T for all (logits, y, kind) parts of a head (their NLLs averaged by row count)."""
    if not parts:
        return 1.0
    n = sum(len(y) for _, y, _ in parts)
    best_t, best = 1.0, float("inf")
    for t in GRID:
        loss = sum(nll(z, y, k, float(t)) * len(y) for z, y, k in parts) / n
        if loss < best:
            best, best_t = loss, float(t)
    return best_t


def fit_label_bias(z: np.ndarray, y: np.ndarray, t: float) -> float:
    """The bias b minimising the BCE of sigmoid(z / t + b) for one label (convex in b: Newton
    steps from 0, deterministic)."""
    zt, b = z / t, 0.0
    for _ in range(30):
        p = sigmoid(zt + b)
        g, h = float(np.mean(p - y)), float(np.mean(p * (1 - p))) + 1e-9
        step = float(np.clip(g / h, -2.0, 2.0))
        b = float(np.clip(b - step, -8.0, 8.0))
        if abs(step) < 1e-6:
            break
    return b


def _bce(z: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_view(columns: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[float, dict[str, float]]:
    """Temperature + per-label biases for a multi-label view, fitted jointly: ``columns`` maps
    each label to its validation (logits, 0/1 targets) pooled over the view's data sets; for
    every T on the grid the best bias of each label, then the T of least total NLL."""
    best: tuple[float, float, dict[str, float]] = (float("inf"), 1.0, {})
    for t in GRID[::4]:  # 41 temperatures from 0.25 to 8
        biases = {lab: fit_label_bias(z, y, float(t)) for lab, (z, y) in columns.items()}
        loss = sum(_bce(z / t + biases[lab], y) for lab, (z, y) in columns.items())
        if loss < best[0]:
            best = (loss, float(t), biases)
    return best[1], best[2]


def ece(probs: np.ndarray, y: np.ndarray, kind: str, bins: int = 15) -> float:
    """Expected calibration error: top-label for single-label data, per (text, label) sigmoid
    probability for multi-label data; equal-width bins."""
    if kind == "single":
        conf = probs.max(axis=1)
        correct = (probs.argmax(axis=1) == y.astype(int)).astype(float)
    else:
        conf = probs.reshape(-1)
        correct = y.reshape(-1).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(total)


def probs_of(
    logits: np.ndarray, kind: str, t: float = 1.0, bias: np.ndarray | None = None
) -> np.ndarray:
    """Calibrated probabilities; ``bias`` (multi-label only): one per column, added after /t."""
    if kind == "single":
        return softmax(logits / t)
    return sigmoid(logits / t + (0.0 if bias is None else np.asarray(bias, dtype=np.float64)))


def tune_thresholds(probs: np.ndarray, y: np.ndarray) -> list[float]:
    """Per-label F1-maximising threshold for multi-label data (validation only)."""
    from sklearn.metrics import f1_score

    out = []
    for j in range(probs.shape[1]):
        best_t, best = 0.5, -1.0
        for t in np.linspace(0.05, 0.95, 37):
            f = f1_score(y[:, j], probs[:, j] >= t, zero_division=0)
            if f > best:
                best, best_t = f, float(t)
        out.append(best_t)
    return out


def tune_binary_threshold(p1: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    best_t, best = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f = f1_score(y, p1 >= t, zero_division=0)
        if f > best:
            best, best_t = f, float(t)
    return best_t
