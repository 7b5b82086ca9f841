"""The training panel and its charts: what the page prints after any number of iterations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..engine import Stepper
from ..engine.evaluate import forward, predicted_classes
from ..engine.features import derive
from ..pinned import PinnedRun, params_at, rebuild
from ..schemas import SessionConfig
from ..sessions import build_stepper
from .cache import RenderCache
from .charts import boundary_data, boundary_plot, line_chart, regression_view
from .fmt import num
from .i18n import term, translator

TRAIN_CHOICES = (1, 10, 100, 1000)
SPEEDS = (1, 5, 20, 100)


def symmetric_layers(stepper: Stepper) -> list[tuple[int, int]]:
    """(layer, units) of every hidden layer of ≥ 2 units whose units are all identical."""
    params = stepper.current_params()
    out = []
    for l in range(1, stepper.spec.depth):
        w, b = params[f"W{l}"], params[f"b{l}"]
        w_next = params[f"W{l + 1}"]
        if w.shape[0] < 2 or w[1, 0] != w[0, 0]:  # the usual case, told by one weight
            continue
        if np.all(w == w[0]) and np.all(b == b[0]) and np.all(w_next == w_next[:, :1]):
            out.append((l, w.shape[0]))
    return out


def still_weights(stepper: Stepper) -> dict | None:
    """When every ‖dW[l]‖ has been exactly 0 at every iteration so far: how many, and (when the
    reason is the one of zero initialisation) the numbers that say why nothing can ever move."""
    norms = stepper.metrics["grad_norms"]
    if not norms or any(any(row) for row in norms):
        return None
    out: dict = {"n": len(norms), "why": None}
    spec, params = stepper.spec, stepper.current_params()
    if spec.depth < 2 or any(np.any(params[f"W{l}"]) for l in range(1, spec.depth + 1)):
        return out
    acts = forward(spec, params, stepper.X)
    last_in, a = acts[-2], acts[-1]
    # Every W is 0: δ going back through W is 0 below the output, so dW and db are 0 there.
    # The output's inputs are the same for every example, so dW[L] = mean(a − y) · that
    # constant and db[L] = mean(a − y): both 0 when the errors cancel. Then nothing ever moves.
    if np.all(last_in == last_in[:, :1]) and np.all(a == a[:, :1]) and \
            abs(float(np.sum(a - stepper.Y))) < 1e-12:
        out["why"] = {"a": num(float(a[0, 0])), "L": spec.depth}
    return out


def vanishing(stepper: Stepper) -> dict | None:
    """The iteration where ‖dW[1]‖ was smallest next to ‖dW[L]‖, if ≥ VANISHING times smaller
    (networks of two hidden layers or more)."""
    norms = stepper.metrics["grad_norms"]
    if stepper.spec.depth < 3 or not norms:
        return None
    table = np.array(norms, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(table[:, 0] > 0, table[:, -1] / table[:, 0], 0.0)
    ratios[~np.isfinite(ratios)] = 0.0
    at = int(np.argmax(ratios))
    if not ratios[at] >= VANISHING:
        return None
    sigmoid = all(g == "sigmoid" for g in stepper.spec.activations[:-1])
    return {"at": at + 1, "first": num(table[at, 0], 2), "last": num(table[at, -1], 2),
            "times": f"{ratios[at]:.0f}", "L": stepper.spec.depth, "sigmoid": sigmoid}


VANISHING = 100
PLATEAU_WINDOW, PLATEAU_CHANGE = 100, 1e-2


def plateau(stepper: Stepper) -> dict | None:
    """A classifier short of 100 % accuracy whose loss changed by less than PLATEAU_CHANGE
    (relative) over the last PLATEAU_WINDOW iterations: the numbers for the note."""
    losses, accuracy = stepper.losses, stepper.metrics.get("accuracy", [])
    if len(losses) < PLATEAU_WINDOW or not accuracy or accuracy[-1] >= 1.0:
        return None
    window = losses[-PLATEAU_WINDOW:]
    change = max(window) - min(window)
    if not change <= PLATEAU_CHANGE * abs(window[-1]):
        return None
    return {"n": PLATEAU_WINDOW, "J": num(window[-1]), "acc": f"{100 * accuracy[-1]:.1f}%"}


EXPLODING = 1e3  # the loss this many times its lowest so far: the learner is warned


def exploding_loss(losses: list[float]) -> dict | None:
    """The loss now, if it is EXPLODING times its lowest so far (a learning rate too large for
    this network, usually; a lowest of ~0 counts as 1e-6): the numbers for the warning."""
    if len(losses) < 2:
        return None
    low = min(range(len(losses)), key=losses.__getitem__)
    now = losses[-1]
    if not now > EXPLODING * max(losses[low], 1e-6):
        return None
    return {"now": num(now), "low": num(losses[low]), "at": low + 1,
            "times": num(now / losses[low], 2) if losses[low] > 0 else "∞"}


def _metric_text(series: list, k: int) -> str | None:
    """Iteration k's value (1-based) as a percentage, None without one."""
    return None if len(series) < k or k < 1 else f"{100 * series[k - 1]:.1f}%"


