"""api/batching.py: concurrent requests share one batch call, results go back to the right caller."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Hashable

import pytest

from api.batching import AnalyzeBatcher, MicroBatcher


class Recorder:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[tuple[Hashable, list[str]]] = []
        self.groups: list[list[int]] = []
        self.threads: set[str] = set()
        self.delay_s = delay_s

    def __call__(self, key: Hashable, groups: list[list[str]]) -> list[list[str]]:
        items = [it for g in groups for it in g]
        self.calls.append((key, items))
        self.groups.append([len(g) for g in groups])
        self.threads.add(threading.current_thread().name)
        if "bad" in items:
            raise ValueError("bad item")
        time.sleep(self.delay_s)
        return [[f"{key}:{it.upper()}" for it in g] for g in groups]


def test_batcher_merges_concurrent_requests_into_one_call() -> None:
    rec = Recorder()

    async def main() -> list[str]:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=32, max_wait_ms=50)
        out = await asyncio.gather(*(b.submit(f"p{i}", key="uk") for i in range(10)))
        await b.aclose()
        return list(out)

    out = asyncio.run(main())
    assert out == [f"uk:P{i}" for i in range(10)]
    assert len(rec.calls) == 1 and len(rec.calls[0][1]) == 10
    assert len(rec.threads) == 1 and next(iter(rec.threads)) != threading.current_thread().name


def test_batcher_never_merges_different_keys() -> None:
    rec = Recorder()

    async def main() -> list[str]:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=32, max_wait_ms=50)
        out = await asyncio.gather(
            *(b.submit(f"p{i}", key=("uk",) if i % 2 else ("fr",)) for i in range(6))
        )
        await b.aclose()
        return list(out)

    out = asyncio.run(main())
    assert out == [f"{('uk',) if i % 2 else ('fr',)}:P{i}" for i in range(6)]
    assert sorted(len(items) for _, items in rec.calls) == [3, 3]
    for key, items in rec.calls:
        assert {int(x[1:]) % 2 for x in items} == ({1} if key == ("uk",) else {0})


def test_batcher_respects_max_batch_and_keeps_multi_item_requests_whole() -> None:
    rec = Recorder()

    async def main() -> tuple[list[str], list[str]]:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=4, max_wait_ms=20)
        singles = asyncio.gather(*(b.submit(f"s{i}") for i in range(9)))
        many = b.submit_many([f"m{i}" for i in range(6)])
        a, m = await asyncio.gather(singles, many)
        await b.aclose()
        return list(a), m

    singles, many = asyncio.run(main())
    assert singles == [f"None:S{i}" for i in range(9)]
    assert many == [f"None:M{i}" for i in range(6)]
    for _, items in rec.calls:
        ms = [x for x in items if x.startswith("m")]
        assert ms in ([], [f"m{i}" for i in range(6)])  # never split
        if not ms:
            assert len(items) <= 4


def test_batcher_isolates_a_failing_request() -> None:
    rec = Recorder()

    async def main() -> list[object]:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=32, max_wait_ms=50)
        out = await asyncio.gather(
            b.submit("a"), b.submit("bad"), b.submit("c"), return_exceptions=True
        )
        await b.aclose()
        return list(out)

    a, bad, c = asyncio.run(main())
    assert a == "None:A" and c == "None:C"
    assert isinstance(bad, ValueError)


def test_batcher_sends_a_lone_request_after_max_wait() -> None:
    rec = Recorder()

    async def main() -> float:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=32, max_wait_ms=5)
        t0 = time.perf_counter()
        await b.submit("x")
        dt = time.perf_counter() - t0
        await b.aclose()
        return dt

    assert asyncio.run(main()) < 0.5
    assert rec.calls == [(None, ["x"])]


def test_batcher_requests_queued_during_a_batch_go_in_the_next_one() -> None:
    rec = Recorder(delay_s=0.05)

    async def main() -> None:
        b: MicroBatcher[str, str] = MicroBatcher(rec, max_batch=32, max_wait_ms=1)
        first = asyncio.ensure_future(b.submit("first"))
        await asyncio.sleep(0.02)  # first batch is running now
        rest = await asyncio.gather(*(b.submit(f"r{i}") for i in range(5)))
        assert list(rest) == [f"None:R{i}" for i in range(5)]
        await first
        assert b.stats.batches == 2 and b.stats.items == 6
        await b.aclose()

    asyncio.run(main())
    assert [len(items) for _, items in rec.calls] == [1, 5]


def test_batcher_rejects_work_after_close() -> None:
    async def main() -> None:
        b: MicroBatcher[str, str] = MicroBatcher(Recorder())
        await b.submit("x")
        await b.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            await b.submit("y")

    asyncio.run(main())


class FakeAnalyzer:
    """Records each analyze call; its cross-post step would be the Analyzer's."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str] | None]] = []

    def analyze(self, posts: list[str], jurisdictions: list[str] | None) -> list[str]:
        self.calls.append((len(posts), jurisdictions))
        return [f"{p}@{','.join(jurisdictions or [])}" for p in posts]


