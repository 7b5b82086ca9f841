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

from ...actions import MOVES, perform
from ...limits import computation
from ...messages import Invalid, Refusal
from ...pinned import carry as carry_pin
from ...pinned import pin as pin_run
from ...presets import DEFAULT_PRESET, PRESETS
from ...schemas import LearningRateRequest, SessionConfig
from ...sessions import ConfigError, Session, ViewSettings
from ...store import WouldBlock
from ...views.fmt import num
from ...views.graph import graph_context
from ...views.i18n import translator
from ...views.network import current_example
from ...views.page import page_context, stage_context
from ...views.stage_parts import changed_parts, part_versions, stage_state
from ...views.training import ran_first_text
from ..deps import CheckoutDep, SettingsDep, StoreDep, checked_out
from ..inline import on_loop_if_free, too_long_for_the_loop
from ..visitor import SESSION_COOKIE, LangCookie, set_cookies
from ..visitor import page_lang as _lang

router = APIRouter(include_in_schema=False)
__all__ = ["SESSION_COOKIE", "router"]


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


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: StoreDep, lang_cookie: LangCookie = None,
          bs_session: Annotated[str | None, Cookie()] = None) -> Response:
    """The page. A link with a preset or settings in its query (/?preset=xor,
    /?layers=2,3,1&activations=tanh,sigmoid&dataset=xor…) builds that network first."""
    lang = _lang(request, lang_cookie)
    form_error = None
    if request.query_params.keys() & URL_FIELDS:
        try:
            return _linked_network(request, store, lang, bs_session)
        except (ValidationError, Refusal) as err:
            form_error = _error_text(err, lang)
    return _page(request, store, lang, bs_session, form_error)


def _linked_network(request: Request, store, lang: str, bs_session: str | None) -> Response:
    """The network a link's query asks for, then the page on it (a redirect to /: a reload
    keeps this network)."""
    config, log_scale = _config_from_fields(request.query_params)
    session = _new_session(store, config, log_scale)
    carry_pin(store, bs_session, session.id)  # the link's network keeps the pin
    response = RedirectResponse("/", status_code=303)
    set_cookies(request, response, session, lang)
    return response


def _page(request: Request, store, lang: str, bs_session: str | None,
          form_error: str | None) -> Response:
    """The page on the cookie's network, or on a fresh one of the default preset."""
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
            set_cookies(request, response, session, lang)
            return response
    raise RuntimeError("a session just created could not be read back")


@router.post("/ui/{sid}/view", response_class=HTMLResponse)
async def change_view(request: Request, sid: str, checkout: CheckoutDep,
                      lang_cookie: LangCookie = None,
                      example_number: Annotated[int | None, Form()] = None,
                      scale: Annotated[str | None, Form(pattern="^(linear|log)$")] = None,
                      notation: Annotated[str | None, Form(pattern="^(columns|rows)$")] = None,
                      neuron: Annotated[str | None, Form(pattern=r"^\d{1,2},\d{1,2}$")] = None,
                      ) -> Response:
    def work(wait: bool) -> Response:
        with checkout(sid, wait) as session:
            m = session.stepper.values["A0"].shape[1]
            session.view = _asked_view(session.view, m, example_number, scale, notation, neuron)
            return _stage(request, session, _lang(request, lang_cookie))

    return await on_loop_if_free(checkout.store, work)


def _asked_view(view: ViewSettings, m: int, example_number: int | None, scale: str | None,
                notation: str | None, neuron: str | None) -> ViewSettings:
    """The view with what the form asked changed (a field left out stays as it was)."""
    if example_number is not None:  # as the number box's min and max: 1 … m
        view = replace(view, example=max(1, min(example_number, m)) - 1)
    if scale is not None:
        view = replace(view, log_scale=scale == "log")
    if notation is not None:
        view = replace(view, rows=notation == "rows")
    if neuron is not None:
        layer, index = (int(p) for p in neuron.split(","))
        view = replace(view, neuron=(layer, index))
    return view


@router.get("/ui/{sid}/graph", response_class=HTMLResponse)
def graph(request: Request, sid: str, checkout: CheckoutDep, lang_cookie: LangCookie = None
          ) -> Response:
    """The computation graph of the shown example's loss (a fragment for #graph-panel)."""
    with checkout(sid) as session:
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
          iterations: Annotated[int, Form(ge=1, le=100_000)], lang_cookie: LangCookie = None,
          running: Annotated[bool, Form()] = False) -> Response:
    """Whole iterations; the page asks in chunks, so a long run shows progress and can stop.
    `running`: more chunks follow (Play, or Train N before its last): the equation and neuron
    panels wait for the end of the run (the page asks for them when it pauses)."""
    return _move(request, sid, store, settings, "train", _lang(request, lang_cookie),
                 brief=running, iterations=iterations)


@router.post("/ui/{sid}/goto", response_class=HTMLResponse)
def goto(request: Request, sid: str, store: StoreDep, settings: SettingsDep,
         iteration: Annotated[int, Form(ge=0)], lang_cookie: LangCookie = None) -> Response:
    """Back (or forward) to the state after an earlier iteration, its steps shown."""
    return _move(request, sid, store, settings, "goto", _lang(request, lang_cookie),
                 iteration=iteration)


