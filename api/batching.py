"""Micro-batching: concurrent analyze requests share encoder passes.

Ten clients each sending one post would otherwise cost ten encoder forwards of batch 1, run by
ten threads fighting over two cores. The batcher queues requests, waits at most ``max_wait_ms``
after the OLDEST queued request (so a request that already waited while the previous batch ran
is sent at once), merges requests with the same key (the jurisdictions) up to ``max_batch``
posts, and runs each merged batch with ONE call in ONE worker thread. Only one batch runs at a
time: the encoder already uses every core, a second concurrent batch would only slow both.

Pure asyncio, no FastAPI import: usable by any server, testable with a fake function.

    batcher = AnalyzeBatcher(analyzer, max_batch=32, max_wait_ms=2.0)
    analyses = await batcher.analyze(posts, ["uk", "fr"])   # in a request handler
    await batcher.aclose()                                   # at shutdown
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

#: fn(key, requests) -> one result list per request, each as long as its request
BatchFn = Callable[[Hashable, list[list[T]]], Sequence[Sequence[R]]]


@dataclass
class _Request(Generic[T, R]):
    key: Hashable
    items: list[T]
    future: asyncio.Future[list[R]]
    enqueued: float


@dataclass
class BatcherStats:
    batches: int = 0
    requests: int = 0
    items: int = 0
    max_batch_items: int = 0
    busy_s: float = 0.0
    sizes: dict[int, int] = field(default_factory=dict)  # batch size -> count

    @property
    def mean_batch_items(self) -> float:
        return self.items / self.batches if self.batches else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "requests": self.requests,
            "items": self.items,
            "mean_batch_items": round(self.mean_batch_items, 2),
            "max_batch_items": self.max_batch_items,
            "busy_s": round(self.busy_s, 3),
        }


class MicroBatcher(Generic[T, R]):
    """Collects concurrent ``submit`` calls into batches for ``fn(key, requests)``.

    ``fn`` gets the merged requests (a list of item lists, request boundaries kept so that
    per-request work -- e.g. cross-post signals -- never mixes two callers' posts) and returns
    one result list per request, in order. It runs in a single worker thread, so it need not
    be thread-safe. If a merged batch raises, each request in it is retried alone so that one
    bad request fails only itself.
    """

    def __init__(
        self,
        fn: BatchFn[T, R],
        *,
        max_batch: int = 32,
        max_wait_ms: float = 2.0,
        max_queue: int = 10_000,
        name: str = "microbatch",
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must be >= 0")
        self._fn = fn
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queue = max_queue
        self.name = name
        self.stats = BatcherStats()
        self._queue: asyncio.Queue[_Request[T, R]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    # -- public API -----------------------------------------------------------------------
    async def submit(self, item: T, key: Hashable = None) -> R:
        """One item in, its result out."""
        return (await self.submit_many([item], key))[0]

    async def submit_many(self, items: Sequence[T], key: Hashable = None) -> list[R]:
        """Several items sent together (kept together in one batch); results in order."""
        if self._closed:
            raise RuntimeError(f"{self.name}: batcher is closed")
        items = list(items)
        if not items:
            return []
        self._ensure_started()
        assert self._queue is not None and self._loop is not None
        if self._queue.qsize() >= self.max_queue:
            raise OverflowError(f"{self.name}: {self.max_queue} requests already queued")
        fut: asyncio.Future[list[R]] = self._loop.create_future()
        self._queue.put_nowait(_Request(key, items, fut, time.perf_counter()))
        return await fut

    async def aclose(self) -> None:
        """Finish what is queued, then stop the worker."""
        self._closed = True
        if self._task is not None and self._queue is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=True)

    # -- internals ------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(), name=f"{self.name}-collector")

    async def _collect(self) -> list[_Request[T, R]]:
        assert self._queue is not None
        first = await self._queue.get()
        batch = [first]
        n = len(first.items)
        deadline = first.enqueued + self.max_wait_s
        while n < self.max_batch:
            if self._queue.empty():
                timeout = deadline - time.perf_counter()
                if timeout <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    break
            else:
                nxt = self._queue.get_nowait()
            batch.append(nxt)
            n += len(nxt.items)
        return batch

    async def _run(self) -> None:
        assert self._queue is not None and self._loop is not None
        while True:
            batch = await self._collect()
            try:
                groups: dict[Hashable, list[_Request[T, R]]] = {}
                for req in batch:
                    if not req.future.cancelled():
                        groups.setdefault(req.key, []).append(req)
                for key, reqs in groups.items():
                    await self._run_group(key, reqs)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _run_group(self, key: Hashable, reqs: list[_Request[T, R]]) -> None:
        assert self._loop is not None
        groups = [r.items for r in reqs]
        n_items = sum(len(g) for g in groups)
        t0 = time.perf_counter()
        try:
            results = await self._loop.run_in_executor(self._executor, self._call, key, groups)
        except Exception as exc:
            if len(reqs) > 1:
                for r in reqs:  # isolate the faulty request
                    await self._run_group(key, [r])
                return
            _set_exception(reqs[0].future, exc)
            return
        finally:
            self.stats.busy_s += time.perf_counter() - t0
        self.stats.batches += 1
        self.stats.requests += len(reqs)
        self.stats.items += n_items
        self.stats.max_batch_items = max(self.stats.max_batch_items, n_items)
        self.stats.sizes[n_items] = self.stats.sizes.get(n_items, 0) + 1
        for r, part in zip(reqs, results, strict=True):
            if not r.future.done():
                r.future.set_result(part)

    def _call(self, key: Hashable, groups: list[list[T]]) -> list[list[R]]:
        out = [list(part) for part in self._fn(key, groups)]
        if [len(p) for p in out] != [len(g) for g in groups]:
            raise RuntimeError(
                f"{self.name}: batch function returned {[len(p) for p in out]} results for "
                f"requests of {[len(g) for g in groups]} items"
            )
        return out


def _set_exception(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


class AnalyzeBatcher(MicroBatcher[Any, Any]):
    """A MicroBatcher around ``Analyzer.analyze(posts, jurisdictions)``. The key is the
    jurisdiction tuple, so requests for different jurisdictions are never merged. Posts of all
    merged requests share ONE analyze call (one encoder pass) with cross-post signals off; the
    cross-post signals (scripted copy, engagement benchmarks, ...) are then computed per
    request, over that request's posts only, exactly as a direct ``analyze`` call would: one
    caller's posts never appear in another caller's evidence."""

    def __init__(self, analyzer: Any, *, max_batch: int = 32, max_wait_ms: float = 2.0) -> None:
        self.analyzer = analyzer
        try:
            params = inspect.signature(analyzer.analyze).parameters
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        can_split = "cross_post" in params

        def run(key: Hashable, groups: list[list[Any]]) -> list[list[Any]]:
            js = list(key) if isinstance(key, tuple) else None
            if not can_split or len(groups) == 1:
                return [list(analyzer.analyze(g, js)) for g in groups]
            from nlp.analyzer import apply_cross_post

            flat = [p for g in groups for p in g]
            analyses = list(analyzer.analyze(flat, js, cross_post=False))
            out: list[list[Any]] = []
            i = 0
            for g in groups:
                part = analyses[i : i + len(g)]
                i += len(g)
                apply_cross_post(g, part, getattr(analyzer, "authenticity", None))
                out.append(part)
            return out

        super().__init__(run, max_batch=max_batch, max_wait_ms=max_wait_ms, name="analyze-batch")

    async def analyze(self, posts: Sequence[Any], jurisdictions: Sequence[str] | None) -> list[Any]:
        key = tuple(jurisdictions) if jurisdictions is not None else None
        return await self.submit_many(posts, key)
