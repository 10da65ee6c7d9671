"""The scene's message log: reading the active path, appending, and walking back up a branch. Framework-free.

The log is a tree (see `models.ConversationMessage`): a new message follows the *tip*, the newest visible
message on the active path, unless the caller names its parent. Reading the active path is one indexed scan
of `(scene_id, seq)`; appending is one small lookup of the tip plus one INSERT, whatever the log's length.
Appends that may race on one scene should run under the scene's lock (`core.locks.KeyedLocks`); on SQLite
the writer session's BEGIN IMMEDIATE already serialises them. Alternatives and branch switching live in
`message_tree`. Other domains use all of this through `scenes.service`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.errors import ResourceNotFound
from sceneintruder.core.ids import is_valid_id, new_id
from sceneintruder.core.principal import Principal
from sceneintruder.db.base import insert_values
from sceneintruder.db.commit_cache import note_written
from sceneintruder.db.ownership import owner_allows
from sceneintruder.scenes import message_rows
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.message_rows import visible_messages
from sceneintruder.scenes.models import ConversationMessage
from sceneintruder.scenes.schemas import AlternativesRead, ConversationRead

MESSAGE_NOT_FOUND_MESSAGE = "消息不存在"


@dataclass(frozen=True)
class MessageNode:
    """One message with its place in the tree (what swipes and edits need beyond the wire shape)."""

    read: ConversationRead
    seq: int
    parent_id: str | None
    variant_of: str | None
    selected: bool
    active: bool
    hidden: bool

    @property
    def id(self) -> str:
        return self.read.id

    @property
    def group_id(self) -> str:
        """The first message of this one's alternatives (itself when it has none)."""
        return self.variant_of or self.read.id


def conversation_read(message: ConversationMessage, alternatives: AlternativesRead | None = None) -> ConversationRead:
    return ConversationRead(
        id=message.id,
        scene_id=message.scene_id,
        speaker_id=message.speaker_id,
        speaker_name=message.speaker_name,
        node_id=message.node_id,
        content=message.content,
        timestamp=message.created_at,
        conversation_type=message.conversation_type,
        metadata={
            **(message.meta or {}),
            **({"conversation_type": message.conversation_type} if message.conversation_type else {}),
        },
        parent_id=message.parent_id,
        alternatives=alternatives,
    )


def message_node(message: ConversationMessage) -> MessageNode:
    return MessageNode(
        read=conversation_read(message),
        seq=message.seq,
        parent_id=message.parent_id,
        variant_of=message.variant_of,
        selected=message.selected,
        active=message.active,
        hidden=message.hidden,
    )


_SCENE: BindParameter[str] = bindparam("scene_id")


async def alternatives_summary(
    session: AsyncSession, scene_id: str, rows: Sequence[ConversationMessage]
) -> dict[str, AlternativesRead]:
    """For the rows that have alternatives: how many, which, and where each row stands among them (one query)."""
    groups = {row.variant_of or row.id for row in rows}
    if not groups:
        return {}
    members = await session.execute(
        select(ConversationMessage.id, ConversationMessage.variant_of)
        .where(
            ConversationMessage.scene_id == scene_id,
            or_(ConversationMessage.id.in_(groups), ConversationMessage.variant_of.in_(groups)),
        )
        .order_by(ConversationMessage.seq)
    )
    by_group: dict[str, list[str]] = {}
    for message_id, variant_of in members:
        by_group.setdefault(variant_of or message_id, []).append(message_id)
    found = {}
    for row in rows:
        ids = by_group.get(row.variant_of or row.id, [])
        if len(ids) > 1:
            found[row.id] = AlternativesRead(count=len(ids), index=ids.index(row.id), ids=ids)
    return found


async def list_conversations(
    session: AsyncSession, *, scene_id: str, limit: int, page: int, conversation_types: Sequence[str] = ()
) -> tuple[list[ConversationRead], int]:
    """Visible messages on the active path, oldest first; page 1 is the newest `limit` of them. A message with
    alternatives says so (`alternatives: {count, index, ids}`)."""
    return await find_messages(
        session, scene_id=scene_id, limit=limit, page=page, conversation_types=conversation_types
    )


