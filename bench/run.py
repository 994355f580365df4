"""``make bench``: every benchmark, each in its own process (so thread settings and memory of
one never leak into the next), then one JSON report.

    python -m bench.run --data-dir ../shared/data --report bench/report.json
    python -m bench.run --only throughput --quick        # a fast smoke run

The report holds every RESULT (value, unit, target where one applies), the notes (corpus mix,
model used, what the baseline is), what was skipped and why, and the environment.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_DATA_DIR, environment, write_json

#: name -> (module, extra args for a full run, extra args for --quick)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "throughput": (
        "bench.throughput",
        ["--per-source", "100"],
        ["--per-source", "8", "--baseline-posts", "8", "--share-baseline-weights"],
    ),
    # the same with one torch thread: on a shared 2-core machine two OpenMP threads stall on
    # every small op whenever another process holds a core
    "throughput_1thread": (
        "bench.throughput",
        ["--per-source", "100", "--threads", "1", "--skip-baseline"],
        ["--per-source", "4", "--threads", "1", "--skip-baseline"],
    ),
    # fixed-shape batches must give every window the same bytes in any batch (must print 0)
    "invariance": ("bench.invariance", [], ["--windows", "4"]),
    "latency": (
        "bench.latency",
        ["--server-threads", "1", "--paced-rps", "20", "--requests", "300", "--duration", "40"],
        ["--requests", "40", "--duration", "10", "--warmup", "5", "--batch-requests", "2"],
    ),
}

#: Benchmarks owned by other parts of the project, run when present (module, args).
OPTIONAL: dict[str, tuple[str, list[str]]] = {
    "rules_throughput": ("bench.rules_throughput", ["--n", "3000", "--jurisdiction", "uk,us,fr"]),
}


def _run_one(module: str, args: list[str], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clearpost-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", module, *args, "--json", str(out)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, timeout=timeout, check=False)
            rc: int | str = proc.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        seconds = round(time.perf_counter() - t0, 1)
        if out.is_file():
            import json

            data: dict[str, Any] = json.loads(out.read_text())
        else:
            data = {"results": {}, "notes": [], "skipped": [f"{module}: no result (rc={rc})"]}
        data["returncode"] = rc
        data["seconds"] = seconds
        data["command"] = " ".join(cmd[2:-2])
        return data


def parse_result_lines(text: str) -> dict[str, dict[str, Any]]:
    """``RESULT name=value unit`` lines -> {name: {"value": float, "unit": str}}."""
    results: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        if not line.startswith("RESULT ") or "=" not in line:
            continue
        name, _, rest = line[len("RESULT ") :].partition("=")
        parts = rest.split(maxsplit=1)
        try:
            value = float(parts[0])
        except (ValueError, IndexError):
            continue
        results[name.strip()] = {"value": value, "unit": parts[1].strip() if len(parts) > 1 else ""}
    return results


def _run_optional(module: str, args: list[str], data_dir: str, timeout: float) -> dict[str, Any]:
    """Other engineers' scripts: captured RESULT lines are parsed into the report."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        return {"skipped": [f"{module} is absent"]}
    cmd = [sys.executable, "-m", module, "--data-dir", data_dir, *args]
    try:
        proc = subprocess.run(cmd, timeout=timeout, capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:
        return {"skipped": [f"{module}: timed out after {timeout:.0f}s"]}
    sys.stdout.write(proc.stdout)
    results = parse_result_lines(proc.stdout)
    out: dict[str, Any] = {
        "results": results,
        "returncode": proc.returncode,
        "command": " ".join(cmd[2:]),
    }
    if proc.returncode != 0:
        out["stderr_tail"] = proc.stderr[-1500:]
    return out


def _fmt(v: Any) -> str:
    if not isinstance(v, int | float):
        return str(v)
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.3g}"


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a markdown page: every RESULT with its unit and target, then the notes."""
    env = report.get("environment", {})
    lines = [
        "# Benchmark results",
        "",
        f"Measured {env.get('utc', '?')} on {env.get('cpu_count', '?')} CPU cores "
        f"(load average at start {env.get('loadavg_at_start', '?')}), torch {env.get('torch', '?')}, "
        f"python {env.get('python', '?')}; data: `{report.get('data_dir', '?')}`. "
        "Produced by `make bench` (`python -m bench.run`); raw JSON in bench/report.json.",
        "",
    ]
    for name, bench in report.get("benches", {}).items():
        lines += [f"## {name}", ""]
        if bench.get("command"):
            lines += [f"`python -m {bench['command']}`", ""]
        results = bench.get("results") or {}
        if results:
            lines += ["| RESULT | value | unit | target |", "| --- | ---: | --- | --- |"]
            for key, r in results.items():
                lines.append(
                    f"| `{key}` | {_fmt(r.get('value'))} | {r.get('unit', '')} "
                    f"| {r.get('target', '')} |"
                )
            lines.append("")
        for note in bench.get("notes") or []:
            lines.append(f"- {note}")
        for skip in bench.get("skipped") or []:
            lines.append(f"- SKIPPED {skip}")
        lines.append("")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--report", default="bench/report.json")
    p.add_argument("--markdown", default=None, help="also write the report as markdown here")
    p.add_argument("--only", default="", help="comma list of: " + ", ".join(BENCHES))
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, not figures")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per benchmark")
    p.add_argument("--no-optional", action="store_true", help="skip other owners' scripts")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    only = [x for x in args.only.split(",") if x]
    unknown = [x for x in only if x not in BENCHES and x not in OPTIONAL]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join([*BENCHES, *OPTIONAL])}")
        return 2
    report: dict[str, Any] = {
        "environment": environment(),
        "data_dir": str(Path(args.data_dir).resolve()),
        "quick": args.quick,
        "benches": {},
    }
    if not Path(args.data_dir).is_dir():
        print(f"SKIP all: data dir {args.data_dir} is absent (pass --data-dir ../shared/data)")
    for name, (module, full_args, quick_args) in BENCHES.items():
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        extra = quick_args if args.quick else full_args
        report["benches"][name] = _run_one(
            module, ["--data-dir", args.data_dir, *extra], args.timeout
        )
    if not args.no_optional and not args.quick:
        for name, (module, extra) in OPTIONAL.items():
            if only and name not in only:
                continue
            print(f"== {name}", flush=True)
            report["benches"][name] = _run_optional(module, extra, args.data_dir, args.timeout)
    write_json(args.report, report)
    print(f"report written to {args.report}")
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(report), encoding="utf-8")
        print(f"markdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
