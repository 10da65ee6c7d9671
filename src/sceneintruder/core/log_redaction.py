"""Keep access tokens out of the server's logs.

Browsers cannot set headers on a WebSocket, so `/ws/...` takes the token as `?token=`; uvicorn logs every
handshake and request with its query string ('"WebSocket /ws/scene/x?token=..." [accepted]'). This filter
rewrites, before any handler sees the record, the value of every query parameter whose name decodes to a
credential name in any spelling (`token`, `%74oken`, `Access_Token`, ...), and anything shaped like a JWT
wherever it appears.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

_QUERY_PARAMETER = re.compile(r"([?&;])([^=&\s\"'?;]+)=([^&\s\"';]*)")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_CREDENTIAL_NAMES = frozenset({"token", "access_token", "auth", "authorization", "api_key", "apikey", "key"})
REDACTED = "[redacted]"
SERVER_LOGGERS = ("uvicorn.error", "uvicorn.access")


def _decoded(name: str) -> str:
    for _ in range(3):  # %2574oken is %74oken is token
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return name.strip().lower()


def _parameter(match: re.Match[str]) -> str:
    separator, name, value = match.groups()
    if _decoded(name) in _CREDENTIAL_NAMES and value:
        value = REDACTED
    return f"{separator}{name}={value}"


def redact(text: str) -> str:
    return _JWT.sub(REDACTED, _QUERY_PARAMETER.sub(_parameter, text))


_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s]*@")


def redact_url_password(url: str) -> str:
    """`redis://:secret@host` -> `redis://:[redacted]@host`, for messages that name a server."""
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", url)


def quiet_sql_logs() -> None:
    """Keep rows and parameters out of the logs even at LOG_LEVEL=DEBUG: the engine's DEBUG level logs result
    rows (password hashes, prose), and aiosqlite's logs every call with its arguments. Statements alone still
    show at INFO (the engine hides parameters)."""
    engine = logging.getLogger("sqlalchemy.engine")
    if engine.getEffectiveLevel() < logging.INFO:
        engine.setLevel(logging.INFO)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


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
