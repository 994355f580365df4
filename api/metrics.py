"""Prometheus metrics, in a registry per app (so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
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
