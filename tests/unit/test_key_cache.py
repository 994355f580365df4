"""KeyCache (api/security.py): recently verified keys are admitted without a database read,
for at most ``ttl`` seconds, and a revoked key is dropped at once."""

from __future__ import annotations

from api.security import KeyCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_hit_until_the_ttl_runs_out() -> None:
    clock = Clock()
    cache: KeyCache[str] = KeyCache(5.0, clock=clock)
    assert cache.get("d1") is None
    cache.put("d1", 1, "alice")
    clock.now += 4.9
    assert cache.get("d1") == "alice"
    clock.now += 0.2  # 5.1 s after it was verified: read the database again
    assert cache.get("d1") is None
    cache.put("d1", 1, "alice")  # verified again: a fresh 5 s
    clock.now += 4.0
    assert cache.get("d1") == "alice"


def test_forget_drops_every_entry_of_the_revoked_key_only() -> None:
    cache: KeyCache[str] = KeyCache(60.0, clock=Clock())
    cache.put("d1", 1, "alice")
    cache.put("d2", 2, "bob")
    cache.forget(1)
    assert cache.get("d1") is None and cache.get("d2") == "bob"
    cache.forget(99)  # never cached: nothing happens
    assert cache.get("d2") == "bob"


def test_zero_ttl_never_caches() -> None:
    cache: KeyCache[str] = KeyCache(0.0, clock=Clock())
    cache.put("d1", 1, "alice")
    assert cache.get("d1") is None


def test_bounded_size_drops_expired_then_oldest() -> None:
    clock = Clock()
    cache: KeyCache[int] = KeyCache(10.0, max_entries=3, clock=clock)
    cache.put("a", 1, 1)
    clock.now += 8
    cache.put("b", 2, 2)
    cache.put("c", 3, 3)
    clock.now += 3  # "a" has expired
    cache.put("d", 4, 4)
    assert [cache.get(k) for k in "abcd"] == [None, 2, 3, 4]
    cache.put("e", 5, 5)  # full, none expired: the oldest ("b") goes
    assert [cache.get(k) for k in "bcde"] == [None, 3, 4, 5]
