"""db.commit_cache's versions and ticks are per key: a key's drops move its own version and keep what was read
before them out of the cache, other keys' drops do not; a drop of everything moves every key; forgetting the
counts of old keys makes every older version unknown rather than wrong."""

from __future__ import annotations

import pytest

from sceneintruder.db import commit_cache
from sceneintruder.db.commit_cache import CommitInvalidatedCache


def _cache() -> CommitInvalidatedCache[str]:
    return CommitInvalidatedCache(name="t", tables=frozenset(), key_of=lambda _s, _r: None, ttl_seconds=60)


def test_a_keys_version_moves_with_its_own_drops_and_with_everything_only() -> None:
    cache = _cache()
    before = cache.version("a")
    cache.drop_remote(["b"])
    assert cache.drops_since("a", before) == 0
    cache.drop_remote(["a", "b"])
    assert cache.drops_since("a", before) == 1
    cache.drop_remote(None)
    assert cache.drops_since("a", before) == 2 and cache.drops_since("b", cache.version("b")) == 0


def test_what_was_read_before_a_keys_drop_is_not_stored_and_the_rest_is() -> None:
    cache = _cache()
    read_at = cache.tick()
    cache.drop_remote(["a"])  # a commit after the read began
    cache.put_many({"a": "old a", "b": "b"}, read_at=read_at)
    assert cache.entries.get("a") is None and cache.entries.get("b") == "b"
    read_at = cache.tick()
    cache.put_many({"a": "new a"}, read_at=read_at)
    assert cache.entries.get("a") == "new a"
    cache.drop_remote(None)
    cache.put_many({"b": "b again"}, read_at=read_at)  # everything was dropped since
    assert cache.entries.get("b") is None


def test_forgetting_old_counts_makes_older_versions_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commit_cache, "_DROPS_KEPT", 4)
    cache = _cache()
    version, read_at = cache.version("a"), cache.tick()
    for key in "abcdef":  # past the counts kept: the oldest are forgotten
        cache.drop_remote([key])
    assert cache.drops_since("a", version) is None
    cache.put_many({"z": "never dropped, but read before the counts were forgotten"}, read_at=read_at)
    assert cache.entries.get("z") is None
