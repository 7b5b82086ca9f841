"""Everything the step page prints for one session, assembled from the smaller view-models."""

from __future__ import annotations

from ..engine import symbol
from ..presets import PRESETS
from ..sessions import Session
from .equation import step_view, timeline_view
from .fmt import num
from .i18n import LANGUAGES, translator
from .network import network_view
from .neuron import neuron_view

MAX_EXAMPLE_CHOICES = 200


def example_choices(session: Session) -> list[dict]:
    """The examples of the current batch, labelled with their inputs."""
    x = session.stepper.values["A0"]
    out = []
    for i in range(min(x.shape[1], MAX_EXAMPLE_CHOICES)):
        inputs = ", ".join(num(val, 3) for val in x[:4, i]) + (", …" if x.shape[0] > 4 else "")
        out.append({"index": i, "label": f"{i + 1}: x = ({inputs})"})
    return out


def stage_context(session: Session, lang: str, error: str | None = None) -> dict:
    """Context for _stage.html: status, controls, timeline, drawing, equation, neuron."""
    t = translator(lang)
    s, view = session.stepper, session.view
    m = s.values["A0"].shape[1]
    if view.example >= m:
        view = session.view = type(view)(**{**view.__dict__, "example": 0})
    neuron = None
    if view.neuron is not None:
        neuron = neuron_view(s, view.neuron[0], view.neuron[1], view.example)
    nxt = s.next_step
    return {
        "sid": session.id,
        "t": t,
        "lang": lang,
        "error": error,
        "iteration": s.t + 1,
        "updates": s.t + (s.c == s.steps_per_iteration),
        "step_number": s.c,
        "steps_total": s.steps_per_iteration,
        "phase": s.phase,
        "phase_text": t(f"phase_{s.phase}"),
        "next_tex": None if nxt.id == "update" else symbol(nxt.id),
        "loss": None if s.loss is None else num(s.loss),
        "loss_exact": s.loss,
        "last_loss": num(s.losses[-1]) if s.losses else None,
        "learning_rate": num(s.learning_rate),
        "weight_decay": num(s.spec.weight_decay),
        "m": m,
        "batch_size": s.batch_size,
        "view": view,
        "examples": example_choices(session),
        "network": network_view(s, view, t),
        "step": step_view(s, view, lang, t),
        "timeline": timeline_view(s),
        "neuron": neuron,
        "at_start": s.t == 0 and s.c == 0,
    }


def page_context(session: Session, lang: str, form_error: str | None = None) -> dict:
    t = translator(lang)
    return {
        **stage_context(session, lang),
        "languages": LANGUAGES,
        "presets": [{"name": p.name, "title": p.title.get(lang, p.title["en"]),
                     "blurb": p.blurb.get(lang, p.blurb["en"])} for p in PRESETS.values()],
        "config": session.config,
        "form_error": form_error,
        "t": t,
    }
