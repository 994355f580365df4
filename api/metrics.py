"""Prometheus metrics, in a registry per app (so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector


class JobStateCollector(Collector):
    """``clearpost_jobs{state}`` read from the database at scrape time."""

    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self._counts = counts

    def collect(self):  # type: ignore[no-untyped-def]
        g = GaugeMetricFamily("clearpost_jobs", "Jobs by state (all tenants).", labels=["state"])
        try:
            counts = self._counts()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the DB is busy
            counts = {}
        for state in ("queued", "running", "done", "failed"):
            g.add_metric([state], float(counts.get(state, 0)))
        yield g


class MicroBatchCollector(Collector):
    """``clearpost_microbatch_*``: what the /v1/analyze micro-batcher (api/batching.py) did in
    this process, read from its stats at scrape time. Posts per batch =
    ``rate(..._posts_total) / rate(..._batches_total)``: the larger, the more single posts shared
    an encoder pass; busy seconds against wall time = how saturated the encoder is."""

    def __init__(self, stats: Callable[[], Any]) -> None:
        self._stats = stats

    def collect(self):  # type: ignore[no-untyped-def]
        st = self._stats()
        rows = (
            ("batches", "Merged analyze calls run.", "batches"),
            ("requests", "Requests answered from merged calls.", "requests"),
            ("posts", "Posts analysed in merged calls.", "items"),
            ("busy_seconds", "Seconds spent running merged calls.", "busy_s"),
        )
        for name, doc, attr in rows:
            c = CounterMetricFamily(f"clearpost_microbatch_{name}", doc)
            c.add_metric([], float(getattr(st, attr, 0) if st is not None else 0))
            yield c


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "clearpost_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "clearpost_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.posts_analysed = Counter(
            "clearpost_posts_analysed",
            "Posts analysed, by where the request came from (analyze, posts, job).",
            ["source"],
            registry=self.registry,
        )
        self.job_items = Counter(
            "clearpost_job_items",
            "Job items finished by this process, by outcome.",
            ["outcome"],
            registry=self.registry,
        )

    def watch_jobs(self, counts: Callable[[], dict[str, int]]) -> None:
        self.registry.register(JobStateCollector(counts))

    def watch_microbatches(self, stats: Callable[[], Any]) -> None:
        """``stats()``: the batcher's BatcherStats, or None while there is none."""
        self.registry.register(MicroBatchCollector(stats))
