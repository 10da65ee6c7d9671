"""Step 5, the panels: each frame's picture from the configured image provider (the offline renderer when
there is none), fitted to the panel size, lettered (caption and balloons from the storyboard), and stored.

A job over all frames, a batch, or one frame. Frames are drawn `comic_image_concurrency` at a time, or in order
when a frame takes the previous frame's panel as its reference (spec §8.26). Each panel is written atomically
and its row committed before `image_written` is reported; a failure reports `frame_failed` and ends the job
(frames already drawn keep their new panel, the others their previous one). `resume` skips a frame whose
stored signature (what drew it: prompt, negative prompt, style, model, parameters, provider, size, references,
lettering) is unchanged and whose file is there.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from PIL import Image, ImageOps, PngImagePlugin

from sceneintruder.comic import records
from sceneintruder.comic.broadcast import report
from sceneintruder.comic.errors import ComicAnalysisNotFound, ComicFailed, ComicPromptsNotFound
from sceneintruder.comic.files import IMAGES, REFERENCES, ComicFiles
from sceneintruder.comic.image_prompts import apply_style
from sceneintruder.comic.models import ComicImage
from sceneintruder.comic.prompts import BASELINE_NEGATIVE, COMIC_GUARD
from sceneintruder.comic.runtime import ComicRuntime
from sceneintruder.core.clock import utcnow
from sceneintruder.jobs.context import JobContext
from sceneintruder.jobs.kinds import JobHandler
from sceneintruder.providers.errors import ProviderConfigError, ProviderError
from sceneintruder.providers.image._common import ImageConfig, describe
from sceneintruder.providers.image.base import (
    JPEG,
    PNG,
    WEBP,
    GeneratedImage,
    ImageProvider,
    ImageRequest,
    ReferenceImage,
)
from sceneintruder.providers.image.client import ImageCall, ImageClient
from sceneintruder.providers.image.fonts import Fonts
from sceneintruder.providers.image.lettering import Balloon, letter
from sceneintruder.providers.image.registry import build_image_provider
from sceneintruder.settings import service as settings_service

JOB = "comic_images"
_TRUE = {"1", "true", "yes", "on"}


def truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def negative_for(raw: str, style: str) -> str:
    negative = raw.strip()
    if BASELINE_NEGATIVE not in negative:
        negative = f"{BASELINE_NEGATIVE}, {negative}" if negative else BASELINE_NEGATIVE
    if style and style.lower() != "comic":
        missing = [t for t in COMIC_GUARD.split(", ") if t not in negative]
        if missing:
            negative = f"{negative}, {', '.join(missing)}"
    return negative


def signature(parts: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def active_provider(runtime: ComicRuntime) -> ImageProvider:
    """The configured image provider; a configured vendor that cannot be used fails the job, saying why."""
    chosen = await settings_service.media_settings(runtime.db, runtime.settings_runtime, "vision")
    if not chosen.ready:
        raise ComicFailed(f"图片服务未就绪（{chosen.provider}）: {chosen.state}", details={"provider_ready": False})
    model = chosen.default_model if chosen.default_model not in ("", "placeholder") else ""
    config = ImageConfig(
        provider=chosen.provider,
        base_url=chosen.endpoint,
        api_key=chosen.secrets.get("api_key", ""),
        model=chosen.config.get("model") or model,
        options={k: v for k, v in chosen.config.items() if k not in ("endpoint", "base_url")},
    )
    try:
        return build_image_provider(config, runtime.image_deps, runtime.fonts)
    except ProviderConfigError as exc:
        raise ComicFailed(f"图片服务配置无效: {exc}") from exc


def _matches(text: str, element: Mapping[str, Any]) -> bool:
    for key in (str(element.get("name") or ""), str(element.get("id") or "")):
        if not key:
            continue
        pattern = rf"\b{re.escape(key.lower())}\b" if key.isascii() else re.escape(key.lower())
        if re.search(pattern, text):
            return True
    return False


def chosen_references(
    text: str, elements: Mapping[str, Any] | None, uploaded: Sequence[str], limit: int = 3
) -> list[str]:
    """Element ids with an uploaded reference that the frame's prompt or description names (whole words)."""
    if not elements or not uploaded:
        return []
    lowered = text.lower()
    picked = [
        str(element.get("id"))
        for kind in ("characters", "objects", "locations")
        for element in elements.get(kind) or []
        if str(element.get("id")) in uploaded and _matches(lowered, element)
    ]
    return picked[:limit]


