"""`GET /api/scenes/:id/export/story` (spec §5b): the story as JSON (the reference's ExportResult, its `content`
the JSON document as a string) or as a document in markdown, txt, html or csv (csv was documented and refused
by the reference, B27).

The JSON document keeps the reference's keys: `scene_info`, `story_data` (every node, read or not, with its
flags), `summary`, `statistics`, `characters`, `export_info`. The documents are for reading: the story as the
player went through it (the current path, in order), the branches a rewind left, tasks, locations and the
statistics; passages not reached yet are left out. Labels follow the scene's language.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

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
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import graph
from sceneintruder.story.reading import StorySnapshot

if TYPE_CHECKING:
    from sceneintruder.scenes.schemas import CharacterRead
    from sceneintruder.scenes.service import Scene

_LABELS = {
    "en": {
        "suffix": "Story",
        "info": "Story",
        "intro": "Intro",
        "objective": "Objective",
        "state": "State",
        "progress": "Progress",
        "path": "The story so far",
        "branches": "Abandoned branches",
        "tasks": "Tasks",
        "locations": "Locations",
        "stats": "Statistics",
        "title": "Title",
        "status": "Status",
        "objectives": "Objectives",
        "name": "Name",
        "description": "Description",
        "open": "Open",
        "yes": "yes",
        "no": "no",
        "text": "Text",
        "type": "Type",
    },
    "zh": {
        "suffix": "故事文档",
        "info": "故事",
        "intro": "简介",
        "objective": "目标",
        "state": "状态",
        "progress": "进度",
        "path": "故事经过",
        "branches": "已放弃的分支",
        "tasks": "任务",
        "locations": "地点",
        "stats": "统计",
        "title": "标题",
        "status": "状态",
        "objectives": "目标",
        "name": "名称",
        "description": "描述",
        "open": "可进入",
        "yes": "是",
        "no": "否",
        "text": "内容",
        "type": "类型",
    },
}


def labels(language: str) -> dict[str, str]:
    return _LABELS["zh" if language == "zh" else "en"]


def _text(node: Any) -> str:
    return node.content or node.original_content


def _depth(trees: list[graph.TreeNode]) -> int:
    return max((1 + _depth(tree.children) for tree in trees), default=0)


def statistics(snapshot: StorySnapshot, characters: list[CharacterRead]) -> dict[str, Any]:
    nodes, story = snapshot.nodes, snapshot.story
    abandoned = {node.id for node in nodes if node.abandoned}
    by_id = {node.id: node for node in nodes}
    choices = [choice for node_choices in snapshot.choices.values() for choice in node_choices]
    path = graph.active_path(nodes)
    seen_text = " ".join(_text(node) for node in path)
    return {
        "total_nodes": len(nodes),
        "revealed_nodes": len(path),
        "total_tasks": len(snapshot.tasks),
        "completed_tasks": sum(1 for task in snapshot.tasks if task.status == "completed"),
        "total_choices": len(choices),
        "selected_choices": sum(1 for choice in choices if choice.selected),
        "progress": story.progress,
        "current_state": story.current_state,
        "branch_count": sum(1 for node_id in abandoned if by_id[node_id].parent_id not in abandoned),
        "max_depth": _depth(graph.branch_forest(nodes)),
        "completion_rate": round(story.progress / 100, 4),
        "nodes_by_type": dict(Counter(node.type for node in nodes)),
        "tasks_by_status": dict(Counter(task.status for task in snapshot.tasks)),
        "character_involvement": {
            character.name: seen_text.count(character.name) for character in characters if character.name in seen_text
        },
    }


def made_offline(snapshot: StorySnapshot, scene: Scene) -> bool:
    """The scene was analysed offline, or a node of the story was written by the offline provider."""
    return scenes_service.analysed_offline(scene) or any((row.meta or {}).get("offline") for row in snapshot.nodes)


def story_export_json(
    snapshot: StorySnapshot,
    scene: Scene,
    characters: list[CharacterRead],
    *,
    generated_at: datetime,
    notice: str = "",
) -> tuple[str, dict[str, Any]]:
    """The JSON document as text, and the document itself."""
    stats = statistics(snapshot, characters)
    view = snapshot.view(original_limit=None)
    document = {
        "scene_info": {
            "id": scene.id,
            "title": scene.title,
            "description": scene.description,
            "created_at": rfc3339(scene.created_at),
        },
        "story_data": {
            key: view[key]
            for key in ("intro", "main_objective", "current_state", "progress", "nodes", "tasks", "locations")
        },
        "summary": scene.summary,
        "statistics": stats,
        "characters": [character.model_dump(mode="json", exclude_none=True) for character in characters],
        "export_info": {
            "generated_at": rfc3339(generated_at),
            "format": "json",
            "export_type": "story",
            "version": EXPORT_VERSION,
            **offline_fields(notice),
        },
    }
    return orjson.dumps(document).decode("utf-8"), document


def story_export_document(snapshot: StorySnapshot, scene: Scene, characters: list[CharacterRead]) -> ExportDocument:
    lab = labels(scene.language)
    story = snapshot.story
    info = ExportTable(
        ["field", "value"],
        [
            [lab["intro"], story.intro],
            [lab["objective"], story.main_objective],
            [lab["state"], story.current_state],
            [lab["progress"], f"{story.progress}%"],
        ],
    )
    path = graph.active_path(snapshot.nodes)
    abandoned = [node for node in snapshot.nodes if node.abandoned]
    sections = [
        ExportSection("story", lab["info"], table=info),
        ExportSection(
            "path", lab["path"], text="\n\n".join(_text(node).strip() for node in path if _text(node).strip())
        ),
        ExportSection(
            "branches",
            lab["branches"],
            table=ExportTable([lab["type"], lab["text"]], [[node.type, _text(node)] for node in abandoned]),
        )
        if abandoned
        else None,
        ExportSection(
            "tasks",
            lab["tasks"],
            table=ExportTable(
                [lab["title"], lab["status"], lab["objectives"]],
                [
                    [
                        task.title,
                        task.status,
                        "; ".join(
                            f"{'✓' if o.completed else '·'} {o.description}"
                            for o in snapshot.objectives.get(task.id, [])
                        ),
                    ]
                    for task in snapshot.tasks
                ],
            ),
        ),
        ExportSection(
            "locations",
            lab["locations"],
            table=ExportTable(
                [lab["name"], lab["description"], lab["open"]],
                [[loc.name, loc.description, lab["yes" if loc.accessible else "no"]] for loc in snapshot.locations],
            ),
        ),
        ExportSection(
            "statistics",
            lab["stats"],
            table=ExportTable(
                ["field", "value"],
                [[key, str(value)] for key, value in statistics(snapshot, characters).items()],
            ),
        ),
    ]
    return ExportDocument(
        title=f"{scene.title} - {lab['suffix']}", sections=[s for s in sections if s], language=scene.language
    )


def story_export(
    snapshot: StorySnapshot, scene: Scene, characters: list[CharacterRead], *, fmt: ExportFormat
) -> Exported:
    """`GET /api/scenes/:id/export/story` in `fmt`; its JSON answer also carries the whole `story_data`."""
    now = utcnow()
    stem = f"{scene.id}_story_{now:%Y%m%d_%H%M%S}"
    notice = offline_notice(scene.language, made_offline(snapshot, scene))
    if fmt is not ExportFormat.JSON:
        rendered = story_export_document(snapshot, scene, characters)
        rendered.notice = notice
        return ExportFile(render(rendered, fmt), fmt, stem)
    content, document = story_export_json(snapshot, scene, characters, generated_at=now, notice=notice)
    result = export_result(
        scene_id=scene.id,
        title=f"{scene.title} - {labels(scene.language)['suffix']}",
        fmt=fmt,
        content=content,
        export_type="story",
        filename=f"{stem}.json",
        characters=characters,
        conversations=[],
        summary=scene.summary,
        stats=document["statistics"],
        notice=notice,
    )
    result["story_data"] = document["story_data"]
    return result
