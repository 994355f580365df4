"""Shared helpers for the benchmarks: RESULT lines, timing, thread settings, environment notes."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Results:
    """Collects ``RESULT name=value unit`` lines (printed as they come) and notes."""

    bench: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str, **detail: Any) -> float:
        shown = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        print(f"RESULT {name}={shown} {unit}", flush=True)
        self.results[name] = {"value": round(float(value), 4), "unit": unit, **detail}
        return value

    def note(self, text: str) -> None:
        print(f"# {text}", flush=True)
        self.notes.append(text)

    def skip(self, what: str, why: str) -> None:
        print(f"SKIP {what}: {why}", flush=True)
        self.skipped.append(f"{what}: {why}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "results": self.results,
            "notes": self.notes,
            "skipped": self.skipped,
        }


#: Timed runs per measurement (``--repeat``): on a shared 2-core machine one run of a few
#: seconds varied by +-30%; the median of several is what the RESULT lines report.
REPEAT = 1


def set_repeat(n: int) -> None:
    global REPEAT
    REPEAT = max(int(n), 1)


def timed(fn: Callable[[], Any], repeat: int | None = None) -> tuple[float, Any]:
    """(median wall seconds over ``repeat`` runs (default ``REPEAT``), the last run's output)."""
    times, out = [], None
    for _ in range(repeat or REPEAT):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times)), out


def set_threads(n: int | None) -> int:
    """Pin torch's intra-op threads to ``n`` (default: every core) and inter-op to 1."""
    import torch

    n = n or os.cpu_count() or 1
    torch.set_num_threads(n)
    with contextlib.suppress(RuntimeError):  # already set once in this process
        torch.set_num_interop_threads(1)
    return n


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        import torch

        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return env


def rss_mb(pid: int | str = "self", field_name: str = "VmHWM") -> float | None:
    """VmHWM (peak) or VmRSS (current) of a process, in MB, from /proc; None off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def bench_main(run: Callable[[list[str]], Results], argv: Sequence[str] | None = None) -> int:
    """Shared entry point: ``--json PATH`` writes the results, the rest goes to ``run``."""
    args = list(sys.argv[1:] if argv is None else argv)
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i : i + 2]
    res = run(args)
    if json_out:
        write_json(json_out, res.as_dict())
    return 0
