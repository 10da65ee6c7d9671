"""What a comic is drawn from (spec §3.3): a standalone text (`source_text`), one story node's passage, the
story's passages in the book's order, or the scene's own text when it has no story (a standalone scene no
longer fails here). Bounded: at most MAX_CHARS characters go to a model or the offline skill."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.comic.errors import ComicFailed
from sceneintruder.db.session import Database
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import service as story_service

MAX_CHARS = 20_000


@dataclass(frozen=True)
class Source:
    kind: str  # source_text | node | story | scene
    passages: list[tuple[str, str]]  # (story node id or "", text)
    node_id: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(text for _, text in self.passages)


def _bounded(passages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept, used = [], 0
    for node_id, text in passages:
        if used >= MAX_CHARS:
            break
        piece = text[: MAX_CHARS - used]
        kept.append((node_id, piece))
        used += len(piece)
    return kept


async def source_for(db: Database, *, scene_id: str, node_id: str | None, source_text: str | None) -> Source:
    if source_text and source_text.strip():
        return Source("source_text", _bounded([("", source_text.strip())]))
    story = await story_service.book_passages(db, scene_id=scene_id)
    if node_id:
        for passage_node, text in story:
            if passage_node == node_id and text.strip():
                return Source("node", _bounded([(node_id, text)]), node_id)
        text = await story_service.node_text(db, scene_id=scene_id, node_id=node_id)
        if text.strip():
            return Source("node", _bounded([(node_id, text)]), node_id)
    if any(text.strip() for _, text in story):
        return Source("story", _bounded([(n, t) for n, t in story if t.strip()]))
    async with db.reader() as session:
        texts = await scenes_service.segment_texts(session, scene_id=scene_id)
    passages = [("", text) for text in texts if text.strip()]
    if not passages:
        raise ComicFailed("没有可用于分镜的内容", details="the scene has no text; send source_text")
    return Source("scene", _bounded(passages))
