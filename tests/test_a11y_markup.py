"""The page's accessible structure, through real HTTP: names, states, headers and the cues that
do not rely on colour (the browser side is tests/test_a11y_browser.py)."""

from __future__ import annotations

import numpy as np
from bs4 import BeautifulSoup
from conftest import soup

from app.sessions import ViewSettings
from app.views.equation import announcement
from app.views.i18n import translator


def start(client, lang: str = "en"):
    html = soup(client.get(f"/?lang={lang}"))
    return html, client.cookies.get("bs_session")


def step_to(client, sid, step_id: str) -> BeautifulSoup:
    for _ in range(60):
        html = soup(client.post(f"/ui/{sid}/next"))
        if html.select_one("#stage")["data-step"] == step_id:
            return html
    raise AssertionError(f"never reached {step_id}")


def test_the_drawing_is_a_group_of_labelled_neuron_buttons(client, app):
    html, sid = start(client)
    svg = html.select_one("svg.network")
    assert svg["role"] == "group" and svg["aria-label"] == "Network"
    neurons = svg.select("g.neuron")
    assert [n["id"] for n in neurons] == ["neuron-0-0", "neuron-0-1", "neuron-1-0",
                                          "neuron-1-1", "neuron-2-0"]
    assert all(n["role"] == "button" and n["aria-pressed"] == "false" for n in neurons)
    s = app.state.store.get(sid).stepper
    first = neurons[0]
    # The name starts with the number the neuron shows and gives the exact value.
    assert first["aria-label"].startswith(first.select_one("text").text + " · [0] #1: x_1 = ")
    html = soup(client.post(f"/ui/{sid}/view", data={"neuron": "1,1"}))
    assert html.select_one("#neuron-1-1")["aria-pressed"] == "true"
    assert html.select_one("#neuron-1-0")["aria-pressed"] == "false"
    assert s.spec.layers == (2, 2, 1)


def test_edges_are_dashed_when_negative_and_listed_in_the_neuron_panel(client, app):
    html, sid = start(client)
    s = app.state.store.get(sid).stepper
    w = s.current_params()["W1"]
    lines = html.select("line.edge[data-layer='1']:not(.bias)")
    assert len(lines) == w.size == 4  # XOR 2-2-1: every weight of W[1] drawn
    for line in lines:
        value = w[int(line["data-row"]), int(line["data-col"])]
        assert ("neg" in line["class"]) == (value < 0)
    assert any("neg" in line["class"] for line in html.select("line.edge"))
    step_to(client, sid, "dW1")
    html = soup(client.post(f"/ui/{sid}/view", data={"neuron": "1,0"}))
    s = app.state.store.get(sid).stepper
    dw = s.values["dW1"]
    lines = html.select("line.edge[data-layer='1']:not(.bias)")
    assert len(lines) == dw.size == 4
    for line in lines:  # dW drawn now
        value = dw[int(line["data-row"]), int(line["data-col"])]
        assert ("neg" in line["class"]) == (value < 0)
    rows = html.select("#neuron details.incoming tbody tr")
    assert [r.th.text for r in rows] == ["W[1]_1,1", "W[1]_1,2", "b[1]_1"]
    params = s.current_params()
    assert [r.select("td")[0].text for r in rows[:2]] == [
        f"{params['W1'][0, k]:.4g}".replace("-", "−") for k in range(2)]
    assert rows[0].select("td")[1].text == f"{dw[0, 0]:.4g}".replace("-", "−")


def test_timeline_chips_say_their_state_without_colour(client):
    _, sid = start(client)
    html = step_to(client, sid, "A1")
    chips = html.select(".timeline button")
    assert [c["id"] for c in chips[:3]] == ["chip-1", "chip-2", "chip-3"]
    assert [c.get("aria-current") for c in chips[:3]] == [None, "step", None]
    assert chips[0].select_one(".mark").text == "✓"
    assert chips[0].select_one(".visually-hidden").text == " (done)"
    assert chips[1].select_one(".visually-hidden").text == " (current step)"
    assert chips[2].select_one(".visually-hidden").text == " (to do)"
    assert not chips[2].select(".mark")


