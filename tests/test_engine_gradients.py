"""Backprop against central finite differences of J, for every valid output activation × loss.

The backprop gradients are read from a Stepper after its forward and backward passes
(values["dW{l}"], values["db{l}"]); the numeric ones come from app.engine.gradcheck, which runs
the plan's forward and loss steps with one parameter entry moved by ±h.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.engine import ACTIVATIONS, NetworkSpec, Stepper, gradcheck
from app.engine.gradcheck import check_stepper, gradient_check, numeric_gradients

H = 1e-5
TOLERANCE = 1e-7

# (loss, output activation, output units): every pair the config accepts.
OUTPUT_PAIRS = [
    ("squared_error", "sigmoid", 2),
    ("squared_error", "tanh", 2),
    ("squared_error", "relu", 2),
    ("squared_error", "leaky_relu", 2),
    ("squared_error", "linear", 2),
    ("squared_error", "softmax", 3),
    ("binary_cross_entropy", "sigmoid", 2),
    ("cross_entropy", "softmax", 3),
]
# Two hidden layers; every hidden activation appears in both positions.
HIDDEN_PAIRS = [
    ("sigmoid", "tanh"),
    ("tanh", "relu"),
    ("relu", "leaky_relu"),
    ("leaky_relu", "linear"),
    ("linear", "sigmoid"),
]
KINKED = {"relu", "leaky_relu"}


def _targets(loss: str, output: str, k: int, m: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "cross_entropy":
        return np.eye(k)[:, rng.integers(0, k, m)]  # one-hot columns
    if loss == "binary_cross_entropy":
        return rng.uniform(0.0, 1.0, (k, m))  # soft targets in [0, 1]
    if output == "softmax":
        return rng.dirichlet(np.ones(k), m).T  # probability columns
    if output == "tanh":
        return rng.uniform(-0.9, 0.9, (k, m))
    if output == "sigmoid":
        return rng.uniform(0.05, 0.95, (k, m))
    return rng.normal(0.0, 1.0, (k, m))


def _params(spec: NetworkSpec, rng: np.random.Generator, scale: float = 0.5) -> dict:
    params = {}
    for l in range(1, spec.depth + 1):
        params[f"W{l}"] = rng.normal(0.0, scale, (spec.layers[l], spec.layers[l - 1]))
        params[f"b{l}"] = rng.normal(0.0, scale, (spec.layers[l], 1))
    return params


def _min_abs_z_at_kinks(spec: NetworkSpec, params: dict, X: np.ndarray) -> float:
    """Smallest |z| over the units whose activation has a kink at 0 (inf if there are none)."""
    a, smallest = X, np.inf
    for l in range(1, spec.depth + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"]
        if spec.activations[l - 1] in KINKED:
            smallest = min(smallest, float(np.abs(z).min()))
        a = ACTIVATIONS[spec.activations[l - 1]].forward(z)
    return smallest


def random_case(hidden: tuple[str, str], output: str, loss: str, k: int, lam: float,
                seed: int, m: int = 6):
    """A random 3-4-3-k network (weights ~ N(0, 0.5²)), data and valid targets.

    Draws again until no relu/leaky_relu unit sits within 1e-3 of its kink: finite differences
    with h = 1e-5 are then exact up to O(h²) (a kink inside ±h would make them meaningless).
    """
    spec = NetworkSpec((3, 4, 3, k), (*hidden, output), loss, lam)
    rng = np.random.default_rng(seed)
    for _ in range(100):
        params = _params(spec, rng)
        X = rng.normal(0.0, 1.0, (3, m))
        if _min_abs_z_at_kinks(spec, params, X) > 1e-3:
            return spec, params, X, _targets(loss, output, k, m, rng)
    raise AssertionError("no kink-free draw")  # pragma: no cover


def _stepper(spec, params, X, Y, **kwargs) -> Stepper:
    weights = [params[f"W{l}"] for l in range(1, spec.depth + 1)]
    biases = [params[f"b{l}"] for l in range(1, spec.depth + 1)]
    return Stepper(spec, X, Y, weights, biases, learning_rate=0.1, **kwargs)


def _stepper_gradients(stepper: Stepper) -> dict[str, np.ndarray]:
    if stepper.c <= stepper.loss_index or stepper.c == stepper.steps_per_iteration:
        stepper.forward()
    stepper.backward()
    assert stepper.next_step.id == "update"
    return {f"{p}{l}": stepper.values[f"d{p}{l}"]
            for l in range(1, stepper.spec.depth + 1) for p in ("W", "b")}


def _overall(a: dict, b: dict) -> float:
    x = np.concatenate([a[key].ravel() for key in sorted(a)])
    y = np.concatenate([b[key].ravel() for key in sorted(a)])
    return float(np.linalg.norm(x - y) / (np.linalg.norm(x) + np.linalg.norm(y)))


@pytest.mark.parametrize("lam", [0.0, 0.1])
@pytest.mark.parametrize("hidden", HIDDEN_PAIRS, ids="-".join)
@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS,
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS])
def test_backprop_matches_finite_differences(loss, output, k, hidden, lam):
    seed = OUTPUT_PAIRS.index((loss, output, k)) * 100 + HIDDEN_PAIRS.index(hidden) * 10
    spec, params, X, Y = random_case(hidden, output, loss, k, lam, seed)
    grads = _stepper_gradients(_stepper(spec, params, X, Y))
    numeric = numeric_gradients(spec, params, X, Y, h=H)

    error = _overall(grads, numeric)
    assert error < TOLERANCE, f"relative error {error:.3g}"
    # Not vacuous: the gradient is far from zero…
    assert np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])) > 1e-3
    for key, g in grads.items():
        assert g.shape == params[key].shape
    # …and weight decay adds exactly λW to dW, nothing to db.
    undecayed = _stepper_gradients(_stepper(dataclasses.replace(spec, weight_decay=0.0),
                                            params, X, Y))
    for key, g in grads.items():
        extra = lam * params[key] if key.startswith("W") else 0.0
        np.testing.assert_allclose(g, undecayed[key] + extra, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS,
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS])
def test_gradient_check_report(loss, output, k):
    spec, params, X, Y = random_case(("tanh", "leaky_relu"), output, loss, k, 0.1, seed=7)
    before = {key: v.copy() for key, v in params.items()}
    report = gradient_check(spec, params, X, Y, h=H)

    assert report["relative_error"] < TOLERANCE
    assert report["h"] == H
    assert set(report["backprop"]) == set(params) == set(report["numeric"])
    assert set(report["entry_errors"]) == set(params) == set(report["errors"])
    for key, value in params.items():
        assert report["backprop"][key].shape == value.shape
        assert report["numeric"][key].shape == value.shape
        assert report["entry_errors"][key].shape == value.shape
        assert report["errors"][key] < TOLERANCE
        np.testing.assert_array_equal(value, before[key])  # the caller's params are untouched
    assert report["max_entry_error"] < 1e-4
    # The backprop half is the plan's own backward pass: the stepper gives the same numbers.
    grads = _stepper_gradients(_stepper(spec, params, X, Y))
    for key, g in grads.items():
        np.testing.assert_allclose(report["backprop"][key], g, rtol=1e-13, atol=1e-15)
    # And the loss is the loss step's J.
    stepper = _stepper(spec, params, X, Y)
    stepper.forward()
    assert report["loss"] == pytest.approx(stepper.loss, rel=1e-14)


def test_numeric_gradient_of_a_known_function():
    """One linear layer with squared error: dJ/dW = (1/m)(WX + b − Y)Xᵀ + λW in closed form."""
    rng = np.random.default_rng(3)
    lam, m = 0.25, 5
    spec = NetworkSpec((3, 2), ("linear",), "squared_error", lam)
    W, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    X, Y = rng.normal(size=(3, m)), rng.normal(size=(2, m))
    numeric = numeric_gradients(spec, {"W1": W, "b1": b}, X, Y)
    residual = W @ X + b - Y
    np.testing.assert_allclose(numeric["W1"], residual @ X.T / m + lam * W, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(numeric["b1"], residual.mean(axis=1, keepdims=True),
                               rtol=1e-8, atol=1e-10)
    expected_j = 0.5 * np.sum(residual**2) / m + 0.5 * lam * np.sum(W**2)
    assert gradcheck.loss(spec, {"W1": W, "b1": b}, X, Y) == pytest.approx(expected_j, rel=1e-14)


def test_gradient_check_catches_a_wrong_derivative(monkeypatch):
    spec, params, X, Y = random_case(("tanh", "tanh"), "sigmoid", "squared_error", 2, 0.0, 11)
    assert gradient_check(spec, params, X, Y)["relative_error"] < TOLERANCE
    wrong = dataclasses.replace(ACTIVATIONS["tanh"], derivative=lambda z, a: 1.0 - a,
                                fused_backward=lambda da, z, a: da * (1.0 - a))
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    report = gradient_check(spec, params, X, Y)
    assert report["relative_error"] > 1e-3
    # The output layer does not use tanh': its gradients still agree; the hidden ones do not.
    assert report["errors"]["W3"] < TOLERANCE
    assert report["errors"]["W1"] > 1e-3


def test_gradient_check_rejects_wrong_shapes():
    spec, params, X, Y = random_case(("tanh", "tanh"), "linear", "squared_error", 2, 0.0, 1)
    params["W2"] = params["W2"].T
    with pytest.raises(ValueError, match="W2 must be 3×4"):
        gradient_check(spec, params, X, Y)


@pytest.mark.parametrize("lam", [0.0, 0.1])
def test_minibatch_gradients_are_of_the_batch_loss(lam):
    spec, params, X, Y = random_case(("tanh", "sigmoid"), "softmax", "cross_entropy", 3, lam,
                                     seed=5, m=20)
    stepper = _stepper(spec, params, X, Y, batch_size=6, seed=4)
    stepper.train(5)
    stepper.forward()  # iteration 5: the 2nd batch of the 2nd epoch (batches of 6, 6, 6, 2)
    assert stepper.t == 5
    cols = stepper.batch_columns(5)
    assert len(cols) == 6
    np.testing.assert_array_equal(stepper.values["A0"], X[:, cols])
    at = {key: value.copy() for key, value in stepper.params.items()}
    grads = _stepper_gradients(stepper)

    numeric = numeric_gradients(spec, at, X[:, cols], Y[:, cols], h=H)
    assert _overall(grads, numeric) < TOLERANCE
    # …and not of the full data set's loss.
    full = numeric_gradients(spec, at, X, Y, h=H)
    assert _overall(grads, full) > 1e-3
    # check_stepper differentiates the same thing: the current parameters on the current batch.
    report = check_stepper(stepper)
    assert report["relative_error"] < TOLERANCE
    for key in grads:
        np.testing.assert_allclose(report["backprop"][key], grads[key], rtol=1e-13, atol=1e-15)