def viewed_record(stepper: Stepper) -> int:
    """The iteration (1-based) whose recorded numbers go with what the page shows: the one
    being viewed (iteration t + 1), or the last completed one while that is still running;
    0 before any. Stepping through the iterations at the end of the history keeps it at
    `completed`, so the training panel is not redrawn at each of them."""
    return min(stepper.t + 1, stepper.completed)


def ran_first_text(passes: list[str], stepper: Stepper, lang: str) -> str | None:
    """The sentence that says which passes a move ran first (actions.perform), or None."""
    if not passes:
        return None
    key = {("forward",): "ran_forward", ("backward",): "ran_backward"}.get(
        tuple(passes), "ran_forward_backward")
    return translator(lang)(key, k=stepper.t + 1)


def _grad_series(grad_norms: list, depth: int) -> dict:
    """‖dW[l]‖ per layer over the iterations, as columns of one array."""
    if not grad_norms:
        return {f"dW[{l}]": [] for l in range(1, depth + 1)}
    norms = np.fromiter(itertools.chain.from_iterable(grad_norms), float,
                        count=len(grad_norms) * depth).reshape(-1, depth)
    return {f"dW[{l}]": norms[:, l - 1] for l in range(1, depth + 1)}


@dataclass(frozen=True)
class Inputs:
    """Raw 2-D points (2, m) of the training and test sets, and the features derived from
    them that the input layer sees."""

    X: np.ndarray
    X_test: np.ndarray | None
    features: tuple[str, ...]


def _plot(s: Stepper, params, inputs: Inputs | None, cache: RenderCache, slot: tuple):
    """The output plane (2-D inputs) or the fitted curve of run `s` at `params`; the drawn data
    are made once per run under cache `slot`. `inputs`: the raw points behind derived features."""
    X, X_test = (inputs.X, inputs.X_test) if inputs else (s.X, s.X_test)

    def make_data():  # the grid, the box and the drawn data points: the same at every update
        train_labels = predicted_classes(s.Y)
        test_labels = predicted_classes(s.Y_test) if s.Y_test is not None else None
        data = boundary_data(X, train_labels, test_X=X_test, test_labels=test_labels)
        if inputs:  # the network reads the features of each grid point
            data["grid"] = derive(inputs.features, data["grid"])
        return data

    if s.classification:
        if X.shape[0] != 2:
            return None
        data = cache.get(slot, (X, s.Y, X_test, s.Y_test), make_data)
        return boundary_plot(s, params, data)
    return regression_view(s, params, s.X, s.Y, s.X_test, s.Y_test)


