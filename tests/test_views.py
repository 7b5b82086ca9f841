"""View-models: colours, scales, number formatting, geometry and the worked neuron, in Python."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bs4 import BeautifulSoup

from app.engine import NetworkSpec, Stepper, init_weights, make_dataset
from app.sessions import ViewSettings
from app.views.equation import annotate, matrix_view, pick, step_view, timeline_view
from app.views.fmt import num, shape, short, tex_num
from app.views.i18n import TEXT, translator
from app.views.network import MAX_DRAWN, drawn_units, network_view
from app.views.neuron import neuron_view
from app.views.palette import Scale

t_en = translator("en")


def make_stepper(layers=(2, 3, 1), acts=("tanh", "sigmoid"), loss="binary_cross_entropy",
                 dataset="xor", seed=0, decay=0.0):
    spec = NetworkSpec(tuple(layers), tuple(acts), loss, decay)
    data = make_dataset(dataset, layers[0], layers[-1], seed)
    w, b = init_weights(layers, "xavier", 1.0, np.random.default_rng(seed))
    return Stepper(spec, data.X, data.Y, w, b, learning_rate=0.5)


def elements(net: dict, kind: str) -> list:
    """The drawn neurons (<g>) or edges (<line>) of a network view, parsed."""
    if kind == "neurons":
        html = "".join(str(n) for n in net["nodes"])
        return BeautifulSoup(html, "html.parser").select("g.neuron")
    html = "".join(str(group["lines"]) for group in net["edges"])
    return BeautifulSoup(html, "html.parser").select("line")


def run_to(stepper: Stepper, step_id: str) -> None:
    while stepper.c == 0 or stepper.plan[stepper.c - 1].id != step_id:
        stepper.next()


# -- palette -------------------------------------------------------------------------------
def test_scale_is_white_at_zero_blue_positive_orange_negative():
    s = Scale(2.0)
    assert s.color(0) == "#f7f7f7"
    assert s.color(2.0) == "#2166ac" and s.color(-2.0) == "#b35806"
    r, g, b = s.rgb(1.0)
    assert b > r  # positive is blue
    r, g, b = s.rgb(-1.0)
    assert r > b  # negative is orange
    assert s.color(5.0) == s.color(2.0)  # clipped beyond vmax


def test_linear_and_log_positions():
    lin = Scale(1.0)
    assert lin.position(0.5) == 0.5 and lin.position(-0.25) == -0.25
    log = Scale(1.0, log=True)
    assert log.position(1.0) == 1.0
    assert log.position(1e-3) == pytest.approx(0.5)  # half-way through six decades
    assert log.position(-1e-3) == pytest.approx(-0.5)
    assert log.position(1e-9) == 0.0  # below the floor
    # A δ a thousand times smaller than the largest is invisible linearly, tinted on the log scale.
    assert Scale(1.0).color(1e-3) in ("#f7f7f7", "#f6f6f6", "#f6f7f7")
    assert Scale(1.0, log=True).color(1e-3) != "#f7f7f7"


def test_scale_for_values_ignores_non_finite_and_zero():
    assert Scale.for_values([]).vmax == 1.0
    assert Scale.for_values([0.0, 0.0]).vmax == 1.0
    assert Scale.for_values([-3.0, 2.0]).vmax == 3.0
    assert Scale(1.0).position(float("nan")) == 0.0


def test_text_colour_contrasts_with_fill():
    s = Scale(1.0)
    assert s.text_color(1.0) == "#ffffff"  # dark blue fill
    assert s.text_color(0.0) == "#000000"  # white fill


def test_legend_ticks_are_symmetric_and_labelled():
    legend = Scale(0.5).legend()
    assert [t["label"] for t in legend["ticks"]] == ["−0.5", "−0.25", "0", "0.25", "0.5"]
    assert legend["gradient"][0]["color"] == "#b35806"
    assert legend["gradient"][-1]["color"] == "#2166ac"
    log_legend = Scale(2.0, log=True).legend()
    assert [t["label"] for t in log_legend["ticks"]] == ["−2", "−0.002", "0", "0.002", "2"]


# -- formatting ----------------------------------------------------------------------------
@pytest.mark.parametrize("value,text", [
    (0.69359, "0.6936"), (-0.000012345, "−1.234e−5"), (0.0, "0"), (-0.0, "0"), (1.0, "1"),
    (float("inf"), "∞"), (float("nan"), "NaN"), (123.456, "123.5"),
])
def test_num(value, text):
    assert num(value) == text


@pytest.mark.parametrize("value,text", [
    (0.126, "0.126"), (-0.000111, "−1.1e−4"), (7.112e-5, "7.1e−5"), (0.00106, "1.1e−3"),
    (-0.0203, "−0.02"), (12.34, "12.3"), (0.0, "0"), (1e-7, "1e−7"), (2.0e5, "2e5"),
])
def test_short_labels_fit_in_a_neuron(value, text):
    assert short(value) == text
    assert len(short(value)) <= 7


def test_tex_num_and_shape():
    assert tex_num(-1.2e-5) == r"-1.2 \times 10^{-5}"
    assert tex_num(0.5) == "0.5"
    assert shape((3, 4)) == "3×4" and shape(()) == "1×1"


# -- equation ------------------------------------------------------------------------------
def test_annotate_puts_every_shape_under_its_operand():
    formula = r"dW^{[2]} = \frac{1}{m}\,dZ^{[2]}\,A^{[1]\top}"
    out = annotate(formula, {"dW^{[2]}": (1, 3), "dZ^{[2]}": (1, 4), "A^{[1]}": (3, 4)})
    assert r"\underbrace{dW^{[2]}}_{1\times 3}" in out
    assert r"\underbrace{dZ^{[2]}}_{1\times 4}" in out
    assert r"\underbrace{A^{[1]\top}}_{4\times 3}" in out  # transposed shape under Aᵀ


def test_annotate_does_not_match_inside_longer_names():
    out = annotate(r"dA^{[1]} = W^{[2]\top} dZ^{[2]}", {"A^{[1]}": (3, 4), "dZ^{[2]}": (1, 4),
                                                        "dA^{[1]}": (3, 4), "W^{[2]}": (1, 3)})
    assert out.count(r"\underbrace") == 3
    assert r"\underbrace{dA^{[1]}}_{3\times 4}" in out
    assert r"\underbrace{W^{[2]\top}}_{3\times 1}" in out


def test_pick_keeps_the_selected_column_and_the_last():
    assert pick(5, 10) == [0, 1, 2, 3, 4]
    cols = pick(200, 10, keep=57)
    assert 57 in cols and 199 in cols and None in cols
    assert len([c for c in cols if c is not None]) <= 10
    assert pick(200, 10, keep=3) == [0, 1, 2, 3, 4, 5, 6, 7, 8, None, 199]


def test_matrix_view_rounds_to_four_digits_and_marks_the_example():
    arr = np.array([[0.123456, -2.0, 3.5], [0.0, 1e-7, 9.87654]])
    mv = matrix_view("Z1", arr, ViewSettings(example=1), t_en)
    assert mv["shape"] == "2×3"
    cells = [BeautifulSoup(str(row), "html.parser").find_all("td") for row in mv["rows"]]
    assert [td.text for td in cells[0]] == ["0.1235", "−2", "3.5"]
    assert [td.get("class") == ["sel"] for td in cells[1]] == [False, True, False]
    assert float(cells[1][2]["title"]) == 9.87654
    rows = matrix_view("Z1", arr, ViewSettings(example=1, rows=True), t_en)
    assert rows["shape"] == "3×2"  # one example per row
    cells = [BeautifulSoup(str(row), "html.parser").find_all("td") for row in rows["rows"]]
    assert [td.get("class") == ["sel"] for td in cells[1]] == [True, True]
    wide = matrix_view("A1", np.zeros((2, 50)), ViewSettings(), t_en)
    assert wide["note"] == "showing 8 of 50 columns"


def test_step_view_formula_shapes_and_numbers_follow_the_engine():
    s = make_stepper()
    run_to(s, "dW2")
    view = step_view(s, ViewSettings(), "en", t_en)
    assert view["id"] == "dW2"
    assert r"\underbrace{A^{[1]\top}}_{4\times 3}" in view["annotated"]
    out = view["outputs"][0]
    assert out["shape"] == "1×3"
    cells = BeautifulSoup(str(out["rows"][0]), "html.parser").find_all("td")
    assert [float(td["title"]) for td in cells] == list(s.values["dW2"][0])
    assert "same shape" in view["explanation"]
    rows = step_view(s, ViewSettings(rows=True), "en", t_en)
    assert r"\underbrace{A^{[1]\top}}_{3\times 4}" in rows["annotated"]
    assert rows["outputs"][0]["shape"] == "3×1"


def test_explanations_exist_in_both_languages_for_every_step():
    s = make_stepper(layers=(2, 3, 3, 2), acts=("sigmoid", "relu", "softmax"),
                     loss="squared_error", dataset="moons", decay=0.1)
    for _ in s.plan:
        s.next()
        for lang in ("en", "zh"):
            text = step_view(s, ViewSettings(), lang, translator(lang))["explanation"]
            assert len(text) > 40 and "{" not in text


def test_timeline_marks_done_current_and_todo():
    s = make_stepper()
    run_to(s, "J")
    items = BeautifulSoup(str(timeline_view(s, "update")), "html.parser").select("li")
    states = [item["class"][0] for item in items]
    assert (items[4].button["name"], items[4].button["value"]) == ("index", "5")
    assert items[-1].text == "update"
    assert states[:4] == ["done"] * 4 and states[4] == "current" and set(states[5:]) == {"todo"}


# -- network drawing -----------------------------------------------------------------------
def test_drawn_units_summarise_wide_layers():
    assert drawn_units(5) == [0, 1, 2, 3, 4]
    wide = drawn_units(32)
    assert len(wide) == MAX_DRAWN and None in wide and wide[-1] == 31


def test_network_view_has_a_node_per_unit_and_an_edge_per_weight():
    s = make_stepper(layers=(2, 3, 1))
    net = network_view(s, ViewSettings(), t_en)
    neurons = elements(net, "neurons")
    assert len(neurons) == 2 + 3 + 1
    assert len(net["biases"]) == 2
    assert len(elements(net, "edges")) == 2 * 3 + 3 + 3 * 1 + 1  # plus one bias edge per unit
    centres = [(float(g.circle["cx"]), float(g.circle["cy"])) for g in neurons]
    xs = sorted({x for x, _ in centres})
    assert len(xs) == 3 and xs[1] - xs[0] == xs[2] - xs[1]
    for k, c in enumerate(centres):  # no two neurons overlap
        assert all(math.dist(c, o) >= 2 * net["radius"] for o in centres[k + 1:])


def test_forward_then_backward_colouring():
    s = make_stepper()
    run_to(s, "A1")
    net = network_view(s, ViewSettings(example=2), t_en)
    assert not net["delta_mode"]
    neurons = elements(net, "neurons")
    hidden = [n for n in neurons if n["data-layer"] == "1"]
    assert [float(n["data-value"]) for n in hidden] == list(s.values["A1"][:, 2])
    assert all("pending" in n["class"] for n in neurons if n["data-layer"] == "2")
    run_to(s, "dZ1")
    net = network_view(s, ViewSettings(example=2), t_en)
    assert net["delta_mode"] and net["edges_grad"]
    for n in elements(net, "neurons"):
        layer = int(n["data-layer"])
        if layer >= 1:
            assert float(n["data-delta"]) == s.values[f"dZ{layer}"][int(n["data-index"]), 2]
            assert n.circle["fill"] != "#ffffff" and n.title.text
    lines = elements(net, "edges")
    grads = [e for e in lines if e["data-layer"] == "2" and e["data-col"] != "bias"]
    assert [float(e["data-grad"]) for e in grads] == list(s.values["dW2"][0])
    assert all(e["data-grad"] == "" for e in lines if e["data-layer"] == "1")


def test_layer_labels_show_shapes_in_both_notations():
    s = make_stepper(layers=(2, 3, 1))
    labels = network_view(s, ViewSettings(), t_en)["layers"]
    assert labels[1]["lines"] == ["W[1] 3×2 · b[1] 3×1", "Z[1], A[1]  3×m"]
    rows = network_view(s, ViewSettings(rows=True), t_en)["layers"]
    assert rows[1]["lines"] == ["W[1] 2×3 · b[1] 1×3", "Z[1], A[1]  m×3"]


def test_largest_network_is_summarised():
    spec = NetworkSpec((64, 32, 32, 32, 32, 32, 32, 16), ("relu",) * 6 + ("sigmoid",),
                       "squared_error")
    rng = np.random.default_rng(0)
    w, b = init_weights(spec.layers, "he", 1.0, rng)
    s = Stepper(spec, rng.normal(size=(64, 50)), rng.uniform(size=(16, 50)), w, b, 0.1)
    net = network_view(s, ViewSettings(), t_en)
    assert len(elements(net, "neurons")) == 8 * (MAX_DRAWN - 1)
    assert len(elements(net, "edges")) == 7 * (MAX_DRAWN - 1) ** 2 + 7 * (MAX_DRAWN - 1)
    assert len(net["gaps"]) == 8
    assert net["summarised"][0] == (0, 64, MAX_DRAWN - 1)
    assert [layer for layer, _, _ in net["summarised"]] == list(range(8))


# -- the worked neuron ---------------------------------------------------------------------
def test_neuron_view_adds_up_to_the_engine_values():
    s = make_stepper(layers=(2, 3, 1), acts=("tanh", "sigmoid"))
    run_to(s, "dZ1")
    view = neuron_view(s, 1, 2, 3)
    w, a0 = s.params["W1"][2], s.values["A0"][:, 3]
    assert float(np.dot(w, a0) + s.params["b1"][2, 0]) == pytest.approx(s.values["Z1"][2, 3])
    assert view["lines"][1].endswith(tex_num(s.values["Z1"][2, 3]))
    assert view["lines"][2].endswith(tex_num(s.values["A1"][2, 3]))
    assert view["lines"][-1].endswith(tex_num(s.values["dZ1"][2, 3]))
    out = neuron_view(s, 2, 0, 3)
    assert r"\delta^{[2]}_{1} = a^{[2]}_{1} - y_{1}" in out["lines"][-1]
    assert neuron_view(s, 5, 0, 0) is None


def test_every_text_key_has_both_languages():
    assert all(set(entry) == {"en", "zh"} for entry in TEXT.values())
    assert translator("zh")("backward") == "反向传播"
    assert translator("fr")("backward") == "Backward pass"
