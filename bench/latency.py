"""The running service under load, on loopback: latency of single-post POST /v1/analyze at 10
concurrent clients, the batch endpoint's posts/s, and the server's peak RSS.

    python -m bench.latency --data-dir ../shared/data

Starts ``clearpost serve`` as a subprocess on 127.0.0.1 with a temporary SQLite database and a
key made with ``clearpost keys create``; rate limiting and background job workers are turned off
for the run. Load: ``--clients`` closed-loop asyncio+httpx clients (each sends its next request
when the previous one answers), bounded by ``--requests`` and ``--duration``. Each request
carries one REAL caption (cycled from the benchmark corpus).

Baseline, measured in the same run: the same load against the same server started with
micro-batching off (``CLEARPOST_MICROBATCH_MAX_POSTS=0``: every request runs its own Analyzer
call in the server's thread pool).

Closed loop, Little's law: with N clients and no think time, mean latency = N / throughput. At
10 clients a p50 of 25 ms needs ~400 posts/s; the optional ``--paced-rps`` run measures latency
at a fixed offered load instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_DATA_DIR, Results, bench_main, rss_mb
from bench.corpus import CorpusMissing, load_corpus

READY_PATH = "/readyz"
ANALYZE_PATH = "/v1/analyze"


# ------------------------------------------------------------------------------------ server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clearpost_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("clearpost")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("clearpost")
    return [found] if found else [sys.executable, "-m", "nlp.cli"]


@dataclass
class Server:
    """``clearpost serve`` in a subprocess, on a temporary SQLite database."""

    extra_env: dict[str, str] = field(default_factory=dict)
    model: str = "default"
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="clearpost-bench-")))
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None
    key: str = ""
    #: "cli" = ``clearpost serve``; "random-heads" = bench/serve_random_heads.py (the same app,
    #: with the encoder + random heads when no trained artifact is bundled)
    launcher: str = "cli"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "CLEARPOST_DATABASE_URL": f"sqlite:///{self.workdir / 'bench.db'}",
                "CLEARPOST_RATE_LIMIT_PER_MINUTE": "0",
                "CLEARPOST_JOB_WORKERS": "0",
                "CLEARPOST_MODEL": self.model,
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
            }
        )
        env.update(self.extra_env)
        return env

    def create_key(self) -> str:
        out = subprocess.run(
            [*_clearpost_cmd(), "keys", "create", "--tenant", "bench", "--role", "analyst"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(
                f"`clearpost keys create` failed ({out.returncode}): {out.stderr[-800:]}"
            )
        lines = [ln.strip() for ln in out.stdout.splitlines() if ln.strip()]
        if not lines:
            raise RuntimeError("`clearpost keys create` printed no key")
        self.key = lines[-1]
        return self.key

    def start(self, ready_timeout: float) -> float:
        """Start, wait for /readyz == 200; returns the seconds it took."""
        import httpx

        self.create_key()
        t0 = time.perf_counter()
        with self.log_path.open("wb") as log:
            if self.launcher == "random-heads":
                cmd = [sys.executable, "-m", "bench.serve_random_heads"]
            else:
                cmd = [*_clearpost_cmd(), "serve"]
            self.proc = subprocess.Popen(
                [*cmd, "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = t0 + ready_timeout
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"server exited with {self.proc.returncode}: {self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    r = client.get(self.url + READY_PATH)
                    if r.status_code == 200:
                        return time.perf_counter() - t0
                    detail = str(r.json().get("detail", ""))
                    if detail.startswith("load failed"):
                        raise RuntimeError(f"server {detail}")
                time.sleep(0.5)
        raise TimeoutError(f"server not ready after {ready_timeout:.0f}s: {self.log_tail()}")

    def pids(self) -> list[int]:
        """The server process and its descendants (uvicorn may fork workers)."""
        if self.proc is None:
            return []
        pids = [self.proc.pid]
        i = 0
        while i < len(pids):
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()
                pids.extend(int(c) for c in children)
            i += 1
        return pids

    def peak_rss_mb(self, field_name: str = "VmHWM") -> float | None:
        """Largest VmHWM (peak) -- or VmRSS (now) -- over the server's processes."""
        vals = [v for v in (rss_mb(p, field_name) for p in self.pids()) if v is not None]
        return max(vals) if vals else None

    def log_tail(self, n: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


# -------------------------------------------------------------------------------------- load


@dataclass
class LoadResult:
    latencies_ms: list[float]
    errors: dict[str, int]
    seconds: float
    posts: int

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies_ms)
        if not xs:
            return float("nan")
        k = min(len(xs) - 1, max(0, math.ceil(q / 100.0 * len(xs)) - 1))  # nearest rank
        return xs[k]


