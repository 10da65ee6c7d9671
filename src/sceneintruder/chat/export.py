"""`GET /api/scenes/:id/export/interactions`: the characters' exchanges (triggered, simulated, aggregate turns).

`json` is the reference's ExportResult whose `content` is the document
`{scene_info, summary, statistics: {total_interactions, total_messages, character_count, date_range,
emotion_distribution, top_keywords}, characters, conversations, export_info}`; markdown, txt, html and csv are
downloads of the same facts (core.exporting), one section per exchange. The reference left simulations out of
this export and rejected csv; both are in. Labels follow the scene's language.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.chat.interactions import EXCHANGE_TYPES
from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.exporting import (
    EXPORT_VERSION,
    ExportDocument,
    Exported,
    ExportFile,
    ExportFormat,
    ExportSection,
    ExportTable,
    export_result,
    offline_fields,
    offline_notice,
    render,
)
from sceneintruder.core.jsoncodec import dumps
from sceneintruder.core.principal import Principal
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import CharacterRead, ConversationRead

MAX_MESSAGES = 100_000
TOP_KEYWORDS = 10
_LABELS = {
    "en": {
        "suffix": "Interaction Summary",
        "summary": "{exchanges} exchanges, {lines} lines, {characters} characters.",
        "stats": "Statistics",
        "characters": "Characters",
        "exchange": "Exchange",
        "columns": ("Time", "Speaker", "Line", "Emotion", "Action"),
        "character_columns": ("ID", "Name", "Role", "Lines"),
    },
    "zh": {
        "suffix": "交互摘要",
        "summary": "共 {exchanges} 次互动，{lines} 句对白，{characters} 个角色参与。",
        "stats": "统计",
        "characters": "角色",
        "exchange": "互动",
        "columns": ("时间", "说话者", "内容", "情绪", "动作"),
        "character_columns": ("ID", "姓名", "身份", "发言数"),
    },
}
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_ZH_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# fmt: off
_EN_STOP = frozenset((
    "that", "this", "with", "have", "from", "what", "your", "will", "would", "there", "their", "they",
    "them", "were", "been", "about", "which", "when", "then", "than", "into", "some", "such", "very",
    "just", "only", "also", "more", "most", "much", "must", "shall", "should", "could", "well", "said",
    "says", "know", "think",
))
# fmt: on
_ZH_STOP = frozenset("的了是我你他她们这那在有不就都也很么吗呢啊吧")


@dataclass(frozen=True)
class InteractionsData:
    scene_id: str
    title: str
    description: str
    created_at: datetime
    language: str
    characters: list[CharacterRead]  # those who spoke in an exchange
    conversations: list[ConversationRead]


async def load(session: AsyncSession, *, principal: Principal, scene_id: str) -> InteractionsData:
    scene = await scenes_service.get_owned_scene(session, scene_id=scene_id, principal=principal)
    conversations, _ = await scenes_service.find_messages(
        session, scene_id=scene.id, limit=MAX_MESSAGES, page=1, conversation_types=EXCHANGE_TYPES
    )
    speakers = {message.speaker_id for message in conversations}
    characters = [c for c in await scenes_service.list_characters(session, scene_id=scene.id) if c.id in speakers]
    return InteractionsData(
        scene_id=scene.id,
        title=scene.title,
        description=scene.description,
        created_at=scene.created_at,
        language="zh" if scene.language == "zh" else "en",
        characters=characters,
        conversations=conversations,
    )


def labels(language: str) -> dict[str, Any]:
    return _LABELS["zh" if language == "zh" else "en"]


def _exchange_id(message: ConversationRead) -> str:
    return str(message.metadata.get("interaction_id") or message.metadata.get("simulation_id") or "")


def _keywords(conversations: list[ConversationRead], language: str) -> list[str]:
    counts: Counter[str] = Counter()
    for message in conversations:
        if language == "zh":
            for run in _ZH_RUN.findall(message.content):
                counts.update(run[i : i + 2] for i in range(len(run) - 1) if not set(run[i : i + 2]) & _ZH_STOP)
        else:
            counts.update(w.lower() for w in _EN_WORD.findall(message.content) if w.lower() not in _EN_STOP)
    return [word for word, count in counts.most_common(TOP_KEYWORDS) if count > 1]


def statistics(data: InteractionsData) -> dict[str, Any]:
    conversations = data.conversations
    emotions = Counter(str(m.metadata.get("emotion")) for m in conversations if m.metadata.get("emotion"))
    return {
        "total_interactions": len({_exchange_id(m) for m in conversations if _exchange_id(m)}),
        "total_messages": len(conversations),
        "character_count": len(data.characters),
        "date_range": {
            "start_date": rfc3339(conversations[0].timestamp) if conversations else "",
            "end_date": rfc3339(conversations[-1].timestamp) if conversations else "",
        },
        "emotion_distribution": dict(emotions.most_common()),
        "top_keywords": _keywords(conversations, data.language),
    }


def summary(data: InteractionsData, stats: dict[str, Any]) -> str:
    return labels(data.language)["summary"].format(
        exchanges=stats["total_interactions"], lines=stats["total_messages"], characters=stats["character_count"]
    )


def json_content(data: InteractionsData, *, generated_at: datetime, notice: str = "") -> str:
    stats = statistics(data)
    document = {
        "scene_info": {
            "id": data.scene_id,
            "title": data.title,
            "description": data.description,
            "created_at": rfc3339(data.created_at),
        },
        "summary": summary(data, stats),
        "statistics": stats,
        "characters": data.characters,
        "conversations": data.conversations,
        "export_info": {
            "generated_at": rfc3339(generated_at),
            "format": "json",
            "export_type": "interactions",
            "version": EXPORT_VERSION,
            **offline_fields(notice),
        },
    }
    return dumps(document).decode("utf-8")


def document(data: InteractionsData) -> ExportDocument:
    lab = labels(data.language)
    stats = statistics(data)
    flat = {**stats, "date_range": " – ".join(v for v in stats["date_range"].values() if v)}
    flat["emotion_distribution"] = ", ".join(f"{k}: {v}" for k, v in stats["emotion_distribution"].items())
    flat["top_keywords"] = ", ".join(stats["top_keywords"])
    lines_by_speaker = Counter(message.speaker_id for message in data.conversations)
    sections = [
        ExportSection("summary", lab["stats"], text=summary(data, stats), table=_table(["field", "value"], flat)),
        ExportSection(
            "characters",
            lab["characters"],
            table=ExportTable(
                list(lab["character_columns"]),
                [[c.id, c.name, c.role, str(lines_by_speaker[c.id])] for c in data.characters],
            ),
        ),
    ]
    exchanges: dict[str, list[ConversationRead]] = {}
    for message in data.conversations:
        exchanges.setdefault(_exchange_id(message) or message.id, []).append(message)
    for number, (exchange_id, messages) in enumerate(exchanges.items(), start=1):
        rows = [
            [
                rfc3339(m.timestamp),
                m.speaker_name or m.speaker_id,
                m.content,
                str(m.metadata.get("emotion") or ""),
                str(m.metadata.get("action") or ""),
            ]
            for m in messages
        ]
        title = f"{lab['exchange']} {number}"
        sections.append(ExportSection(exchange_id, title, table=ExportTable(list(lab["columns"]), rows, key_column=0)))
    return ExportDocument(title=f"{data.title} - {lab['suffix']}", sections=sections, language=data.language)


def _table(columns: list[str], values: dict[str, Any]) -> ExportTable:
    return ExportTable(columns, [[key, str(value)] for key, value in values.items()])


def interactions_export(data: InteractionsData, fmt: ExportFormat) -> Exported:
    """`GET /api/scenes/:id/export/interactions` in `fmt`."""
    now = utcnow()
    stem = f"{data.scene_id}_interactions_{now:%Y%m%d_%H%M%S}"
    notice = offline_notice(data.language, any(m.metadata.get("offline") for m in data.conversations))
    if fmt is not ExportFormat.JSON:
        rendered = document(data)
        rendered.notice = notice
        return ExportFile(render(rendered, fmt), fmt, stem)
    stats = statistics(data)
    return export_result(
        scene_id=data.scene_id,
        title=f"{data.title} - {labels(data.language)['suffix']}",
        fmt=fmt,
        content=json_content(data, generated_at=now, notice=notice),
        export_type="interactions",
        filename=f"{stem}.json",
        characters=data.characters,
        conversations=data.conversations,
        summary=summary(data, stats),
        stats=stats,
        notice=notice,
    )
