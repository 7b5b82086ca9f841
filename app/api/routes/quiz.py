"""Quiz mode over the JSON API: a question about the next step, then the answer and the step."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ... import quiz
from ...actions import perform
from ...limits import computation
from ...messages import Refusal
from ...schemas import RefusalOut
from ...sessions import session_state
from ...views.i18n import translator
from ...views.quiz import question_view, verdict_view
from ...views.stage_parts import part_versions
from ..deps import CheckoutDep, SettingsDep
from ..json import FastJSONResponse
from ..visitor import LangCookie
from ..visitor import page_lang as _lang

router = APIRouter(tags=["quiz"])
Notation = Literal["columns", "rows"]
Lang = Literal["en", "zh"]


class QuizAnswer(BaseModel):
    answer: str | float = Field(description="a choice's value, or a number")
    level: int | None = Field(None, ge=0, le=2, description="0 shapes, 1 signs, 2 numbers; "
                              "default: the session's level, which rises with right answers")
    notation: Notation = "columns"
    lang: Lang = "en"

    model_config = {"json_schema_extra": {"examples": [{"answer": "2×4", "level": 0}]}}


@router.get("/api/sessions/{session_id}/quiz", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    422: {"model": RefusalOut, "description": "Invalid input: `level` or `notation`"}})
def ask(session_id: str, checkout: CheckoutDep,
        level: Annotated[int | None, Query(ge=0, le=2, description="0 shapes, 1 signs, "
                                           "2 numbers; default: the session's level")] = None,
        notation: Notation = "columns", lang: Lang = "en") -> Response:
    """The question about the next step: its `kind` (shape, sign, largest, number), `prompt`,
    `choices` or `tolerance`; never its answer."""
    with checkout(session_id) as session:
        if level is None:
            level = _score(session).level
        q = quiz.question(session.stepper, level, notation == "rows")
    return FastJSONResponse({"level": level, "question": q.public(lang, notation == "rows")})


@router.post("/api/sessions/{session_id}/quiz", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    409: {"model": RefusalOut, "description": "The step cannot be taken here"},
    422: {"model": RefusalOut, "description": "Invalid input, or the step diverged"}})
def answer(session_id: str, body: QuizAnswer, checkout: CheckoutDep, settings: SettingsDep
           ) -> Response:
    """Answer the question about the next step: the verdict, the true value and a one-line
    reason, and the step is performed (the new state comes with it). The answer counts in the
    session's score (the page's too), which the answer also returns."""
    rows = body.notation == "rows"
    with checkout(session_id) as session:
        score = _score(session)
        if body.level is not None:
            score.level = body.level
        q = quiz.question(session.stepper, score.level, rows)
        iteration = quiz.asked_iteration(session.stepper)
        perform(session, "next", settings)
        verdict = quiz.verdict(q, body.answer, body.lang, rows)
        score.record(q.kind, iteration, verdict["right"])
        session.view = replace(session.view, quiz=score.encode())
        return FastJSONResponse({"question": q.public(body.lang, rows), "verdict": verdict,
                                 "score": score.public(), "state": session_state(session)})


# -- the page's quiz mode: htmx fragments (not in the API's schema) -------------------------------
def _page_context(request: Request, session, lang: str, **extra) -> dict:
    """The #stage context with the quiz's own parts (a question, an error, a verdict)."""
    from ...views.page import stage_context  # the page's view-model: imported when first drawn

    with computation(refuse_in_debt=False):
        context = {**stage_context(session, lang, request.app.state.render_partial, None,
                                   request.headers.get("x-training-version"),
                                   request.headers.get("x-have")), **extra}
        # the parts' versions, so that the page's next step brings only what changed
        context["pv"] = part_versions(request.app.state.templates.get_template("_stage.html"),
                                      context)
    return context


def _template(request: Request, name: str, context: dict, headers: dict | None = None
              ) -> HTMLResponse:
    with computation(refuse_in_debt=False):
        return request.app.state.templates.TemplateResponse(request, name, context,
                                                            headers=headers)


def _position(stepper) -> str:
    """Where the stepper stands ("t,c"): a question is only judged where it was asked."""
    return f"{stepper.t},{stepper.c}"


