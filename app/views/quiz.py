"""Quiz mode on the page: the switch, the score and level, a question's form and a verdict, as
plain values for templates/_quiz.html."""

from __future__ import annotations

import re

from ..quiz import KINDS, UP_AFTER, Question, Score
from .i18n import tex_words

LEVEL_KINDS = ("quiz_level_shape", "quiz_level_sign", "quiz_level_number")
# A matrix entry in a number question's prompt: Z[1][2, 3] (the layer, then row and column).
_LAYER = re.compile(r"\[(\d+)\]")


def quiz_panel(session, t) -> dict:
    """The switch's state, the score per kind and for the iteration under way, and the level."""
    score = Score.decode(getattr(session.view, "quiz", ""))
    iteration = session.stepper.t + 1  # the one on screen (a finished one until the next step)
    right, asked = score.iterations.get(iteration, [0, 0])
    level = score.level
    return {
        "on": score.on,
        "level": level,
        "level_text": t(LEVEL_KINDS[level]),
        "to_next": (t("quiz_up", k=UP_AFTER - max(score.streak, 0), now=t(LEVEL_KINDS[level]),
                      next=t(LEVEL_KINDS[level + 1])) if level < 2 else t("quiz_top")),
        "iteration": t("quiz_iteration_score", i=iteration, r=right, n=asked),
        # the latest earlier iterations answered in, newest first: "3: 4/5"
        "earlier": [f"{i}: {r}/{n}" for i, (r, n) in sorted(score.iterations.items(),
                                                             reverse=True) if i != iteration][:3],
        "kinds": [{"kind": k, "label": t(f"quiz_kind_{k}"), "right": score.kinds.get(k, [0, 0])[0],
                   "asked": score.kinds.get(k, [0, 0])[1]} for k in KINDS],
    }


def question_view(q: Question, lang: str, rows: bool, t) -> dict:
    """What the form shows: the prompt, the operands' shapes for a shape, the choices (no mark
    on the true one), the unit to outline in the drawing for a δ question; never the answer."""
    public = q.public(lang, rows)
    layer = _LAYER.search(q.name)
    target = None
    if q.kind in ("sign", "largest") and layer:
        target = {"layer": int(layer[1]), "unit": q.entry[0] if q.kind == "sign" else None}
    return {**public, "kind_label": t(f"quiz_kind_{q.kind}"), "target": target}


def verdict_view(q: Question, verdict: dict, lang: str, t) -> dict:
    """Right or wrong with its reason, the step's formula in the notation asked, and the
    learner's and the true answer side by side."""
    return {**verdict, "kind": q.kind, "name": q.name, "formula": tex_words(q.formula, lang),
            "mark": "✓" if verdict["right"] else "✗",
            "operands_text": ", ".join(f"{n} ({s})" for n, s in q.operands)}
