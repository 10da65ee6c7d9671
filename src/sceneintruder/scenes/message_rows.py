"""The message log's statements on the chat's hot path, as Core statements built once (on first use), and the
decoding of their rows: every chat reply reads its branch's history and appends two messages. Read as columns,
a 20-message history costs a fifth of loading ORM objects (bench/chat.py); a write is one INSERT that the read
caches are told about (`db.commit_cache.note_written`). `conversations` and `access` use them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Insert, Select, bindparam, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sceneintruder.scenes.models import ConversationMessage, Scene
from sceneintruder.scenes.schemas import ConversationRead

_SCENE: BindParameter[str] = bindparam("scene_id")


def visible_messages(scene_id: str | BindParameter[str]) -> ColumnElement[bool]:
    return (
        (ConversationMessage.scene_id == scene_id)
        & ConversationMessage.active.is_(True)
        & ConversationMessage.hidden.is_(False)
    )


MESSAGE_COLUMNS = (
    ConversationMessage.id,
    ConversationMessage.scene_id,
    ConversationMessage.speaker_id,
    ConversationMessage.speaker_name,
    ConversationMessage.node_id,
    ConversationMessage.content,
    ConversationMessage.created_at,
    ConversationMessage.conversation_type,
    ConversationMessage.meta,
    ConversationMessage.parent_id,
)


def row_read(row: Sequence[Any]) -> ConversationRead:
    """`conversations.conversation_read` of a row of `MESSAGE_COLUMNS`."""
    message_id, scene_id, speaker_id, speaker_name, node_id, content, created_at, kind, meta, parent_id = row
    return ConversationRead(
        id=message_id,
        scene_id=scene_id,
        speaker_id=speaker_id,
        speaker_name=speaker_name,
        node_id=node_id,
        content=content,
        timestamp=created_at,
        conversation_type=kind,
        metadata={**(meta or {}), "conversation_type": kind} if kind else {**(meta or {})},
        parent_id=parent_id,
    )


def _tip_id_query(scene_id: BindParameter[str]) -> Select[str]:
    newest_first = ConversationMessage.seq.desc()
    return select(ConversationMessage.id).where(visible_messages(scene_id)).order_by(newest_first).limit(1)


def _history(start: ColumnElement[bool]) -> Select[Any]:
    message = ConversationMessage
    chain = (
        select(message.seq, message.parent_id, literal(1).label("depth"))
        .where(start, message.scene_id == _SCENE)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(message.seq, message.parent_id, (chain.c.depth + 1).label("depth"))
        .join(chain, message.id == chain.c.parent_id)
        .where(chain.c.depth < bindparam("steps"))
    )
    return (
        select(*MESSAGE_COLUMNS)
        .where(message.seq.in_(select(chain.c.seq)), message.hidden.is_(False))
        .order_by(message.seq.desc())
        .limit(bindparam("limit"))
    )


@functools.cache
def history_from_tip() -> Select[Any]:
    return _history(ConversationMessage.id == _tip_id_query(_SCENE).scalar_subquery())


@functools.cache
def history_from_message() -> Select[Any]:
    return _history(ConversationMessage.id == bindparam("start_id"))


@functools.cache
def tip_id() -> Select[str]:
    return _tip_id_query(_SCENE)


@functools.cache
def insert_message() -> Insert:
    return insert(ConversationMessage)


async def writable_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, for Core statements in its transaction, after anything the ORM still has to
    write (a Core statement does not flush the session, and may depend on those rows)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


@functools.cache
def owner_and_tip() -> Select[tuple[str, str | None]]:
    """The scene's owner and its active tip's id, in one read (no row: no such scene)."""
    return select(Scene.owner_id, _tip_id_query(_SCENE).scalar_subquery()).where(Scene.id == _SCENE)


@functools.cache
def owner_of() -> Select[str]:
    return select(Scene.owner_id).where(Scene.id == _SCENE)
