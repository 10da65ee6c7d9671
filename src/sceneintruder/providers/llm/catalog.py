"""What we know about each LLM provider without asking it: base URL, recommended models, defaults, env keys.

The eleven reference providers keep the reference's names and model lists (spec §6.4), with its "do better"
fixes: real Anthropic ids, GitHub Models' current base URL and `publisher/model` ids, OpenRouter's listed
display name replaced by its id, a Gemini default that exists. `ollama` and `openai_compatible` are ours, for
local models (LM Studio, vLLM, llama.cpp server). `builtin` is the offline provider.
"""

from __future__ import annotations

from dataclasses import dataclass

BUILTIN = "builtin"


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    display_name: str
    base_url: str
    models: tuple[str, ...]  # recommended list served by GET /api/llm/models
    default_model: str  # injected when a saved config names none
    needs_key: bool = True
    local: bool = False  # plain http to a loopback address is fine (a local model server)
    env_keys: tuple[str, ...] = ()  # Settings fields holding an environment fallback key, first wins


SPECS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "openai",
            "OpenAI",
            "https://api.openai.com/v1",
            ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"),
            "gpt-4.1",
            env_keys=("openai_api_key",),
        ),
        ProviderSpec(
            "anthropic",
            "Anthropic Claude",
            "https://api.anthropic.com",
            ("claude-haiku-4-5", "claude-sonnet-4-5"),
            "claude-haiku-4-5",
            env_keys=("anthropic_api_key",),
        ),
        ProviderSpec(
            "google",
            "Google Gemini",
            "https://generativelanguage.googleapis.com/v1beta",
            ("gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro"),
            "gemini-2.5-flash",
            env_keys=("gemini_api_key", "google_api_key"),
        ),
        ProviderSpec(
            "deepseek",
            "DeepSeek",
            "https://api.deepseek.com/v1",
            ("deepseek-chat", "deepseek-reasoner"),
            "deepseek-chat",
            env_keys=("deepseek_api_key",),
        ),
        ProviderSpec(
            "qwen",
            "Qwen",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            ("qwen3.5-flash", "qwen3.5-plus", "qwen3-max"),
            "qwen3-max",
            env_keys=("dashscope_api_key",),
        ),
        ProviderSpec(
            "mistral",
            "Mistral",
            "https://api.mistral.ai/v1",
            ("mistral-small-latest", "mistral-large-latest"),
            "mistral-large-latest",
            env_keys=("mistral_api_key",),
        ),
        ProviderSpec(
            "grok",
            "Grok",
            "https://api.x.ai/v1",
            ("grok-4", "grok-4-fast", "grok-3", "grok-3-mini"),
            "grok-4-fast",
            env_keys=("xai_api_key",),
        ),
        ProviderSpec(
            "glm",
            "智谱GLM",
            "https://open.bigmodel.cn/api/paas/v4",
            ("glm-4.7-flash", "glm-5"),
            "glm-4.7-flash",
            env_keys=("zhipuai_api_key",),
        ),
        ProviderSpec(
            "githubmodels",
            "GitHub Models",
            "https://models.github.ai/inference",
            ("openai/gpt-4.1-mini", "openai/gpt-4.1", "xai/grok-3", "xai/grok-3-mini"),
            "openai/gpt-4.1",
            env_keys=("github_token",),
        ),
        ProviderSpec(
            "openrouter",
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            (
                "qwen/qwen3.6-plus-preview:free",
                "nvidia/nemotron-3-super-120b-a12b:free",
                "arcee-ai/trinity-large-preview:free",
                "stepfun/step-3.5-flash:free",
            ),
            "x-ai/grok-4.1-fast:free",
            env_keys=("openrouter_api_key",),
        ),
        ProviderSpec(
            "nvidia",
            "NVIDIA",
            "https://integrate.api.nvidia.com/v1",
            ("moonshotai/kimi-k2.5", "meta/llama-3.3-70b-instruct", "nvidia/llama-3.1-nemotron-ultra-253b-v1"),
            "moonshotai/kimi-k2.5",
            env_keys=("nvidia_api_key",),
        ),
        ProviderSpec(
            "ollama",
            "Ollama",
            "http://127.0.0.1:11434",
            ("llama3.2", "qwen3", "mistral"),
            "llama3.2",
            needs_key=False,
            local=True,
        ),
        ProviderSpec(
            "openai_compatible",
            "OpenAI-compatible server",
            "",
            (),
            "",
            needs_key=False,
            local=True,
        ),
        ProviderSpec(BUILTIN, "Offline (builtin)", "", (BUILTIN,), BUILTIN, needs_key=False),
    )
}

REFERENCE_PROVIDERS = (
    "openai",
    "anthropic",
    "google",
    "deepseek",
    "qwen",
    "mistral",
    "grok",
    "glm",
    "githubmodels",
    "openrouter",
    "nvidia",
)


def spec_for(name: str) -> ProviderSpec | None:
    return SPECS.get(name.strip().lower())
