"""Quiz mode over the JSON API: a question about the next step, then the answer and the step."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ... import quiz
from ...actions import perform
from ...messages import Refusal
from ...schemas import RefusalOut
from ...sessions import session_state
from ..deps import SettingsDep, StoreDep
from ..json import FastJSONResponse

router = APIRouter(tags=["quiz"])
Notation = Literal["columns", "rows"]
Lang = Literal["en", "zh"]


class QuizAnswer(BaseModel):
    answer: str | float = Field(description="a choice's value, or a number")
    level: int = Field(0, ge=0, le=2, description="0 shapes, 1 signs, 2 numbers")
    notation: Notation = "columns"
    lang: Lang = "en"

    model_config = {"json_schema_extra": {"examples": [{"answer": "2×4", "level": 0}]}}


@router.get("/api/sessions/{session_id}/quiz", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    422: {"model": RefusalOut, "description": "Invalid input: `level` or `notation`"}})
def ask(session_id: str, store: StoreDep,
        level: Annotated[int, Query(ge=0, le=2, description="0 shapes, 1 signs, 2 numbers")] = 0,
        notation: Notation = "columns", lang: Lang = "en") -> Response:
    """The question about the next step: its `kind` (shape, sign, largest, number), `prompt`,
    `choices` or `tolerance`; never its answer."""
    with store.checkout(session_id) as session:
        if session is None:
            raise Refusal("session_not_found", status=404, id=session_id)
        q = quiz.question(session.stepper, level, notation == "rows")
    return FastJSONResponse({"level": level, "question": q.public(lang, notation == "rows")})


@router.post("/api/sessions/{session_id}/quiz", responses={
    404: {"model": RefusalOut, "description": "No such session (unknown id, deleted or expired)"},
    409: {"model": RefusalOut, "description": "The step cannot be taken here"},
    422: {"model": RefusalOut, "description": "Invalid input, or the step diverged"}})
def answer(session_id: str, body: QuizAnswer, store: StoreDep, settings: SettingsDep
           ) -> Response:
    """Answer the question about the next step: the verdict, the true value and a one-line
    reason, and the step is performed (the new state comes with it)."""
    rows = body.notation == "rows"
    with store.checkout(session_id) as session:
        if session is None:
            raise Refusal("session_not_found", status=404, id=session_id)
        q = quiz.question(session.stepper, body.level, rows)
        perform(session, "next", settings)
        return FastJSONResponse({"question": q.public(body.lang, rows),
                                 "verdict": quiz.verdict(q, body.answer, body.lang, rows),
                                 "state": session_state(session)})
