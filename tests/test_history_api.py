"""GET /api/sessions/{id}/history: the training charts' numbers, per completed iteration."""

from __future__ import annotations

import numpy as np
import pytest

API = "/api/sessions"


def test_history_has_every_chart_series_per_iteration(client):
    config = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "dataset": "moons",
              "samples": 40, "test_ratio": 0.25, "seed": 2, "learning_rate": 0.5}
    sid = client.post(API, json=config).json()["id"]
    losses = []
    for _ in range(3):  # the loss of each iteration, as the state reports it after its forward
        losses.append(client.post(f"{API}/{sid}/forward").json()["loss"])
        client.post(f"{API}/{sid}/backward")
        state = client.post(f"{API}/{sid}/update").json()
    client.post(f"{API}/{sid}/learning-rate", json={"learning_rate": 0.1})
    client.post(f"{API}/{sid}/train", json={"iterations": 2})
    body = client.get(f"{API}/{sid}/history").json()
    assert body["completed"] == 5 and body["iteration"] == [1, 2, 3, 4, 5]
    assert body["loss"][:3] == losses
    assert body["learning_rate"] == [0.5, 0.5, 0.5, 0.1, 0.1]
    assert {"accuracy", "test_loss", "test_accuracy", "grad_norms"} <= body.keys()
    assert all(len(body[k]) == 5 for k in ("loss", "accuracy", "test_loss", "test_accuracy"))
    # ‖dW[l]‖ of iteration 3, from that iteration's own gradients
    dW = [np.array(layer["dW"]) for layer in state["layers"]]
    assert body["grad_norms"][2] == pytest.approx([np.linalg.norm(g) for g in dW], rel=1e-12)


def test_history_of_an_unknown_session_is_404(client):
    response = client.get(f"{API}/{'f' * 32}/history")
    assert response.status_code == 404 and response.json()["error"] == "session_not_found"