def training_view(stepper: Stepper, cache: RenderCache,
                  loss_names: tuple[str, str] = ("train", "test"),
                  inputs: Inputs | None = None, runs: Runs | None = None) -> dict:
    """Counters, the charts (cached per parameters: stepping inside an iteration is free).
    `loss_names` name the train and test loss series (hover and tooltips) in the page's
    language; `inputs` gives the raw 2-D points and the features derived from them, when the
    input layer sees derived features (the plane is drawn over the raw points); `runs`, a
    pinned run to draw beside this one."""
    s = stepper
    params = s.current_params()
    metrics = s.metrics
    keys = [params[k] for k in sorted(params)]
    train_name, test_name = loss_names
    k = viewed_record(s)
    marker = k or None
    if runs is None:
        loss = line_chart({train_name: s.losses, test_name: metrics.get("test_loss", [])},
                          marker=marker, labelledby="loss-chart-title loss-chart-summary")
        accuracy_chart = None
    else:
        loss, accuracy_chart = two_run_charts(s, runs, loss_names, marker)
    grads = line_chart(_grad_series(metrics["grad_norms"], s.spec.depth), log=True,
                       marker=marker, labelledby="grad-chart-title grad-chart-summary")
    classification = s.classification
    plot = cache.get(("plot",), keys, lambda: _plot(s, params, inputs, cache, ("plot-data",)))
    exploding = exploding_loss(s.losses)
    updates = s.t + (s.c == s.steps_per_iteration)
    return {
        "completed": s.completed,
        "updates": updates,
        "learning_rate": s.upcoming_learning_rate,
        "loss_chart": loss,
        "accuracy_chart": accuracy_chart,
        "grad_chart": grads,
        # The header's numbers are iteration k's: the viewed one when scrubbed back.
        "record": k,
        "viewing": 0 < k < s.completed,
        "accuracy": _metric_text(metrics.get("accuracy", []), k),
        "test_accuracy": _metric_text(metrics.get("test_accuracy", []), k),
        "last_loss": num(s.losses[k - 1]) if k else None,
        "last_test_loss": num(metrics["test_loss"][k - 1]) if k and metrics.get("test_loss")
        else None,
        "earliest": s.base,
        # Iterations of history after the parameters shown: what setting α now discards.
        "later": s.completed - updates,
        "plot": plot,
        "plot_kind": None if plot is None else ("boundary" if classification else "fit"),
        "symmetric": symmetric_layers(s),
        "still": still_weights(s),
        "vanishing": vanishing(s),
        "plateau": plateau(s),
        "zero_series": [f"dW[{l}]" for l in range(1, s.spec.depth + 1)
                        if metrics["grad_norms"] and not any(row[l - 1] for row in
                                                             metrics["grad_norms"])],
        "exploding": exploding and {**exploding, "lr": num(s.upcoming_learning_rate)},
        "train_choices": TRAIN_CHOICES,
        "speeds": SPEEDS,
        "has_test": s.X_test is not None,
        "pinned": None if runs is None else pinned_view(s, runs, cache, updates, k, plot),
    }


# -- a pinned run beside this one ----------------------------------------------------------
@dataclass(frozen=True)
class Runs:
    """A pinned run to draw beside the current one: the pin, the current run's config (to say
    what differs), the translator of the page's language, the pinned run's raw 2-D points
    behind derived features (None without them)."""

    pinned: PinnedRun
    config: SessionConfig
    t: object
    pinned_inputs: Inputs | None = None


@dataclass(frozen=True)
class Difference:
    """One setting in which two runs differ: `field` (an i18n key's suffix), each run's value
    as text."""

    field: str
    pinned: str
    current: str


def _alpha_text(schedule) -> str:
    alphas = [num(a) for _, a in schedule]
    return "→".join(alphas if len(alphas) <= 3 else [alphas[0], "…", alphas[-1]])


INIT_NAMES = {"xavier": "Xavier", "he": "He", "normal": "normal", "uniform": "uniform",
              "constant": "constant", "zeros": "zeros"}


def differences(pinned: PinnedRun, config: SessionConfig, schedule) -> list[Difference]:
    """What tells the two runs apart, in the order a learner changes them: init, activations,
    α (its whole schedule), λ and the penalty, layers, inputs, data, batch, seed."""
    a, b = pinned.config, config

    def text(c: SessionConfig, name: str) -> str:
        value = getattr(c, name)
        if name == "init":
            return INIT_NAMES.get(value, value) + (f" {c.init_scale:g}" if value in (
                "normal", "uniform", "constant") else "")
        if isinstance(value, list):
            return ",".join(map(str, value))
        return "—" if value is None else str(value)

    out = []
    for name in ("init", "activations"):
        if text(a, name) != text(b, name):
            out.append(Difference(name, text(a, name), text(b, name)))
    if _alpha_text(pinned.schedule) != _alpha_text(schedule):
        out.append(Difference("learning_rate", _alpha_text(pinned.schedule),
                              _alpha_text(schedule)))
    for name in ("weight_decay", "regularization", "layers", "features", "loss", "dataset",
                 "samples", "noise", "batch_size", "seed", "test_ratio", "gradient_mode"):
        if text(a, name) != text(b, name):
            out.append(Difference(name, text(a, name), text(b, name)))
    if not out and (a.data != b.data or a.parameters != b.parameters):
        out.append(Difference("given", "", ""))
    return out


# Each run keeps its look on every chart: the current run's train and test series are s0 and
# s1 (blue solid ●, orange dashed ■), the pinned run's s2 and s3 (green dotted ▲, purple
# dash-dot ◆), so colour, dash and marker all tell the runs apart.
CURRENT_LOOKS, PINNED_LOOKS = (0, 1), (2, 3)
DIFFERENCES_NAMED = 2  # a run's name lists at most this many of the settings that differ


