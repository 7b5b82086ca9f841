"""Configuration from the environment (prefix BACKPROP_; REDIS_URL without), with a default for
everything."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
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
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"

    @property
    def store_kind(self) -> str:
        if self.store != "auto":
            return self.store
        return "redis" if self.redis_url else "sqlite"


@lru_cache
def get_settings() -> Settings:
    return Settings()
