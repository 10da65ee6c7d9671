"""The Redis client of a process (`REDIS_URL`), built in the app lifespan, never at import."""

from __future__ import annotations

from redis.asyncio import Redis

from sceneintruder.core.log_redaction import redact_url_password


def connect(url: str) -> Redis:
    """A pooled client; commands fail after 10 s rather than hang, and idle connections are checked."""
    return Redis.from_url(
        url,
        socket_connect_timeout=5,
        socket_timeout=10,
        health_check_interval=15,
        retry_on_timeout=True,
    )


async def check(client: Redis, url: str) -> None:
    """At start-up: Redis answers, or the server refuses to start with one clear line."""
    try:
        await client.ping()
    except Exception as exc:
        raise ConnectionError(f"REDIS_URL {redact_url_password(url)} does not answer: {exc}") from None
