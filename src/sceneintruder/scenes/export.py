"""`GET /api/scenes/:id/export/scene`: the scene, its characters, items, locations and (optionally) its log.

`json` answers the reference's ExportResult inside the envelope (its `content` is the JSON document as a string);
the other formats are downloads rendered by core.exporting. Labels follow the scene's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.exporting import EXPORT_VERSION as EXPORT_VERSION
from sceneintruder.core.exporting import (
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
from sceneintruder.scenes.schemas import ConversationRead, SceneDataRead

_LABELS = {
    "en": {
        "suffix": "Scene Data",
        "info": "Scene",
        "characters": "Characters",
        "items": "Items",
        "locations": "Locations",
        "conversations": "Conversations",
        "summary": "Summary",
        "stats": "Statistics",
        "name": "Name",
        "role": "Role",
        "description": "Description",
        "personality": "Personality",
        "speech": "Speech style",
        "relations": "Relationships",
        "location": "Location",
        "type": "Type",
        "speaker": "Speaker",
        "content": "Content",
        "time": "Time",
        "id": "ID",
    },
    "zh": {
        "suffix": "场景数据",
        "info": "场景信息",
        "characters": "角色",
        "items": "物品",
        "locations": "地点",
        "conversations": "对话记录",
        "summary": "摘要",
        "stats": "统计",
        "name": "名称",
        "role": "身份",
        "description": "描述",
        "personality": "性格",
        "speech": "说话风格",
        "relations": "关系",
        "location": "位置",
        "type": "类型",
        "speaker": "说话者",
        "content": "内容",
        "time": "时间",
        "id": "ID",
    },
}


def labels(language: str) -> dict[str, str]:
    return _LABELS["zh" if language == "zh" else "en"]


def _statistics(data: SceneDataRead, conversations: list[ConversationRead]) -> dict[str, Any]:
    return {
        "character_count": len(data.characters),
        "item_count": len(data.items),
        "location_count": len(data.scene.locations),
        "conversation_count": len(conversations),
        "segment_count": len(data.original_segments or []),
        "text_characters": len(data.original_text or ""),
    }


def scene_export_json(
    data: SceneDataRead,
    *,
    conversations: list[ConversationRead],
    include_conversations: bool,
    generated_at: datetime,
    notice: str = "",
) -> str:
    """The structured document as JSON text: scene info, characters, locations, items, settings, summary, stats."""
    scene = data.scene
    document: dict[str, Any] = {
        "scene_info": {
            "id": scene.id,
            "title": scene.title,
            "description": scene.description,
            "source": scene.source,
            "themes": scene.themes,
            "era": scene.era,
            "atmosphere": scene.atmosphere,
            "created_at": rfc3339(scene.created_at),
            "last_updated": rfc3339(scene.last_updated),
            "last_accessed": rfc3339(scene.last_accessed),
        },
        "characters": data.characters,
        "locations": scene.locations,
        "items": data.items,
        "settings": data.settings,
        "summary": scene.summary,
        "statistics": _statistics(data, conversations),
        "export_info": {
            "generated_at": rfc3339(generated_at),
            "format": "json",
            "export_type": "scene",
            "include_conversations": include_conversations,
            "version": EXPORT_VERSION,
            **offline_fields(notice),
        },
    }
    if include_conversations:
        document["conversations"] = conversations
    return dumps(document).decode("utf-8")


def scene_export_document(
    data: SceneDataRead, *, conversations: list[ConversationRead], include_conversations: bool
) -> ExportDocument:
    scene = data.scene
    lab = labels(scene.language)
    info_rows = [[lab["id"], scene.id], [lab["description"], scene.description]]
    info_rows += [[key, value] for key, value in (("era", scene.era), ("atmosphere", scene.atmosphere)) if value]
    if scene.themes:
        info_rows.append(["themes", ", ".join(scene.themes)])
    sections = [
        ExportSection("scene", lab["info"], table=ExportTable(["field", "value"], info_rows)),
        ExportSection("summary", lab["summary"], text=scene.summary) if scene.summary else None,
        ExportSection(
            "characters",
            lab["characters"],
            table=ExportTable(
                [
                    lab["id"],
                    lab["name"],
                    lab["role"],
                    lab["description"],
                    lab["personality"],
                    lab["speech"],
                    lab["relations"],
                ],
                [
                    [
                        c.id,
                        c.name,
                        c.role,
                        c.description,
                        c.personality,
                        c.speech_style,
                        "; ".join(f"{name}: {relation}" for name, relation in c.relationships.items()),
                    ]
                    for c in data.characters
                ],
            ),
        ),
        ExportSection(
            "locations",
            lab["locations"],
            table=ExportTable(
                [lab["name"], lab["description"]], [[loc.name, loc.description] for loc in scene.locations]
            ),
        ),
        ExportSection(
            "items",
            lab["items"],
            table=ExportTable(
                [lab["id"], lab["name"], lab["type"], lab["location"], lab["description"]],
                [[i.id, i.name, i.type, i.location, i.description] for i in data.items],
            ),
        ),
        ExportSection(
            "statistics",
            lab["stats"],
            table=ExportTable(["field", "value"], [[k, str(v)] for k, v in _statistics(data, conversations).items()]),
        ),
    ]
    if include_conversations:
        sections.append(
            ExportSection(
                "conversations",
                lab["conversations"],
                table=ExportTable(
                    [lab["id"], lab["time"], lab["speaker"], lab["content"]],
                    [[m.id, rfc3339(m.timestamp), m.speaker_name or m.speaker_id, m.content] for m in conversations],
                ),
            )
        )
    return ExportDocument(
        title=f"{scene.title} - {lab['suffix']}", sections=[s for s in sections if s], language=scene.language
    )


def scene_export(
    scene_id: str,
    title: str,
    data: SceneDataRead,
    *,
    fmt: ExportFormat,
    conversations: list[ConversationRead],
    include_conversations: bool,
) -> Exported:
    """`GET /api/scenes/:id/export/scene` in `fmt`."""
    now = utcnow()
    stem = f"{scene_id}_scene_{now:%Y%m%d_%H%M%S}"
    notice = offline_notice(data.scene.language, bool((data.scene.analysis or {}).get("offline")))
    if fmt is not ExportFormat.JSON:
        document = scene_export_document(data, conversations=conversations, include_conversations=include_conversations)
        document.notice = notice
        return ExportFile(render(document, fmt), fmt, stem)
    content = scene_export_json(
        data, conversations=conversations, include_conversations=include_conversations, generated_at=now, notice=notice
    )
    return export_result(
        scene_id=scene_id,
        title=f"{title} - {labels(data.scene.language)['suffix']}",
        fmt=fmt,
        content=content,
        export_type="scene",
        filename=f"{stem}.json",
        characters=data.characters,
        conversations=conversations,
        summary=data.scene.summary,
        stats={},
        notice=notice,
    )
