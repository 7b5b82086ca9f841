"""Typed dependencies: the store lives on the app; tests can override these."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..sessions import Session, SessionStore
from ..settings import Settings


def get_store(request: Request) -> SessionStore:
    return request.app.state.store


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[SessionStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(session_id: str, store: StoreDep) -> Session:
    session = store.get(session_id)
    if session is None:
        raise HTTPException(404, f"no session {session_id!r}: it may have expired")
    return session


SessionDep = Annotated[Session, Depends(get_session)]
