"""Alternatives and branches of the message log (swipes, regenerations, edits). Framework-free.

A message's alternatives share a group (the first of them, `variant_of`); exactly one is `selected`. The active
path is every selected message whose parent is active. Adding an alternative, or choosing another one, moves
the active path: the previously chosen alternative and everything after it leave it (their own `selected`
flags are kept, so choosing them again brings their whole branch back), and nothing is ever deleted or
overwritten. Every function here changes several rows: callers hold the scene's lock and one writer session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.scenes.conversations import (
    MessageNode,
    alternatives_summary,
    conversation_read,
    get_message,
    message_node,
    new_message,
)
from sceneintruder.scenes.models import ConversationMessage
from sceneintruder.scenes.schemas import ConversationRead

Message = ConversationMessage


async def alternatives(session: AsyncSession, *, scene_id: str, message_id: str) -> list[MessageNode]:
    """The message and its alternatives, oldest first (a message without alternatives is a list of one)."""
    node = await get_message(session, scene_id=scene_id, message_id=message_id)
    return await _group(session, scene_id, node.group_id)


async def children(session: AsyncSession, *, scene_id: str, parent_id: str) -> list[MessageNode]:
    """The messages that follow `parent_id` directly, on any branch, oldest first."""
    rows = await session.scalars(
        select(Message).where(Message.scene_id == scene_id, Message.parent_id == parent_id).order_by(Message.seq)
    )
    return [message_node(row) for row in rows.all()]


async def add_alternative(
    session: AsyncSession,
    *,
    of: MessageNode,
    speaker_id: str,
    content: str,
    user_id: str | None,
    speaker_name: str = "",
    conversation_type: str = "",
    metadata: dict[str, Any] | None = None,
    node_id: str | None = None,
    commit: bool = True,
) -> ConversationRead:
    """A new alternative to `of` (same parent), chosen at once: the alternative chosen so far and its branch
    leave the active path. The new one is on the active path if its parent is."""
    scene_id = of.read.scene_id
    group = of.group_id
    await _unselect_group(session, scene_id, group)
    message = new_message(
        scene_id=scene_id,
        user_id=user_id,
        speaker_id=speaker_id,
        speaker_name=speaker_name,
        content=content,
        node_id=node_id,
        conversation_type=conversation_type,
        metadata=metadata,
        parent_id=of.parent_id,
        variant_of=group,
        active=await _parent_active(session, of.parent_id),
    )
    session.add(message)
    await session.flush()
    summary = await alternatives_summary(session, scene_id, [message])
    read = conversation_read(message, summary.get(message.id))
    if commit:
        await session.commit()
    return read


async def choose(session: AsyncSession, *, scene_id: str, message_id: str, commit: bool = True) -> MessageNode:
    """Make the branch that leads to `message_id` the active path: the message and each of its ancestors become
    the chosen alternative of their group, and the message's own chosen continuation comes back with it."""
    node = await get_message(session, scene_id=scene_id, message_id=message_id)
    path = await _ancestors(session, scene_id, node.id)  # root first, ends with the message
    first_inactive = next((step for step in path if not step.active or not step.selected), None)
    for step in path:
        if not step.selected:
            await _unselect_group(session, scene_id, step.group_id)
            await session.execute(update(Message).where(Message.id == step.id).values(selected=True))
    if first_inactive is not None:
        await _activate_branch(session, first_inactive.id)
    chosen = await get_message(session, scene_id=scene_id, message_id=message_id)
    if commit:
        await session.commit()
    return chosen


# --- internals -------------------------------------------------------------------------------------------------


async def _group(session: AsyncSession, scene_id: str, group: str) -> list[MessageNode]:
    rows = await session.scalars(
        select(Message)
        .where(Message.scene_id == scene_id, or_(Message.id == group, Message.variant_of == group))
        .order_by(Message.seq)
        .execution_options(populate_existing=True)
    )
    return [message_node(row) for row in rows.all()]


async def _parent_active(session: AsyncSession, parent_id: str | None) -> bool:
    if parent_id is None:
        return True
    return bool(await session.scalar(select(Message.active).where(Message.id == parent_id)))


async def _unselect_group(session: AsyncSession, scene_id: str, group: str) -> None:
    """No member of the group is chosen any more; the chosen one's branch leaves the active path."""
    chosen = (
        await session.scalars(
            select(Message.id).where(
                Message.scene_id == scene_id,
                or_(Message.id == group, Message.variant_of == group),
                Message.selected.is_(True),
            )
        )
    ).all()
    if not chosen:
        return
    await _deactivate_subtrees(session, chosen)
    await session.execute(update(Message).where(Message.id.in_(chosen)).values(selected=False))


async def _deactivate_subtrees(session: AsyncSession, root_ids: Sequence[str]) -> None:
    subtree = select(Message.id).where(Message.id.in_(root_ids)).cte("subtree", recursive=True)
    subtree = subtree.union_all(select(Message.id).join(subtree, Message.parent_id == subtree.c.id))
    await session.execute(
        update(Message).where(Message.id.in_(select(subtree.c.id)), Message.active.is_(True)).values(active=False)
    )


async def _activate_branch(session: AsyncSession, root_id: str) -> None:
    """`root_id` and every chosen message below it (through chosen messages only) join the active path."""
    branch = select(Message.id).where(Message.id == root_id).cte("branch", recursive=True)
    branch = branch.union_all(
        select(Message.id).join(branch, Message.parent_id == branch.c.id).where(Message.selected.is_(True))
    )
    await session.execute(update(Message).where(Message.id.in_(select(branch.c.id))).values(active=True))


async def _ancestors(session: AsyncSession, scene_id: str, message_id: str) -> list[MessageNode]:
    chain = select(Message.seq, Message.parent_id).where(Message.id == message_id).cte("ancestors", recursive=True)
    chain = chain.union_all(select(Message.seq, Message.parent_id).join(chain, Message.id == chain.c.parent_id))
    rows = await session.scalars(
        select(Message)
        .where(Message.scene_id == scene_id, Message.seq.in_(select(chain.c.seq)))
        .order_by(Message.seq)
        .execution_options(populate_existing=True)
    )
    return [message_node(row) for row in rows.all()]
