"""The fast path (app/engine/fast.py: in-place and fused kernels, outputs checked together) and
the textbook steps (app/engine/steps.py, one at a time) give bit-identical numbers: every value
of every iteration, the parameters and the losses, over many iterations of several networks."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.fast import kernel
from app.schemas import SessionConfig
from app.sessions import build_stepper

CONFIGS = {
    "xor tanh-sigmoid (a one-unit layer)": dict(layers=[2, 4, 1], activations=["tanh", "sigmoid"],
                                                dataset="xor", learning_rate=1.0),
    "relu, leaky relu, L2": dict(layers=[2, 8, 8, 1], activations=["relu", "leaky_relu", "sigmoid"],
                                 dataset="circles", samples=120, weight_decay=0.01, init="he"),
    "softmax the long way, L1": dict(layers=[2, 12, 3], activations=["tanh", "softmax"],
                                     loss="cross_entropy", dataset="spiral", samples=90,
                                     output_delta="chain", regularization="l1",
                                     weight_decay=0.001),
    "linear output, squared error": dict(layers=[1, 8, 8, 1], activations=["tanh", "sigmoid",
                                                                          "linear"],
                                         loss="squared_error", dataset="sine", samples=50,
                                         learning_rate=0.05),
    "sigmoid squared error, deltas first": dict(layers=[3, 3, 2],
                                                activations=["sigmoid", "sigmoid"],
                                                loss="squared_error", dataset="multilabel",
                                                backward_order="deltas_first",
                                                weight_decay=0.0001, learning_rate=2.0),
    "per example, mini-batches": dict(layers=[2, 5, 1], activations=["tanh", "sigmoid"],
                                      dataset="moons", samples=60, gradient_mode="per_example",
                                      examples_shown=3, batch_size=20),
    "per example, softmax chain, L1": dict(layers=[2, 6, 3], activations=["relu", "softmax"],
                                           loss="cross_entropy", dataset="spiral", samples=30,
                                           gradient_mode="per_example", output_delta="chain",
                                           regularization="l1", weight_decay=0.01, init="he"),
}
ITERATIONS = 40


def pair(config: dict):
    make = SessionConfig(seed=3, **config)
    return build_stepper(make)[0], build_stepper(make)[0]


@pytest.mark.parametrize("name", CONFIGS)
def test_fast_and_textbook_steps_give_the_same_bits(name):
    textbook, fast = pair(CONFIGS[name])
    # The fast path has kernels of its own here, so the two really run different code.
    own = [step.id for step in fast.plan if kernel(fast.spec, step) is not step.run]
    assert own, "no fast kernel in this plan: the comparison would be empty"
    n = textbook.steps_per_iteration
    for iteration in range(ITERATIONS):
        for _ in range(n):  # one step at a time: each step's own run (steps.py)
            textbook.next()
        fast.iterate()  # the whole iteration at once: fast.py's kernels and checks
        assert textbook.values.keys() == fast.values.keys()
        for key, value in textbook.values.items():
            assert np.array_equal(value, fast.values[key]), (iteration, key)
    assert textbook.losses == fast.losses and len(fast.losses) == ITERATIONS
    assert textbook.metrics == fast.metrics
    for key, value in textbook.current_params().items():
        assert np.array_equal(value, fast.current_params()[key]), key


@pytest.mark.parametrize("name", ["relu, leaky relu, L2", "per example, softmax chain, L1"])
def test_training_and_stepping_land_on_the_same_bits(name):
    """train (the fast path over whole iterations) against next, move by move."""
    textbook, fast = pair(CONFIGS[name])
    for _ in range(ITERATIONS * textbook.steps_per_iteration):
        textbook.next()
    assert fast.train(ITERATIONS) == ITERATIONS
    assert textbook.losses == fast.losses
    for key, value in textbook.current_params().items():
        assert np.array_equal(value, fast.current_params()[key]), key


def test_the_textbook_steps_are_the_plain_formulas():
    """steps.py computes Z = W·A + b, dZ = dA ⊙ g'(Z) and dA = Wᵀ·dZ as written (no in-place or
    fused kernel): each equals the formula evaluated directly."""
    stepper, _ = pair(CONFIGS["relu, leaky relu, L2"])
    stepper._run_checked(stepper.steps_per_iteration - 1)
    v = stepper.values
    assert np.array_equal(v["Z1"], v["W1"] @ v["A0"] + v["b1"])
    assert np.array_equal(v["dA1"], v["W2"].T @ v["dZ2"])
    assert np.array_equal(v["dZ1"], v["dA1"] * (v["Z1"] > 0).astype(float))
    assert np.array_equal(v["dZ2"], v["dA2"] * np.where(v["Z2"] > 0, 1.0, 0.01))
    m = v["A0"].shape[1]
    assert np.array_equal(v["dW1"], v["dZ1"] @ v["A0"].T / m + 0.01 * v["W1"])
