"""Runs side by side: pin a run, build or train another, and both runs' curves share the charts'
axes with the engine's own numbers; their drawings compared after the same number of updates;
unpinning; the pin kept by the store, in a share link and in the history API."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from app.main import create_app
from app.pinned import pin, rebuild
from app.schemas import SessionConfig
from app.sessions import build_stepper
from app.settings import Settings
from app.store import codec
from app.views.charts import boundary_view

XOR = {"layers": "2, 4, 1", "activations": "tanh, sigmoid", "loss": "binary_cross_entropy",
       "dataset": "xor", "learning_rate": "0.5"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def build(client, lang: str = "en", **fields) -> str:
    """A network from the setup form (as the page's Build does); its session id."""
    response = client.post(f"/ui/new?lang={lang}", data={**XOR, **fields})
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/"
    return re.search(r"bs_session=([^;]+)", response.headers["set-cookie"]).group(1)


def engine_run(client, sid: str, iterations: int):
    """The same run made by the engine alone from the session's config: (stepper, config)."""
    config = SessionConfig(**client.get(f"/api/sessions/{sid}").json()["config"])
    stepper, _ = build_stepper(config)
    stepper.train(iterations)
    return stepper, config


def hover(html: BeautifulSoup, chart: str) -> dict:
    """A line chart's hover data: series names and [iteration, value per series] rows."""
    return json.loads(html.select_one(f"#{chart} svg.line-chart")["data-hover"])


def column(data: dict, name: str) -> list:
    k = data["names"].index(name)
    return [row[1 + k] for row in data["rows"]]


def zeros_then_xavier(client, lang: str = "en") -> tuple[str, str]:
    """The classic comparison: zero initialisation, 30 iterations, pinned; then Xavier, 20."""
    client.get(f"/?lang={lang}")
    zeros = build(client, lang, init="zeros")
    client.post(f"/ui/{zeros}/train", data={"iterations": 30})
    assert client.post(f"/ui/{zeros}/pin").status_code == 200
    xavier = build(client, lang, init="xavier")
    client.post(f"/ui/{xavier}/train", data={"iterations": 20})
    return zeros, xavier


def test_both_runs_curves_share_the_axes_with_the_engines_numbers(client):
    zeros, xavier = zeros_then_xavier(client)
    html = soup(client.get("/?lang=en"))
    pinned_engine, _ = engine_run(client, zeros, 30)
    current_engine, _ = engine_run(client, xavier, 20)
    # Zero init: every hidden unit the same, J stuck at ln 2; Xavier: J falls.
    assert pinned_engine.losses[-1] == pytest.approx(np.log(2), abs=1e-12)
    assert current_engine.losses[-1] < pinned_engine.losses[-1] - 0.01

    lines = html.select("#loss-chart polyline.series")
    assert [(p["data-name"], p["data-run"], p["class"][1]) for p in lines] == [
        ("current (init Xavier)", "current", "s0"), ("pinned (init zeros)", "pinned", "s2")]
    loss = hover(html, "loss-chart")
    assert loss["n"] == 30  # the x axis runs to the longer run's last iteration
    assert column(loss, "pinned (init zeros)") == pinned_engine.losses
    assert column(loss, "current (init Xavier)") == current_engine.losses + [None] * 10
    accuracy = hover(html, "accuracy-chart")
    assert column(accuracy, "pinned (init zeros)") == [
        100 * a for a in pinned_engine.metrics["accuracy"]]
    assert column(accuracy, "current (init Xavier)")[:20] == [
        100 * a for a in current_engine.metrics["accuracy"]]
    # Both in the legend, each after a sample of its own line and marker.
    keys = html.select("#loss-chart .keys .key")
    assert [k.get_text() for k in keys] == ["current (init Xavier)", "pinned (init zeros)"]
    assert [k.select_one("line")["class"][1] for k in keys] == ["s0", "s2"]
    assert keys[1].select_one("path.end.s2")  # the pinned run's triangle
    note = html.select_one("#pinned-note").get_text()
    assert note == ("Pinned run: pinned (init zeros), 30 iterations. Its curves are drawn "
                    "beside this run's (current (init Xavier)).")


def test_the_compare_view_replays_the_pinned_run_to_the_viewed_iteration(client):
    zeros, xavier = zeros_then_xavier(client)
    client.post(f"/ui/{xavier}/goto", data={"iteration": 12})
    html = soup(client.get("/?lang=en"))
    compare = html.select_one("#compare")
    assert compare.select_one("h3").get_text() == "Both runs after 12 updates"
    # The pinned run's plane after 12 updates, made by the engine alone: the same image.
    stepper, _ = engine_run(client, zeros, 12)
    expected = boundary_view(stepper, stepper.current_params(), stepper.X, stepper.Y[0])
    image = compare.select_one("#compare-pinned image")["href"]
    assert image == expected["src"]
    current, _ = engine_run(client, xavier, 12)
    mine = boundary_view(current, current.current_params(), current.X, current.Y[0])
    assert compare.select_one("#compare-current image")["href"] == mine["src"] != image
    numbers = compare.select_one("#compare-pinned .run-numbers").get_text()
    assert numbers == "iteration 12: J = 0.6931 · accuracy 50.0%"
    assert compare.select_one("#compare-current .run-numbers").get_text() == (
        f"iteration 12: J = {current.losses[11]:.4g} · accuracy "
        f"{100 * current.metrics['accuracy'][11]:.1f}%")
    assert html.select_one("#compare-short") is None
    # Each run's hidden units over the same plane, beside its output: the zero-initialised
    # run's units are all the same flat map (symmetry), Xavier's differ.
    tiles = {side: [img["src"] for img in compare.select(f"#compare-{side} .compare-maps img")]
             for side in ("pinned", "current")}
    n_hidden = current.spec.layers[1]
    assert len(tiles["pinned"]) == len(tiles["current"]) == n_hidden > 1
    assert tiles["pinned"] == [h["src"] for h in expected["hidden"]]
    assert tiles["current"] == [h["src"] for h in mine["hidden"]]
    assert len(set(tiles["pinned"])) == 1 and len(set(tiles["current"])) == n_hidden
    assert all(h["flat"] for h in expected["hidden"])
    assert compare.select_one("#compare-pinned .compare-maps")["aria-label"].endswith(
        "(init zeros)")
    # Further than the pinned run went: it is shown at its last update, and the page says so.
    client.post(f"/ui/{xavier}/train", data={"iterations": 30})
    html = soup(client.get("/?lang=en"))
    assert html.select_one("#compare h3").get_text() == "Both runs after 30 updates"
    assert html.select_one("#compare-short").get_text() == (
        "The pinned run stopped after 30 updates: it is shown there.")


def test_the_chinese_page_names_the_runs_in_chinese(client):
    zeros_then_xavier(client, "zh")
    html = soup(client.get("/?lang=zh"))
    names = [p["data-name"] for p in html.select("#loss-chart polyline.series")]
    assert names == ["当前 (初始化 Xavier)", "已固定 (初始化 全零)"]
    assert html.select_one("#compare h3").get_text() == "两次运行各更新 20 次之后"
    text = html.select_one("#training").get_text()
    assert "Pinned" not in text and "pinned" not in text and "updates" not in text


def test_alpha_changed_mid_run_is_what_tells_the_runs_apart(client):
    """Pin, then change α in the same network: the names say α, and the pinned run replays
    under its own schedule."""
    client.get("/?lang=en")
    sid = build(client, learning_rate="5")
    client.post(f"/ui/{sid}/train", data={"iterations": 10})
    client.post(f"/ui/{sid}/pin")
    client.post(f"/ui/{sid}/goto", data={"iteration": 4})
    client.post(f"/ui/{sid}/lr", data={"learning_rate": "0.5", "discard": "true"})
    client.post(f"/ui/{sid}/train", data={"iterations": 6})
    html = soup(client.get("/?lang=en"))
    names = [p["data-name"] for p in html.select("#loss-chart polyline.series")]
    assert names == ["current (α 5→0.5)", "pinned (α 5)"]
    engine, _ = engine_run(client, sid, 10)  # α = 5 throughout: the pinned run
    assert column(hover(html, "loss-chart"), "pinned (α 5)") == engine.losses


def test_unpin_leaves_the_current_run_alone(client):
    _, xavier = zeros_then_xavier(client)
    html = soup(client.post(f"/ui/{xavier}/unpin"))
    assert [p["data-name"] for p in html.select("#loss-chart polyline.series")] == ["train"]
    assert html.select_one("#compare") is None and html.select_one("#accuracy-chart") is None
    assert html.select_one("#btn-pin") and html.select_one("#btn-unpin") is None
    assert client.get(f"/api/sessions/{xavier}/history").json()["pinned"] is None


def test_a_share_link_carries_the_pinned_run(client):
    zeros, xavier = zeros_then_xavier(client)
    url = soup(client.post(f"/ui/{xavier}/share")).select_one("input")["value"]
    client.cookies.clear()
    opened = client.get(url.replace("http://testserver", ""))
    assert opened.status_code == 200
    html = soup(opened)
    assert [p["data-run"] for p in html.select("#loss-chart polyline.series")] == [
        "current", "pinned"]
    engine, _ = engine_run(client, zeros, 30)
    assert column(hover(html, "loss-chart"), "pinned (init zeros)") == engine.losses
    assert html.select_one("#compare-pinned image")
    # The JSON: the same document as the sharer's.
    new = re.search(r'data-sid="([^"]+)"', opened.text).group(1)
    assert new != xavier
    mine = client.get(f"/api/sessions/{xavier}/history").json()["pinned"]
    theirs = client.get(f"/api/sessions/{new}/history").json()["pinned"]
    assert theirs == mine and theirs["loss"] == engine.losses
    assert theirs["config"]["init"] == "zeros" and theirs["completed"] == 30


def test_the_store_keeps_the_pin_and_a_snapshot_round_trips_it():
    stepper, _ = build_stepper(SessionConfig(init="zeros", test_ratio=0.25, dataset="circles",
                                             samples=40))
    stepper.train(7)
    pinned = pin(SessionConfig(init="zeros", test_ratio=0.25, dataset="circles", samples=40),
                 stepper, limit=100)
    assert set(pinned.curves) == {"loss", "accuracy", "test_loss", "test_accuracy"}
    from app.sessions import Session

    current, dataset = build_stepper(SessionConfig())
    session = Session("a" * 22, SessionConfig(), current, dataset)
    session.pinned = pinned
    back = codec.from_snapshot("b" * 22, codec.snapshot(session))
    assert back.pinned.document == pinned.document and back.pinned.key == pinned.key
    assert back.pinned.curves["test_loss"] == tuple(stepper.metrics["test_loss"])
    # Rebuilt from the pin alone: the parameters the run had after 5 updates.
    replay = rebuild(back.pinned, build_stepper)
    direct, _ = build_stepper(pinned.config)
    direct.train(5)
    for key, value in replay.params_at(5).items():
        assert np.array_equal(value, direct.current_params()[key])


def test_the_api_pins_another_sessions_run_and_unpins(client):
    a = client.post("/api/sessions", json={"init": "zeros", "layers": [2, 3, 1]}).json()["id"]
    client.post(f"/api/sessions/{a}/train", json={"iterations": 5})
    b = client.post("/api/sessions", json={"layers": [2, 3, 1]}).json()["id"]
    answer = client.post(f"/api/sessions/{b}/pinned", json={"session": a})
    assert answer.status_code == 201
    engine, _ = engine_run(client, a, 5)
    assert answer.json() == {"config": {"layers": [2, 3, 1], "init": "zeros"},
                             "schedule": [[0, 0.5]], "completed": 5, "loss": engine.losses,
                             "accuracy": engine.metrics["accuracy"]}
    assert client.get(f"/api/sessions/{b}/history").json()["pinned"] == answer.json()
    assert client.get(f"/api/sessions/{a}/history").json()["pinned"] is None
    missing = client.post(f"/api/sessions/{b}/pinned", json={"session": "x" * 22})
    assert missing.status_code == 404 and missing.json()["error"] == "pin_source_not_found"
    assert missing.json()["field"] == "session"
    assert client.delete(f"/api/sessions/{b}/pinned").status_code == 204
    assert client.get(f"/api/sessions/{b}/history").json()["pinned"] is None
    assert client.delete(f"/api/sessions/{'y' * 22}/pinned").status_code == 404


def test_a_run_longer_than_the_limit_cannot_be_pinned(tmp_path):
    from fastapi.testclient import TestClient

    app = create_app(Settings(data_dir=tmp_path / "d", rate_limit=0, store="memory",
                              max_train_iterations=8))
    with TestClient(app) as client:
        sid = client.post("/api/sessions", json={}).json()["id"]
        client.post(f"/api/sessions/{sid}/train", json={"iterations": 8})
        client.post(f"/api/sessions/{sid}/train", json={"iterations": 1})
        answer = client.post(f"/api/sessions/{sid}/pinned")
        assert answer.status_code == 422 and answer.json()["error"] == "pin_too_long"
        page = soup(client.post(f"/ui/{sid}/pin?lang=zh"))
        assert "超过可固定的上限 8" in page.get_text()


# -- input units labelled with their feature ------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_input_unit_is_labelled_with_its_features_formula(client, lang):
    client.get(f"/?lang={lang}")
    build(client, lang, layers="2, 1", activations="sigmoid", dataset="circles",
          features=["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"])
    html = soup(client.get(f"/?lang={lang}"))
    labels = html.select("svg.network text.input-feature")
    assert [t.get_text() for t in labels] == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁",
                                              "sin x₂"]
    units = html.select("svg.network g.neuron[data-layer='0']")
    assert len(units) == 7
    for label, unit in zip(labels, units, strict=True):
        circle = unit.select_one("circle")
        # Beside its own unit: on its row, ending left of the circle (r = 21).
        assert float(label["y"]) == float(circle["cy"])
        assert float(label["x"]) == float(circle["cx"]) - 21 - 6
        assert label["text-anchor"] == "end"
    # The unit's name says it too: x_3 = x₁² (its value follows).
    assert "x_3 = x₁² = " in units[2]["aria-label"]
    assert "x_6 = sin x₁ = " in units[5].select_one("title").get_text()


