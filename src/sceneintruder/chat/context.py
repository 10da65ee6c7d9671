"""What a chat step knows before the model is asked: the scene, its cast, and the branch's recent messages.

Loaded in one short reader session, which is closed before any provider call. Characters must belong to the
scene: an id of another scene's character is CHARACTER_NOT_FOUND, exactly like an unknown one.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from sceneintruder.core.cache import TTLCache
from sceneintruder.core.principal import Principal
from sceneintruder.db.ownership import can_access
from sceneintruder.db.session import Database
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import CharacterNotFound, SceneNotFound
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead
from sceneintruder.textkit.retrieval import PassageIndex
from sceneintruder.textkit.text import Language

USER_SPEAKERS = frozenset({"user", "web_user"})


@dataclass(frozen=True)
class SceneBrief:
    id: str
    owner_id: str
    title: str
    description: str
    summary: str
    era: str
    atmosphere: str
    language: Language
    locations: tuple[str, ...]


@dataclass(frozen=True)
class SceneCast:
    scene: SceneBrief
    cast: tuple[CharacterRead, ...]


CastCache = TTLCache[str, SceneCast]
"""Scenes and their characters by scene id (the chat runtime's); scene deletion evicts (chat.service.install)."""
BookCache = TTLCache[str, PassageIndex]
"""The passage index of a scene's text by scene id: the text never changes, scene deletion evicts."""


@dataclass(frozen=True)
class ChatContext:
    scene: SceneBrief
    cast: tuple[CharacterRead, ...]  # every character of the scene, in importance order
    history: tuple[ConversationRead, ...]  # the branch's last messages before the new one, oldest first
    book: PassageIndex | None = None  # the scene's text, searchable; None for a scene without text

    def passages(self, character: CharacterRead, line: str, *, limit: int = 3) -> list[str] | None:
        """The passages of the book where `character` is present that answer `line` best (see
        `textkit.retrieval`); None when the scene has no text to search."""
        if self.book is None or not len(self.book):
            return None
        hits = self.book.search(line, within=[character.name, *character.aliases], limit=limit)
        return [hit.passage for hit in hits]

    def character(self, character_id: str) -> CharacterRead:
        for character in self.cast:
            if character.id == character_id:
                return character
        raise CharacterNotFound(details=character_id)

    def characters(self, character_ids: Iterable[str]) -> list[CharacterRead]:
        return [self.character(character_id) for character_id in character_ids]

    def speaker_names(self) -> dict[str, str]:
        return {character.id: character.name for character in self.cast}


async def _load_cast(db: Database, scene_id: str) -> SceneCast:
    """The scene and its cast, whoever asks (each caller checks its own access): one load serves them all."""
    async with db.reader() as session:
        scene = await scenes_service.find_scene(session, scene_id=scene_id)
        cast = await scenes_service.list_characters(session, scene_id=scene.id, title=scene.title)
    brief = SceneBrief(
        id=scene.id,
        owner_id=scene.owner_id,
        title=scene.title,
        description=scene.description,
        summary=scene.summary,
        era=scene.era,
        atmosphere=scene.atmosphere,
        language="zh" if scene.language == "zh" else "en",
        locations=tuple(str(loc.get("name") or "") for loc in scene.locations or [] if loc.get("name")),
    )
    return SceneCast(brief, tuple(cast))


async def _load_book(db: Database, scene: SceneBrief) -> PassageIndex:
    """The scene's text indexed for search, off the loop (a long novel takes tens of milliseconds); an empty
    index for a scene without text."""
    async with db.reader() as session:
        texts = await scenes_service.segment_texts(session, scene_id=scene.id)
    if not texts:
        return _no_book(scene.language)
    return await asyncio.to_thread(PassageIndex.from_texts, texts, scene.language)


@functools.cache
def _no_book(language: Language) -> PassageIndex:
    return PassageIndex.from_texts([], language)


async def load_context(
    db: Database,
    *,
    principal: Principal,
    scene_id: str,
    history_limit: int,
    up_to_id: str | None = None,
    from_tip: bool = True,
    casts: CastCache | None = None,
    books: BookCache | None = None,
) -> ChatContext:
    """The scene (404 SCENE_NOT_FOUND unless the caller may see it), its cast, and the history of the branch
    ending at `up_to_id`, or at the active tip when `from_tip` and no id is given.

    A scene and its characters do not change once stored (only deleting or re-analysing the scene, which evicts
    them), so with `casts` they are read once per TTL, and only the history (one query whatever the log's length)
    is read for every reply; ownership is checked by every caller against what was loaded. The scene's text is
    indexed for search once per TTL with `books`. Both are loaded once however many replies ask at the same time
    (`TTLCache.get_or_load`): the first replies after a start used to build the same index each, 20 of them at
    once in bench/chat.py's opening burst.
    """
    cached = await (
        casts.get_or_load(scene_id, functools.partial(_load_cast, db, scene_id))
        if casts is not None
        else _load_cast(db, scene_id)
    )
    if not can_access(cached.scene, principal):
        raise SceneNotFound(details=scene_id)
    book = await (
        books.get_or_load(scene_id, functools.partial(_load_book, db, cached.scene))
        if books is not None
        else _load_book(db, cached.scene)
    )
    history: list[ConversationRead] = []
    if up_to_id is not None or from_tip:
        async with db.reader() as session:
            history = await scenes_service.branch_history(
                session, scene_id=scene_id, up_to_id=up_to_id, limit=history_limit
            )
    return ChatContext(scene=cached.scene, cast=cached.cast, history=tuple(history), book=book)