def test_analyze_batcher_calls_analyzer_per_jurisdiction_set() -> None:
    fake = FakeAnalyzer()

    async def main() -> list[list[str]]:
        b = AnalyzeBatcher(fake, max_batch=32, max_wait_ms=50)
        out = await asyncio.gather(
            b.analyze(["a"], ["uk", "fr"]),
            b.analyze(["b", "c"], ["uk", "fr"]),
            b.analyze(["d"], None),
        )
        await b.aclose()
        return list(out)

    out = asyncio.run(main())
    assert out == [["a@uk,fr"], ["b@uk,fr", "c@uk,fr"], ["d@"]]
    # an analyzer without ``cross_post=`` is called once per request (no signal can mix)
    assert sorted(fake.calls, key=str) == sorted(
        [(1, ["uk", "fr"]), (2, ["uk", "fr"]), (1, None)], key=str
    )


class SplitAnalyzer:
    """Like the real Analyzer: ``cross_post=False`` skips the collection-level step."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []
        self.authenticity = None

    def analyze(
        self, posts: list[str], jurisdictions: list[str] | None = None, *, cross_post: bool = True
    ) -> list[dict[str, object]]:
        self.calls.append((list(posts), cross_post))
        return [{"post": p, "with": None} for p in posts]


def test_analyze_batcher_shares_one_call_and_keeps_cross_post_per_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nlp.analyzer

    seen: list[list[str]] = []

    def fake_cross_post(posts: list[str], analyses: list[dict[str, object]], _auth: object) -> None:
        seen.append(list(posts))
        for a in analyses:
            a["with"] = list(posts)

    monkeypatch.setattr(nlp.analyzer, "apply_cross_post", fake_cross_post)
    fake = SplitAnalyzer()

    async def main() -> list[list[dict[str, object]]]:
        b = AnalyzeBatcher(fake, max_batch=32, max_wait_ms=50)
        out = await asyncio.gather(b.analyze(["a1", "a2"], ["uk"]), b.analyze(["b1"], ["uk"]))
        await b.aclose()
        return list(out)

    a, b = asyncio.run(main())
    assert fake.calls == [(["a1", "a2", "b1"], False)]  # one encoder pass for both callers
    assert sorted(seen) == [["a1", "a2"], ["b1"]]  # cross-post never mixes two requests
    assert a == [{"post": "a1", "with": ["a1", "a2"]}, {"post": "a2", "with": ["a1", "a2"]}]
    assert b == [{"post": "b1", "with": ["b1"]}]


def test_free_row_batches_are_shared_by_tokens_not_split_per_width() -> None:
    """A micro-batch of a few posts: split only the batch holding more than a worker's share
    of the tokens, so both cores work but each width is not cut in two forward calls."""
    from nlp.models.runtime import _share

    # 10 windows of 64 tokens dominate: halved; the small widths stay whole
    batches = [
        ([0, 1, 2], 16, 0),
        ([3, 4, 5, 6], 32, 0),
        ([7, 8], 48, 0),
        (list(range(9, 19)), 64, 0),
    ]
    out = _share(batches, 2)
    assert sorted(j for js, _, _ in out for j in js) == list(range(19))  # every window once
    assert len(out) == 5
    assert ([9, 10, 11, 12, 13], 64, 0) in out and ([14, 15, 16, 17, 18], 64, 0) in out
    # balanced already: nothing split; one worker: nothing split; one window: cannot split
    even = [([0, 1], 64, 0), ([2, 3], 64, 0)]
    assert _share(even, 2) == even
    assert _share(batches, 1) == batches
    assert _share([([0], 64, 0)], 2) == [([0], 64, 0)]
    # one width alone is shared between the workers
    assert [len(js) for js, _, _ in _share([(list(range(16)), 64, 0)], 2)] == [8, 8]
