"""Configuration from the environment (prefix BACKPROP_), with a default for everything."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKPROP_", env_file=None)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    data_dir: Path = ROOT / "data"
    max_sessions: int = Field(1000, ge=1)
    max_examples: int = Field(2000, ge=1)
    max_train_iterations: int = Field(10000, ge=1)
    request_time_budget: float = Field(5.0, gt=0, description="seconds one request may compute")
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"


@lru_cache
def get_settings() -> Settings:
    return Settings()
