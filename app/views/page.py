"""Everything the step page prints for one session, assembled from the smaller view-models."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from markupsafe import Markup, escape

from ..engine import DATASETS, INITIALIZERS, LOSSES
from ..engine.features import FEATURES
from ..presets import PRESETS
from ..sessions import Session, raw_data, split
from ..weights import weights_text
from .cache import render_cache
from .equation import announcement, html_symbol, matrix_html, matrix_view, step_view, timeline_view
from .fmt import num
from .i18n import LANGUAGES, choices, strings, tex_words, translator
from .network import current_example, example_values, network_view
from .neuron import neuron_view
from .notes import ufldl_line
from .palette import Scale
from .per_example import move_labels, step_extras, under_way_text
from .quiz import quiz_panel
from .training import Inputs, Runs, training_view, viewed_record

Render = Callable[..., Markup]  # renders a partial template to markup


def partial_renderer(env) -> Render:
    """render('_legend.html', lg=...) -> Markup, for pieces the view-model caches."""
    def render(name: str, **context) -> Markup:
        return Markup(env.get_template(name).render(**context))

    return render


def example_text(session: Session, i: int) -> str:
    """The selected example's inputs and targets: x = (0, 1) → y = (1)."""
    x, y = session.stepper.values["A0"][:, i], session.stepper.values["Y"][:, i]

    def vec(v) -> str:
        return "(" + ", ".join(num(val, 3) for val in v[:4]) + (", …" if len(v) > 4 else "") + ")"

    return f"x = {vec(x)} → y = {vec(y)}"


def training_version(session: Session, lang: str) -> str:
    """Names the training panel's content: it changes only with the parameters, the history
    and α, not while stepping through the micro-steps of an iteration."""
    s = session.stepper
    updates = s.t + (s.c == s.steps_per_iteration)  # the same after an update and before Z1
    pinned = session.pinned.key if session.pinned else "none"  # pinning redraws the panel
    return (f"{lang}-{s.completed}-{updates}-{viewed_record(s)}-{s.upcoming_learning_rate!r}-"
            f"{len(s.schedule)}-{pinned}")


def training_panel(session: Session, lang: str, t, T: dict, render: Render,
                   keep_controls: bool = False) -> Markup:
    """The training panel (an htmx out-of-band swap target), rendered once per version.
    `keep_controls`: an answer during a run (Train N, Play): the page keeps its own run
    controls and α form (hx-preserve), so a press or a typed value is not lost to the swap."""
    s = session.stepper
    params = s.current_params()
    version = training_version(session, lang)
    cache = render_cache(session)
    return cache.get(("training", version, keep_controls),
                     tuple(params[k] for k in sorted(params)),
                     lambda: render("_training.html", training=training_view(
                         s, cache, (T["train_loss"], T["test_loss"]), raw_inputs(session),
                         pinned_runs(session, t)),
                         sid=session.id, T=T, t=t, version=version,
                         keep_controls=keep_controls))


def pinned_runs(session: Session, t) -> Runs | None:
    """The session's pinned run, ready to be drawn beside it (None without one)."""
    pinned = session.pinned
    if pinned is None:
        return None
    return Runs(pinned, session.config, t, raw_inputs(session, pinned.config))


def raw_inputs(session: Session, config=None) -> Inputs | None:
    """The raw 2-D points behind derived input features (None without them), made once; of
    the session's config, or of `config` (a pinned run's)."""
    config = config or session.config
    if not config.derives:
        return None

    def make() -> Inputs:
        X, Y, _ = raw_data(config)
        X, _, X_test, _ = split(X, Y, config.test_ratio, config.seed)
        return Inputs(X, X_test, tuple(config.features))

    slot = ("raw-inputs",) if config is session.config else ("raw-inputs", config.model_dump_json())
    return render_cache(session).get(slot, (), make)


MAX_KEPT = 32  # versions a page may name in X-Have (one per layer of edges)


def kept_pieces(header: str | None) -> frozenset[str]:
    """The X-Have header: versions of pieces the page shows now (comma separated)."""
    if not header:
        return frozenset()
    return frozenset(v for v in header.split(",", MAX_KEPT)[:MAX_KEPT] if 0 < len(v) <= 32)


