"""The computation graph panel of the step page (GET /ui/{sid}/graph), read by CSS selector and
checked against the JSON API's graph of the same example."""

from __future__ import annotations

import pytest
from conftest import soup

API = "/api/sessions"


def open_page(client, url: str) -> str:
    assert client.get(url, follow_redirects=True).status_code == 200
    return client.cookies.get("bs_session")


def test_graph_waits_for_the_forward_pass_in_both_languages(client):
    sid = open_page(client, "/?preset=logistic")
    html = soup(client.get(f"/ui/{sid}/graph?lang=en"))
    assert "needs this example's forward pass" in html.select_one("#graph-wait").get_text()
    assert html.select_one("svg.comp-graph") is None
    html = soup(client.get(f"/ui/{sid}/graph?lang=zh"))
    assert "前向传播" in html.select_one("#graph-wait").get_text()
    stage = soup(client.get("/?lang=en"))
    button = stage.select_one("#btn-graph")
    assert button["hx-get"] == f"/ui/{sid}/graph" and button["hx-target"] == "#graph-panel"


def test_logistic_regression_is_drawn_whole_with_value_and_grad_on_every_node(client, app):
    sid = open_page(client, "/?preset=logistic")
    client.post(f"/ui/{sid}/forward")
    client.post(f"/ui/{sid}/view", data={"example_number": 2})
    html = soup(client.get(f"/ui/{sid}/graph?lang=en"))
    api = client.get(f"{API}/{sid}/graph", params={"example": 1}).json()
    nodes = html.select("svg.comp-graph g.g-node")
    # x1..x3, W[1]11..13, three products, b, z, a, y, L: the lecture's x, w, b → z → a → L
    assert len(nodes) == len(api["nodes"]) == 14
    expected = {n["id"]: n for n in api["nodes"]}
    for g in nodes:
        node = expected[g["data-id"]]
        assert float(g["data-value"]) == node["value"]
        assert float(g["data-grad"]) == node["grad"]
        assert len(g.select("text")) == 3  # name, v, g
    assert html.select_one("#graph-view")["data-example"] == "2"
    assert len(html.select("line.g-edge")) == sum(len(n["inputs"]) for n in api["nodes"])
    shapes = [li.get_text() for li in html.select(".shapes li")]
    assert shapes == ["W[1]: 1×3 · ∂L(2)/∂W[1]: 1×3 ✓", "b[1]: 1×1 · ∂L(2)/∂b[1]: 1×1 ✓"]
    assert "foo and dfoo always have the same shape" in html.select_one(".foo-dfoo").get_text()
    client.post(f"/ui/{sid}/view", data={"notation": "rows"})
    html = soup(client.get(f"/ui/{sid}/graph?lang=zh"))
    shapes = [li.get_text() for li in html.select(".shapes li")]
    assert shapes[0] == "W[1]: 3×1 · ∂L(2)/∂W[1]: 3×1 ✓"
    assert "维度总是一致" in html.select_one(".foo-dfoo").get_text()


def test_a_large_network_shows_the_paths_into_the_chosen_neuron(client):
    sid = open_page(client, "/?preset=deep")
    client.post(f"/ui/{sid}/forward")
    html = soup(client.get(f"/ui/{sid}/graph?lang=en"))
    ids = [g["data-id"] for g in html.select("g.g-node")]
    # the first output unit by default: 3 inputs a[4], 3 weights, 3 products, b, z, a, L
    assert sorted(ids) == sorted(["a4[0]", "a4[1]", "a4[2]", "W5[0,0]", "W5[0,1]", "W5[0,2]",
                                  "W5[0,0]*a4[0]", "W5[0,1]*a4[1]", "W5[0,2]*a4[2]", "b5[0]",
                                  "z5[0]", "a5[0]", "L"])
    assert "130 nodes" in html.select_one("#graph-view").get_text()
    client.post(f"/ui/{sid}/view", data={"neuron": "2,3"})  # unit 4 of layer 2
    html = soup(client.get(f"/ui/{sid}/graph"))
    ids = {g["data-id"] for g in html.select("g.g-node")}
    assert {"z2[3]", "a2[3]", "b2[3]", "W2[3,0]", "W2[3,1]", "a1[0]", "a1[1]", "L"} == ids - {
        "W2[3,0]*a1[0]", "W2[3,1]*a1[1]"}
    assert html.select("line.g-edge.later")  # L is reached through the later layers
    api = {n["id"]: n for n in client.get(f"{API}/{sid}/graph").json()["nodes"]}
    nodes = html.select("g.g-node")
    assert len(nodes) == len(ids) == 10
    for g in nodes:
        assert float(g["data-grad"]) == api[g["data-id"]]["grad"]


def test_per_example_mode_graphs_the_example_under_way(client):
    sid = open_page(client, "/?preset=ufldl_per_example")
    html = soup(client.post(f"/ui/{sid}/next"))  # x(1) picked: no forward pass yet
    assert soup(client.get(f"/ui/{sid}/graph")).select_one("#graph-wait") is not None
    client.post(f"/ui/{sid}/forward")
    client.post(f"/ui/{sid}/backward")
    client.post(f"/ui/{sid}/forward")  # example 2's forward pass
    html = soup(client.get(f"/ui/{sid}/graph"))
    assert html.select_one("#graph-view")["data-example"] == "2"
    loss = client.get(f"{API}/{sid}").json()
    steps = {s["id"]: s for s in loss["steps"]}
    l2 = steps["L@1"]["outputs"][0]["value"]
    assert float(html.select_one('g.g-node[data-id="L"]')["data-value"]) == pytest.approx(
        l2, rel=1e-14)


@pytest.mark.parametrize("neuron", ["9,9", "0,1", "2,7"])
def test_a_neuron_outside_the_network_falls_back_to_the_first_output_unit(client, neuron):
    sid = open_page(client, "/?preset=deep")
    client.post(f"/ui/{sid}/forward")
    client.post(f"/ui/{sid}/view", data={"neuron": neuron})
    html = soup(client.get(f"/ui/{sid}/graph"))
    assert {"z5[0]", "a5[0]", "L"} <= {g["data-id"] for g in html.select("g.g-node")}
