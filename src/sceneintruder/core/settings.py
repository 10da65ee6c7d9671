"""Process configuration, read once from the environment and `.env`.

Variable names follow the reference server (`PORT`, `DATA_DIR`, `AUTH_SECRET_KEY`, ...) with no prefix, so a
reference `.env` keeps working. There is no module-level instance: `cli.py` or `create_app()` builds one and keeps
it in the app state (`web.state.AppState.settings`). Every field is documented in `.env.example`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDER_SECRETS = {
    "changethis",
    "changeme",
    "secret",
    "please-change-me",
    "dev_auth_key_for_testing_purposes_only_",
}
MIN_SECRET_LENGTH = 32


class ServerSettings(BaseSettings):
    """Where and how loudly the server listens."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class StorageSettings(BaseSettings):
    """Where data lives."""

    data_dir: Path = Path("data")
    database_url: str = ""  # empty: sqlite+aiosqlite:///<DATA_DIR>/sceneintruder.db
    auto_migrate: bool = True
    read_cache_ttl_seconds: float = Field(default=10.0, ge=0)  # in-process read caches; 0 turns them off
    static_dir: Path = Path("frontend/dist/assets")
    templates_dir: Path = Path("frontend/dist")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sceneintruder.db').resolve()}"


class AuthSettings(BaseSettings):
    """Accounts, tokens and passwords (auth, users)."""

    auth_secret_key: SecretStr | None = None  # empty: generated once, kept in DATA_DIR/.auth_secret (0600)
    config_encryption_key: SecretStr | None = None  # empty: generated key file DATA_DIR/.config_key (0600)
    allow_guest: bool = True
    token_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    @field_validator("auth_secret_key", "config_encryption_key")
    @classmethod
    def _refuse_weak_secrets(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        raw = value.get_secret_value()
        if raw.lower() in _PLACEHOLDER_SECRETS or len(raw) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be a random string of at least {MIN_SECRET_LENGTH} characters")
        return value


class CpuSettings(BaseSettings):
    """CPU-bound work kept off the event loop (core.offload)."""

    cpu_threads: int = Field(default=4, ge=1, le=64)  # threads for offline skills and text segmentation
    isolated_workers: int = Field(default=1, ge=1, le=16)  # processes that parse uploaded files
    isolated_memory_mb: int = Field(default=1024, ge=0)  # address-space cap of such a process (0: none)
    password_hash_concurrency: int = Field(default=1, ge=1, le=64)  # argon2 hashes/verifications at once


class HttpSettings(BaseSettings):
    """HTTP hygiene (web)."""

    allowed_origins: str = ""  # comma-separated, exact match; empty: http(s)://localhost|127.0.0.1|[::1][:port]
    max_request_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    trust_forwarded_for: bool = False  # honour X-Forwarded-For for the client IP (behind a trusted proxy only)

    @property
    def origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())


class ScenesSettings(BaseSettings):
    """Uploads and scene analysis (scenes)."""

    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # POST /api/upload file size
    upload_max_chars: int = Field(default=5_000_000, ge=1000)  # decoded text of an upload, and of /api/analyze
    upload_epub_max_uncompressed_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # a whole EPUB, inflated
    upload_epub_max_document_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)  # one file in an EPUB, inflated
    upload_epub_max_chapters: int = Field(default=2_000, ge=1)  # documents in an EPUB's reading order
    upload_decode_seconds: float = Field(default=30.0, gt=0)  # reading one uploaded file, at most
    analysis_concurrency: int = Field(default=4, ge=1, le=64)  # chunks analysed at once
    analysis_jobs_concurrency: int = Field(default=2, ge=1, le=64)  # POST /api/analyze jobs running at once
    analysis_chunk_chars: int = Field(default=20_000, ge=1000)  # at most this much text per analysis call


class ChatSettings(BaseSettings):
    """Chat (chat)."""

    chat_history_messages: int = Field(default=20, ge=0, le=200)  # earlier messages of the branch a reply sees


class StorySettings(BaseSettings):
    """The branching story (story)."""

    story_init_jobs_concurrency: int = Field(default=2, ge=1, le=64)  # story initialisations running at once
    story_init_wait_seconds: float = Field(default=3.0, ge=0, le=60)  # GET /story waits this long for a new story
    story_narrate_ahead: int = Field(default=12, ge=0, le=10_000)  # passages ahead of the player the LLM narrates
    story_node_cache_seconds: float = Field(default=600.0, ge=0)  # each node's JSON stays cached (0: off)


class ComicSettings(BaseSettings):
    """The comic studio (comic)."""

    comic_panel_width: int = Field(default=1024, ge=256, le=4096)  # a panel's final size, in pixels
    comic_panel_height: int = Field(default=768, ge=256, le=4096)
    comic_image_concurrency: int = Field(default=2, ge=1, le=32)  # frames one comic job draws at once
    comic_reference_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)  # one reference image
    comic_references_total_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)  # all of a scene's references
    font_path: str = ""  # a TrueType/OpenType font to letter panels with (default: system CJK, then DejaVu)


class RateLimitSettings(BaseSettings):
    """Rate limits, in `limits` notation: "<n>/<second|minute|hour|day>" (web.ratelimit)."""

    rate_limit_enabled: bool = True
    rate_limit_default: str = "300/minute"
    rate_limit_chat: str = "30/minute"
    rate_limit_analysis: str = "10/hour"
    rate_limit_login: str = "10/minute"

    @field_validator("rate_limit_default", "rate_limit_chat", "rate_limit_analysis", "rate_limit_login")
    @classmethod
    def _check_limit(cls, value: str) -> str:
        count, _, period = value.partition("/")
        if not count.strip().isdigit() or period.strip() not in {"second", "minute", "hour", "day"}:
            raise ValueError("rate limits look like '300/minute'")
        return value


