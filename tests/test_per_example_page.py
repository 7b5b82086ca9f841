"""Per-example mode, the output δ the long way, the UFLDL overlay, activation plots, L(i) beside
J and the new setup fields on the step page, through real HTTP, read by CSS selector."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bs4 import BeautifulSoup
from conftest import soup

from app.engine import LOSSES
from app.views.fmt import num, tex_num
from app.views.per_example import batch_difference

PER_EXAMPLE = ("/?layers=2,3,1&activations=tanh,sigmoid&dataset=xor&seed=3&weight_decay=0.01"
               "&gradient_mode=per_example&examples_shown=2")
CJK = re.compile("[\u4e00-\u9fff]")


def open_page(client, url: str) -> str:
    assert client.get(url, follow_redirects=True).status_code == 200
    return client.cookies.get("bs_session")


def stepper_of(app, sid):
    return app.state.store.get(sid).stepper


def step_to(client, sid, step_id: str, lang: str = "en") -> BeautifulSoup:
    for _ in range(200):
        html = soup(client.post(f"/ui/{sid}/next?lang={lang}"))
        if html.select_one("#stage")["data-step"] == step_id:
            return html
    raise AssertionError(f"never reached {step_id}")


@pytest.mark.parametrize("url", [
    PER_EXAMPLE,
    # softmax + cross-entropy the long way, one example at a time
    "/?layers=2,3,3&activations=relu,softmax&loss=cross_entropy&dataset=spiral&samples=6"
    "&gradient_mode=per_example&output_delta=chain&examples_shown=2",
    # every example shown: nothing remains for the remaining examples' steps
    "/?layers=3,1&activations=sigmoid&dataset=random&samples=3&gradient_mode=per_example"
    "&examples_shown=3&output_delta=chain",
    # note 004's squared error on sigmoid units (its dA step), batch, the UFLDL order
    "/?layers=2,2,1&activations=sigmoid,sigmoid&loss=squared_error&dataset=xor"
    "&backward_order=deltas_first",
])
def test_every_step_renders_in_both_notations_and_languages(client, app, url):
    sid = open_page(client, url)
    plan = [step.id for step in stepper_of(app, sid).plan]
    for notation in ("columns", "rows"):
        for lang in ("en", "zh"):
            client.post(f"/ui/{sid}/view", data={"notation": notation})
            for step_id in plan:
                html = soup(client.post(f"/ui/{sid}/next?lang={lang}"))
                assert html.select_one("#stage")["data-step"] == step_id
                why = html.select_one(".why p").get_text()
                assert why.strip()
                if lang == "zh":  # the explanation is Chinese, not English left over
                    assert CJK.search(why), (step_id, why)
                    assert not re.search(r"\b(the|example|layer|gradient)\b", why), why
                assert html.select_one(".formula")["data-tex"]


def test_the_example_under_way_is_drawn_lit_and_named(client, app):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "x@1")
    assert html.select_one("#under-way").get_text(strip=True) == "Example 2 of 4 under way"
    v = stepper_of(app, sid).values
    x = v["A0"]
    inputs = html.select('g.neuron[data-layer="0"]')
    assert [float(g["data-value"]) for g in inputs] == x[:, 1].tolist()
    assert html.select_one("#example-input")["value"] == "2"
    for key in ("A0", "Y"):  # the example's column lit in the data
        rows = html.select(f'figure[data-key="{key}"] tbody tr')
        lit = [r.find_all("td").index(td) for r in rows for td in r.select("td.sel")]
        assert lit == [1] * len(rows)
    html = step_to(client, sid, "dz1@1")
    v = stepper_of(app, sid).values
    hidden = html.select('g.neuron[data-layer="1"]')
    assert [float(g["data-delta"]) for g in hidden] == v["dz1@1"][:, 0].tolist()
    assert [float(g["data-z"]) for g in hidden] == v["z1@1"][:, 0].tolist()
    assert "example 2" in html.select_one("#legend-nodes").get_text()
    # rows notation: the example's row is lit instead
    client.post(f"/ui/{sid}/view", data={"notation": "rows"})
    html = soup(client.post(f"/ui/{sid}/seek", data={"index": 14}))  # x@1 again
    rows = html.select('figure[data-key="A0"] tbody tr')
    assert [bool(r.select("td.sel")) for r in rows] == [False, True, False, False]


def test_outer_product_table_and_growing_sums(client, app):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "gW2@0")
    v = stepper_of(app, sid).values
    expected = np.outer(v["dz2@0"][:, 0], v["a1@0"][:, 0])
    cells = html.select("table.outer-product td")
    assert [float(td["title"]) for td in cells] == expected.ravel().tolist()
    heads = [th.get_text() for th in html.select("table.outer-product thead th")[1:]]
    assert heads == [f"a{k + 1} = {num(a)}" for k, a in enumerate(v["a1@0"][:, 0])]
    html = step_to(client, sid, "SW1@1")
    v = stepper_of(app, sid).values
    np.testing.assert_array_equal(v["SW1@1"], v["gW1@0"] + v["gW1@1"])
    assert html.select_one(".sum-growth").get_text(strip=True) == \
        "ΔW[1] now holds the gradients of 2 of the m = 4 examples."
    shown = [float(td["title"]) for td in html.select('figure[data-key="SW1@1"] tbody td')]
    assert shown == v["SW1@1"].ravel().tolist()


def test_the_average_step_checks_itself_against_batch_mode(client, app):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "average")
    s = stepper_of(app, sid)
    diff = batch_difference(s.values, 2, 0.01)
    assert diff <= 1e-12
    text = html.select_one(".batch-check").get_text(" ", strip=True)
    assert "dW = (1/m)·dZ·Aᵀ + λW" in text and f"largest difference {num(diff, 2)}" in text
    assert "equal to within 1e−12" in text
    # the check can fail: a gradient off by 1e-9 is called out
    values = dict(s.values)
    values["dW1"] = values["dW1"] + 1e-9
    assert batch_difference(values, 2, 0.01) == pytest.approx(1e-9, rel=1e-3)
    html = soup(client.post(f"/ui/{sid}/view?lang=zh", data={"notation": "rows"}))
    text = html.select_one(".batch-check").get_text(strip=True)
    assert "dW = (1/m)·Aᵀ·dZ + λW" in text and "在 1e−12 以内相等" in text


def test_buttons_name_the_example_and_stepping_back_returns_to_it(client):
    sid = open_page(client, PER_EXAMPLE)

    def labels(html):
        return (html.select_one("#btn-forward").get_text(strip=True),
                html.select_one("#btn-backward").get_text(strip=True))

    html = soup(client.get("/?lang=en"))
    assert labels(html)[0] == "Forward pass of example 1"
    html = soup(client.post(f"/ui/{sid}/forward"))
    assert html.select_one("#stage")["data-step"] == "L@0"
    assert labels(html) == ("Forward pass of example 2", "Backward pass of example 1")
    html = soup(client.post(f"/ui/{sid}/backward"))
    assert html.select_one("#stage")["data-step"] == "SW1@0"
    html = soup(client.post(f"/ui/{sid}/next"))
    assert html.select_one("#under-way").get_text(strip=True).startswith("Example 2")
    html = soup(client.post(f"/ui/{sid}/prev"))  # back into example 1's last step
    assert html.select_one("#stage")["data-step"] == "SW1@0"
    assert html.select_one("#under-way").get_text(strip=True).startswith("Example 1")
    client.post(f"/ui/{sid}/next")
    client.post(f"/ui/{sid}/forward")
    html = soup(client.post(f"/ui/{sid}/backward"))
    assert labels(html)[0] == "Remaining examples"
    html = soup(client.post(f"/ui/{sid}/forward?lang=zh"))
    assert html.select_one("#stage")["data-step"] == "J"
    assert labels(html)[1] == "取平均:dW = ΔW/m"


def test_timeline_groups_the_steps_per_example(client):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "z1@1")
    groups = html.select(".timeline > li.example-group")
    assert [g["data-example"] for g in groups] == ["0", "1", "rest"]
    assert [g.select_one("details").has_attr("open") for g in groups] == [False, True, False]
    assert "ex-done" in groups[0]["class"] and "ex-current" in groups[1]["class"]
    assert "ex-todo" in groups[2]["class"]
    assert groups[0].select_one("summary").get_text() == "Example 1 · 13 steps"
    # the remaining examples, one step per layer: Z, A per layer, Σ L(i), δ of the output,
    # then per layer ΔW and δ of the layer below
    assert groups[2].select_one("summary").get_text() == "Examples 3–4 together · 10 steps"
    assert [li["data-step"] for li in groups[2].select("li")] == [
        "Z1", "A1", "Z2", "A2", "Lsum", "dZ2", "SW2", "dA1", "dZ1", "SW1"]
    flat = [li["data-step"] for li in html.select(".timeline > li[data-step]")]
    assert flat == ["J", "average", "update"]
    current = html.select(".timeline li.current")
    assert [li["data-step"] for li in current] == ["z1@1"]
    html = step_to(client, sid, "Lsum", "zh")  # the group under way opens, in both languages
    rest = html.select_one('.timeline > li.example-group[data-example="rest"]')
    assert rest.select_one("details").has_attr("open") and "ex-current" in rest["class"]
    assert rest.select_one("summary").get_text() == "样本 3–4 一起处理 · 10 步"


def test_setup_form_and_plain_urls_take_the_new_choices(client, app):
    html = soup(client.get("/?lang=zh"))
    form = html.select_one("form.custom")
    for name, values in (("gradient_mode", ["batch", "per_example"]),
                         ("output_delta", ["fused", "chain"]),
                         ("backward_order", ["by_layer", "deltas_first"])):
        options = form.select(f'select[name="{name}"] option')
        assert [o["value"] for o in options] == values
        assert CJK.search(form.select_one(f'select[name="{name}"]').parent.get_text())
    assert form.select_one('input[name="examples_shown"]')["value"] == "3"
    response = client.post("/ui/new", data={
        "layers": "2, 2, 1", "activations": "tanh, sigmoid", "dataset": "xor",
        "gradient_mode": "per_example", "examples_shown": "2", "output_delta": "chain",
        "backward_order": "by_layer"})
    assert response.headers["HX-Redirect"] == "/"
    sid = response.cookies.get("bs_session") or client.cookies.get("bs_session")
    spec = stepper_of(app, sid).spec
    assert (spec.gradient_mode, spec.examples_shown, spec.output_delta) == (
        "per_example", 2, "chain")
    html = soup(client.get("/?lang=en"))
    link = html.select_one("#config-link")["href"]
    assert "gradient_mode=per_example" in link and "output_delta=chain" in link
    html = soup(client.get("/?layers=2,2,1&activations=tanh,sigmoid&gradient_mode=sometimes",
                           follow_redirects=True))
    assert "gradient_mode" in html.select_one("#setup-error").get_text()


@pytest.mark.parametrize("url,pair", [
    ("/?layers=2,2,1&activations=tanh,sigmoid&dataset=xor&output_delta=chain", "sigmoid"),
    # two independent sigmoid outputs (multi-label): both units
    ("/?layers=3,3,2&activations=tanh,sigmoid&dataset=multilabel&output_delta=chain", "sigmoid"),
    ("/?layers=2,3,3&activations=relu,softmax&loss=cross_entropy&dataset=spiral&samples=6"
     "&output_delta=chain", "softmax"),
    ("/?layers=1,3,1&activations=tanh,linear&loss=squared_error&dataset=sine&samples=5"
     "&output_delta=chain", "linear"),
])
def test_the_long_way_shows_the_product_equals_a_minus_y_for_every_output_unit(client, app, url,
                                                                              pair):
    sid = open_page(client, url)
    client.post(f"/ui/{sid}/view", data={"example_number": 2})
    s = stepper_of(app, sid)
    L = s.spec.depth
    html = step_to(client, sid, f"dZ{L}")
    line = html.select_one(".chain-line [data-tex]")["data-tex"]
    rows = line.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r"\\")
    units = s.spec.layers[-1]
    head = 2 if pair == "softmax" else 1  # the product in letters (softmax: and Σ y = 1)
    assert len(rows) == head + units  # then one row per output unit
    assert rows[0].endswith("= a_k - y_k")
    for k in range(units):
        a, y, dz = (float(s.values[key][k, 1]) for key in (f"A{L}", "Y", f"dZ{L}"))
        assert dz == pytest.approx(a - y, abs=1e-12)
        row = rows[head + k]
        assert row.startswith(rf"k{{=}}{k + 1}{{:}}\ &"), row
        assert row.endswith(f"= {tex_num(a - y)}"), row
        assert tex_num(a) in row and tex_num(y) in row
    text = html.select_one(".chain-line p").get_text()
    assert f"each of the {units} output units k of example 2" in text
    html = soup(client.get("/?lang=zh"))
    assert html.select_one(".chain-line [data-tex]")["data-tex"] == line
    assert f"第 2 个样本全部 {units} 个输出单元" in html.select_one(".chain-line p").get_text()
    if pair == "sigmoid":
        assert rows[0] == (r"&\left(-\frac{y_k}{a_k} + \frac{1-y_k}{1-a_k}\right) a_k(1-a_k)"
                           " = a_k - y_k")
    # fused: the step is A − Y itself, and no extra line
    fused = open_page(client, url.replace("&output_delta=chain", ""))
    html = step_to(client, fused, f"dZ{s.spec.depth}")
    assert html.select_one(".chain-line") is None


def test_loss_step_shows_the_examples_own_loss_beside_j(client, app):
    sid = open_page(client, "/?preset=xor")
    client.post(f"/ui/{sid}/view", data={"example_number": 3})
    html = step_to(client, sid, "J")
    v = stepper_of(app, sid).values
    li = LOSSES["binary_cross_entropy"].value(v["Z2"][:, 2:3], v["A2"][:, 2:3], v["Y"][:, 2:3])
    text = html.select_one(".loss-beside").get_text(strip=True)
    assert text == (f"Example 3 alone: L(3) = {num(li)}; the batch's J = {num(float(v['J']))} "
                    "averages the m = 4 examples' L(i).")


def test_activation_steps_draw_g_and_its_derivative(client, app):
    sid = open_page(client, "/?preset=xor")
    client.post(f"/ui/{sid}/view", data={"example_number": 2})
    html = step_to(client, sid, "A1")
    plot = html.select_one(".activation-plot svg, svg.activation-plot")
    assert plot["data-activation"] == "tanh"
    z = stepper_of(app, sid).values["Z1"][:, 1]
    assert [float(c["data-z"]) for c in plot.select("circle.at-g")] == z.tolist()
    assert len(plot.select("circle.at-g-prime")) == 2
    assert len(plot.select("polyline")) == 2
    sid = open_page(client, "/?preset=softmax&lang=zh")
    html = step_to(client, sid, "A2", "zh")
    assert html.select_one("svg.activation-plot") is None
    assert "雅可比" in html.select_one(".activation-plot").get_text()


def test_ufldl_overlay_gives_the_notes_indices(client):
    sid = open_page(client, "/?preset=ufldl")
    html = step_to(client, sid, "Z1")
    assert html.select_one("#ufldl-switch") is not None
    overlay = html.select_one("#ufldl-overlay")
    assert overlay.select_one("[data-tex]")["data-tex"] == "z^{(2)} = W^{(1)}x + b^{(1)}"
    assert "n_l = L + 1 = 3" in overlay.get_text()
    html = step_to(client, sid, "dZ2")
    tex = html.select_one("#ufldl-overlay [data-tex]")["data-tex"]
    assert tex == r"\delta^{(3)} = -(y - a^{(3)}) \odot f'(z^{(3)})"
    html = step_to(client, sid, "dZ1")
    tex = html.select_one("#ufldl-overlay [data-tex]")["data-tex"]
    assert tex.startswith(r"\delta^{(2)} = \left((W^{(2)})^\top \delta^{(3)}\right)")
    html = soup(client.post(f"/ui/{sid}/view?lang=zh", data={"notation": "rows"}))
    assert "笔记中每列一个样本" in html.select_one("#ufldl-overlay").get_text()


def test_the_note_under_the_drawing_names_the_example_being_processed(client):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "a1@1")
    assert html.select_one(".batch-note").get_text(strip=True).startswith(
        "Neurons show example 2, the one being processed")
    html = step_to(client, sid, "J")
    assert html.select_one(".batch-note").get_text(strip=True).startswith(
        "Neurons show the selected example")


def test_a_chosen_neuron_is_worked_out_for_the_example_under_way(client, app):
    sid = open_page(client, PER_EXAMPLE)
    client.post(f"/ui/{sid}/view", data={"neuron": "1,2"})
    html = step_to(client, sid, "dz1@1")
    v = stepper_of(app, sid).values
    lines = [d["data-tex"] for d in html.select("#neuron .neuron-line")]
    assert any(line.endswith(f"= {tex_num(v['z1@1'][2, 0])}") for line in lines), lines
    assert lines[-1].endswith(f"= {tex_num(v['dz1@1'][2, 0])}")
    assert html.select_one("#neuron p.small").get_text(strip=True).startswith("Example 2")


def test_per_example_mode_with_mini_batches_walks_each_batch(client, app):
    sid = open_page(client, "/?layers=2,3,1&activations=tanh,sigmoid&dataset=moons&samples=10"
                            "&batch_size=4&gradient_mode=per_example&examples_shown=3")
    s = stepper_of(app, sid)
    assert s.spec.examples_shown == 2  # at most the smallest batch (4, 4, 2)
    for _ in range(s.steps_per_iteration):
        html = soup(client.post(f"/ui/{sid}/next"))
    html = step_to(client, sid, "x@1")  # the second batch
    assert html.select_one("#stage")["data-iteration"] == "2"
    assert html.select_one("#under-way").get_text(strip=True) == "Example 2 of 4 under way"
    x = s.values["A0"]
    assert [float(g["data-value"]) for g in html.select('g.neuron[data-layer="0"]')] == \
        x[:, 1].tolist()
    html = step_to(client, sid, "average")
    assert "equal to within 1e−12" in html.select_one(".batch-check").get_text()


def test_the_status_bar_names_the_remaining_examples_step_in_words(client):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "SW1@1", "zh")
    chips = [c.get_text(" ", strip=True) for c in html.select(".statusbar .chip")]
    assert "下一步 Z [1] (其余样本)" in chips


def test_rest_formula_puts_shapes_only_under_the_values_it_reads():
    from app.views.equation import annotate

    formula = r"\Delta W^{[l]} + dz^{[l](i)}\,a^{[l-1](i)\top}"
    assert annotate(formula, {"Y": (1, 4), "X": (3, 4)}) == formula  # no stray "\top}" match
    assert annotate(r"Y^\top", {"Y": (1, 4)}) == r"\underbrace{Y^\top}_{4\times 1}"


def test_edges_show_delta_w_growing_during_the_examples_backward_passes(client, app):
    sid = open_page(client, PER_EXAMPLE)
    html = step_to(client, sid, "SW2@0")
    v = stepper_of(app, sid).values

    def grads(layer):
        return [line["data-grad"] for line in html.select(f"#edges-{layer} line:not(.bias)")]

    assert [float(g) for g in grads(2)] == v["SW2@0"].ravel().tolist()
    assert set(grads(1)) == {""}  # ΔW[1] has no example in it yet
    assert "ΔW so far" in html.select_one("#legend-edges").get_text()
    html = step_to(client, sid, "z1@1")  # example 2's forward pass: the weights again
    assert "weights W" in html.select_one("#legend-edges").get_text()
    html = step_to(client, sid, "SW2@1")
    v = stepper_of(app, sid).values
    assert [float(g) for g in grads(2)] == v["SW2@1"].ravel().tolist()
    assert [float(g) for g in grads(1)] == v["SW1@0"].ravel().tolist()  # example 1's, so far


def test_a_neuron_not_reached_yet_says_at_which_step_of_the_example(client):
    sid = open_page(client, PER_EXAMPLE)
    client.post(f"/ui/{sid}/view", data={"neuron": "2,0"})
    html = step_to(client, sid, "a1@1")
    assert html.select("#neuron p.muted")[-1].get_text(strip=True) == (
        "Nothing computed for this unit yet for example 2: its z comes at step z[2](2).")