async def find_messages(
    session: AsyncSession,
    *,
    scene_id: str,
    limit: int,
    page: int,
    conversation_types: Sequence[str] = (),
    speaker_ids: Sequence[str] = (),
    metadata_equals: Mapping[str, str] | None = None,
    metadata_in: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[ConversationRead], int]:
    """Like `list_conversations`, narrowed by type, speaker and top-level metadata values; returns the page and
    the total of matching messages."""
    condition = visible_messages(scene_id)
    if conversation_types:
        condition = condition & ConversationMessage.conversation_type.in_(conversation_types)
    if speaker_ids:
        condition = condition & ConversationMessage.speaker_id.in_(speaker_ids)
    for key, value in (metadata_equals or {}).items():
        condition = condition & (ConversationMessage.meta[key].as_string() == value)
    for key, values in (metadata_in or {}).items():
        condition = condition & ConversationMessage.meta[key].as_string().in_(values)
    total = int(await session.scalar(select(func.count()).select_from(ConversationMessage).where(condition)) or 0)
    rows = (
        await session.scalars(
            select(ConversationMessage)
            .where(condition)
            .order_by(ConversationMessage.seq.desc())
            .offset((page - 1) * limit)
            .limit(limit)
        )
    ).all()
    alternatives = await alternatives_summary(session, scene_id, rows)
    return [conversation_read(row, alternatives.get(row.id)) for row in reversed(rows)], total


async def get_message(session: AsyncSession, *, scene_id: str, message_id: str) -> MessageNode:
    """A message of this scene, active or not; someone else's scene's message is as missing as an unknown one."""
    valid = is_valid_id(message_id)
    query = select(ConversationMessage).where(ConversationMessage.id == message_id)
    row = await session.scalar(query.execution_options(populate_existing=True)) if valid else None
    if row is None or row.scene_id != scene_id:
        raise ResourceNotFound(MESSAGE_NOT_FOUND_MESSAGE, details=message_id)
    return message_node(row)


async def branch_history(
    session: AsyncSession, *, scene_id: str, limit: int, up_to_id: str | None = None
) -> list[ConversationRead]:
    """The last `limit` visible messages of the branch that ends at `up_to_id` (included), or at the active tip
    when no id is given, oldest first.

    One query: a recursive walk up `parent_id` from the starting message, `limit` steps at most (plus room for
    hidden messages, which are skipped), so its cost follows the window, not the log: what a reply on that
    branch may know, whether or not the branch is the active one. Every chat reply starts with it, so it is a
    Core statement built once, read as columns (no ORM objects: a fifth of the time, measured in bench/chat.py).
    """
    if limit <= 0:
        return []
    statement, parameters = (
        (message_rows.history_from_tip(), {"scene_id": scene_id})
        if up_to_id is None
        else (message_rows.history_from_message(), {"scene_id": scene_id, "start_id": up_to_id})
    )
    connection = await message_rows.writable_connection(session)
    result = await connection.execute(statement, {**parameters, "limit": limit, "steps": limit * 2})
    return [message_rows.row_read(row) for row in reversed(result.all())]


def new_message(
    *,
    scene_id: str,
    speaker_id: str,
    content: str,
    user_id: str | None,
    speaker_name: str,
    node_id: str | None,
    conversation_type: str,
    metadata: dict[str, Any] | None,
    parent_id: str | None,
    variant_of: str | None = None,
    active: bool = True,
) -> ConversationMessage:
    """A new, chosen, visible message row (not added to a session)."""
    return ConversationMessage(
        id=new_id("conv"),
        scene_id=scene_id,
        user_id=user_id,
        speaker_id=speaker_id,
        speaker_name=speaker_name,
        content=content,
        node_id=node_id,
        conversation_type=conversation_type,
        meta=metadata or {},
        parent_id=parent_id,
        variant_of=variant_of,
        selected=True,
        active=active,
        hidden=False,
        created_at=utcnow(),
    )


@dataclass(frozen=True)
class NewMessage:
    """A message to append (`append_chain`): who says what, and how it is labelled."""

    speaker_id: str
    content: str
    speaker_name: str = ""
    user_id: str | None = None
    node_id: str | None = None
    conversation_type: str = ""
    metadata: dict[str, Any] | None = None


