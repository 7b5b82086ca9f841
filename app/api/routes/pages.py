"""The step page and the htmx fragments it swaps. Handlers: find the session, act, render."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.convertors import Convertor, register_url_convertor

from ...actions import perform
from ...limits import computation
from ...messages import Invalid, Refusal
from ...presets import DEFAULT_PRESET, PRESETS
from ...schemas import LearningRateRequest, SessionConfig
from ...sessions import ConfigError, Session
from ...store import WouldBlock
from ...views.fmt import num
from ...views.graph import graph_context
from ...views.i18n import LANGUAGES, translator
from ...views.network import ViewSettings, current_example
from ...views.page import page_context, stage_context
from ...views.stage_parts import changed_parts, part_versions, stage_state
from ...views.training import ran_first_text
from ..deps import SettingsDep, StoreDep
from ..inline import on_loop_if_free, too_long_for_the_loop

router = APIRouter(include_in_schema=False)
SESSION_COOKIE, LANG_COOKIE = "bs_session", "bs_lang"
MOVES = ("next", "prev", "forward", "backward", "update", "iterate", "reset")
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]


class _MoveConvertor(Convertor):
    """Matches only the moves: /ui/{sid}/{move:move} takes no other path (share, gradcheck…),
    so this router can come first and the route most often asked for is matched first."""
    regex = "|".join(MOVES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("move", _MoveConvertor())


@router.post("/ui/{sid}/{move:move}", response_class=HTMLResponse)
async def move(request: Request, sid: str, move: str, store: StoreDep, settings: SettingsDep,
               lang_cookie: LangCookie = None) -> Response:
    lang = _lang(request, lang_cookie)
    return await on_loop_if_free(store, lambda wait: _move(
        request, sid, store, settings, move, lang, wait))


def _lang(request: Request, cookie: str | None) -> str:
    asked = request.query_params.get("lang") or cookie
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "")
    return "zh" if accept.lower().startswith("zh") else "en"


def _stage(request: Request, session: Session, lang: str, error: str | None = None,
           moved: float = 0.0, **extra) -> HTMLResponse:
    """The #stage fragment; call with the session checked out. `extra`: stage_context's
    notice and confirm_lr. A page that names the parts it shows (X-Parts) gets only the
    changed ones, as out-of-band swaps (app/views/stage_parts.py); `moved`: the move's
    seconds, for the Server-Timing header."""
    t0 = time.perf_counter()
    with computation(refuse_in_debt=False):  # drawing counts against the CPU budget too
        context = stage_context(session, lang, request.app.state.render_partial, error,
                                request.headers.get("x-training-version"),
                                request.headers.get("x-have"), **extra)
        held = request.headers.get("x-parts")
        t1 = time.perf_counter()
        if held is None:
            response = _render(request, "_stage.html", context)
        else:
            template = request.app.state.templates.get_template("_stage.html")
            body = changed_parts(template, context, held) + str(context["training_html"] or "")
            response = HTMLResponse(body, headers={"HX-Reswap": "none",
                                                   "X-Stage-State": stage_state(context)})
    t2 = time.perf_counter()
    response.headers["Server-Timing"] = (f"move;dur={1e3 * moved:.2f}, "
                                         f"view;dur={1e3 * (t1 - t0):.2f}, "
                                         f"html;dur={1e3 * (t2 - t1):.2f}")
    return response


def _render(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    templates = request.app.state.templates
    with computation(refuse_in_debt=False):
        return templates.TemplateResponse(request, name, context, status_code=status)


def _new_session(store, config: SessionConfig, log_scale: bool = False) -> Session:
    return store.create(config, ViewSettings(log_scale=log_scale))


def _cookie_age(request: Request) -> int:
    return int(request.app.state.settings.session_ttl)


def _set_cookies(response: Response, session: Session, lang: str,
                 max_age: int | None = None) -> None:
    """The session cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) lives as long as an idle
    session is kept, so closing the browser does not lose the network."""
    from ...security import request_is_secure  # https, directly or via X-Forwarded-Proto

    secure = request_is_secure()
    response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="lax", secure=secure,
                        max_age=max_age)
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=secure, max_age=365 * 86400)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: StoreDep, lang_cookie: LangCookie = None,
          bs_session: Annotated[str | None, Cookie()] = None) -> Response:
    """The page. A link with a preset or settings in its query (/?preset=xor,
    /?layers=2,3,1&activations=tanh,sigmoid&dataset=xor…) builds that network first."""
    lang = _lang(request, lang_cookie)
    form_error = None
    if request.query_params.keys() & URL_FIELDS:
        try:
            config, log_scale = _config_from_fields(request.query_params)
            session = _new_session(store, config, log_scale)
        except (ValidationError, Refusal) as err:
            form_error = _error_text(err, lang)
        else:
            response = RedirectResponse("/", status_code=303)  # a reload keeps this network
            _set_cookies(response, session, lang, _cookie_age(request))
            return response
    notice = None
    for attempt in range(2):
        if attempt or not bs_session:  # no cookie, or its session expired: a fresh network
            if attempt and not form_error:  # the cookie named a session no longer kept
                notice = translator(lang)("session_expired")
            preset = PRESETS[DEFAULT_PRESET]
            bs_session = _new_session(store, preset.session_config(), preset.log_scale).id
        with store.checkout(bs_session) as session:
            if session is None:
                continue
            with computation(refuse_in_debt=False):
                context = page_context(session, lang, request.app.state.render_partial,
                                       form_error)
                context["notice"] = notice
                # The versions of the stage's parts as this page shows them (notice included)
                context["pv"] = part_versions(
                    request.app.state.templates.get_template("_stage.html"), context)
            response = _render(request, "index.html", context)
            _set_cookies(response, session, lang, _cookie_age(request))
            return response
    raise RuntimeError("a session just created could not be read back")


def _expired() -> Response:
    """Expired or unknown session: ask htmx to reload the page, which builds a fresh one."""
    return Response(status_code=404, headers={"HX-Refresh": "true"})


@router.post("/ui/{sid}/view", response_class=HTMLResponse)
async def change_view(request: Request, sid: str, store: StoreDep,
                      lang_cookie: LangCookie = None,
                      example_number: Annotated[int | None, Form()] = None,
                      scale: Annotated[str | None, Form(pattern="^(linear|log)$")] = None,
                      notation: Annotated[str | None, Form(pattern="^(columns|rows)$")] = None,
                      neuron: Annotated[str | None, Form(pattern=r"^\d{1,2},\d{1,2}$")] = None,
                      ) -> Response:
    def work(wait: bool) -> Response:
        with store.checkout(sid, wait) as session:
            if session is None:
                return _expired()
            view = session.view
            if example_number is not None:  # as the number box's min and max: 1 … m
                m = session.stepper.values["A0"].shape[1]
                view = replace(view, example=max(1, min(example_number, m)) - 1)
            if scale is not None:
                view = replace(view, log_scale=scale == "log")
            if notation is not None:
                view = replace(view, rows=notation == "rows")
            if neuron is not None:
                layer, index = (int(p) for p in neuron.split(","))
                view = replace(view, neuron=(layer, index))
            session.view = view
            return _stage(request, session, _lang(request, lang_cookie))

    return await on_loop_if_free(store, work)


@router.get("/ui/{sid}/graph", response_class=HTMLResponse)
def graph(request: Request, sid: str, store: StoreDep, lang_cookie: LangCookie = None
          ) -> Response:
    """The computation graph of the shown example's loss (a fragment for #graph-panel)."""
    with store.checkout(sid) as session:
        if session is None:
            return _expired()
        t = translator(_lang(request, lang_cookie))
        under_way = current_example(session.stepper)
        view = session.view if under_way is None else replace(session.view, example=under_way)
        return _render(request, "_graph.html", graph_context(session.stepper, view, t))