def run_names(runs: Runs, schedule) -> tuple[str, str]:
    """("pinned (init zeros)", "current (init Xavier)") in the page's language: each run by the
    settings in which they differ."""
    t = runs.t
    lang = getattr(t, "lang", "en")
    diffs = differences(runs.pinned, runs.config, schedule)

    def value(text: str) -> str:
        return ",".join(term(v, lang) or v for v in text.split(","))

    def said(side: str) -> str:
        parts = [t(f"diff_{d.field}", value=value(getattr(d, side)))
                 for d in diffs[:DIFFERENCES_NAMED]]
        if len(diffs) > DIFFERENCES_NAMED:
            parts.append("…")
        return t(f"run_{side}") + (f" ({', '.join(parts)})" if parts else "")

    return said("pinned"), said("current")


def two_run_charts(s: Stepper, runs: Runs, loss_names: tuple[str, str], marker):
    """The loss chart and the accuracy chart (in %, classifiers) with both runs' train and test
    series on the same axes."""
    pinned_name, current_name = run_names(runs, s.schedule)
    curves = runs.pinned.curves
    train, test = loss_names

    def both(current: dict, pinned: dict, scale: float = 1.0):
        series, styles, owner = {}, {}, {}
        for run, name, looks, data in (("current", current_name, CURRENT_LOOKS, current),
                                       ("pinned", pinned_name, PINNED_LOOKS, pinned)):
            for look, (split, values) in zip(looks, data.items(), strict=True):
                if values is None or not len(values):
                    continue
                label = f"{name} · {split}" if split else name
                series[label] = np.asarray(values, dtype=float) * scale
                styles[label], owner[label] = look, run
        return series, styles, owner

    has_test = s.X_test is not None or "test_loss" in curves
    splits = (train, test) if has_test else ("", None)
    series, styles, owner = both(
        dict(zip(splits, (s.losses, s.metrics.get("test_loss")), strict=True)),
        dict(zip(splits, (curves["loss"], curves.get("test_loss")), strict=True)))
    loss = line_chart(series, marker=marker, styles=styles, runs=owner,
                      labelledby="loss-chart-title loss-chart-summary")
    accuracy = None
    if s.classification or "accuracy" in curves:
        series, styles, owner = both(
            dict(zip(splits, (s.metrics.get("accuracy"), s.metrics.get("test_accuracy")),
                     strict=True)),
            dict(zip(splits, (curves.get("accuracy"), curves.get("test_accuracy")),
                     strict=True)), 100.0)
        accuracy = line_chart(series, marker=marker, styles=styles, runs=owner,
                              labelledby="accuracy-chart-title accuracy-chart-summary")
    return loss, accuracy


def pinned_view(s: Stepper, runs: Runs, cache: RenderCache, updates: int, k: int,
                plot) -> dict:
    """What the page says of the pinned run, and its drawing next to the current run's at the
    same point: after `updates` updates (its last, if it stopped sooner), iteration k's numbers.
    The pinned run's parameters there are made again by replaying its config (app/pinned.py),
    the replaying stepper kept in the cache so that moving on replays only a few iterations."""
    pinned = runs.pinned
    pinned_name, current_name = run_names(runs, s.schedule)
    stepper = cache.get(("pinned-run", pinned.key), (), lambda: rebuild(pinned, build_stepper))
    at = min(updates, pinned.completed)
    compare = None
    if at >= stepper.base:
        params = params_at(stepper, at)
        pinned_plot = cache.get(("pinned-plot", pinned.key, at), (), lambda: _plot(
            stepper, params, runs.pinned_inputs, cache, ("pinned-data", pinned.key)))
        if pinned_plot is not None and plot is not None and \
                stepper.classification == s.classification:
            compare = {"pinned": pinned_plot, "current": plot, "at": at,
                       "pinned_numbers": _numbers(pinned.curves, min(k, pinned.completed)),
                       "current_numbers": _numbers({"loss": s.losses, **s.metrics}, k),
                       "kind": "boundary" if s.classification else "fit",
                       "short": at < updates}
    return {"name": pinned_name, "current_name": current_name,
            "completed": pinned.completed, "compare": compare, "k": k}


def _numbers(curves: dict, k: int) -> dict | None:
    """J and accuracy (train, test where kept) of iteration k (1-based) as text."""
    if k < 1:
        return None
    out = {"k": k, "J": num(curves["loss"][k - 1])}
    for name in ("accuracy", "test_loss", "test_accuracy"):
        series = curves.get(name)
        if series is not None and len(series) >= k:
            out[name] = (f"{100 * series[k - 1]:.1f}%" if "accuracy" in name
                         else num(series[k - 1]))
    return out