def _bodies(
    posts: Sequence[Any], per_request: int, jurisdictions: list[str] | None
) -> Iterator[dict[str, Any]]:
    i = 0
    n = len(posts)
    while True:
        chunk = [posts[(i + k) % n] for k in range(per_request)]
        i += per_request
        body: dict[str, Any] = {
            "posts": [p.model_dump(mode="json", exclude_none=True) for p in chunk]
        }
        if jurisdictions:
            body["jurisdictions"] = jurisdictions
        yield body


async def run_load(
    url: str,
    key: str,
    bodies: Iterator[dict[str, Any]],
    *,
    clients: int,
    requests: int,
    duration: float,
    posts_per_request: int = 1,
    rate: float = 0.0,
    transport: Any = None,
) -> LoadResult:
    """``clients`` closed-loop workers; at most ``requests`` requests and ``duration`` seconds.
    With ``rate`` > 0 the workers together offer ``rate`` requests/s (each waits for its slot)."""
    import httpx

    lat: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    t_start = time.perf_counter()
    t_end = t_start + duration
    interval = clients / rate if rate > 0 else 0.0

    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60.0, transport=transport
    ) as http:

        async def worker(w: int) -> None:
            nonlocal sent
            next_at = t_start + (w * interval / clients if interval else 0.0)
            while True:
                now = time.perf_counter()
                if sent >= requests or now >= t_end:
                    return
                if interval:
                    if next_at > now:
                        await asyncio.sleep(next_at - now)
                    next_at = max(next_at + interval, time.perf_counter() - interval)
                sent += 1
                body = next(bodies)
                t0 = time.perf_counter()
                try:
                    r = await http.post(ANALYZE_PATH, json=body)
                    dt = (time.perf_counter() - t0) * 1000.0
                    if r.status_code == 200:
                        lat.append(dt)
                    else:
                        k = f"http_{r.status_code}"
                        errors[k] = errors.get(k, 0) + 1
                except httpx.HTTPError as exc:
                    k = type(exc).__name__
                    errors[k] = errors.get(k, 0) + 1

        await asyncio.gather(*(worker(w) for w in range(clients)))
    seconds = time.perf_counter() - t_start
    return LoadResult(lat, errors, seconds, len(lat) * posts_per_request)


# -------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--requests", type=int, default=600, help="single-post requests per scenario")
    p.add_argument("--duration", type=float, default=45.0, help="seconds cap per scenario")
    p.add_argument("--warmup", type=int, default=30, help="single-post requests before timing")
    p.add_argument("--batch-posts", type=int, default=50, help="posts per batch request")
    p.add_argument("--batch-requests", type=int, default=12)
    p.add_argument("--batch-clients", type=int, default=2)
    p.add_argument("--paced-rps", type=float, default=0.0, help="also run at this offered load")
    p.add_argument("--jurisdictions", default="uk,us,fr", help="comma list; empty = server default")
    p.add_argument("--model", default="default", help="server model: default | none")
    p.add_argument(
        "--server",
        choices=("auto", "cli", "random-heads"),
        default="auto",
        help="auto: `clearpost serve` when a trained artifact is bundled, else the same app "
        "with the encoder + random heads (bench/serve_random_heads.py)",
    )
    p.add_argument("--ready-timeout", type=float, default=300.0)
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument(
        "--server-threads",
        type=int,
        default=0,
        help="torch/OpenMP threads in the server (OMP_NUM_THREADS); 0 = torch's default",
    )
    p.add_argument("--microbatch-max-posts", type=int, default=32)
    p.add_argument("--microbatch-wait-ms", type=float, default=2.0)
    return p.parse_args(argv)