def test_raw_inputs_get_no_feature_labels(client):
    client.get("/?lang=en")
    build(client)
    html = soup(client.get("/?lang=en"))
    assert html.select("svg.network text.input-feature") == []
    assert "x_1 = 0" in html.select_one("g.neuron[data-layer='0']")["aria-label"]


def test_long_runs_of_different_lengths_each_keep_their_extremes():
    """Downsampled curves (over MAX_POINTS iterations): the pinned run's spikes are drawn even
    where the current run has no values."""
    from app.views.charts import MAX_POINTS, line_chart

    rng = np.random.default_rng(3)
    pinned = rng.random(3000)
    pinned[2222] = 50.0  # one spike, far past the current run's end
    current = np.linspace(1, 0.1, 700)
    chart = line_chart({"current": current, "pinned": pinned}, styles={"pinned": 2},
                       runs={"current": "current", "pinned": "pinned"})
    data = json.loads(str(chart["hover"]))
    drawn = {row[0]: row[2] for row in data["rows"]}
    assert drawn[2223] == 50.0  # iteration 2223 (1-based) is drawn with its value
    assert max(v for v in drawn.values() if v is not None) == 50.0
    assert len(data["rows"]) <= 2 * MAX_POINTS
    current_drawn = [row[1] for row in data["rows"] if row[1] is not None]
    assert current_drawn[0] == 1.0 and current_drawn[-1] == pytest.approx(0.1)
