"""Two ways through the backward pass that the notes teach, against the default plan:
the output δ the long way (dA[L] = ∂L/∂A[L], then dZ[L] = dA[L] ⊙ g'(Z[L]), notes 000 and 003)
and the UFLDL order (every δ first, then every gradient, note 002)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_engine_gradients import HIDDEN_PAIRS, OUTPUT_PAIRS, _stepper, random_case

from app.engine import build_plan

COLLAPSING = [p for p in OUTPUT_PAIRS if p[:2] in {("binary_cross_entropy", "sigmoid"),
                                                    ("cross_entropy", "softmax"),
                                                    ("squared_error", "linear")}]


def _gradients(spec, params, X, Y) -> dict:
    stepper = _stepper(spec, params, X, Y)
    stepper.forward()
    stepper.backward()
    return {k: v for k, v in stepper.values.items() if k.startswith(("dW", "db", "dZ"))}


@pytest.mark.parametrize("loss,output,k", COLLAPSING, ids=[f"{l}-{o}" for l, o, _ in COLLAPSING])
def test_chain_output_delta_equals_a_minus_y(loss, output, k):
    spec, params, X, Y = random_case(("tanh", "sigmoid"), output, loss, k, 0.1, seed=8)
    chain = dataclasses.replace(spec, output_delta="chain")
    assert spec.collapses and not chain.collapses
    ids = [step.id for step in build_plan(chain)]
    assert ids[ids.index("J") + 1:ids.index("J") + 3] == ["dA3", "dZ3"]
    stepper = _stepper(chain, params, X, Y)
    stepper.forward()
    stepper.backward()
    A, dA = stepper.values["A3"], stepper.values["dA3"]
    # dA[L] is the loss's own derivative, per example (no 1/m)
    expected_dA = {"binary_cross_entropy": -Y / A + (1 - Y) / (1 - A),
                   "cross_entropy": -Y / A, "squared_error": A - Y}[loss]
    np.testing.assert_allclose(dA, expected_dA, rtol=1e-12)
    np.testing.assert_allclose(stepper.values["dZ3"], A - Y, rtol=1e-9, atol=1e-14)
    fused = _gradients(spec, params, X, Y)
    for key, value in fused.items():
        np.testing.assert_allclose(stepper.values[key], value, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("hidden", HIDDEN_PAIRS, ids="-".join)
def test_deltas_first_computes_the_same_numbers_in_the_ufldl_order(hidden):
    spec, params, X, Y = random_case(hidden, "sigmoid", "squared_error", 2, 0.05, seed=4)
    ufldl = dataclasses.replace(spec, backward_order="deltas_first")
    ids = [step.id for step in build_plan(ufldl)]
    backward = ids[ids.index("J") + 1:-1]
    assert backward == ["dA3", "dZ3", "dA2", "dZ2", "dA1", "dZ1",
                        "dW3", "db3", "dW2", "db2", "dW1", "db1"]
    assert sorted(ids) == sorted(step.id for step in build_plan(spec))
    by_layer, deltas_first = _gradients(spec, params, X, Y), _gradients(ufldl, params, X, Y)
    assert by_layer.keys() == deltas_first.keys()
    for key in by_layer:
        np.testing.assert_array_equal(deltas_first[key], by_layer[key])


def test_training_runs_agree_in_every_mode():
    """Trained through the fast path, every mode lands on the same parameters."""
    spec, params, X, Y = random_case(("tanh", "relu"), "sigmoid", "binary_cross_entropy", 1,
                                     0.01, seed=2)
    results = []
    for output_delta in ("fused", "chain"):
        for order in ("by_layer", "deltas_first"):
            mode = dataclasses.replace(spec, output_delta=output_delta, backward_order=order)
            stepper = _stepper(mode, params, X, Y)
            stepper.train(25)
            results.append(stepper.current_params())
    for other in results[1:]:
        for key, value in results[0].items():
            np.testing.assert_allclose(other[key], value, rtol=1e-10, atol=1e-14)