@router.post("/ui/{sid}/lr", response_class=HTMLResponse)
def learning_rate(request: Request, sid: str, checkout: CheckoutDep, settings: SettingsDep,
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
        with checkout(sid) as session:
            return _stage(request, session, lang, _error_text(err, lang))
    with checkout(sid) as session:
        return _new_rate(request, session, settings, lang, value, learning_rate, discard)


def _new_rate(request: Request, session: Session, settings, lang: str, value: float,
              typed: str, discard: bool) -> Response:
    """α set (and the #stage fragment), or first the question whether to discard the later
    iterations (`typed`: the value as the learner wrote it, for the question's form)."""
    s = session.stepper
    drops = s.learning_rate_drops(value)
    first = s.t + (s.c == s.steps_per_iteration) + 1  # the first iteration with the new α
    numbers = {"lr": num(value), "k": first, "d": drops, "n": s.completed}
    if drops and not discard:
        return _stage(request, session, lang, confirm_lr={**numbers, "value": typed})
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
          brief: bool = False, **args) -> Response:
    with checked_out(store, sid, wait, page=True) as session:
        if not too_long_for_the_loop(session, action, wait):
            t0 = time.perf_counter()
            try:
                ran = perform(session, action, settings, **args)
            except Refusal as refusal:
                if refusal.status in (429, 503):  # come back later: the page's runs wait
                    raise
                return _stage(request, session, lang, refusal.text(lang))
            return _stage(request, session, lang, None, time.perf_counter() - t0,
                          notice=ran_first_text(ran, session.stepper, lang),
                          keep_controls=action == "train", brief=brief)
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
        set_cookies(request, response, session, _lang(request, lang_cookie))
        return response


@router.post("/ui/new", response_class=HTMLResponse)
async def new_network(request: Request, store: StoreDep, lang_cookie: LangCookie = None,
                      bs_session: Annotated[str | None, Cookie()] = None) -> Response:
    """Build a new network from a preset or the custom form: a deliberate action. It keeps
    the pinned run of the network it replaces."""
    lang = _lang(request, lang_cookie)
    form = await request.form()
    try:
        config, log_scale = _config_from_fields(form)
        session = _new_session(store, config, log_scale)
    except (ValidationError, Refusal) as err:
        return _render(request, "_setup_error.html",
                       {"message": _error_text(err, lang), "fields": _error_fields(err)}, 200)
    carry_pin(store, bs_session, session.id)
    response = Response(status_code=200, headers={"HX-Redirect": "/"})
    set_cookies(request, response, session, lang)
    return response


def _rebuilt(request: Request, store, lang: str, config: SessionConfig,
             log_scale: bool, sid: str | None = None) -> Response:
    """A new session from `config`, with session `sid`'s pinned run; the page reloads onto it
    (as after Build)."""
    session = _new_session(store, config, log_scale)
    carry_pin(store, sid, session.id)
    response = Response(status_code=200, headers={"HX-Redirect": "/"})
    set_cookies(request, response, session, lang)
    return response


@router.post("/ui/{sid}/reseed", response_class=HTMLResponse)
def reseed(request: Request, sid: str, store: StoreDep, checkout: CheckoutDep,
           lang_cookie: LangCookie = None) -> Response:
    """The same setup with a fresh random seed: new starting weights (and a new draw of
    generated data, its test split and batch order), typed weights forgotten."""
    import secrets

    with checkout(sid) as session:
        config, log_scale = session.config, session.view.log_scale
    fresh = config.model_copy(update={"seed": secrets.randbelow(1_000_000), "parameters": None})
    lang = _lang(request, lang_cookie)
    try:
        return _rebuilt(request, store, lang, fresh, log_scale, sid)
    except ConfigError as err:  # a generated dataset the new seed cannot make
        return _render(request, "_setup_error.html", {"message": _error_text(err, lang)})


@router.post("/ui/{sid}/weights", response_class=HTMLResponse)
async def given_weights(request: Request, sid: str, store: StoreDep, checkout: CheckoutDep,
                        lang_cookie: LangCookie = None) -> Response:
    """The same setup starting from the weights typed in the setup's form (W1, b1, …)."""
    from ...weights import parse_weights

    lang = _lang(request, lang_cookie)
    form = await request.form()
    with checkout(sid) as session:
        config, log_scale = session.config, session.view.log_scale
    try:
        W, b = parse_weights(form, config.layers)
        given = SessionConfig(**{**config.model_dump(exclude_unset=True),
                                 "parameters": {"W": W, "b": b}})
        return _rebuilt(request, store, lang, given, log_scale, sid)
    except (ValidationError, Refusal) as err:
        return _render(request, "_setup_error.html", {"message": _error_text(err, lang)})


@router.post("/ui/{sid}/pin", response_class=HTMLResponse)
def pin(request: Request, sid: str, checkout: CheckoutDep, settings: SettingsDep,
        lang_cookie: LangCookie = None) -> Response:
    """Keep this run (setup, α schedule, curves) beside the next one: its curves join the
    charts and its drawing is compared at the iteration viewed."""
    lang = _lang(request, lang_cookie)
    with checkout(sid) as session:
        try:
            session.pinned = pin_run(session.config, session.stepper,
                                     settings.max_train_iterations)
        except Refusal as refusal:
            return _stage(request, session, lang, refusal.text(lang))
        return _stage(request, session, lang)


@router.post("/ui/{sid}/unpin", response_class=HTMLResponse)
def unpin(request: Request, sid: str, checkout: CheckoutDep, lang_cookie: LangCookie = None
          ) -> Response:
    """Drop the pinned run: the charts show this run alone again."""
    with checkout(sid) as session:
        session.pinned = None
        return _stage(request, session, _lang(request, lang_cookie))
