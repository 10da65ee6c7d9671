from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import redis as redis_support


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    redis_support.require()
    with redis_support.server() as url:
        yield url