def test_matrices_have_row_and_column_headers_and_mark_the_example(client):
    _, sid = start(client)
    client.post(f"/ui/{sid}/view", data={"example_number": "3"})
    html = step_to(client, sid, "Z1")
    table = html.select_one(".outputs .matrix table")
    heads = table.select("thead th[scope=col]")
    assert [h.text.replace("▸", "").split(" (")[0] for h in heads] == ["1", "2", "3", "4"]
    assert [("sel" in (h.get("class") or [])) for h in heads] == [False, False, True, False]
    assert heads[2].select_one(".visually-hidden").text == " (selected example)"
    assert [th.text for th in table.select("tbody th[scope=row]")] == ["1", "2"]
    # In row notation the example is a row: its row header is the marked one.
    html = soup(client.post(f"/ui/{sid}/view", data={"notation": "rows"}))
    rows = html.select(".outputs .matrix tbody th[scope=row]")
    assert [("sel" in (h.get("class") or [])) for h in rows] == [False, False, True, False]


def test_charts_have_a_name_a_summary_and_a_table_of_values(client, app):
    _, sid = start(client)
    html = soup(client.post(f"/ui/{sid}/train", data={"iterations": "30"}))
    s = app.state.store.get(sid).stepper
    chart = html.select_one("#loss-chart svg.line-chart")
    assert chart["role"] == "img"
    assert chart["aria-labelledby"] == "loss-chart-title loss-chart-summary"
    assert html.select_one("#loss-chart-title").text == "Loss per iteration"
    summary = html.select_one("#loss-chart-summary").text
    assert summary.startswith("30 iterations;") and "train: " in summary
    rows = html.select("#loss-chart details.chart-data tbody tr")
    assert [int(r.th.text) for r in rows][0] == 1 and int(rows[-1].th.text) == 30
    assert len(rows) <= 21
    assert rows[-1].td.text == f"{s.losses[-1]:.4g}"
    grad_keys = html.select("#grad-chart .keys .key")
    assert [k.text for k in grad_keys] == ["dW[1]", "dW[2]"]
    assert [k.select_one("line")["class"] for k in grad_keys] == [["series", "s0"],
                                                                  ["series", "s1"]]
    assert html.select_one("#train-progress")["aria-label"] == "Training progress"


def test_language_links_name_their_language_and_headings_do_not_skip(client):
    html, _ = start(client)
    zh = html.select_one(".lang a[data-lang=zh]")
    assert zh["lang"] == "zh-Hans" and zh["hreflang"] == "zh-Hans"
    assert html.select_one(".lang a[data-lang=en]")["lang"] == "en"
    levels = [int(h.name[1]) for h in html.select("h1, h2, h3, h4, h5, h6")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert html.select_one("#setup summary h2")


def test_a_refused_setup_names_its_fields_for_the_page_to_mark(client):
    start(client)
    form = {"layers": "2, 0, 1", "activations": "tanh, sigmoid"}
    html = soup(client.post("/ui/new", data=form))
    message = html.select_one("#setup-error-text")
    assert message["data-fields"] == "layers" and message["role"] == "alert"
    html = soup(client.post("/ui/new", data={"layers": "2,3,1", "activations": "tanh"}))
    assert html.select_one("#setup-error-text")["data-fields"] == "activations"


def test_the_announcement_names_the_value_its_shape_and_a_number(client, app):
    _, sid = start(client)
    s = app.state.store.get(sid).stepper
    t, zh = translator("en"), translator("zh")
    assert announcement(s, ViewSettings(), t) == "Iteration 1: nothing computed yet."
    step_to(client, sid, "Z1")
    s = app.state.store.get(sid).stepper
    z = s.values["Z1"]
    value = f"{z[0, 2]:.4g}".replace("-", "−")
    assert announcement(s, ViewSettings(example=2), t) == (
        f"Z[1] computed: 2×4, Z[1][1,3] = {value}")
    assert announcement(s, ViewSettings(example=2, rows=True), zh) == (
        f"已计算 Z[1]:4×2,Z[1][3,1] = {value}")
    assert np.shape(z) == (2, 4)
