"""The page's visitor: the language they read in and the cookies that keep their network.
Shared by the routers that answer the page (pages, tools, share)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, Request
from fastapi.responses import Response

from ..messages import LANG_COOKIE
from ..security import request_is_secure  # https, directly or via X-Forwarded-Proto
from ..sessions import Session
from ..views.i18n import LANGUAGES

SESSION_COOKIE = "bs_session"
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]

__all__ = ["LANG_COOKIE", "SESSION_COOKIE", "LangCookie", "page_lang", "set_cookies"]


def page_lang(request: Request, cookie: str | None) -> str:
    """?lang=, else the language cookie, else the browser's Accept-Language."""
    asked = request.query_params.get("lang") or cookie
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "")
    return "zh" if accept.lower().startswith("zh") else "en"


def set_cookies(request: Request, response: Response, session: Session, lang: str) -> None:
    """The session cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) lives as long as an idle
    session is kept (BACKPROP_SESSION_TTL), so closing the browser does not lose the network;
    the language cookie a year."""
    secure = request_is_secure()
    response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="lax", secure=secure,
                        max_age=int(request.app.state.settings.session_ttl))
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=secure, max_age=365 * 86400)