@router.post("/ui/{sid}/seek", response_class=HTMLResponse)
async def seek(request: Request, sid: str, store: StoreDep, settings: SettingsDep,
               index: Annotated[int, Form(ge=0, le=1000)], lang_cookie: LangCookie = None
               ) -> Response:
    lang = _lang(request, lang_cookie)
    return await on_loop_if_free(store, lambda wait: _move(
        request, sid, store, settings, "seek", lang, wait, index=index))


@router.post("/ui/{sid}/train", response_class=HTMLResponse)
def train(request: Request, sid: str, store: StoreDep, settings: SettingsDep,
          iterations: Annotated[int, Form(ge=1, le=100_000)], lang_cookie: LangCookie = None
          ) -> Response:
    """Whole iterations; the page asks in chunks, so a long run shows progress and can stop."""
    return _move(request, sid, store, settings, "train", _lang(request, lang_cookie),
                 iterations=iterations)


@router.post("/ui/{sid}/goto", response_class=HTMLResponse)
def goto(request: Request, sid: str, store: StoreDep, settings: SettingsDep,
         iteration: Annotated[int, Form(ge=0)], lang_cookie: LangCookie = None) -> Response:
    """Back (or forward) to the state after an earlier iteration, its steps shown."""
    return _move(request, sid, store, settings, "goto", _lang(request, lang_cookie),
                 iteration=iteration)