def _report_load(res: Results, prefix: str, lr: LoadResult, clients: int) -> None:
    sfx = f"_{prefix}" if prefix else ""
    res.add(f"p50_ms{sfx}", lr.pct(50), "ms", clients=clients, n=lr.ok)
    res.add(f"p95_ms{sfx}", lr.pct(95), "ms")
    res.add(f"p99_ms{sfx}", lr.pct(99), "ms")
    res.add(f"single_req_per_s{sfx}", lr.ok / lr.seconds if lr.seconds else 0.0, "req/s")
    if lr.errors:
        res.note(f"{prefix or 'microbatched'} errors: {lr.errors}")


def _microbatch_counts(server: Server) -> dict[str, float]:
    """The server's ``clearpost_microbatch_*_total`` counters (api/metrics.py), {} if absent."""
    import httpx

    try:
        text = httpx.get(f"{server.url}/metrics", timeout=10.0).text
    except httpx.HTTPError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("clearpost_microbatch_") and "_total " in line:
            name, value = line.split(" ", 1)
            out[name.removeprefix("clearpost_microbatch_").removesuffix("_total")] = float(value)
    return out


def _scenario(
    server: Server, posts: Sequence[Any], args: argparse.Namespace, res: Results, prefix: str
) -> LoadResult:
    jur = [j for j in args.jurisdictions.split(",") if j] or None
    warm = _bodies(posts[::-1], 1, jur)
    asyncio.run(
        run_load(
            server.url, server.key, warm, clients=args.clients, requests=args.warmup, duration=30
        )
    )
    before = _microbatch_counts(server)
    lr = asyncio.run(
        run_load(
            server.url,
            server.key,
            _bodies(posts, 1, jur),
            clients=args.clients,
            requests=args.requests,
            duration=args.duration,
        )
    )
    _report_load(res, prefix, lr, args.clients)
    after = _microbatch_counts(server)
    batches = after.get("batches", 0.0) - before.get("batches", 0.0)
    if batches > 0:  # how many single posts shared each Analyzer call
        posts_n = after.get("posts", 0.0) - before.get("posts", 0.0)
        busy = after.get("busy_seconds", 0.0) - before.get("busy_seconds", 0.0)
        sfx = f"_{prefix}" if prefix else ""
        res.add(f"microbatch_posts_per_batch{sfx}", posts_n / batches, "posts", batches=batches)
        if lr.seconds:
            res.add(f"microbatch_busy_share{sfx}", busy / lr.seconds, "ratio")
    return lr