def _question_fragment(request: Request, session, lang: str, score: quiz.Score,
                       error: str | None = None, given: str | None = None,
                       status: int = 200) -> HTMLResponse:
    t = translator(lang)
    rows = session.view.rows
    q = quiz.question(session.stepper, score.level, rows)
    context = {"sid": session.id, "t": t, "lang": lang,
               "quiz_question": question_view(q, lang, rows, t), "quiz_level": score.level,
               "quiz_at": _position(session.stepper), "quiz_error": error, "quiz_given": given}
    headers = {"Cache-Control": "no-store"}
    if error is not None:  # the form targets #stage: put the refused answer's form back instead
        headers |= {"HX-Retarget": "#quiz-box", "HX-Reswap": "innerHTML"}
    return _template(request, "_quiz_question.html", context, headers)


def _score(session) -> quiz.Score:
    return quiz.Score.decode(session.view.quiz)


@router.post("/ui/{sid}/quiz/mode", response_class=HTMLResponse, include_in_schema=False)
def quiz_mode(request: Request, sid: str, checkout: CheckoutDep,
              on: Annotated[str | None, Form()] = None, lang_cookie: LangCookie = None
              ) -> Response:
    """The switch: quiz mode on (the checkbox sent) or off; the score is kept either way."""
    with checkout(sid) as session:
        score = _score(session)
        score.on = on is not None
        session.view = replace(session.view, quiz=score.encode())
        lang = _lang(request, lang_cookie)
        return _template(request, "_stage.html", _page_context(request, session, lang))


@router.get("/ui/{sid}/quiz", response_class=HTMLResponse, include_in_schema=False)
def quiz_question(request: Request, sid: str, checkout: CheckoutDep, lang_cookie: LangCookie = None
                  ) -> Response:
    """The question about the next step (a form for #quiz-box); the step is not taken."""
    with checkout(sid) as session:
        return _question_fragment(request, session, _lang(request, lang_cookie),
                                  _score(session))


@router.post("/ui/{sid}/quiz", response_class=HTMLResponse, include_in_schema=False)
def quiz_answer(request: Request, sid: str, checkout: CheckoutDep, settings: SettingsDep,
                answer: Annotated[str, Form(max_length=64)] = "",
                level: Annotated[int | None, Form(ge=0, le=2)] = None,
                at: Annotated[str, Form(max_length=32)] = "",
                lang_cookie: LangCookie = None) -> Response:
    """Judge the answer, take the step, and redraw #stage with the verdict and the score. An
    empty or unreadable answer puts the question back with a message (nothing is taken); a
    question asked where the stepper no longer stands (another tab moved it) is asked anew."""
    lang = _lang(request, lang_cookie)
    with checkout(sid) as session:
        score = _score(session)
        if level is not None:  # judge the question that was shown, at the level it was asked
            score.level = level
        if at and at != _position(session.stepper):
            return _question_fragment(request, session, lang, score)
        return _judged(request, session, settings, lang, score, answer)


def _judged(request: Request, session, settings, lang: str, score: quiz.Score,
            answer: str) -> HTMLResponse:
    """The answer judged and the step taken: #stage with the verdict (or the question again,
    with a message, when the answer cannot be read)."""
    t = translator(lang)
    stepper, rows = session.stepper, session.view.rows
    q = quiz.question(stepper, score.level, rows)
    if not answer.strip():
        return _question_fragment(request, session, lang, score, t(
            "quiz_bad_number" if q.kind == "number" else "quiz_no_choice"))
    if q.kind == "number" and quiz.parse_number(answer) is None:
        return _question_fragment(request, session, lang, score, t("quiz_bad_number"), answer)
    iteration = quiz.asked_iteration(stepper)
    try:
        perform(session, "next", settings)
    except Refusal as refusal:
        if refusal.status in (429, 503):
            raise
        context = _page_context(request, session, lang, error=refusal.text(lang))
        return _template(request, "_stage.html", context)
    verdict = quiz.verdict(q, answer, lang, rows)
    score.record(q.kind, iteration, verdict["right"])
    session.view = replace(session.view, quiz=score.encode())
    context = _page_context(request, session, lang,
                            quiz_verdict=verdict_view(q, verdict, lang, t))
    # the live region reads the verdict first, then what the step computed
    context["announcement"] = f"{verdict['reason']} {context['announcement']}"
    return _template(request, "_stage.html", context)
