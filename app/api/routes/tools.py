"""Gradient check, export and import: the JSON API routes and the page's htmx fragments.

Include this router before sessions.router and pages.router: their catch-all routes
(`/api/sessions/{id}/{move}`, `/ui/{sid}/{move}`) would otherwise answer /gradcheck.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile as FormFile

from ... import gradcheck_report
from ...actions import perform
from ...engine import build_plan
from ...messages import Refusal
from ...schemas import RefusalOut, SessionConfig
from ...sessions import Session, network_spec, session_state
from ...transfer import (
    MAX_CSV_BYTES,
    MAX_JSON_BYTES,
    OPTIONAL_FIELDS,
    ExportDocument,
    TransferError,
    csv_config,
    export_document,
    export_script,
    imported_config,
    parse_document,
)
from ...views import gradcheck
from ...views.i18n import strings, translator
from ..deps import CheckoutDep, SettingsDep, StoreDep, checked_out
from ..json import FastJSONResponse
from ..visitor import LangCookie, page_lang, set_cookies

router = APIRouter()
ERRORS = {
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or "
                                              "expired): `session_not_found`"},
    422: {"model": RefusalOut, "description": "Invalid input, or a request over a limit: "
                                              "`error` is its code, `message` says which, "
                                              "`field` names it"},
}


# -- gradient check ----------------------------------------------------------------------------
@router.post("/api/sessions/{session_id}/gradcheck", tags=["tools"], responses={
    **ERRORS, 409: {"model": RefusalOut, "description": "The loss or a gradient is not finite "
                                                        "here (a network that blew up): "
                                                        "nothing to compare"}})
def gradcheck_api(session_id: str, checkout: CheckoutDep) -> Response:
    """Backprop's gradients against central differences (J(θ+h) − J(θ−h)) / 2h, for the current
    iteration's parameters (before its update) on its batch: per parameter its shape, both
    gradients, per-entry relative errors and verdicts, its relative error and verdict; overall
    the relative error, the largest entry error, h, the loss and a verdict ("ok" < 1e-7,
    "check" < 1e-4, else "wrong"). A 422 when the check would take over ~2 s (estimated), a 409
    when the loss or a gradient is not finite at these parameters (a network that blew up)."""
    with checkout(session_id) as session:
        inputs = gradcheck_report.Inputs.of(session.stepper)
    # The inputs are copies: the finite differences run without holding the session.
    return FastJSONResponse(gradcheck_report.report(inputs))


@router.post("/ui/{sid}/gradcheck", response_class=HTMLResponse, include_in_schema=False)
def gradcheck_fragment(request: Request, sid: str, checkout: CheckoutDep,
                       lang_cookie: LangCookie = None) -> Response:
    """The #gradcheck fragment: a table per parameter and a grid of its entries."""
    lang = page_lang(request, lang_cookie)
    with checkout(sid) as session:
        inputs = gradcheck_report.Inputs.of(session.stepper)
    try:
        rep = gradcheck_report.report(inputs)
    except Refusal as refusal:
        return _error_fragment(request, refusal.text(lang))
    context = {"gc": gradcheck.view(rep, translator(lang)), "T": strings(lang), "lang": lang}
    return request.app.state.templates.TemplateResponse(request, "_gradcheck.html", context)


def _error_fragment(request: Request, message: str) -> HTMLResponse:
    """<p class="error" role="alert">message</p> (escaped), status 200 so that htmx swaps it."""
    return request.app.state.templates.TemplateResponse(
        request, "_setup_error.html", {"message": message, "t": None})


# -- export ------------------------------------------------------------------------------------
@router.get("/api/sessions/{session_id}/export", tags=["tools"], responses=ERRORS)
def export_json(session_id: str, checkout: CheckoutDep) -> Response:
    """The session as a document POST /api/sessions/import rebuilds: the config with `data`
    (rows = examples), `parameters` as at the start of the current iteration and `history`
    (loss and metrics of every iteration before it, the α schedule), the position (iteration
    numbered from 1, as in the state) and the current learning rate. The file is named after
    the iteration: backprop-stepper-iteration-N.json."""
    with checkout(session_id) as session:
        doc = export_document(session.config, session.stepper)
        iteration = session.stepper.t + 1
    name = f"backprop-stepper-iteration-{iteration}.json"
    return FastJSONResponse(doc, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/sessions/{session_id}/export.py", tags=["tools"], responses={
    **ERRORS, 200: {"description": "a Python script", "content": {"text/x-python": {}}}})