@router.post("/ui/{sid}/lr", response_class=HTMLResponse)
def learning_rate(request: Request, sid: str, store: StoreDep, settings: SettingsDep,
                  learning_rate: Annotated[str, Form(max_length=32)],
                  lang_cookie: LangCookie = None,
                  discard: Annotated[bool, Form()] = False) -> Response:
    """Change α between iterations without resetting the network. Scrubbed back, the later
    iterations were trained with the old α: the page first asks whether to discard them
    (`discard` = the learner's yes), then says how many it discarded."""
    lang = _lang(request, lang_cookie)
    try:
        value = LearningRateRequest(learning_rate=learning_rate).learning_rate
    except ValidationError as err:
        with store.checkout(sid) as session:
            if session is None:
                return _expired()
            return _stage(request, session, lang, _error_text(err, lang))
    with store.checkout(sid) as session:
        if session is None:
            return _expired()
        s = session.stepper
        drops = s.learning_rate_drops(value)
        first = s.t + (s.c == s.steps_per_iteration) + 1  # the first iteration with the new α
        numbers = {"lr": num(value), "k": first, "d": drops, "n": s.completed}
        if drops and not discard:
            return _stage(request, session, lang, confirm_lr={**numbers, "value": learning_rate})
        error = None
        try:
            perform(session, "learning_rate", settings, learning_rate=value)
        except Refusal as refusal:
            if refusal.status in (429, 503):
                raise
            error = refusal.text(lang)
        notice = translator(lang)("lr_discarded", **numbers) if drops and not error else None
        return _stage(request, session, lang, error, notice=notice)


def _move(request, sid, store, settings, action: str, lang: str, wait: bool = True,
          **args) -> Response:
    with store.checkout(sid, wait) as session:
        if session is None:
            return _expired()
        if not too_long_for_the_loop(session, action, wait):
            t0 = time.perf_counter()
            try:
                ran = perform(session, action, settings, **args)
            except Refusal as refusal:
                if refusal.status in (429, 503):  # come back later: the page's runs wait
                    raise
                return _stage(request, session, lang, refusal.text(lang))
            return _stage(request, session, lang, None, time.perf_counter() - t0,
                          notice=ran_first_text(ran, session.stepper, lang))
    # A long replay on the event loop would stall every other request: nothing was changed,
    # so let the pool do it.
    raise WouldBlock(sid)


URL_FIELDS = {"preset", "layers", "activations", "loss", "learning_rate", "weight_decay", "init",
              "init_scale", "seed", "dataset", "samples", "noise", "batch_size", "test_ratio",
              "gradient_mode", "examples_shown", "output_delta", "backward_order",
              "regularization", "features"}


def _config_from_fields(fields) -> tuple[SessionConfig, bool]:
    """A preset by name, or the custom fields (form or URL query); and its colour scale."""
    name = fields.get("preset")
    if name:
        preset = PRESETS.get(str(name))
        if preset is None:
            raise ConfigError("config.unknown_preset", "preset", name=str(name),
                              choices=", ".join(PRESETS))
        return preset.session_config(), preset.log_scale
    return SessionConfig(**_custom_config(fields)), False


def _error_fields(err: ValidationError | Refusal) -> list[str]:
    """The form fields at fault (the page marks them aria-invalid): from each error's location,
    or the field a whole-config check names ("layers[1]" → layers)."""
    if isinstance(err, Refusal):
        found = [err.field or ""]
    else:
        found = [str(e["loc"][0]) if e.get("loc") else
                 str((e.get("ctx") or {}).get("field", "")) for e in err.errors()]
    return sorted({re.match(r"[a-z_]*", f).group() for f in found} & URL_FIELDS)


def _error_text(err: ValidationError | Refusal, lang: str) -> str:
    """The form's error in the page's language."""
    refusal = Invalid(err.errors()) if isinstance(err, ValidationError) else err
    return refusal.text(lang)


