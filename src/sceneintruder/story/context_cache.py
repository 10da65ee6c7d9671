"""The next choice's prompt context, kept by the move that made it, so that the claim does not read it again.

A choice's claim reads what its prompt may know (`context.gather_ahead`: the story's fields, the cast, the path's
last texts, the console's last lines, the items, places and tasks, the book's next passage), one statement that,
with SQLAlchemy's execution and the decoding around it, is the largest part of the claim (~1 ms of its ~1.6 ms of
CPU in the server, bench/story.py). After a choice the next context is, most of the time, the one the claim read
with the story's new summary, progress and state and the new node at the end of the path: the store makes it
(`after_choice`) and keeps it here, and the next claim takes it instead of reading.

Kept only when that is exactly what a reading would give (a test compares the two after every move):

- the store's commit is the only change to the scene since the claim read the context: the cache is a
  `CommitInvalidatedCache` on the story's tables and on the scene's tables prompts read (messages, characters,
  items: `scenes.prompt_rows.TABLES`), so any other committed write to them, from any code path, in this
  process or announced by another (cluster.coherence), moves the scene's version and drops what is kept;
- the step added no task, place or object and opened no place (the lists would change: they are read again);
- the new node told no passage of the book (offline, a node tells the next one: the next passage moves).

The scene's own facts (title, description...) are not kept: the claim makes them from the scene it was given.

With the context, the store keeps what the next store reads of the story (`_state.KeptMove`: the story row, its
marks, the path's state, as its own commit left them), and the next store reads only the node and its choices,
when nothing dropped the scene since the claim took them. Only where this process is the only one serving
(`StoryRuntime.sole_process`): there every commit reaches this cache before the next statement runs; with several,
another's commit is known here only once its announcement arrives, too late to trust what is written from it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from sceneintruder.db.commit_cache import CommitInvalidatedCache
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story._state import DIGEST_SOURCE_CHARS, RECENT_NODES, KeptMove, NextSource
from sceneintruder.story._text import clip
from sceneintruder.story.context import RECENT_CHARS, StoryContext, scene_facts
from sceneintruder.story.models import Story, StoryNode
from sceneintruder.story.read_cache import STORY_TABLES, scene_of

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

_SCENE_TABLES = scenes_service.prompt_rows.TABLES


@dataclass(frozen=True)
class KeptAhead:
    context: StoryContext  # its `scene` facts as they were: the claim makes them again
    source: NextSource
    move: KeptMove | None = None  # what the next store reads of the story, as this store left it


def _scene_key(session: Session, row: Any) -> Any:
    table = getattr(row, "__tablename__", None)
    if table in _SCENE_TABLES:
        return getattr(row, "scene_id", None)
    return scene_of(session, row)


class PromptContextCache(CommitInvalidatedCache[KeptAhead]):
    def __init__(self, *, max_entries: int = 512, ttl_seconds: float = 30.0) -> None:
        super().__init__(
            name="story_prompt_context",
            tables=STORY_TABLES | _SCENE_TABLES,
            key_of=_scene_key,
            max_entries=max_entries,
            ttl_seconds=ttl_seconds,
        )

    def kept(self, scene: Scene) -> KeptAhead | None:
        """What the last move kept for this scene, with the scene's facts made afresh."""
        entry = self.entries.get(scene.id)
        if entry is None:
            return None
        context = dataclasses.replace(entry.context, scene=scene_facts(scene, entry.context.cast))
        return KeptAhead(context, entry.source, entry.move)


def path_text(node: StoryNode) -> str:
    """The node's text as the context's reading of the path's last nodes gives it (`_state.RECENT_TEXTS`: the
    first `DIGEST_SOURCE_CHARS` of the content, else of the original passage), clipped as `context._context` does."""
    content = node.content[:DIGEST_SOURCE_CHARS] if node.content else None
    original = node.original_content[:DIGEST_SOURCE_CHARS] if node.original_content else None
    return clip(content or original or "", RECENT_CHARS)


def after_choice(kept: KeptAhead, story: Story, node: StoryNode, move: KeptMove | None) -> KeptAhead:
    """The context after a choice added `node` at the end of the path and `story` was refreshed with it."""
    context = dataclasses.replace(
        kept.context,
        summary=story.rolling_summary or "",
        progress=story.progress or 0,
        state=story.current_state or "",
        recent=[*kept.context.recent, path_text(node)][-RECENT_NODES:],
    )
    return KeptAhead(context, kept.source, move)