def export_py(session_id: str, checkout: CheckoutDep) -> Response:
    """A standalone Python script (NumPy and json only) that redoes the current iteration on its
    batch, written out layer by layer, and prints the loss, gradients and updated parameters."""
    with checkout(session_id) as session:
        source = export_script(session.config, session.stepper)
        iteration = session.stepper.t + 1
    return Response(source, media_type="text/x-python; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="backprop_iteration_{iteration}.py"'})


# -- import ------------------------------------------------------------------------------------
def _build(store, settings, config: SessionConfig, step: int = 0) -> Session:
    """A new session from the config, moved `step` micro-steps into its first iteration.
    Raises a Refusal (ConfigError, TransferError)."""
    n = len(build_plan(network_spec(config)))
    if step > n:
        raise TransferError("import.step_out_of_range", "position", steps=n, step=step)
    session = store.create(config)
    if step:
        with store.checkout(session.id) as held:
            if held is None:  # pragma: no cover - evicted at once by a full store
                raise TransferError("import.evicted", "position")
            try:
                perform(held, "seek", settings, index=step)
            except Refusal as refusal:
                raise TransferError("import.step_refused", "position", reason=refusal) from None
    return session


def _created(store, session: Session) -> Response:
    with checked_out(store, session.id) as held:
        return FastJSONResponse(session_state(held), status_code=201)


@router.post("/api/sessions/import", status_code=201, tags=["tools"], responses=ERRORS)
def import_json(doc: ExportDocument, store: StoreDep, settings: SettingsDep) -> Response:
    """A session from an export document, standing at the exported step of the exported
    iteration, with the same number and the history before it (its curves): the same loss
    and gradients as the exported session. It can go back to that iteration's start, not
    before (the file holds no earlier parameters)."""
    session = _build(store, settings, imported_config(doc), doc.position.step)
    return _created(store, session)


async def _read(upload: UploadFile, limit: int) -> bytes:
    """At most limit + 1 bytes: enough to tell that a file is over the limit."""
    return await upload.read(limit + 1)


@router.post("/api/sessions/import-csv", status_code=201, tags=["tools"], responses=ERRORS)
async def import_csv(
    store: StoreDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV: a header row, one example per row, the "
                                                 "last layers[-1] columns the targets")],
    layers: Annotated[str, Form(max_length=200, description="e.g. 2,3,1",
                                examples=["2,3,1"])],
    activations: Annotated[str, Form(max_length=400, description="e.g. tanh,sigmoid",
                                     examples=["tanh,sigmoid"])],
    loss: Annotated[str, Form(max_length=40, examples=["binary_cross_entropy"])],
    learning_rate: Annotated[str | None, Form(max_length=40, examples=["0.5"])] = None,
    # Every field has an example: /docs would otherwise send the word "string" in it.
    weight_decay: Annotated[str | None, Form(max_length=40, examples=["0"])] = None,
    init: Annotated[str | None, Form(max_length=40, examples=["xavier"])] = None,
    init_scale: Annotated[str | None, Form(max_length=40, examples=["0.01"])] = None,
    seed: Annotated[str | None, Form(max_length=40, examples=["0"])] = None,
    batch_size: Annotated[str | None, Form(max_length=40, examples=["2"])] = None,
    test_ratio: Annotated[str | None, Form(max_length=40, examples=["0"])] = None,
) -> Response:
    """A session over the examples of a CSV file (multipart: `file` and the network's fields).
    Bad input is a 422 whose `message` names the row and column, or the limit (1 MB, 2,000
    examples)."""
    content = await _read(file, MAX_CSV_BYTES)
    fields = {"layers": layers, "activations": activations, "loss": loss,
              "learning_rate": learning_rate, "weight_decay": weight_decay, "init": init,
              "init_scale": init_scale, "seed": seed, "batch_size": batch_size,
              "test_ratio": test_ratio}
    session = _build(store, settings, csv_config(fields, content))
    return _created(store, session)


def _is_json(filename: str, content: bytes) -> bool:
    name = filename.lower()
    if name.endswith(".json"):
        return True
    if name.endswith(".csv"):
        return False
    return content.lstrip()[:1] in (b"{", b"[")


@router.post("/ui/import", response_class=HTMLResponse, include_in_schema=False)
async def import_page(request: Request, store: StoreDep, settings: SettingsDep,
                      lang_cookie: LangCookie = None) -> Response:
    """The page's import form: a JSON export or a CSV file (with layers, activations and loss)
    becomes a new network; the page then reloads on it (HX-Redirect: /)."""
    lang = page_lang(request, lang_cookie)
    try:
        session = await _imported(store, settings, await request.form())
    except Refusal as refusal:
        return _error_fragment(request, refusal.text(lang))
    response = Response(status_code=200, headers={"HX-Redirect": "/"})
    set_cookies(request, response, session, lang)
    return response


async def _imported(store, settings, form) -> Session:
    """The session the import form's file makes: a JSON export (by its name or its first
    character) or a CSV with the form's network fields. Raises a Refusal."""
    upload = form.get("file")
    if not isinstance(upload, FormFile) or not (upload.filename or upload.size):
        raise Refusal("import.no_file", field="file")
    head = await upload.read(MAX_CSV_BYTES + 1)
    if _is_json(upload.filename or "", head):
        content = head + await upload.read(MAX_JSON_BYTES + 1 - len(head))
        doc: ExportDocument = parse_document(content)
        return _build(store, settings, imported_config(doc), doc.position.step)
    fields = {name: str(form.get(name) or "")
              for name in ("layers", "activations", "loss", *OPTIONAL_FIELDS)}
    return _build(store, settings, csv_config(fields, head))
