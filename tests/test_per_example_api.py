"""Per-example mode through the JSON API: the state names the example under way and the sums
ΔW, Δb accumulated so far; a stored session comes back at the same step."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

API = "/api/sessions"
CONFIG = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "dataset": "xor", "seed": 3,
          "gradient_mode": "per_example", "examples_shown": 2, "weight_decay": 0.01}


def test_state_follows_the_examples(client):
    state = client.post(API, json=CONFIG).json()
    sid = state["id"]
    assert state["example"] is None and state["layers"][0]["dW_sum"] is None
    state = client.post(f"{API}/{sid}/forward").json()
    assert (state["cursor"], state["example"], state["loss"]) == ("dz2@0", 0, None)
    state = client.post(f"{API}/{sid}/backward").json()
    assert state["cursor"] == "x@1"
    first = np.array(state["layers"][0]["dW_sum"])
    x0 = np.array(state["X"])[:, 0]
    steps = {s["id"]: s for s in state["steps"]}
    dz1 = np.array(steps["dz1@0"]["outputs"][0]["value"])
    np.testing.assert_allclose(first, dz1 @ x0.reshape(1, -1), rtol=1e-14)  # δ(1)·x(1)ᵀ
    assert steps["gW1@0"]["outputs"][0]["shape"] == [3, 2]
    assert steps["SW1@0"]["formula"].startswith(r"\Delta W^{[1]} := 0 + dW^{[1](1)}")
    state = client.post(f"{API}/{sid}/forward").json()
    state = client.post(f"{API}/{sid}/backward").json()
    assert state["example"] == 1
    state = client.post(f"{API}/{sid}/forward").json()  # examples 3 and 4 at once, then J
    assert state["example"] is None and state["loss"] is not None
    state = client.post(f"{API}/{sid}/backward").json()
    layer = state["layers"][0]
    np.testing.assert_allclose(layer["dW"], np.array(layer["dW_sum"]) / 4
                               + 0.01 * np.array(layer["W"]), rtol=1e-14)


def test_per_example_and_batch_sessions_train_to_the_same_parameters(client):
    runs = []
    for mode in ("batch", "per_example"):
        sid = client.post(API, json=CONFIG | {"gradient_mode": mode}).json()["id"]
        runs.append(client.post(f"{API}/{sid}/train", json={"iterations": 20}).json())
    for a, b in zip(runs[0]["layers"], runs[1]["layers"], strict=True):
        np.testing.assert_allclose(b["W"], a["W"], rtol=1e-12)
        np.testing.assert_allclose(b["b"], a["b"], rtol=1e-12)


def test_a_stored_session_comes_back_mid_example(app, client):
    sid = client.post(API, json=CONFIG).json()["id"]
    for _ in range(7):
        client.post(f"{API}/{sid}/next")
    before = client.get(f"{API}/{sid}").json()
    app.state.store.close()
    again = create_app(Settings(data_dir=app.state.settings.data_dir, rate_limit=0,
                                store="sqlite"))
    with TestClient(again) as other:
        after = other.get(f"{API}/{sid}").json()
    again.state.store.close()
    assert after["cursor"] == before["cursor"] == "gW2@0"
    assert after["steps"] == before["steps"]


@pytest.mark.parametrize("shown", [0, 17])
def test_examples_shown_is_bounded(client, shown):
    response = client.post(API, json=CONFIG | {"examples_shown": shown})
    assert response.status_code == 422
    assert "examples_shown" in response.text


def test_gradient_check_of_a_per_example_session(client):
    sid = client.post(API, json=CONFIG).json()["id"]
    client.post(f"{API}/{sid}/forward")
    report = client.post(f"{API}/{sid}/gradcheck")
    assert report.status_code == 200, report.text
    assert report.json()["verdict"] == "ok"
