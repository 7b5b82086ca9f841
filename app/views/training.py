"""The training panel and its charts: what the page prints after any number of iterations."""

from __future__ import annotations

import itertools

import numpy as np

from ..engine import Stepper
from ..engine.evaluate import predicted_classes
from .cache import RenderCache
from .charts import boundary_data, boundary_plot, line_chart, regression_view
from .fmt import num

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


def _metric_text(series: list) -> str | None:
    return None if not series else f"{100 * series[-1]:.1f}%"


def _grad_series(grad_norms: list, depth: int) -> dict:
    """‖dW[l]‖ per layer over the iterations, as columns of one array."""
    if not grad_norms:
        return {f"dW[{l}]": [] for l in range(1, depth + 1)}
    norms = np.fromiter(itertools.chain.from_iterable(grad_norms), float,
                        count=len(grad_norms) * depth).reshape(-1, depth)
    return {f"dW[{l}]": norms[:, l - 1] for l in range(1, depth + 1)}


def training_view(stepper: Stepper, cache: RenderCache,
                  loss_names: tuple[str, str] = ("train", "test")) -> dict:
    """Counters, the charts (cached per parameters: stepping inside an iteration is free).
    `loss_names` name the train and test loss series (hover and tooltips) in the page's
    language."""
    s = stepper
    params = s.current_params()
    metrics = s.metrics
    keys = [params[k] for k in sorted(params)]
    train_name, test_name = loss_names
    loss = line_chart({train_name: s.losses, test_name: metrics.get("test_loss", [])},
                      labelledby="loss-chart-title loss-chart-summary")
    grads = line_chart(_grad_series(metrics["grad_norms"], s.spec.depth), log=True,
                       labelledby="grad-chart-title grad-chart-summary")
    classification = s.classification

    def make_data():  # the grid, the box and the drawn data points: the same at every update
        train_labels = predicted_classes(s.Y)
        test_labels = predicted_classes(s.Y_test) if s.Y_test is not None else None
        return boundary_data(s.X, train_labels, test_X=s.X_test, test_labels=test_labels)

    def make_plot():
        if classification:
            if s.spec.layers[0] != 2:
                return None
            data = cache.get(("plot-data",), (s.X, s.Y, s.X_test, s.Y_test), make_data)
            return boundary_plot(s, params, data)
        return regression_view(s, params, s.X, s.Y, s.X_test, s.Y_test)

    plot = cache.get(("plot",), keys, make_plot)
    exploding = exploding_loss(s.losses)
    return {
        "completed": s.completed,
        "updates": s.t + (s.c == s.steps_per_iteration),
        "learning_rate": s.upcoming_learning_rate,
        "loss_chart": loss,
        "grad_chart": grads,
        "accuracy": _metric_text(metrics.get("accuracy", [])),
        "test_accuracy": _metric_text(metrics.get("test_accuracy", [])),
        "last_loss": num(s.losses[-1]) if s.losses else None,
        "last_test_loss": num(metrics["test_loss"][-1]) if metrics.get("test_loss") else None,
        "plot": plot,
        "plot_kind": None if plot is None else ("boundary" if classification else "fit"),
        "symmetric": symmetric_layers(s),
        "exploding": exploding and {**exploding, "lr": num(s.upcoming_learning_rate)},
        "train_choices": TRAIN_CHOICES,
        "speeds": SPEEDS,
        "has_test": s.X_test is not None,
    }
