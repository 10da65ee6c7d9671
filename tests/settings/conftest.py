"""Settings tests: an administrator, a plain user, and a fake OpenAI server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sceneintruder.core.principal import Role
from tests.fakes._base import API_KEY
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.builders import bearer, make_user, token_for

KEY = API_KEY


@pytest.fixture
def settings(make_settings):
    """Provider URLs on 127.0.0.1 (the fakes) are private addresses: allowed for these tests."""
    return make_settings(allow_private_provider_urls=True)


@pytest.fixture
async def admin(app) -> dict[str, str]:
    await make_user(app, "root", role=Role.ADMIN)
    return bearer(token_for(app, "root"))


@pytest.fixture
async def user(app) -> dict[str, str]:
    await make_user(app, "alice")
    return bearer(token_for(app, "alice"))


@pytest.fixture
async def openai_fake() -> AsyncIterator[tuple[FakeOpenAI, str]]:
    fake = FakeOpenAI()
    async with fake.serving(fake.app()) as base:
        yield fake, f"{base}/v1"


def openai_settings(base_url: str, **config: str) -> dict:
    return {"llm_provider": "openai", "llm_config": {"api_key": KEY, "base_url": base_url, **config}}
