"""Is a window's pooled vector the same bytes whatever it is batched with? The check behind the
runtime's fixed-shape batches, on the bundled model and real caption windows.

    python -m bench.invariance --data-dir ../shared/data [--dtype bf16] [--rows 16] [--step 16]
        [--split-k N]

For a seeded sample of windows, each is encoded several times in a batch of exactly ``rows``
windows padded to its length bucket, in a random slot beside random windows of the same bucket
(the runtime's fixed shape), and also in batches of other row counts. Prints
``RESULT fixed_shape_mismatches=N`` (must be 0: it is what makes stored findings reproducible)
and ``RESULT varying_rows_mismatches=N`` with the largest difference (why the row count must be
fixed), and the speed of fixed shapes against one window at a time on one thread.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from typing import Any

from bench.common import DEFAULT_DATA_DIR, Results, bench_main


def _encode(model: Any, rows: list[list[int]], width: int) -> Any:
    """The runtime's own padded forward + mean pooling, on exactly these rows."""
    return model._encode_batch(rows, list(range(len(rows))), width)


def run(argv: Sequence[str] | None = None) -> Results:
    import torch

    from bench.corpus import load_corpus
    from nlp.models.artifact import load_default_model

    ap = argparse.ArgumentParser(prog="python -m bench.invariance", description=__doc__)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32", "int8"])
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--step", type=int, default=16)
    ap.add_argument("--windows", type=int, default=30, help="windows checked")
    ap.add_argument(
        "--split-k", type=int, default=None,
        help="bf16: FFN down-projections in N slices (1 = plain; default: the runtime's choice)",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    res = Results("invariance")
    torch.set_num_threads(1)
    model = load_default_model(
        overrides={"quantization": a.dtype, "encoder_workers": 1, "split_k": a.split_k}
    )
    if model is None:
        raise SystemExit("no bundled model artifact")
    info = model.info
    res.note(
        "model: "
        + ", ".join(
            f"{k}={info[k]}"
            for k in ("quantization", "down_projection", "row_probe", "batching")
            if k in info
        )
    )
    texts = [p.text for p in load_corpus(a.data_dir, per_source=100).posts]
    windows = model._windows(texts)[0][:1500]

    def bucket(n: int) -> int:
        return -(-n // a.step) * a.step

    rng = random.Random(a.seed)
    fixed_bad = varying_bad = 0
    fixed_max = varying_max = 0.0
    for j in rng.sample(range(len(windows)), min(a.windows, len(windows))):
        width = bucket(len(windows[j]))
        same = [k for k in range(len(windows)) if bucket(len(windows[k])) == width and k != j]
        same = same or [j]

        def in_batch(n_rows: int, j: int = j, same: list[int] = same, width: int = width) -> Any:
            mates = [windows[rng.choice(same)] for _ in range(n_rows - 1)]
            slot = rng.randrange(n_rows)
            rows = [*mates[:slot], windows[j], *mates[slot:]]
            return _encode(model, rows, width)[slot]

        ref = in_batch(a.rows)
        for _ in range(2):
            d = float((in_batch(a.rows) - ref).abs().max())
            fixed_bad += d != 0
            fixed_max = max(fixed_max, d)
        for n_rows in (1, max(a.rows // 2, 1), a.rows * 2):
            d = float((in_batch(n_rows) - ref).abs().max())
            varying_bad += d != 0
            varying_max = max(varying_max, d)
    n = min(a.windows, len(windows))
    res.add("fixed_shape_mismatches", fixed_bad, f"of {2 * n}", max_abs_diff=fixed_max)
    res.add("varying_rows_mismatches", varying_bad, f"of {3 * n}", max_abs_diff=varying_max)

    sample = windows[:400]
    t0 = time.perf_counter()
    groups: dict[int, list[list[int]]] = {}
    for w in sample:
        groups.setdefault(bucket(len(w)), []).append(w)
    for width, ws in groups.items():
        for i in range(0, len(ws), a.rows):
            rows = ws[i : i + a.rows]
            _encode(model, rows + [rows[0]] * (a.rows - len(rows)), width)
    fixed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for w in sample:
        _encode(model, [w], len(w))
    alone_s = time.perf_counter() - t0
    res.add("fixed_shape_windows_per_s", len(sample) / fixed_s, "windows/s", threads=1)
    res.add("one_window_windows_per_s", len(sample) / alone_s, "windows/s", threads=1)
    res.add("fixed_vs_one_window", alone_s / fixed_s, "x")
    return res


def main(argv: Sequence[str] | None = None) -> int:
    return bench_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
