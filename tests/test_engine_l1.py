"""The L1 penalty (TensorFlow Playground's regulariser): J + λ·Σ|W|, dW + λ·sign(W), on W only.
Against finite differences (away from the kink, and at it with the smaller step), against the
L2 plan with λ = 0, and through the API's gradient check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_engine_gradients import HIDDEN_PAIRS, OUTPUT_PAIRS, _stepper, random_case

from app.engine.gradcheck import gradient_check


def _l1(spec, lam):
    return dataclasses.replace(spec, regularization="l1", weight_decay=lam)


@pytest.mark.parametrize("hidden", HIDDEN_PAIRS[:2], ids="-".join)
@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS[-3:],
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS[-3:]])
def test_l1_gradients_match_finite_differences(loss, output, k, hidden):
    spec, params, X, Y = random_case(hidden, output, loss, k, 0.0, seed=12)
    report = gradient_check(_l1(spec, 0.3), params, X, Y)
    assert report["relative_error"] < 1e-7 and report["verdict"] == "ok"
    assert report["kink_entries"] == 0


def test_l1_adds_lambda_sign_w_to_dw_and_lambda_abs_w_to_j():
    spec, params, X, Y = random_case(("tanh", "relu"), "sigmoid", "binary_cross_entropy", 2,
                                     0.0, seed=3)
    plain, l1 = _stepper(spec, params, X, Y), _stepper(_l1(spec, 0.2), params, X, Y)
    for s in (plain, l1):
        s.forward()
        s.backward()
    penalty = sum(np.abs(params[f"W{l}"]).sum() for l in (1, 2, 3))
    assert float(l1.values["J"]) == pytest.approx(float(plain.values["J"]) + 0.2 * penalty,
                                                  rel=1e-14)
    for l in (1, 2, 3):
        np.testing.assert_allclose(l1.values[f"dW{l}"], plain.values[f"dW{l}"]
                                   + 0.2 * np.sign(params[f"W{l}"]), rtol=1e-14)
        np.testing.assert_array_equal(l1.values[f"db{l}"], plain.values[f"db{l}"])
    assert r"\lvert W^{[l]}_{jk}\rvert" in l1.plan[l1.step_index["J"]].formula
    assert r"\mathrm{sign}(W^{[1]})" in l1.plan[l1.step_index["dW1"]].formula


def test_gradient_check_steps_around_the_kink_and_counts_it():
    spec, params, X, Y = random_case(("tanh", "tanh"), "sigmoid", "binary_cross_entropy", 1,
                                     0.0, seed=5)
    params["W1"][0, 0], params["W2"][1, 1], params["W3"][0, 2] = 3e-6, -7e-7, 0.0
    report = gradient_check(_l1(spec, 0.5), params, X, Y)
    assert report["kink_entries"] == 2  # w = 0 exactly needs no care: both sides give λh
    assert report["verdict"] == "ok", report["errors"]
    assert report["numeric"]["W1"][0, 0] == pytest.approx(report["backprop"]["W1"][0, 0],
                                                          rel=1e-6)


def test_l1_through_the_api(client):
    config = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "dataset": "xor",
              "regularization": "l1", "weight_decay": 0.1, "seed": 1}
    sid = client.post("/api/sessions", json=config).json()["id"]
    client.post(f"/api/sessions/{sid}/forward")
    report = client.post(f"/api/sessions/{sid}/gradcheck").json()
    assert report["verdict"] == "ok" and report["kink_entries"] == 0
    bad = client.post("/api/sessions", json=config | {"regularization": "l3"})
    assert bad.status_code == 422 and "regularization" in bad.text
