"""Configuration from the environment (prefix BACKPROP_; REDIS_URL without), with a default for
everything."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DAY = 24 * 3600


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKPROP_", env_file=None,
                                      populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    data_dir: Path = ROOT / "data"
    store: Literal["auto", "sqlite", "redis", "memory"] = Field(
        "auto", description="auto: redis when REDIS_URL is set, else sqlite in data_dir")
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REDIS_URL", "BACKPROP_REDIS_URL"))
    max_sessions: int = Field(10000, ge=1, description="stored sessions; oldest idle evicted")
    session_ttl: float = Field(7 * DAY, gt=0, description="seconds idle before a session expires")
    cache_sessions: int = Field(256, ge=1, description="live sessions cached per worker")
    max_examples: int = Field(2000, ge=1)
    max_train_iterations: int = Field(10000, ge=1)
    request_time_budget: float = Field(5.0, gt=0, description="seconds one request may compute")
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="largest request body "
                                "(an export of the largest network and data set is ~3.5 MB)")
    rate_limit: int = Field(600, ge=0, description="requests per client per minute; 0: off")
    # -- hosting limits: what one visitor (or a bad day) may cost the others --------------------
    busy_wait: float = Field(10.0, gt=0, description="seconds a request may wait (on the event "
                             "loop, holding no thread) for its busy session; then 503")
    session_queue: int = Field(4, ge=0, description="requests that may wait for one busy "
                               "session; more are a 409 at once")
    client_concurrency: int = Field(2, ge=1, description="session requests one client may "
                                    "have running at once (more wait, bounded by busy_wait)")
    max_active: int = Field(8, ge=1, description="session requests one worker runs at once "
                            "(each holds a live session in memory)")
    cache_bytes: int = Field(256 * 1024 * 1024, ge=1024 * 1024, description="bytes of live "
                             "sessions (data, parameters, recorded values) a worker caches")
    cpu_budget: float = Field(30.0, ge=0, description="seconds of computation (training, "
                              "replays) per client per minute; 0: off")
    max_state_bytes: int = Field(16 * 1024 * 1024, ge=64 * 1024, description="largest JSON "
                                 "state the API writes (estimated before writing); larger: ask "
                                 "for less with ?include=")
    max_snapshots_per_session: int = Field(50, ge=1, description="share links one session "
                                           "may create")
    max_snapshots: int = Field(100_000, ge=1, description="share links stored in all")
    public_url: str | None = Field(None, description="canonical base URL for share links, "
                                   "e.g. https://backprop.example.org (default: the request's)")
    lock_timeout: float = Field(10.0, gt=0, description="seconds a request waits for a "
                                "session locked by another worker before a 503")
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"

    @field_validator("public_url")
    @classmethod
    def _origin_only(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an absolute http(s) URL, e.g. https://backprop.example.org")
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    @property
    def store_kind(self) -> str:
        if self.store != "auto":
            return self.store
        return "redis" if self.redis_url else "sqlite"


@lru_cache
def get_settings() -> Settings:
    return Settings()
