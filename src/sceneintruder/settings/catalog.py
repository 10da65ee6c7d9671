"""Vision and video settings the reference ships by default (spec §1.3, comic-video §5-§6): providers, default
models, and the model catalogs the frontend lists. Stored and served now; their providers come later."""

from __future__ import annotations

from typing import Any

VISION_PROVIDERS = ("placeholder", "sdwebui", "dashscope", "gemini", "ark", "openai", "glm")
VIDEO_PROVIDERS = ("mock", "dashscope", "kling", "google", "vertex", "ark")
LOCAL_SERVERS = frozenset({"sdwebui"})  # may be plain http on loopback, like ollama

DEFAULT_VISION_PROVIDER = "placeholder"
DEFAULT_VISION_MODEL = "placeholder"
DEFAULT_VIDEO_PROVIDER = "dashscope"
DEFAULT_VIDEO_MODEL = "wan2.6-i2v-flash"

VISION_DEFAULT_MODEL = {
    "sdwebui": "sd",
    "dashscope": "qwen-image-max",
    "gemini": "nano-banana-pro",
    "ark": "doubao-seedream-4.5",
    "openai": "gpt-image-1.5",
    "glm": "glm-image",
}
VIDEO_DEFAULT_MODEL = {
    "dashscope": "wan2.6-i2v-flash",
    "kling": "kling-v3",
    "google": "veo-2",
    "vertex": "veo-2-vertex",
    "ark": "doubao-seedance-1-5-pro",
}


def _vision(key: str, label: str, provider: str, reference: bool = False) -> dict[str, Any]:
    return {"key": key, "label": label, "provider": provider, "supports_reference_image": reference}


def _video(key: str, label: str, provider: str) -> dict[str, Any]:
    return {"key": key, "label": label, "provider": provider, "supports_image_conditioned": True}


def default_vision_models() -> list[dict[str, Any]]:
    return [
        _vision("qwen-image-max", "Qwen Image Max", "dashscope"),
        _vision("qwen-image-2.0", "Qwen Image 2.0", "dashscope"),
        _vision("nano-banana-pro", "Nano Banana Pro", "gemini"),
        _vision("nano-banana", "Nano Banana", "gemini"),
        _vision("flux", "FLUX", "sdwebui"),
        _vision("doubao-seedream-4.5", "Doubao Seedream 4.5", "ark"),
        _vision("gpt-image-1.5", "GPT Image 1.5", "openai"),
        _vision("glm-image", "GLM Image", "glm"),
        _vision("dalle3", "DALL·E 3", "openai"),
        _vision("sd", "Stable Diffusion (WebUI)", "sdwebui", reference=True),
        _vision("midjourney", "Midjourney-style prompts", "placeholder"),
        _vision("placeholder", "Placeholder (offline)", "placeholder"),
    ]


def default_video_models() -> list[dict[str, Any]]:
    return [
        _video("wan2.6-i2v-flash", "Wan 2.6 I2V Flash", "dashscope"),
        _video("kling-v3", "Kling v3", "kling"),
        _video("veo-2", "Veo 2", "google"),
        _video("veo-2-vertex", "Veo 2 (Vertex AI)", "vertex"),
        _video("doubao-seedance-1-5-pro", "Doubao Seedance 1.5 Pro", "ark"),
    ]
