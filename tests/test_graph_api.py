"""GET /api/sessions/{id}/graph: the scalar graph of one example's loss, through real HTTP."""

from __future__ import annotations

import numpy as np
import pytest

API = "/api/sessions"


@pytest.fixture
def logistic(client) -> str:
    """Logistic regression 2-1 on given data, so every number can be worked out by hand."""
    config = {"layers": [2, 1], "activations": ["sigmoid"], "loss": "binary_cross_entropy",
              "data": {"X": [[2.0, 1.0], [-1.0, 0.5], [0.0, -2.0]], "Y": [[1], [0], [1]]},
              "parameters": {"W": [[[0.5, -1.0]]], "b": [[0.25]]}, "test_ratio": 0}
    response = client.post(API, json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_graph_waits_for_the_forward_pass(client, logistic):
    response = client.get(f"{API}/{logistic}/graph")
    assert response.status_code == 409
    assert response.json()["error"] == "graph_needs_forward"
    assert "forward pass" in response.json()["message"]


def test_graph_of_one_example_has_the_lectures_numbers(client, logistic):
    assert client.post(f"{API}/{logistic}/forward").status_code == 200
    body = client.get(f"{API}/{logistic}/graph", params={"example": 1}).json()
    assert body["example"] == 1
    nodes = {n["id"]: n for n in body["nodes"]}
    x, w, b, y = np.array([-1.0, 0.5]), np.array([0.5, -1.0]), 0.25, 0.0
    z = float(w @ x + b)
    a = 1 / (1 + np.exp(-z))
    assert nodes["z1[0]"]["value"] == pytest.approx(z, abs=1e-15)
    assert nodes["a1[0]"]["value"] == pytest.approx(a, abs=1e-15)
    assert body["loss"] == pytest.approx(-np.log(1 - a), rel=1e-13)
    assert nodes["z1[0]"]["grad"] == pytest.approx(a - y, rel=1e-13)  # dz = a − y
    for k in range(2):
        node = nodes[f"W1[0,{k}]"]
        assert (node["param"], node["index"]) == ("W1", [0, k])
        assert node["grad"] == pytest.approx(x[k] * (a - y), rel=1e-13)  # dw_k = x_k·dz
    assert nodes["b1[0]"] | {"grad": None} == {
        "id": "b1[0]", "op": "param", "label": "b^{[1]}_{1}", "value": 0.25, "grad": None,
        "inputs": [], "param": "b1", "index": [0]}
    assert nodes["L"]["inputs"] == ["a1[0]", "y[0]"]
    assert nodes["L"]["grad"] == 1.0


def test_example_grads_average_to_the_states_gradients(client):
    created = client.post(API, json={"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                                     "dataset": "xor", "seed": 4}).json()
    sid = created["id"]
    assert client.post(f"{API}/{sid}/forward").status_code == 200
    state = client.post(f"{API}/{sid}/backward").json()
    layers, m = state["layers"], len(state["X"][0])
    assert m == 4
    sums = {f"W{l}": np.zeros(np.shape(layers[l - 1]["dW"])) for l in (1, 2)}
    for i in range(m):
        for node in client.get(f"{API}/{sid}/graph", params={"example": i}).json()["nodes"]:
            if node.get("param", "").startswith("W"):
                sums[node["param"]][tuple(node["index"])] += node["grad"]
    for l in (1, 2):
        np.testing.assert_allclose(sums[f"W{l}"] / m, layers[l - 1]["dW"], rtol=1e-10)


def test_graph_refusals_name_the_field(client, logistic):
    client.post(f"{API}/{logistic}/forward")
    response = client.get(f"{API}/{logistic}/graph", params={"example": 3})
    assert response.status_code == 422
    assert response.json() == {
        "error": "example_out_of_range", "field": "example",
        "message": "example: between 0 and 2 (the batch has 3 examples), got 3"}
    missing = client.get(f"{API}/{'0' * 32}/graph")
    assert missing.status_code == 404
    assert missing.json()["error"] == "session_not_found"
