"""Derived input features (TensorFlow Playground's x₁², x₂², x₁x₂, sin x): the rows of X against
their formulas, the input layer that follows them, circles solved with no hidden layer, the
export that keeps the raw points, and the plane drawn over the raw points."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.features import FEATURES, derive
from app.schemas import SessionConfig
from app.sessions import build_stepper
from app.views.cache import render_cache

API = "/api/sessions"
ALL = list(FEATURES)


def test_every_feature_row_is_its_formula():
    points = np.array([[0.5, -1.25, 2.0], [3.0, 0.25, -0.75]])
    rows = derive(ALL, points)
    x1, x2 = points
    expected = [x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)]
    np.testing.assert_array_equal(rows, np.vstack(expected))


def test_the_state_holds_the_derived_rows_and_the_input_layer_follows(client):
    body = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "dataset": "moons",
            "samples": 12, "seed": 1, "features": ["x1", "x1_x2", "sin_x2"]}
    state = client.post(API, json=body).json()
    assert state["config"]["layers"] == [3, 4, 1]
    assert np.shape(state["layers"][0]["W"]) == (4, 3)
    raw = build_stepper(SessionConfig(**{**body, "features": ["x1", "x2"]}))[0].X
    np.testing.assert_allclose(state["X"], np.vstack([raw[0], raw[0] * raw[1], np.sin(raw[1])]),
                               rtol=1e-15)


@pytest.mark.parametrize("dataset", ["sine", "random"])
def test_features_need_2d_points(client, dataset):
    response = client.post(API, json={"dataset": dataset, "features": ["x1_squared"],
                                      "layers": [1, 1], "activations": ["sigmoid"]})
    assert response.status_code == 422 and "features" in response.text


def test_circles_are_solved_with_no_hidden_layer_once_the_squares_are_on():
    config = dict(layers=[2, 1], activations=["sigmoid"], dataset="circles", samples=60,
                  learning_rate=1.0, seed=2)
    plain, _ = build_stepper(SessionConfig(**config))
    squares, _ = build_stepper(SessionConfig(**config, features=["x1_squared", "x2_squared"]))
    for stepper in (plain, squares):
        stepper.train(1500)
    assert squares.metrics["accuracy"][-1] == 1.0
    assert plain.metrics["accuracy"][-1] < 0.8  # a line cannot separate two rings


def test_export_keeps_the_raw_points_and_imports_to_the_same_numbers(client):
    body = {"layers": [2, 3, 1], "activations": ["relu", "sigmoid"], "dataset": "circles",
            "samples": 20, "test_ratio": 0.25, "seed": 4, "features": ["x1_squared", "x2"]}
    sid = client.post(API, json=body).json()["id"]
    client.post(f"{API}/{sid}/train", json={"iterations": 3})
    doc = client.get(f"{API}/{sid}/export").json()
    assert all(len(row) == 2 for row in doc["config"]["data"]["X"])  # x1, x2: the raw point
    imported = client.post(f"{API}/import", json=doc)
    assert imported.status_code == 201, imported.text
    original = client.post(f"{API}/{sid}/iterate").json()
    again = client.post(f"{API}/{imported.json()['id']}/iterate").json()
    assert again["loss"] == original["loss"]
    np.testing.assert_array_equal(again["X"], original["X"])


def test_the_plane_is_drawn_over_the_raw_points(client):
    from app.views.page import raw_inputs
    from app.views.training import training_view

    config = SessionConfig(layers=[2, 1], activations=["sigmoid"], dataset="circles",
                           samples=40, seed=2, features=["x1_squared", "x2_squared"])
    app = client.app
    session = app.state.store.create(config)
    with app.state.store.checkout(session.id) as held:
        inputs = raw_inputs(held)
        assert inputs is not None and inputs.X.shape == (2, 40)
        view = training_view(held.stepper, render_cache(held), inputs=inputs)
    plot = view["plot"]
    assert plot is not None and not plot["overflow"]
    x1_lo, x1_hi = (float(v.replace("−", "-")) for v in plot["box"][:2])
    assert x1_lo < -0.5 < 0.5 < x1_hi  # the raw x1 axis, not x1² (which is never negative)
