"""Training over time: convergence, per-iteration metrics, the test split, charts and the
training controls of the page."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import pytest
from bs4 import BeautifulSoup
from conftest import soup

from app.engine.evaluate import accuracy, forward
from app.schemas import SessionConfig
from app.sessions import build_stepper, split
from app.views.charts import boundary_view, line_chart, png_data_uri, regression_view
from app.views.training import EXPLODING, exploding_loss, symmetric_layers


def stepper_for(**config):
    stepper, _ = build_stepper(SessionConfig(**config))
    return stepper


# -- learning ------------------------------------------------------------------------------
def test_xor_2_4_1_reaches_full_accuracy_and_the_loss_falls():
    s = stepper_for(layers=[2, 4, 1], activations=["tanh", "sigmoid"],
                    loss="binary_cross_entropy", dataset="xor", learning_rate=0.5)
    s.train(500)
    assert s.metrics["accuracy"][-1] == 1.0
    assert s.losses[-1] < 0.02 < 0.6 < s.losses[0]
    # The curve goes down: every block of 50 iterations ends lower than it started.
    blocks = np.array(s.losses).reshape(10, 50)
    assert np.all(blocks[:, -1] < blocks[:, 0])
    out = forward(s.spec, s.current_params(), s.X)[-1]
    assert accuracy(out, s.Y) == 1.0 and np.array_equal((out >= 0.5).astype(int), s.Y)


def test_spiral_is_learned_by_a_larger_network_and_generalises():
    s = stepper_for(layers=[2, 32, 32, 3], activations=["relu", "relu", "softmax"],
                    loss="cross_entropy", dataset="spiral", samples=300, init="he",
                    learning_rate=1.0, test_ratio=0.2)
    s.train(1000)
    assert s.metrics["accuracy"][-1] >= 0.98
    assert s.metrics["test_accuracy"][-1] >= 0.9
    assert s.losses[-1] < 0.05 * s.losses[0]


def test_metrics_follow_every_iteration_and_history_edits():
    s = stepper_for(dataset="circles", layers=[2, 6, 1], activations=["tanh", "sigmoid"],
                    samples=80, test_ratio=0.25)
    s.train(30)
    for name in ("grad_norms", "accuracy", "test_loss", "test_accuracy"):
        assert len(s.metrics[name]) == len(s.losses) == 30
    # ‖dW[l]‖ of the last iteration, recomputed from the values it left behind.
    s.goto(30)
    assert s.metrics["grad_norms"][-1] == pytest.approx(
        [np.linalg.norm(s.values[f"dW{l}"]) for l in (1, 2)], rel=1e-12)
    s.goto(10)
    s.set_learning_rate(0.05)  # history after iteration 10 no longer holds
    assert len(s.losses) == 10 and all(len(v) == 10 for v in s.metrics.values())
    s.reset()
    assert s.losses == [] and all(v == [] for v in s.metrics.values())


def test_test_loss_is_the_loss_of_the_held_out_examples():
    s = stepper_for(dataset="moons", layers=[2, 5, 1], activations=["tanh", "sigmoid"],
                    samples=100, test_ratio=0.3, seed=4)
    s.train(3)
    from app.engine.evaluate import loss
    assert s.metrics["test_loss"][2] == loss(s.spec, s.params_at(2), s.X_test, s.Y_test)


def test_split_is_seeded_disjoint_and_complete():
    X = np.arange(20.0).reshape(2, 10)
    Y = np.arange(10.0)[None, :]
    a = split(X, Y, 0.3, seed=1)
    b = split(X, Y, 0.3, seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert a[2].shape == (2, 3) and a[0].shape == (2, 7)
    assert sorted(np.concatenate([a[1][0], a[3][0]]).tolist()) == list(range(10))
    assert split(X, Y, 0.0, seed=1)[2] is None
    assert not np.array_equal(split(X, Y, 0.3, seed=2)[3], a[3])


def test_zero_initialisation_keeps_hidden_units_identical():
    # AND (unbalanced targets): the weights move, but every hidden unit moves the same way.
    s = stepper_for(layers=[2, 3, 1], activations=["sigmoid", "sigmoid"],
                    loss="binary_cross_entropy", dataset="and", init="zeros", learning_rate=1.0)
    s.train(50)
    w = s.current_params()["W1"]
    assert np.all(w == w[0]) and np.any(w != 0)  # they moved, together
    assert symmetric_layers(s) == [(1, 3)]
    # XOR (balanced targets): Σ dZ[2] = 0 at the start, so with zeros nothing moves at all.
    s = stepper_for(layers=[2, 3, 1], activations=["sigmoid", "sigmoid"],
                    loss="binary_cross_entropy", dataset="xor", init="zeros", learning_rate=1.0)
    s.train(50)
    assert not np.any(s.current_params()["W1"]) and s.losses[-1] == pytest.approx(np.log(2))
    assert symmetric_layers(s) == [(1, 3)]
    assert symmetric_layers(stepper_for()) == []  # xavier breaks the symmetry


# -- charts --------------------------------------------------------------------------------
def test_line_chart_scales_and_downsamples():
    chart = line_chart({"train": [1.0, 0.5, 0.25], "test": [1.2, 0.8, 0.6]})
    points = [tuple(map(float, p.split(","))) for p in chart["lines"][0]["points"].split()]
    assert points[0][1] > points[0][1] - 1 and points[0][1] < points[-1][1] + 1e9
    assert points[0][1] < points[-1][1]  # larger loss drawn higher (smaller y)
    assert [t["label"] for t in chart["x_ticks"]][0] == "1"
    long = list(np.exp(-np.arange(10_000) / 1000.0))
    long[5000] = 5.0  # a spike must survive the downsampling
    chart = line_chart({"train": long})
    assert len(chart["lines"][0]["points"].split()) <= 400
    assert '"rows"' in chart["hover"] and "5.0" in chart["hover"]
    assert line_chart({"train": []}) is None


def _png_pixels(uri: str) -> tuple[int, int, bytes]:
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
    return width, height, zlib.decompress(idat)


def test_png_heatmap_holds_the_given_pixels():
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 0] = (255, 0, 0)
    img[1, 2] = (0, 0, 255)
    w, h, raw = _png_pixels(png_data_uri(img))
    assert (w, h) == (3, 2)
    assert raw[1:4] == b"\xff\x00\x00" and raw[-3:] == b"\x00\x00\xff"


def test_boundary_colours_follow_the_prediction():
    s = stepper_for(layers=[2, 4, 1], activations=["tanh", "sigmoid"],
                    loss="binary_cross_entropy", dataset="xor", learning_rate=0.5)
    s.train(500)
    view = boundary_view(s, s.current_params(), s.X, np.array([0, 1, 1, 0]), resolution=20)
    w, h, raw = _png_pixels(view["src"])
    assert (w, h) == (20, 20)
    pixels = np.frombuffer(raw, np.uint8).reshape(20, 61)[:, 1:].reshape(20, 20, 3)
    # Near (0, 1) — top left of the plane — XOR is 1: blue; near (0, 0) — bottom left — orange.
    top_left, bottom_left = pixels[1, 1].astype(int), pixels[-2, 1].astype(int)
    assert top_left[2] > top_left[0] and bottom_left[0] > bottom_left[2]
    assert len(view["points"]) == 4 and len(view["hidden"]) == 4


def test_regression_view_draws_the_fit_over_the_data():
    s = stepper_for(layers=[1, 8, 1], activations=["tanh", "linear"], loss="squared_error",
                    dataset="sine", samples=30, learning_rate=0.1)
    view = regression_view(s, s.current_params(), s.X, s.Y)
    assert len(view["curve"].split()) == 120 and len(view["points"]) == 30


# -- the page ------------------------------------------------------------------------------
@pytest.fixture
def sid(client):
    client.get("/?lang=en")
    client.post("/ui/new", data={"layers": "2,6,1", "activations": "tanh,sigmoid",
                                 "loss": "binary_cross_entropy", "init": "xavier",
                                 "dataset": "circles", "samples": "60", "learning_rate": "0.5"})
    return client.cookies.get("bs_session")


def test_train_goto_and_learning_rate_through_the_page(client, app, sid):
    html = soup(client.post(f"/ui/{sid}/train", data={"iterations": "25"}))
    assert html.select_one("#training")["data-completed"] == "25"
    assert html.select_one("#scrub")["max"] == "25"
    assert html.select_one("#loss-chart polyline.series")
    assert html.select_one("#boundary image")["href"].startswith("data:image/png;base64,")
    assert len(html.select("#boundary use.train")) == 60  # one marker per example
    assert html.select_one("#accuracy").text.endswith("%")
    html = soup(client.post(f"/ui/{sid}/goto", data={"iteration": "7"}))
    assert html.select_one("#stage")["data-iteration"] == "7"  # iteration 7 shown, complete
    assert html.select_one("#stage")["data-phase"] == "update"
    assert html.select_one("#scrub")["value"] == "7"
    # Scrubbed back, α asks first: the 18 later iterations would be discarded.
    html = soup(client.post(f"/ui/{sid}/lr", data={"learning_rate": "0.05"}))
    assert html.select_one("#lr-confirm-text").text == (
        "Set α = 0.05 from iteration 8 on? The history holds 25 iterations; the 18 from "
        "iteration 8 to 25 were trained with the old α and will be discarded.")
    assert app.state.store.get(sid).stepper.completed == 25  # nothing changed yet
    assert app.state.store.get(sid).stepper.upcoming_learning_rate == 0.5
    html = soup(client.post(f"/ui/{sid}/lr", data={"learning_rate": "0.05", "discard": "true"}))
    assert html.select_one("#lr-input")["value"] == "0.05"
    assert html.select_one("#training")["data-completed"] == "7"  # later history dropped
    assert html.select_one("#stage-notice").text == (
        "α = 0.05 from iteration 8 on: the 18 later iterations (8–25) were discarded from the "
        "history.")
    html = soup(client.post(f"/ui/{sid}/lr", data={"learning_rate": "-3"}))
    assert "learning_rate" in html.select_one("#stage-error").text
    assert app.state.store.get(sid).stepper.upcoming_learning_rate == 0.05


def test_regression_shows_a_fit_and_zero_init_shows_the_symmetry_note(client):
    client.get("/?lang=en")
    client.post("/ui/new", data={"preset": "sine"})
    sid = client.cookies.get("bs_session")
    html = soup(client.post(f"/ui/{sid}/train", data={"iterations": "5"}))
    assert html.select_one("#fit polyline") and not html.select_one("#boundary")
    client.post("/ui/new", data={"preset": "symmetry"})
    sid = client.cookies.get("bs_session")
    html = soup(client.post(f"/ui/{sid}/train", data={"iterations": "20"}))
    note = html.select_one(".note.symmetry").text
    assert "3 units of layer 1" in note and "identical" in note


def test_overflowing_parameters_are_reported_not_drawn():
    s = stepper_for(layers=[1, 8, 1], activations=["relu", "linear"], loss="squared_error",
                    dataset="sine", samples=20)
    huge = {k: v * 1e305 for k, v in s.current_params().items()}
    assert regression_view(s, huge, s.X, s.Y)["overflow"] is True
    s2 = stepper_for(layers=[2, 3, 1], activations=["relu", "linear"], loss="squared_error",
                     dataset="xor")
    huge = {k: np.full_like(v, 1e200) for k, v in s2.current_params().items()}
    assert boundary_view(s2, huge, s2.X, np.array([0, 1, 1, 0]))["overflow"] is True
    assert boundary_view(s2, s2.current_params(), s2.X, np.array([0, 1, 1, 0]))[
        "overflow"] is False


def test_a_loss_far_above_its_lowest_is_called_exploding():
    assert exploding_loss([]) is None and exploding_loss([5.0]) is None
    assert exploding_loss([0.7, 0.5, 0.3, 0.31]) is None  # a wobble is not a blow-up
    assert exploding_loss([0.7, 0.3, EXPLODING * 0.3]) is None  # at the bound: not yet
    warned = exploding_loss([0.7, 0.3, 400.0, 8.866e184])
    assert warned == {"now": "8.866e184", "low": "0.3", "at": 2, "times": "3e185"}
    assert exploding_loss([0.5, 0.0, 1e-4]) is None  # from an exact fit, tiny is fine
    assert exploding_loss([0.5, 0.0, 1.0])["times"] == "∞"


def test_a_too_large_learning_rate_shows_the_warning_in_the_panel(client):
    client.get("/?layers=1,16,16,1&activations=relu,relu,linear&loss=squared_error"
               "&dataset=sine&learning_rate=50&init=he&lang=en")
    sid = client.cookies.get("bs_session")
    html = BeautifulSoup(client.post(f"/ui/{sid}/train", data={"iterations": "6"}).text,
                         "html.parser")
    warning = html.select_one("#training #loss-warning")
    assert warning is not None and "α = 50" in warning.text and "blowing up" in warning.text
    calm = BeautifulSoup(client.get("/?preset=xor&lang=en").text, "html.parser")
    assert calm.select_one("#loss-warning") is None
