"""Serialise one kind of write across processes, inside a writer transaction.

On PostgreSQL, `pg_advisory_xact_lock` on the key's hash: held until the transaction ends, so two processes that
count-then-insert under the same key take turns. On SQLite every writer transaction already starts with
BEGIN IMMEDIATE (db.session), which serialises all writers: nothing more to do.
"""

from __future__ import annotations

import zlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def serialize_on(session: AsyncSession, key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(zlib.crc32(key.encode()))))
