"""Keep access tokens out of the server's logs.

Browsers cannot set headers on a WebSocket, so `/ws/...` takes the token as `?token=`; uvicorn logs every
handshake with its query string ('"WebSocket /ws/scene/x?token=..." [accepted]'). This filter rewrites the value
before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

_QUERY_TOKEN = re.compile(r"([?&]token=)[^&\s\"']+")
SERVER_LOGGERS = ("uvicorn.error", "uvicorn.access")


def redact(text: str) -> str:
    return _QUERY_TOKEN.sub(r"\1[redacted]", text)


class QueryTokenRedactor(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def redact_query_tokens(logger_names: tuple[str, ...] = SERVER_LOGGERS) -> None:
    """Install the filter on the server's loggers (once, however many apps a process builds)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, QueryTokenRedactor) for existing in logger.filters):
            logger.addFilter(QueryTokenRedactor())