def run(argv: Sequence[str] | None = None) -> Results:
    args = parse_args(argv)
    res = Results("latency")
    try:
        corpus = load_corpus(args.data_dir, per_source=200, seed=1)
    except CorpusMissing as exc:
        res.skip("latency", str(exc))
        return res
    posts = corpus.posts
    res.note(f"corpus: {corpus.describe()}")
    res.note(
        f"load: {args.clients} closed-loop clients, <= {args.requests} requests / "
        f"{args.duration:.0f}s per scenario, one real post per request, loopback"
    )
    jur = [j for j in args.jurisdictions.split(",") if j] or None
    launcher = args.server
    if launcher == "auto":
        launcher = "cli"
        if args.model == "default":
            try:
                from nlp.models.artifact import default_artifact_dir

                if default_artifact_dir() is None:
                    launcher = "random-heads"
            except ImportError:
                pass
    if launcher == "random-heads":
        res.note(
            "no trained artifact bundled: the server is the same app (create_app + "
            "build_services) with the encoder and RANDOMLY INITIALISED heads "
            "(bench/serve_random_heads.py): same compute, meaningless predictions"
        )
    else:
        res.note(f"server: `clearpost serve` (model={args.model})")

    threads_env = (
        {"OMP_NUM_THREADS": str(args.server_threads), "MKL_NUM_THREADS": str(args.server_threads)}
        if args.server_threads
        else {}
    )
    res.note(f"server torch threads: {args.server_threads or 'default (all cores)'}")
    on = Server(
        launcher=launcher,
        model=args.model,
        extra_env={
            **threads_env,
            "CLEARPOST_MICROBATCH_MAX_POSTS": str(args.microbatch_max_posts),
            "CLEARPOST_MICROBATCH_WAIT_MS": str(args.microbatch_wait_ms),
        },
    )
    try:
        ready_s = on.start(args.ready_timeout)
        res.add("server_ready_s", ready_s, "s")
        single = _scenario(on, posts, args, res, "")
        if args.paced_rps > 0:
            paced = asyncio.run(
                run_load(
                    on.url,
                    on.key,
                    _bodies(posts[7:], 1, jur),
                    clients=args.clients,
                    requests=args.requests,
                    duration=args.duration,
                    rate=args.paced_rps,
                )
            )
            tag = f"paced{args.paced_rps:g}rps"
            _report_load(res, tag, paced, args.clients)
        batch = asyncio.run(
            run_load(
                on.url,
                on.key,
                _bodies(posts[13:], args.batch_posts, jur),
                clients=args.batch_clients,
                requests=args.batch_requests,
                duration=args.duration,
                posts_per_request=args.batch_posts,
            )
        )
        if batch.errors:
            res.note(f"batch errors: {batch.errors}")
        res.add(
            "batch_posts_per_s",
            batch.posts / batch.seconds if batch.seconds else 0.0,
            "posts/s",
            posts_per_request=args.batch_posts,
            clients=args.batch_clients,
        )
        peak = on.peak_rss_mb()
        if peak is not None:
            res.add("server_rss_mb", peak, "MB", target="<= 1500", source="VmHWM (peak)")
        now = on.peak_rss_mb("VmRSS")
        if now is not None:
            res.add("server_rss_now_mb", now, "MB", source="VmRSS after the load")
    except (RuntimeError, TimeoutError, OSError) as exc:
        res.skip("latency (micro-batched server)", f"{exc}")
        return res
    finally:
        on.cleanup()

    if args.skip_baseline:
        return res
    off = Server(
        launcher=launcher,
        model=args.model,
        extra_env={**threads_env, "CLEARPOST_MICROBATCH_MAX_POSTS": "0"},
    )
    try:
        off.start(args.ready_timeout)
        base = _scenario(off, posts, args, res, "baseline_no_microbatch")
        peak = off.peak_rss_mb()
        if peak is not None:
            res.add("server_rss_mb_baseline_no_microbatch", peak, "MB")
    except (RuntimeError, TimeoutError, OSError) as exc:
        res.skip("latency baseline", f"{exc}")
        return res
    finally:
        off.cleanup()
    if single.ok and base.ok:
        res.add("p50_speedup_vs_no_microbatch", base.pct(50) / single.pct(50), "x")
        res.add("p99_speedup_vs_no_microbatch", base.pct(99) / single.pct(99), "x")
        res.add(
            "throughput_vs_no_microbatch",
            (single.ok / single.seconds) / (base.ok / base.seconds),
            "x",
        )
    return res


def main(argv: Sequence[str] | None = None) -> int:
    return bench_main(run, argv)


if __name__ == "__main__":
    sys.exit(main())
