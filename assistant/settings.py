"""The one configuration object: environment variables with the ``POLICY_`` prefix, or ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from corpus.loader import default_corpus_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="index and conversation log location")
    corpus_dir: Path = Field(default_factory=default_corpus_dir)

    # Embeddings: the bundled offline model by default, or an OpenAI-compatible endpoint.
    # "hash" is a deterministic stand-in for fast tests only.
    embeddings: Literal["local", "openai", "hash"] = "local"
    embeddings_model: str = "text-embedding-3-small"
    embeddings_base_url: str | None = None
    embeddings_api_key: SecretStr | None = None

    # Vector store: embedded Chroma under data_dir, or a Chroma server when a host is set.
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_timeout: float = 5.0
    collection: str = "policy_chunks"

    # Chat model: any OpenAI-compatible endpoint; none configured → extractive mode.
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("POLICY_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout: float = 20.0
    llm_retries: int = 1
    llm_temperature: float = 0.1

    log_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under data_dir by default")
    admin_token: SecretStr | None = None

    # Web app (policy-assistant serve): per-client-IP token bucket on /api and /v1 (0 turns it off),
    # and the largest request body accepted there.
    rate_limit_per_minute: float = 60.0
    rate_limit_burst: int = 20
    max_body_bytes: int = 64 * 1024
    # Proxies whose X-Forwarded-For is believed (IPs or networks, comma-separated); none by default.
    trusted_proxies: str = ""
    # API conversations (their follow-up context) are kept in the shared database this long after
    # their last turn; every app process reads them there.
    conversation_minutes: float = Field(default=60.0, gt=0)
    # serve: how often (seconds) an app process looks for an index another process has built
    # (the manifest's generation) and switches to it; 0 turns it off
    index_check_seconds: float = Field(default=5.0, ge=0)
    # Staff sign-in for 坐席工作台 and 评测: "name:password,name2:password2" (the admin token also
    # signs in as "admin"); none configured → the staff pages are closed.
    staff_accounts: SecretStr | None = None
    staff_session_minutes: float = 480.0
    # Consultation channel (留言咨询): messages one client may leave per hour (0: no limit).
    channel_messages_per_hour: int = 5

    # serve: seconds answers in progress get to finish on SIGTERM/Ctrl-C; unset → POLICY_LLM_TIMEOUT
    # + 5 with a chat model configured (its answer is bounded by that), else 10.
    shutdown_timeout: float | None = None
    # serve: app processes, one per port from --port on (behind a load balancer); see ui/README.md
    workers: int = 1

    chunk_tokens: int = 480
    top_k: int = 5
    max_question_chars: int = 2000

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    @property
    def graceful_shutdown_seconds(self) -> float:
        if self.shutdown_timeout is not None:
            return max(0.0, self.shutdown_timeout)
        return self.llm_timeout + 5 if self.llm_configured else 10.0

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def resolved_log_url(self) -> str:
        return self.log_url or f"sqlite:///{(self.data_dir / 'conversations.sqlite3').resolve()}"