class LLMSettings(BaseSettings):
    """LLM providers: the stored settings win; these are the fallbacks when nothing is stored (providers, settings)."""

    llm_provider: str = ""  # empty: the offline `builtin` provider unless a vendor key below is set
    llm_model: str = ""  # default model for LLM_PROVIDER; empty: the vendor's default
    llm_base_url: str = ""  # base URL for LLM_PROVIDER (openai_compatible needs one)
    llm_context_window: int = Field(default=0, ge=0, le=10_000_000)  # tokens; 0: asked of a local server, or known
    llm_json_mode: Literal["", "json_schema", "json_object_schema", "json_object", "none"] = ""  # "": negotiated
    llm_fallback_providers: str = ""  # comma-separated providers tried when the active one fails
    llm_cooldown_seconds: float = Field(default=30.0, ge=0)  # a failing provider is skipped this long
    llm_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    llm_read_timeout_seconds: float = Field(default=120.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)  # retries after the first attempt (429/5xx/timeouts)
    llm_price_table: Path = Path("config/llm_prices.toml")  # optional; USD per million tokens
    allow_private_provider_urls: bool = False  # provider base URLs may point at private/loopback addresses
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    gemini_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None
    deepseek_api_key: SecretStr | None = None
    dashscope_api_key: SecretStr | None = None
    mistral_api_key: SecretStr | None = None
    xai_api_key: SecretStr | None = None
    zhipuai_api_key: SecretStr | None = None
    github_token: SecretStr | None = None
    openrouter_api_key: SecretStr | None = None
    nvidia_api_key: SecretStr | None = None
    ollama_host: str = ""  # e.g. http://127.0.0.1:11434; setting it makes `ollama` usable from the environment

    @property
    def fallback_provider_list(self) -> tuple[str, ...]:
        return tuple(p.strip().lower() for p in self.llm_fallback_providers.split(",") if p.strip())


class JobsSettings(BaseSettings):
    """Background jobs and their progress streams (jobs)."""

    job_default_concurrency: int = Field(default=2, ge=1, le=256)  # jobs of one kind running at once
    job_default_timeout_seconds: float = Field(default=900.0, gt=0)  # a job running longer fails ("timeout")
    job_queue_size: int = Field(default=32, ge=0)  # jobs of one kind waiting for a slot; more is 429 QUEUE_FULL
    job_retention_days: float = Field(default=30.0, gt=0)  # finished jobs (and their events) older are deleted
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0)  # `event: heartbeat` on an idle progress stream


class ClusterSettings(BaseSettings):
    """Several workers and machines (cluster): shared through Redis, with PostgreSQL as the database."""

    redis_url: str = ""  # empty: one process, nothing shared (the embedded default)
    redis_namespace: str = Field(default="sceneintruder", pattern=r"^[A-Za-z0-9_.-]{1,64}$")  # key prefix
    worker_id: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]{0,100}$")  # empty: the host name
    job_lease_seconds: float = Field(default=30.0, ge=1, le=3600)  # a job whose worker is silent this long fails
    job_dispatch_timeout_seconds: float = Field(default=120.0, ge=1)  # queued, unclaimed this long: queued again
    lock_timeout_seconds: float = Field(default=30.0, gt=0)  # a scene lock held this long is released by Redis
    lock_wait_seconds: float = Field(default=30.0, gt=0)  # waiting longer for a scene lock: 503 SCENE_BUSY
    ws_status_refresh_seconds: float = Field(default=2.0, gt=0)  # how often a worker shares its sockets' list

    @property
    def clustered(self) -> bool:
        return bool(self.redis_url)


class RealtimeSettings(BaseSettings):
    """WebSockets (realtime)."""

    ws_send_queue_size: int = Field(default=256, ge=1)  # messages waiting for one slow client; overflow closes it
    ws_max_message_bytes: int = Field(default=64 * 1024, ge=256)  # larger client frames: error, then close 1009
    ws_heartbeat_seconds: float = Field(default=30.0, gt=0)  # `heartbeat` to status sockets; protocol ping interval
    ws_ping_timeout_seconds: float = Field(default=60.0, gt=0)  # no pong, or no message taken, this long: dropped
    ws_cleanup_interval_seconds: float = Field(default=30.0, gt=0)  # how often dead sockets are swept
    ws_per_message_deflate: bool = False  # compression costs ~30 KiB and CPU per socket; the reference had none
    ws_messages_per_second: float = Field(default=20.0, gt=0)  # a client's frames, sustained; then error + 1008
    ws_message_burst: int = Field(default=40, ge=1)  # frames a client may send at once
    ws_presence_per_second: float = Field(default=5.0, gt=0)  # user_status_update broadcasts per room, sustained
    ws_presence_burst: int = Field(default=20, ge=1)


class Settings(
    ServerSettings,
    StorageSettings,
    AuthSettings,
    CpuSettings,
    HttpSettings,
    ScenesSettings,
    ChatSettings,
    StorySettings,
    ComicSettings,
    RateLimitSettings,
    LLMSettings,
    JobsSettings,
    ClusterSettings,
    RealtimeSettings,
):
    """All of the process configuration, one group per area (each group's fields keep the reference's flat
    environment names). A domain's runtime takes only its group: `ScenesSettings`, `ChatSettings`, ..."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, frozen=True
    )
