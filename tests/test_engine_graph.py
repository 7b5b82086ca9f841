"""The scalar computation graph of one example's loss L(i) (app/engine/graph.py), against
central finite differences of L(i), against the matrix engine's batch gradients, and against
the logistic-regression lecture's worked formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_engine_gradients import HIDDEN_PAIRS, OUTPUT_PAIRS, _stepper, random_case

from app.engine import NetworkSpec
from app.engine.evaluate import forward
from app.engine.graph import example_graph
from app.engine.losses import LOSSES

H = 1e-6


def _example_loss(spec: NetworkSpec, params: dict, x: np.ndarray, y: np.ndarray) -> float:
    """L(i) through the forward-only evaluator: one column, so no 1/m is left in it."""
    activations = forward(spec, params, x.reshape(-1, 1))
    L = spec.depth
    z = params[f"W{L}"] @ activations[-2] + params[f"b{L}"]
    return LOSSES[spec.loss].value(z, activations[-1], y.reshape(-1, 1))


@pytest.mark.parametrize("hidden", HIDDEN_PAIRS[:3], ids="-".join)
@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS,
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS])
def test_parameter_grads_match_finite_differences_of_the_example_loss(loss, output, k, hidden):
    spec, params, X, Y = random_case(hidden, output, loss, k, 0.0, seed=11)
    x, y = X[:, 2], Y[:, 2]
    graph = example_graph(spec, params, x, y)
    assert graph.nodes["L"].value == pytest.approx(_example_loss(spec, params, x, y), rel=1e-12)
    checked = 0
    for node in graph.nodes.values():
        if node.param is None:
            continue
        moved = {k: v.copy() for k, v in params.items()}
        index = node.index if len(node.index) == 2 else (node.index[0], 0)
        moved[node.param][index] += H
        up = _example_loss(spec, moved, x, y)
        moved[node.param][index] -= 2 * H
        down = _example_loss(spec, moved, x, y)
        numeric = (up - down) / (2 * H)
        assert node.grad == pytest.approx(numeric, rel=1e-5, abs=1e-8), node.id
        checked += 1
    assert checked == sum(p.size for p in params.values())


@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS,
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS])
def test_example_grads_average_to_the_batch_gradients(loss, output, k):
    """(1/m)·Σ_i ∂L(i)/∂W = dW of the batch (λ = 0): the graph and the matrix engine agree."""
    spec, params, X, Y = random_case(("tanh", "sigmoid"), output, loss, k, 0.0, seed=5)
    stepper = _stepper(spec, params, X, Y)
    stepper.forward()
    stepper.backward()
    m = X.shape[1]
    sums = {key: np.zeros_like(value) for key, value in params.items()}
    for i in range(m):
        for node in example_graph(spec, params, X[:, i], Y[:, i]).nodes.values():
            if node.param is not None:
                index = node.index if len(node.index) == 2 else (node.index[0], 0)
                sums[node.param][index] += node.grad
    for key, total in sums.items():
        np.testing.assert_allclose(total / m, stepper.values["d" + key], rtol=1e-10, atol=1e-14)


def test_forward_values_are_the_engines_column():
    spec, params, X, Y = random_case(("relu", "tanh"), "sigmoid", "binary_cross_entropy", 2,
                                     0.0, seed=3)
    stepper = _stepper(spec, params, X, Y)
    stepper.forward()
    graph = example_graph(spec, params, X[:, 4], Y[:, 4])
    for l in range(1, spec.depth + 1):
        for j in range(spec.layers[l]):
            assert graph.nodes[f"z{l}[{j}]"].value == pytest.approx(
                stepper.values[f"Z{l}"][j, 4], rel=1e-13, abs=1e-15)
            assert graph.nodes[f"a{l}[{j}]"].value == pytest.approx(
                stepper.values[f"A{l}"][j, 4], rel=1e-13, abs=1e-15)


def test_logistic_regression_lecture_numbers():
    """x, w, b → z = w·x + b → a = σ(z) → L = −[y log a + (1−y) log(1−a)]:
    da = −y/a + (1−y)/(1−a), dz = a − y, dw_k = x_k·dz, db = dz."""
    spec = NetworkSpec((2, 1), ("sigmoid",), "binary_cross_entropy")
    params = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([[0.25]])}
    x, y = np.array([2.0, 1.0]), np.array([1.0])
    g = example_graph(spec, params, x, y).nodes
    z = 0.5 * 2.0 - 1.0 * 1.0 + 0.25
    a = 1 / (1 + math.exp(-z))
    assert g["z1[0]"].value == pytest.approx(z, abs=1e-15)
    assert g["a1[0]"].value == pytest.approx(a, abs=1e-15)
    assert g["L"].value == pytest.approx(-math.log(a), rel=1e-14)
    assert g["a1[0]"].grad == pytest.approx(-1 / a, rel=1e-14)  # da = −y/a + (1−y)/(1−a)
    assert g["z1[0]"].grad == pytest.approx(a - 1, rel=1e-14)  # dz = a − y
    assert g["W1[0,0]"].grad == pytest.approx(2.0 * (a - 1), rel=1e-14)  # dw1 = x1·dz
    assert g["W1[0,1]"].grad == pytest.approx(1.0 * (a - 1), rel=1e-14)  # dw2 = x2·dz
    assert g["b1[0]"].grad == pytest.approx(a - 1, rel=1e-14)  # db = dz
    assert g["x[0]"].grad == pytest.approx(0.5 * (a - 1), rel=1e-14)
    assert g["W1[0,0]*x[0]"].inputs == ("W1[0,0]", "x[0]")
    assert g["L"].inputs == ("a1[0]", "y[0]")
    assert g["y[0]"].grad == pytest.approx(-z, rel=1e-12)  # ∂L/∂y = log((1−a)/a) = −z


def test_softmax_node_reads_every_z_of_its_layer():
    spec, params, X, Y = random_case(("tanh", "tanh"), "softmax", "cross_entropy", 3, 0.0,
                                     seed=2)
    g = example_graph(spec, params, X[:, 0], Y[:, 0]).nodes
    assert g["a3[1]"].inputs == ("z3[0]", "z3[1]", "z3[2]")
    a = np.array([g[f"a3[{j}]"].value for j in range(3)])
    np.testing.assert_allclose([g[f"z3[{j}]"].grad for j in range(3)], a - Y[:, 0], atol=1e-14)