async def append_message(
    session: AsyncSession,
    *,
    scene_id: str,
    speaker_id: str,
    content: str,
    user_id: str | None = None,
    speaker_name: str = "",
    node_id: str | None = None,
    conversation_type: str = "",
    metadata: dict[str, Any] | None = None,
    parent_id: str | None = None,
    follow_tip: bool = True,
    commit: bool = True,
) -> ConversationRead:
    """One INSERT, never a rewrite of the log. Without `parent_id` the message follows the active tip (pass
    `follow_tip=False` for a message that starts a tree of its own)."""
    message = NewMessage(speaker_id, content, speaker_name, user_id, node_id, conversation_type, metadata)
    (read,) = await append_chain(
        session, scene_id=scene_id, messages=(message,), parent_id=parent_id, follow_tip=follow_tip
    )
    if commit:
        await session.commit()
    return read


async def append_chain(
    session: AsyncSession,
    *,
    scene_id: str,
    messages: Sequence[NewMessage],
    parent_id: str | None = None,
    follow_tip: bool = True,
    principal: Principal | None = None,
) -> list[ConversationRead]:
    """`messages`, each following the one before it, the first after `parent_id`, or after the active tip when no
    parent is given and `follow_tip`; no commit. With `principal`, the scene is checked to be there and theirs
    (SceneNotFound otherwise, as `access.check_owned_scene`) by the same read that finds the tip.

    Core statements on the session's connection, as a chat reply stores its user line and its answer: one read
    (the owner and the tip), one INSERT of every row, which the read caches are told about
    (`db.commit_cache.note_written`) as if the ORM had flushed them.
    """
    connection = await message_rows.writable_connection(session)
    wants_tip = parent_id is None and follow_tip
    if principal is not None:
        found = None
        if is_valid_id(scene_id):
            query = message_rows.owner_and_tip() if wants_tip else message_rows.owner_of()
            found = (await connection.execute(query, {"scene_id": scene_id})).first()
        if found is None or not owner_allows(found[0], principal):
            raise SceneNotFound(details=scene_id)
        if wants_tip:
            parent_id = found[1]
    elif wants_tip:
        parent_id = (await connection.execute(message_rows.tip_id(), {"scene_id": scene_id})).scalar()
    rows = []
    for draft in messages:
        row = new_message(
            scene_id=scene_id,
            user_id=draft.user_id,
            speaker_id=draft.speaker_id,
            speaker_name=draft.speaker_name,
            content=draft.content,
            node_id=draft.node_id,
            conversation_type=draft.conversation_type,
            metadata=draft.metadata,
            parent_id=parent_id,
        )
        rows.append(row)
        parent_id = row.id
    if rows:
        await connection.execute(message_rows.insert_message(), [insert_values(row) for row in rows])
        note_written(session, rows)
    return [conversation_read(row) for row in rows]


# --- for the story: a rewind hides what came after the point it goes back to -----------------------------------


def last_message_seq_column(scene_id: ColumnElement[str]) -> ScalarSelect[int]:
    """`last_message_seq` as a column of another domain's query (0 when the log is empty)."""
    return (
        select(func.coalesce(func.max(ConversationMessage.seq), 0))
        .where(ConversationMessage.scene_id == scene_id)
        .correlate(None)
        .scalar_subquery()
    )


async def last_message_seq(session: AsyncSession, *, scene_id: str) -> int:
    """Where the scene's log stands (0 when empty); the story marks it on each node it reveals."""
    return int(await session.scalar(_LAST_SEQ, {"scene_id": scene_id}) or 0)


_LAST_SEQ = select(last_message_seq_column(_SCENE))


async def hide_messages(session: AsyncSession, *, scene_id: str, after_seq: int, node_ids: Sequence[str] = ()) -> int:
    """Hide (never delete) the messages logged after `after_seq`, and those tied to `node_ids`; no commit.

    A story rewind calls this in its own transaction, so the log and the story move back together.
    """
    condition = ConversationMessage.seq > after_seq
    if node_ids:
        condition = condition | ConversationMessage.node_id.in_(list(node_ids))
    result = await session.execute(
        update(ConversationMessage)
        .where(ConversationMessage.scene_id == scene_id, ConversationMessage.hidden.is_(False), condition)
        .values(hidden=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