def _custom_config(form) -> dict:
    """The custom-network form (or a URL query) as SessionConfig fields: text fields split on
    commas, empty or missing fields left to the defaults."""
    def split(name: str) -> list[str]:
        # one field of commas (a URL, the text fields) or one field per value (checkboxes)
        given = form.getlist(name) if hasattr(form, "getlist") else [form.get(name, "")]
        return [part.strip() for value in given
                for part in str(value).replace("，", ",").split(",") if part.strip()]

    def optional(name: str) -> str | None:
        value = str(form.get(name, "")).strip()
        return value or None

    lists = {"preset", "layers", "activations", "features"}
    fields = {name: optional(name) for name in URL_FIELDS - lists}
    fields["layers"] = [int(x) if x.lstrip("-").isdigit() else x for x in split("layers")]
    fields["activations"] = split("activations")
    fields["features"] = split("features")
    return {k: v for k, v in fields.items() if v not in (None, [])}


@router.post("/ui/adopt", include_in_schema=False)
def adopt(request: Request, store: StoreDep, sid: Annotated[str, Form(max_length=64)],
          lang_cookie: LangCookie = None) -> Response:
    """A tab that reloads asks for its own network back (the id it kept in sessionStorage; it
    travels in the body, never in a URL). 204 if it is gone: the tab shows the cookie's."""
    with store.checkout(sid) as session:
        if session is None:
            return Response(status_code=204)
        response = Response(status_code=200, headers={"HX-Refresh": "true"})
        _set_cookies(response, session, _lang(request, lang_cookie), _cookie_age(request))
        return response


@router.post("/ui/new", response_class=HTMLResponse)
async def new_network(request: Request, store: StoreDep, lang_cookie: LangCookie = None
                      ) -> Response:
    """Build a new network from a preset or the custom form: a deliberate action."""
    lang = _lang(request, lang_cookie)
    form = await request.form()
    try:
        config, log_scale = _config_from_fields(form)
        session = _new_session(store, config, log_scale)
    except (ValidationError, Refusal) as err:
        return _render(request, "_setup_error.html",
                       {"message": _error_text(err, lang), "fields": _error_fields(err)}, 200)
    response = Response(status_code=200, headers={"HX-Redirect": "/"})
    _set_cookies(response, session, lang, _cookie_age(request))
    return response


def _rebuilt(request: Request, store, lang: str, config: SessionConfig,
             log_scale: bool) -> Response:
    """A new session from `config`; the page reloads onto it (as after Build)."""
    session = _new_session(store, config, log_scale)
    response = Response(status_code=200, headers={"HX-Redirect": "/"})
    _set_cookies(response, session, lang, _cookie_age(request))
    return response


@router.post("/ui/{sid}/reseed", response_class=HTMLResponse)
def reseed(request: Request, sid: str, store: StoreDep, lang_cookie: LangCookie = None
           ) -> Response:
    """The same setup with a fresh random seed: new starting weights (and a new draw of
    generated data, its test split and batch order), typed weights forgotten."""
    import secrets

    with store.checkout(sid) as session:
        if session is None:
            return _expired()
        config, log_scale = session.config, session.view.log_scale
    fresh = config.model_copy(update={"seed": secrets.randbelow(1_000_000), "parameters": None})
    lang = _lang(request, lang_cookie)
    try:
        return _rebuilt(request, store, lang, fresh, log_scale)
    except ConfigError as err:  # a generated dataset the new seed cannot make
        return _render(request, "_setup_error.html", {"message": _error_text(err, lang)})


@router.post("/ui/{sid}/weights", response_class=HTMLResponse)
async def given_weights(request: Request, sid: str, store: StoreDep,
                        lang_cookie: LangCookie = None) -> Response:
    """The same setup starting from the weights typed in the setup's form (W1, b1, …)."""
    from ...weights import parse_weights

    lang = _lang(request, lang_cookie)
    form = await request.form()
    with store.checkout(sid) as session:
        if session is None:
            return _expired()
        config, log_scale = session.config, session.view.log_scale
    try:
        W, b = parse_weights(form, config.layers)
        given = SessionConfig(**{**config.model_dump(exclude_unset=True),
                                 "parameters": {"W": W, "b": b}})
        return _rebuilt(request, store, lang, given, log_scale)
    except (ValidationError, Refusal) as err:
        return _render(request, "_setup_error.html", {"message": _error_text(err, lang)})
