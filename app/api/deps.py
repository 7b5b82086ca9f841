"""Typed dependencies: the store lives on the app; tests can override these."""

from typing import Annotated

from fastapi import Depends, Request

from ..sessions import SessionStore
from ..settings import Settings


def get_store(request: Request) -> SessionStore:
    return request.app.state.store


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[SessionStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