def finish_panel(
    generated: GeneratedImage, size: tuple[int, int], fonts: Fonts, staging: Mapping[str, Any]
) -> tuple[bytes, str, int, int]:
    """The vendor's picture fitted to the panel (cropped to its aspect, never stretched), lettered, encoded in
    its own kind (PNG stays PNG, JPEG stays JPEG, WebP stays WebP). CPU work: run in a thread."""
    with Image.open(io.BytesIO(generated.data)) as opened:
        picture = ImageOps.fit(opened.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    balloons = [
        Balloon(str(line.get("speaker") or ""), str(line.get("text") or "")) for line in staging.get("lines") or []
    ]
    panel = letter(picture, fonts, caption=str(staging.get("caption") or ""), balloons=balloons)
    out = io.BytesIO()
    if generated.mime == JPEG:
        panel.save(out, format="JPEG", quality=90)
    elif generated.mime == WEBP:
        panel.save(out, format="WEBP", quality=90)
    else:
        info = PngImagePlugin.PngInfo()
        if generated.offline:
            info.add_text("Comment", "offline render: drawn without an image model")
        info.add_text("Software", f"sceneintruder ({generated.provider}/{generated.model})")
        panel.save(out, format="PNG", pnginfo=info, compress_level=6)
    mime = generated.mime if generated.mime in (JPEG, WEBP) else PNG
    return out.getvalue(), mime, size[0], size[1]


def images_job(runtime: ComicRuntime) -> JobHandler:
    async def run(ctx: JobContext) -> dict[str, Any]:
        payload = ctx.payload
        scene_id = str(payload["scene_id"])
        wanted: list[str] | None = payload.get("frame_ids")
        resume = bool(payload.get("resume"))
        await report(ctx, runtime.hub, 5, "准备生成图片")
        async with runtime.db.reader() as session:
            frames = [records.frame_json(f) for f in await records.frames(session, scene_id)]
            prompts = {p["frame_id"]: p for p in await records.prompts(session, scene_id)}
            elements = await records.key_elements(session, scene_id)
            uploaded = {r.element_id: r for r in await records.references(session, scene_id)}
            existing = {i.frame_id: i for i in await records.images(session, scene_id)}
        if not frames:
            raise ComicAnalysisNotFound(details=scene_id)
        order = [f["id"] for f in frames]
        targets = [f for f in frames if wanted is None or f["id"] in wanted]
        missing = [f["id"] for f in targets if not str(prompts.get(f["id"], {}).get("prompt") or "").strip()]
        if missing:
            raise ComicPromptsNotFound(f"分镜 {missing[0]} 没有提示词", details=missing)
        provider = await active_provider(runtime)
        client = ImageClient(provider, runtime.recorder)
        files = ComicFiles(runtime.data_dir, scene_id)
        size = (runtime.settings.comic_panel_width, runtime.settings.comic_panel_height)
        sequential = any(
            truthy(prompts[f["id"]].get("model_params", {}).get("use_prev_frame_reference")) for f in targets
        )
        limit = asyncio.Semaphore(1 if sequential else runtime.settings.comic_image_concurrency)
        done: list[str] = []
        skipped: list[str] = []

        async def draw(frame: dict[str, Any]) -> None:
            frame_id = frame["id"]
            prompt = prompts[frame_id]
            style = str(prompt.get("style") or "")
            styled = apply_style(str(prompt["prompt"]), style)
            params = dict(prompt.get("model_params") or {})
            model = str(prompt.get("model") or "") if not provider.offline else ""
            references: list[ReferenceImage] = []
            used: list[str] = []
            strength = (
                float(params.get("denoising_strength") or 0) if _number(params.get("denoising_strength")) else 0.0
            )
            if provider.accepts_references:
                position = order.index(frame_id)
                previous = existing.get(order[position - 1]) if position > 0 else None
                if truthy(params.get("use_prev_frame_reference")) and previous is not None:
                    references.append(ReferenceImage(files.read(IMAGES, previous.file_name), previous.content_type))
                    used.append(f"frame:{previous.frame_id}:{previous.signature[:12]}")
                    strength = strength or float(params.get("prev_frame_denoising_strength") or 0) or 0.35
                for element_id in chosen_references(f"{styled} {frame['description']}", elements, list(uploaded)):
                    ref = uploaded[element_id]
                    references.append(
                        ReferenceImage(files.read(REFERENCES, ref.file_name), ref.content_type, element_id)
                    )
                    used.append(f"{element_id}:{ref.size_bytes}:{ref.uploaded_at.isoformat()}")
            seed = _number(params.get("seed"))
            parts = {
                "prompt": styled,
                "negative_prompt": str(prompt.get("negative_prompt") or ""),
                "style": style,
                "model": model,
                "model_params": params,
                "provider": provider.name,
                "size": list(size),
                "references": used,
                "lettering": {"caption": frame["staging"].get("caption"), "lines": frame["staging"].get("lines")},
            }
            sig = signature(parts)
            old = existing.get(frame_id)
            if resume and old is not None and old.signature == sig and files.path(IMAGES, old.file_name).is_file():
                skipped.append(frame_id)
                await report(ctx, runtime.hub, _percent(done, skipped, targets), f"跳过已存在且未变更图片：{frame_id}")
                return
            request = ImageRequest(
                prompt=styled,
                negative_prompt=negative_for(str(prompt.get("negative_prompt") or ""), style),
                width=size[0],
                height=size[1],
                model=model,
                seed=int(seed) if seed is not None else None,
                references=tuple(references),
                strength=strength,
                params=params,
                hints={**frame["staging"], "description": frame["description"], "seed_text": f"{scene_id}/{frame_id}"},
            )
            async with limit:
                try:
                    generated = await client.generate(request, ImageCall(user_id=ctx.owner_id, job_id=ctx.job_id))
                except ProviderError as error:
                    reason = describe(error)[:280]
                    who = f"frame={frame_id}, provider={provider.name}, model={model or provider.default_model}"
                    message = f"生成图片失败（{who}）: {reason}"
                    await report(
                        ctx,
                        runtime.hub,
                        _percent(done, skipped, targets),
                        message,
                        event_type="frame_failed",
                        frame_id=frame_id,
                    )
                    raise ComicFailed(message, details={"frame_id": frame_id, "kind": error.kind}) from error
            data, mime, width, height = await asyncio.to_thread(
                finish_panel, generated, size, runtime.fonts, frame["staging"]
            )
            name = files.name_for(frame_id, mime)
            files.write(IMAGES, name, data)
            async with runtime.db.writer() as session:
                await records.workspace(session, scene_id)  # the scene's comic writes go one at a time
                row = await session.get(ComicImage, (scene_id, frame_id))
                old_name = row.file_name if row is not None else None
                if row is None:
                    row = ComicImage(scene_id=scene_id, frame_id=frame_id)
                    session.add(row)
                row.file_name, row.content_type, row.size_bytes = name, mime, len(data)
                row.width, row.height, row.signature = width, height, sig
                row.provider, row.model, row.offline = generated.provider, generated.model, generated.offline
                row.generated_at = utcnow()
                await session.commit()
            if old_name and old_name != name:
                files.remove(IMAGES, old_name)
            existing[frame_id] = row
            done.append(frame_id)
            await report(
                ctx,
                runtime.hub,
                _percent(done, skipped, targets),
                f"图片已生成：{frame_id}",
                event_type="image_written",
                frame_id=frame_id,
            )

        if sequential:
            for frame in targets:
                await draw(frame)
        else:
            try:
                async with asyncio.TaskGroup() as group:
                    for frame in targets:
                        group.create_task(draw(frame))
            except BaseExceptionGroup as failures:  # the first frame that failed stopped the others
                raise failures.exceptions[0] from None
        return {"generated": done, "skipped": skipped, "provider": provider.name, "offline": provider.offline}

    return run


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no number


def _percent(done: Sequence[str], skipped: Sequence[str], targets: Sequence[Any]) -> float:
    return 10 + (len(done) + len(skipped)) / max(1, len(targets)) * 85
