"""POST /api/sessions/{id}/gradcheck: backprop against central differences, with verdicts, for
the current iteration; a 404 for an unknown id and a 422 naming the limit for a costly check."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import API, create

from app.engine import evaluate
from app.engine import gradcheck as engine_gradcheck
from app.engine.gradcheck import estimated_seconds
from app.engine.steps import NetworkSpec
from app.gradcheck_report import MAX_SECONDS
from app.presets import PRESETS

VERDICTS = {"ok", "check", "wrong"}


def gradcheck(client, sid: str, status: int = 200) -> dict:
    response = client.post(f"{API}/{sid}/gradcheck")
    assert response.status_code == status, response.text[:2000]
    return response.json()


NETS = {
    "xor": PRESETS["xor"].config,
    "ufldl-decay": PRESETS["ufldl"].config,
    "softmax-relu-ce": PRESETS["softmax"].config,
    "sine-linear": PRESETS["sine"].config,
    "deep-leaky-softmax-se": {"layers": [2, 5, 4, 3], "activations": ["tanh", "leaky_relu",
                                                                     "softmax"],
                              "loss": "squared_error", "dataset": "spiral", "samples": 20,
                              "weight_decay": 0.01, "seed": 4},
    "minibatch": {"layers": [2, 6, 1], "activations": ["sigmoid", "sigmoid"],
                  "dataset": "moons", "samples": 40, "batch_size": 8, "seed": 2},
}


@pytest.mark.parametrize("name", list(NETS))
def test_backprop_agrees_with_finite_differences(client, app, name):
    sid = create(client, **NETS[name])["id"]
    client.post(f"{API}/{sid}/train", json={"iterations": 3})
    for _ in range(3):  # mid-iteration: the check is of this iteration's parameters and batch
        client.post(f"{API}/{sid}/next")
    report = gradcheck(client, sid)
    assert report["relative_error"] < 1e-7
    assert report["verdict"] == "ok"
    stepper = app.state.store.get(sid).stepper
    # Iteration 4 (3 trained, 3 steps into the 4th), numbered as the page numbers it.
    assert report["iteration"] == stepper.t + 1 == 4 and report["step"] == stepper.c == 3
    assert report["examples"] == stepper.values["A0"].shape[1]
    assert report["entries"] == sum(p.size for p in stepper.params.values())
    assert report["h"] == 1e-5
    for key, p in report["parameters"].items():
        assert p["relative_error"] < 1e-7 and p["verdict"] == "ok", key
        # The backprop gradient is the one the stepper's backward pass computes.
        stepper_grad = _backward_gradient(client, app, sid, key)
        np.testing.assert_allclose(p["backprop"], stepper_grad, rtol=1e-12, atol=1e-15)


def _backward_gradient(client, app, sid: str, key: str) -> np.ndarray:
    """The stepper's own dW or db of this iteration (its forward and backward passes run)."""
    if "d" + key not in app.state.store.get(sid).stepper.values:
        assert client.post(f"{API}/{sid}/forward").status_code == 200
        assert client.post(f"{API}/{sid}/backward").status_code == 200
    return app.state.store.get(sid).stepper.values["d" + key]


def test_report_fields(client, app):
    sid = create(client, layers=[2, 3, 2], activations=["tanh", "softmax"],
                 loss="cross_entropy", dataset="gaussians", samples=10)["id"]
    before = client.get(f"{API}/{sid}").json()
    report = gradcheck(client, sid)
    assert list(report["parameters"]) == ["W1", "b1", "W2", "b2"]
    shapes = {"W1": [3, 2], "b1": [3, 1], "W2": [2, 3], "b2": [2, 1]}
    for key, p in report["parameters"].items():
        assert p["name"] == key and p["shape"] == shapes[key]
        for field in ("backprop", "numeric", "entry_errors", "differences", "entry_verdicts"):
            assert np.array(p[field]).shape == tuple(shapes[key]), field
        assert p["verdict"] in VERDICTS
        assert {v for row in p["entry_verdicts"] for v in row} <= VERDICTS
        assert p["max_entry_error"] == pytest.approx(np.max(p["entry_errors"]))
        g, n = np.array(p["backprop"]), np.array(p["numeric"])
        assert p["relative_error"] == pytest.approx(
            np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)))
    assert report["thresholds"] == {"ok": 1e-7, "check": 1e-4}
    assert report["verdict"] in VERDICTS
    stepper = app.state.store.get(sid).stepper
    assert report["loss"] == evaluate.loss(stepper.spec, stepper.params, stepper.values["A0"],
                                           stepper.values["Y"])
    assert 0 < report["resolution"] < 1e-8
    assert report["max_entry_error"] == max(p["max_entry_error"]
                                            for p in report["parameters"].values())
    assert 0 <= report["estimated_seconds"] < MAX_SECONDS and report["seconds"] >= 0
    # Checking changes nothing: same position, same numbers.
    after = client.get(f"{API}/{sid}").json()
    assert (after["iteration"], after["cursor"]) == (before["iteration"], before["cursor"])
    assert after["layers"][0]["W"] == before["layers"][0]["W"]