def stage_context(session: Session, lang: str, render: Render, error: str | None = None,
                  client_training: str | None = None, have: str | None = None,
                  notice: str | None = None, confirm_lr: dict | None = None,
                  keep_controls: bool = False, brief: bool = False) -> dict:
    """Context for _stage.html. The training panel is included (as an out-of-band swap) only
    when the client's copy, named by `client_training`, is not the current one; pieces of the
    drawing named in `have` (the X-Have header) are kept from the page (see network_view)."""
    t = translator(lang)
    s, view = session.stepper, session.view
    m = s.values["A0"].shape[1]
    if view.example >= m:
        view = session.view = type(view)(**{**view.__dict__, "example": 0})
    under_way = current_example(s)
    if under_way is not None:  # per-example mode: the example being processed is the one shown
        view = type(view)(**{**view.__dict__, "example": under_way})
    neuron = None
    if view.neuron is not None:
        neuron = neuron_view(s, view.neuron[0], view.neuron[1], view.example, view.rows,
                             None if under_way is None else
                             example_values(s.values, under_way, s.spec.depth))
        if neuron is not None:
            neuron["example"] = view.example
            neuron["lines"] = [tex_words(line, lang) for line in neuron["lines"]]
    nxt = s.next_step
    T = strings(lang)
    features = tuple(FEATURES[name].label for name in session.config.features) \
        if session.config.derives else ()
    cache = render_cache(session)
    network = network_view(s, view, t, cache, kept_pieces(have), features)

    def table(key: str, arr) -> Markup:
        slot = ("table", key, view.rows, view.log_scale, view.example, lang)
        return cache.get(slot, (arr,), lambda: matrix_html(matrix_view(key, arr, view, t)))

    def legend(scale: Scale, label: str, element_id: str) -> Markup:
        return cache.get(("legend", scale, label, element_id), (), lambda: render(
            "_legend.html", lg=scale.legend(), label=label, id=element_id))

    derived = session.config.derives
    return {
        "sid": session.id,
        "t": t,
        "T": T,
        "lang": lang,
        "error": error,
        "features_note": t("features_note", labels=", ".join(
            FEATURES[name].label for name in session.config.features)) if derived else None,
        "iteration": s.t + 1,
        "updates": s.t + (s.c == s.steps_per_iteration),
        "step_number": s.c,
        "steps_total": s.steps_per_iteration,
        "phase": s.phase,
        "phase_text": t(f"phase_{s.phase}"),
        "next_name": None if nxt.id == "update" else
        escape(t("rest_next", name="\0")).replace("\0", html_symbol(nxt.id))
        if nxt.rest is not None else html_symbol(nxt.id),
        "loss": None if s.loss is None else num(s.loss),
        "loss_exact": s.loss,
        # Before J is computed the chip shows the previous iteration's loss (iteration t's,
        # 1-based): from the history, so it is that iteration's even when scrubbed back.
        "previous_loss": num(s.losses[s.t - 1]) if 0 < s.t <= s.completed else None,
        "notice": notice,  # what the last move did beyond its name (ran a pass first, …)
        "confirm_lr": confirm_lr,  # α asked for while scrubbed back: what it would discard
        "learning_rate": num(s.upcoming_learning_rate),
        "weight_decay": num(s.spec.weight_decay),
        "m": m,
        "batch_size": s.batch_size,
        "view": view,
        "example_text": example_text(session, view.example),
        "network": network,
        "legends": {
            "nodes": legend(network["node_scale"], T["fill_delta" if network["delta_mode"]
                                                     else "fill_activation"]
                            + f" {network['example'] + 1}", "legend-nodes"),
            "edges": legend(network["edge_scale"], T["edges_w" if not network["edges_grad"]
                                                     else "edges_sum" if network["under_way"]
                                                     is not None else "edges_dw"],
                            "legend-edges"),
        },
        "step": step_view(s, view, lang, t, table),
        "step_extras": step_extras(s, view, t),
        "ufldl": None if s.c == 0 else ufldl_line(s.plan[s.c - 1], s.spec.depth, s.spec.loss,
                                                  bool(s.spec.weight_decay)),
        "n_l": s.spec.depth + 1,
        "moves": move_labels(s, t),
        "under_way": under_way_text(s, t),
        "timeline": cache.get(("timeline", s.c, lang), (), lambda: timeline_view(
            s, t("update"), {k: t(f"step_{k}") for k in ("done", "current", "todo")}, t)),
        "announcement": announcement(s, view, t),
        "neuron": neuron,
        "at_start": s.t == s.base and s.c == 0,
        "brief": brief,  # a chunk of a run: the equation and the neuron panel wait
        "quiz": quiz_panel(session, t),  # quiz mode's switch and score (templates/_quiz.html)
        "training_html": (None if client_training == training_version(session, lang)
                          else training_panel(session, lang, t, T, render, keep_controls)),
    }


def config_link(config) -> str | None:
    """A plain URL that rebuilds this network (generated data only): /?layers=2,2,1&…"""
    if config.dataset is None or config.parameters is not None:
        return None
    fields = config.model_dump(exclude={"data", "parameters"}, exclude_defaults=True)
    fields.setdefault("layers", config.layers)
    fields.setdefault("activations", config.activations)
    query = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in fields.items()}
    return "/?" + urlencode(query, safe=",")


def page_context(session: Session, lang: str, render: Render,
                 form_error: str | None = None) -> dict:
    t = translator(lang)
    return {
        **stage_context(session, lang, render),
        "languages": LANGUAGES,
        "presets": [{"name": p.name, "title": p.title.get(lang, p.title["en"]),
                     "blurb": p.blurb.get(lang, p.blurb["en"])} for p in PRESETS.values()],
        "config": session.config,
        "config_link": config_link(session.config),
        "choices": {"loss": choices(LOSSES, lang), "init": choices(INITIALIZERS, lang),
                    "dataset": choices(DATASETS, lang)},
        "form_error": form_error,
        "feature_choices": [(name, f.label) for name, f in FEATURES.items()],
        "weights_form": weights_text(session.stepper.params_at(session.stepper.base),
                                     session.stepper.spec.depth),
        "t": t,
    }
