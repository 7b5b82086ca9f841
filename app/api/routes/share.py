"""Share links: an immutable snapshot of a session (config, data, parameters, history, the
position within the iteration, the view), opened by anyone as their own new session.

The snapshot id (64 random bits) is all a link carries: never the sharer's session id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ...messages import Refusal
from ...schemas import RefusalOut
from ...sessions import session_state
from ...store import SNAPSHOT_ID
from ..deps import CheckoutDep, StoreDep
from ..json import FastJSONResponse
from ..visitor import LangCookie, set_cookies
from ..visitor import page_lang as _lang

router = APIRouter()

TEXT = {
    "en": {
        "title": "Share this state",
        "label": "Link to this network at this step",
        "copy": "Copy",
        "hint": "Whoever opens it gets their own copy of the network exactly as it is now; "
                "what they do never changes yours, and yours never changes the link.",
        "missing_title": "No such shared link",
        "missing": "This link does not lead to a shared network (it may be mistyped).",
        "start": "Open Backprop Stepper",
    },
    "zh": {
        "title": "分享当前状态",
        "label": "指向此网络此步骤的链接",
        "copy": "复制",
        "hint": "打开链接的人会得到此网络此刻的独立副本；他们的操作不会改变你的网络，"
                "你之后的操作也不会改变这个链接。",
        "missing_title": "找不到这个分享链接",
        "missing": "这个链接没有指向任何分享的网络（可能输错了）。",
        "start": "打开 Backprop Stepper",
    },
}


class SnapshotOut(BaseModel):
    id: str = Field(description="the snapshot's id (64 random bits, URL-safe base64)")
    url: str = Field(description="absolute share link: GET it in a browser for a new session")


def _text(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["en"])


def _share_url(request: Request, snapshot_id: str) -> str:
    """The link: under BACKPROP_PUBLIC_URL when set (a Host header is the client's to say),
    else the request's own base."""
    public = request.app.state.settings.public_url
    if public:
        return f"{public}/s/{snapshot_id}"
    return str(request.url_for("open_shared", snapshot_id=snapshot_id))


@router.post("/ui/{sid}/share", response_class=HTMLResponse, include_in_schema=False)
def share_fragment(request: Request, sid: str, checkout: CheckoutDep,
                   lang_cookie: LangCookie = None) -> Response:
    """The share box: the link in a read-only field and a copy button (`data-copy`)."""
    with checkout(sid) as session:
        snapshot_id = checkout.store.share(session)
    lang = _lang(request, lang_cookie)
    return request.app.state.templates.TemplateResponse(
        request, "_share.html", {"url": _share_url(request, snapshot_id), "T": _text(lang),
                                 "lang": lang, "missing": False})


@router.get("/s/{snapshot_id}", name="open_shared", include_in_schema=False)
def open_shared(request: Request, snapshot_id: str, store: StoreDep,
                lang_cookie: LangCookie = None) -> Response:
    """A new session at the snapshot's state for this visitor, then the page."""
    lang = _lang(request, lang_cookie)
    session = store.open_snapshot(snapshot_id)
    if session is None:
        return request.app.state.templates.TemplateResponse(
            request, "_share.html", {"T": _text(lang), "lang": lang, "missing": True},
            status_code=404)
    response = RedirectResponse("/", status_code=303)
    set_cookies(request, response, session, lang)
    response.headers["Cache-Control"] = "no-store"
    return response


ERRORS = {404: {"model": RefusalOut, "description": "No such session or snapshot"},
          422: {"model": RefusalOut, "description": "An id that is not a string of the path"}}


@router.post("/api/sessions/{session_id}/snapshots", status_code=201, tags=["snapshots"],
             responses=ERRORS, response_model=SnapshotOut)
def create_snapshot(request: Request, session_id: str, checkout: CheckoutDep) -> Response:
    """Freeze the session as it is now (config, data, parameters, history, position, view);
    later moves never change the snapshot."""
    with checkout(session_id) as session:
        snapshot_id = checkout.store.share(session)
    return FastJSONResponse({"id": snapshot_id, "url": _share_url(request, snapshot_id)},
                            status_code=201)


@router.post("/api/snapshots/{snapshot_id}/sessions", status_code=201, tags=["snapshots"],
             responses=ERRORS)
def open_snapshot(snapshot_id: str, store: StoreDep) -> Response:
    """A new session standing exactly where the snapshot stood; returns its state."""
    session = store.open_snapshot(snapshot_id) if SNAPSHOT_ID.fullmatch(snapshot_id) else None
    if session is None:
        raise Refusal("snapshot_not_found", status=404, id=snapshot_id)
    with store.checkout(session.id) as held:
        if held is None:
            raise Refusal("snapshot_not_found", status=404, id=snapshot_id)
        return FastJSONResponse(session_state(held), status_code=201)