def test_zero_gradients_are_ok_not_wrong(client):
    """Zero initialisation: dW2 is exactly 0 while the central difference is ~1e-12 of rounding
    noise, a relative error of 1. Below the resolution of the differences that is "ok"."""
    sid = create(client, **{**PRESETS["symmetry"].config, "init": "zeros"})["id"]
    report = gradcheck(client, sid)
    w2 = report["parameters"]["W2"]
    assert np.all(np.array(w2["backprop"]) == 0.0)
    assert w2["relative_error"] > 0.5 and w2["max_difference"] < report["resolution"]
    assert w2["verdict"] == "ok" and report["verdict"] == "ok"


@pytest.mark.parametrize("factor,verdict", [(1.0 + 1e-6, "check"), (2.0, "wrong")])
def test_a_wrong_backprop_is_caught(client, monkeypatch, factor, verdict):
    """Scale backprop's dW1 (a bug in the backward pass): the check must say so."""
    real = engine_gradcheck.backprop_gradients

    def broken(*args, **kwargs):
        grads = real(*args, **kwargs)
        grads["W1"] = grads["W1"] * factor
        return grads

    monkeypatch.setattr(engine_gradcheck, "backprop_gradients", broken)
    report = gradcheck(client, create(client, dataset="xor", seed=1)["id"])
    assert report["parameters"]["W1"]["verdict"] == verdict
    assert report["parameters"]["W2"]["verdict"] == "ok"
    assert report["verdict"] == verdict  # the overall verdict is the worst one


def test_unknown_session_is_a_404(client):
    response = client.post(f"{API}/no-such-session/gradcheck")
    assert response.status_code == 404
    assert response.json() == {"error": "session_not_found",
                               "message": "no session 'no-such-session': it may have expired"}


def test_a_costly_check_is_refused_naming_the_limit(client):
    config = {"layers": [64, 32, 32, 32, 32, 32, 32, 16],
              "activations": ["tanh"] * 6 + ["softmax"], "loss": "cross_entropy",
              "dataset": "random", "samples": 200}
    spec = NetworkSpec(tuple(config["layers"]), tuple(config["activations"]), config["loss"])
    assert estimated_seconds(spec, 200) > MAX_SECONDS
    sid = create(client, **config)["id"]
    body = gradcheck(client, sid, 422)
    message = body["message"]
    assert f"limit of {MAX_SECONDS:g} s" in message and "7,888 parameters" in message
    assert "200 examples" in message and "batch_size" in message
    # A mini-batch of one example brings the same network under the limit.
    assert estimated_seconds(spec, 1) < MAX_SECONDS



def test_a_network_that_blew_up_is_told_not_checked(client):
    """α = 50 on a ReLU regression diverges after a few dozen iterations (the engine stops at
    the last finite state). The finite differences there overflow: the check says so, as a 409
    in the API and as a message in the page, instead of failing."""
    sid = create(client, layers=[1, 16, 16, 1], activations=["relu", "relu", "linear"],
                 loss="squared_error", dataset="sine", learning_rate=50, init="he")["id"]
    trained = client.post(f"{API}/{sid}/train", json={"iterations": 200})
    assert trained.status_code == 422 and "diverged" in trained.json()["message"]
    refused = gradcheck(client, sid, status=409)
    assert "not finite" in refused["message"] and "history" in refused["message"]
    client.cookies.set("bs_session", sid)
    page = client.post(f"/ui/{sid}/gradcheck")
    assert page.status_code == 200 and 'class="error"' in page.text and "not finite" in page.text
    # Back in the history, before the blow-up, the check runs and backprop is right.
    client.post(f"{API}/{sid}/goto", json={"iteration": 3})
    assert gradcheck(client, sid)["verdict"] == "ok"
