"""Every preset keeps the promise of its blurb: trained through the engine as the page trains it,
the numbers are the ones the blurb (in both languages) tells the learner to expect."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.evaluate import forward
from app.presets import DEFAULT_PRESET, PRESETS
from app.sessions import build_stepper
from app.views.training import symmetric_layers


def trained(name: str, iterations: int):
    stepper, _ = build_stepper(PRESETS[name].session_config())
    stepper.train(iterations)
    assert stepper.completed == iterations
    return stepper


def first(series, test) -> int | None:
    """The 1-based iteration where `test` first holds (the page counts from 1)."""
    return next((i + 1 for i, v in enumerate(series) if test(v)), None)


def test_every_preset_has_a_title_and_blurb_in_both_languages():
    for preset in PRESETS.values():
        for text in (preset.title, preset.blurb):
            assert set(text) == {"en", "zh"} and all(text.values()), preset.name


def test_the_default_xor_preset_learns_xor():
    assert DEFAULT_PRESET == "xor"
    s = trained("xor", 1000)
    accuracy = s.metrics["accuracy"]
    reached = first(accuracy, lambda a: a == 1.0)
    # "100 % accuracy after about 60 iterations, J below 0.01 before 1000"
    assert 40 <= reached <= 80 and all(a == 1.0 for a in accuracy[reached - 1:])
    assert first(s.losses, lambda j: j < 0.01) < 1000
    blurb = PRESETS["xor"].blurb
    assert "100\u00a0%" in blurb["en"] and "60" in blurb["en"] and "60" in blurb["zh"]


def test_ufldl_preset():
    s = trained("ufldl", 1000)
    assert 80 <= first(s.metrics["accuracy"], lambda a: a == 1.0) <= 120
    assert 150 <= first(s.losses, lambda j: j < 0.01) <= 250
    assert s.metrics["accuracy"][-1] == 1.0


def test_two_output_preset_waits_on_a_plateau_then_learns():
    s = trained("two_output", 1000)
    assert all(abs(j - 0.25) < 0.01 for j in s.losses[:100])  # "stays near 0.25 for ~100"
    assert s.losses[300] < 0.15  # "then falls"
    assert 250 <= first(s.metrics["accuracy"], lambda a: a == 1.0) <= 350
    assert s.losses[-1] < 0.01 and s.metrics["accuracy"][-1] == 1.0


def test_logistic_preset_is_separable_from_the_start():
    s = trained("logistic", 1000)
    assert s.metrics["accuracy"][0] == 1.0 and min(s.metrics["accuracy"]) == 1.0
    assert round(s.losses[0], 2) == 0.68
    assert 400 <= first(s.losses, lambda j: j < 0.01) <= 500


def test_deep_preset():
    s = trained("deep", 1000)
    assert 15 <= first(s.metrics["accuracy"], lambda a: a == 1.0) <= 35
    assert 100 <= first(s.losses, lambda j: j < 0.01) <= 160


def test_softmax_preset_classifies_all_twelve_points():
    s = trained("softmax", 1000)
    assert s.X.shape[1] == 12
    assert 20 <= first(s.metrics["accuracy"], lambda a: a == 1.0) <= 40
    assert 250 <= first(s.losses, lambda j: j < 0.01) <= 350


def test_sine_preset_fits_the_curve():
    s = trained("sine", 1000)
    assert s.X.shape[1] == 20 and round(s.losses[0], 2) == 1.35
    assert 350 <= first(s.losses, lambda j: j < 0.01) <= 450
    fit = forward(s.spec, s.current_params(), s.X)[-1]
    assert np.max(np.abs(fit - s.Y)) < 0.25


def test_vanishing_preset_shows_vanishing_gradients_and_learns_nothing():
    s = trained("vanishing", 1000)
    norms = np.array(s.metrics["grad_norms"])
    # "‖dW[1]‖ comes out about 2000× smaller than ‖dW[6]‖": orders of magnitude.
    assert 1000 < norms[0, -1] / norms[0, 0] < 4000
    assert np.all(np.diff(norms[0]) > 0)  # smaller at every layer further from the output
    # "within 100 iterations the output is ≈ 0.5 everywhere (J = 0.125) and stays there"
    assert all(abs(j - 0.125) < 0.001 for j in s.losses[99:])
    out = forward(s.spec, s.current_params(), s.X)[-1]
    assert np.all(np.abs(out - 0.5) < 0.01)
    assert "2000" in PRESETS["vanishing"].blurb["en"] and "2000" in PRESETS["vanishing"].blurb["zh"]


def test_symmetry_preset_keeps_its_hidden_units_identical_while_the_loss_falls():
    stepper, _ = build_stepper(PRESETS["symmetry"].session_config())
    w1 = stepper.current_params()["W1"]
    assert np.all(w1 == 0.5) and np.all(stepper.current_params()["W2"] == 0.5)
    for _ in range(10):
        stepper.train(100)
        params = stepper.current_params()
        w1, b1 = params["W1"], params["b1"]
        assert np.all(w1 == w1[0]) and np.all(b1 == b1[0])  # rows of W[1]: one per unit
        assert symmetric_layers(stepper) == [(1, 3)]
    w1_start, w1_end = np.full((3, 2), 0.5), stepper.current_params()["W1"]
    assert np.abs(w1_end - w1_start).min() > 1  # the weights moved, together
    # "J falls from 0.80 to about 0.49 in 1000 iterations … XOR stays at 75 %"
    assert round(stepper.losses[0], 2) == 0.80 and round(stepper.losses[-1], 2) == 0.49
    assert stepper.metrics["accuracy"][-1] == 0.75
    # Their maps over the input plane are identical too.
    grid = np.random.default_rng(0).uniform(-1, 2, (2, 50))
    hidden = forward(stepper.spec, stepper.current_params(), grid)[1]
    assert np.all(hidden == hidden[0])


def test_zero_initialisation_moves_nothing_on_xor():
    """init zeros on XOR: a = 0.5 everywhere and Σ(a − y) = 0, so every gradient is exactly 0."""
    from app.schemas import SessionConfig

    config = SessionConfig(**{**PRESETS["symmetry"].config, "init": "zeros"})
    s, _ = build_stepper(config)
    s.train(50)
    assert np.all(np.array(s.metrics["grad_norms"]) == 0.0)
    assert all(j == s.losses[0] for j in s.losses) and round(s.losses[0], 4) == 0.6931


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_and_trains_on_the_page(client, name):
    response = client.get(f"/?preset={name}&lang=en")
    assert response.status_code == 200
    sid = client.cookies.get("bs_session")
    html = client.post(f"/ui/{sid}/train", data={"iterations": "10"})
    assert html.status_code == 200 and 'data-completed="10"' in html.text


# -- what the training panel says about them ---------------------------------------------------
def panel(client, preset: str, iterations: int, lang: str = "en", **fields):
    from bs4 import BeautifulSoup

    if fields:
        client.get("/?" + "&".join(f"{k}={v}" for k, v in {**PRESETS[preset].config, **fields,
                                                              "lang": lang}.items()
                                   if not isinstance(v, list))
                   + "&layers=" + ",".join(map(str, PRESETS[preset].config["layers"]))
                   + "&activations=" + ",".join(PRESETS[preset].config["activations"]))
    else:
        client.get(f"/?preset={preset}&lang={lang}")
    sid = client.cookies.get("bs_session")
    response = client.post(f"/ui/{sid}/train", data={"iterations": str(iterations)})
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser").select_one("#training")


def test_the_page_says_the_symmetric_units_stay_identical(client):
    html = panel(client, "symmetry", 101)
    note = html.select_one(".note.symmetry").text
    assert "the 3 units of layer 1 are identical" in note and "maps" in note
    assert "The loss can still fall" in note
    assert not html.select_one(".note.still")  # the weights do move
    assert html.select_one("#grad-chart polyline")
    zh = panel(client, "symmetry", 5, lang="zh").select_one(".note.symmetry").text
    assert "第 1 层的 3 个单元完全相同" in zh and "输出图也完全相同" in zh


def test_the_page_says_zero_gradients_are_zero_and_why(client):
    html = panel(client, "symmetry", 101, init="zeros")
    note = html.select_one(".note.still").text
    assert "exactly 0 at each of the 101 iterations" in note
    assert "can still fall" not in html.select_one(".note.symmetry").text
    assert "a = 0.5 for every example and Σ(a − y) = 0" in note and "Nothing will ever move" in note
    chart = html.select_one("#grad-chart")
    assert "Train a few iterations" not in chart.text
    assert "exactly 0 in all 101 iterations" in chart.select_one("#grads-zero").text
    zh = panel(client, "symmetry", 3, lang="zh", init="zeros")
    assert "a = 0.5" in zh.select_one(".note.still").text and zh.select_one("#grads-zero")


def test_the_page_says_where_gradients_vanished(client):
    html = panel(client, "vanishing", 20)
    note = html.select_one(".note.vanishing").text
    assert "at iteration 1, ‖dW[1]‖ = 3e−5 was 2226× smaller than ‖dW[6]‖ = 0.068" in note
    assert "g' = a(1 − a) ≤ 0.25" in note
    assert not panel(client, "xor", 20).select_one(".note.vanishing")
    assert not panel(client, "deep", 20).select_one(".note.vanishing")


def test_the_output_plane_has_axes_a_colour_key_and_visible_points(client):
    html = panel(client, "xor", 10)
    plane = html.select_one("#boundary svg.plane")
    x_labels = [t.text for t in plane.select(".axis.x text:not(.name)")]
    y_labels = [t.text for t in plane.select(".axis.y text:not(.name)")]
    assert x_labels == y_labels == ["0", "0.5", "1"]  # XOR's inputs are 0 and 1
    assert "x₁" in plane.select_one(".axis.x .name").text
    assert "x₂" in plane.select_one(".axis.y .name").text
    # The points sit on the image, inside the margin left for the axes.
    image = plane.select_one("image")
    assert plane.select_one("g[transform]")["transform"] == f"translate({image['x']} {image['y']})"
    assert len(plane.select("g[transform] .train")) == 4  # class markers (circle for class 0)
    key = html.select_one("#plane-key")
    assert [t.text for t in key.select("text")] == ["0", "0.25", "0.5", "0.75", "1"]
    assert "from 0 (orange) through 0.5 (white) to 1 (blue)" in key.text
    softmax = panel(client, "softmax", 3, lang="zh").select_one("#plane-key")
    assert len(softmax.select(".swatch")) == 3 and "输出最大的类别" in softmax.text


def test_hidden_maps_are_labelled_and_flat_ones_are_named(client):
    html = panel(client, "vanishing", 100)
    maps = html.select_one("#hidden-maps")
    layers = maps.select(".map-layer")
    assert [m.select_one(".map-layer-name").text for m in layers] == [
        f"a[{l}]" for l in range(1, 6)]
    assert [t.text for t in layers[0].select(".tile figcaption")] == list("123456")
    assert "One row per hidden layer" in maps.text
    flat = len(maps.select(".tile.flat"))
    assert flat >= 10  # the deep layers of the vanishing preset pass on almost nothing
    assert f"{flat} of these 30 tiles are flat" in maps.select_one(".flat-maps").text
    assert not panel(client, "xor", 100).select_one("#hidden-maps .flat-maps")


def test_chinese_notes_join_their_sentences_without_spaces(client):
    html = panel(client, "symmetry", 3, lang="zh", init="zeros")
    for selector in (".note.symmetry", ".note.still"):
        text = html.select_one(selector).text
        assert "。 " not in text and text.count("。") >= 2, text
    assert "。 " not in panel(client, "vanishing", 3, lang="zh").select_one(".note.vanishing").text


def test_a_run_stuck_on_a_plateau_is_said_to_be(client):
    """XOR from seed 1 stalls at J = ln 2 / 2 (one output stuck at 0.5): the page says so;
    the default seed never shows the note, nor does a run still learning."""
    stuck = panel(client, "xor", 1000, seed=1)
    note = stuck.select_one(".note.plateau").text
    assert "hardly moved in the last 100 iterations (J = 0.3498" in note and "50.0%" in note
    assert not panel(client, "xor", 1000).select_one(".note.plateau")
    assert not panel(client, "xor", 300, seed=1).select_one(".note.plateau")  # still falling
    assert not panel(client, "two_output", 150).select_one(".note.plateau")  # leaves it later
    assert "平台" in panel(client, "xor", 1000, lang="zh", seed=1).select_one(".note.plateau").text
