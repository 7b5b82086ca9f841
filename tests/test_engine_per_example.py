"""Per-example accumulation (UFLDL's batch gradient descent, note 002): one example at a time,
ΔW += ∇W(i), then dW = (1/m)·ΔW + λW. Against batch mode, against the scalar computation graph
of each example (an independent implementation), and step by step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_engine_gradients import OUTPUT_PAIRS, _stepper, random_case

from app.engine import StepOrderError
from app.engine.graph import example_graph


def _modes(spec, **kwargs):
    return spec, dataclasses.replace(spec, gradient_mode="per_example", **kwargs)


@pytest.mark.parametrize("output_delta", ["fused", "chain"])
@pytest.mark.parametrize("loss,output,k", OUTPUT_PAIRS,
                         ids=[f"{loss}-{out}" for loss, out, _ in OUTPUT_PAIRS])
def test_an_iteration_lands_where_batch_mode_does(loss, output, k, output_delta):
    spec, params, X, Y = random_case(("tanh", "relu"), output, loss, k, 0.05, seed=6, m=7)
    spec = dataclasses.replace(spec, output_delta=output_delta)
    batch, per_example = (_stepper(s, params, X, Y) for s in _modes(spec))
    for stepper in (batch, per_example):
        stepper.train(3)
    assert per_example.losses == pytest.approx(batch.losses, rel=1e-12)
    for key, value in batch.current_params().items():
        np.testing.assert_allclose(per_example.current_params()[key], value, rtol=1e-12,
                                   atol=1e-15)


def test_minibatches_of_uneven_size_show_at_most_the_smallest():
    spec, params, X, Y = random_case(("sigmoid", "tanh"), "sigmoid", "squared_error", 2, 0.0,
                                     seed=1, m=10)
    batch, per_example = (_stepper(s, params, X, Y, batch_size=4) for s in _modes(spec,
                                                                                  examples_shown=5))
    assert per_example.spec.examples_shown == 2  # batches of 4, 4 and 2
    shown = [s.id for s in per_example.plan if s.id.startswith("x@")]
    assert shown == ["x@0", "x@1"]
    for stepper in (batch, per_example):
        stepper.train(3)  # a whole epoch, the short batch included
    for key, value in batch.current_params().items():
        np.testing.assert_allclose(per_example.current_params()[key], value, rtol=1e-12)


def test_each_examples_gradient_is_its_own_loss_gradient():
    """∇W(i) = δ(i)·a(i)ᵀ of the plan equals ∂L(i)/∂W from the scalar graph of example i."""
    spec, params, X, Y = random_case(("tanh", "sigmoid"), "softmax", "cross_entropy", 3, 0.1,
                                     seed=9, m=5)
    _, mode = _modes(spec, examples_shown=3)
    stepper = _stepper(mode, params, X, Y)
    stepper._run_to(stepper.step_index["Z1"])  # the remaining examples' first step
    v = stepper.values
    for i in range(3):
        graph = example_graph(spec, params, X[:, i], Y[:, i])
        assert float(v[f"L@{i}"]) == pytest.approx(graph.nodes["L"].value, rel=1e-13)
        for node in graph.nodes.values():
            if node.param:
                kind, l = node.param[0], node.param[1:]
                got = v[f"g{kind}{l}@{i}"][node.index if kind == "W" else (node.index[0], 0)]
                assert got == pytest.approx(node.grad, rel=1e-12, abs=1e-15), node.id
        running = sum(v[f"gW1@{j}"] for j in range(i + 1))
        np.testing.assert_allclose(v[f"SW1@{i}"], running, rtol=1e-14)


def test_moves_walk_example_by_example():
    spec, params, X, Y = random_case(("tanh", "tanh"), "sigmoid", "binary_cross_entropy", 1,
                                     0.0, seed=2, m=6)
    _, mode = _modes(spec, examples_shown=2)
    stepper = _stepper(mode, params, X, Y)
    stepper.forward()
    assert stepper.plan[stepper.c - 1].id == "L@0"
    stepper.backward()
    assert stepper.plan[stepper.c - 1].id == "SW1@0" and stepper.next_step.id == "x@1"
    assert stepper.backward() == ["forward"]  # example 2's forward pass first, then its own
    assert stepper.plan[stepper.c - 1].id == "SW1@1"
    assert stepper.next_step.id == "Z1" and stepper.next_step.rest == 2
    stepper.forward()  # every step of the remaining examples in one move, then J
    assert stepper.plan[stepper.c - 1].id == "J"
    assert all(step.rest == 2 for step in stepper.plan[stepper.step_index["Z1"]:stepper.c - 1])
    assert stepper.backward() == []
    assert stepper.plan[stepper.c - 1].id == "average" and stepper.next_step.id == "update"
    with pytest.raises(StepOrderError):
        stepper.backward()
    before = {k: v.copy() for k, v in stepper.values.items()}
    stepper.update()
    for _ in range(stepper.steps_per_iteration):
        stepper.prev()
    assert stepper.c == 0 and set(stepper.values) == {"W1", "b1", "W2", "b2", "W3", "b3", "A0",
                                                        "Y"}
    stepper.iterate()
    for key, value in before.items():
        np.testing.assert_array_equal(stepper.values[key], value)


def test_every_example_shown_leaves_nothing_for_the_rest():
    spec, params, X, Y = random_case(("tanh", "tanh"), "linear", "squared_error", 2, 0.0,
                                     seed=4, m=3)
    batch, per_example = (_stepper(s, params, X, Y) for s in _modes(spec, examples_shown=16))
    assert per_example.spec.examples_shown == 3
    batch.iterate()
    per_example.iterate()
    assert float(per_example.values["Lsum"]) == pytest.approx(3 * float(batch.values["J"]),
                                                              rel=1e-14)
    np.testing.assert_array_equal(per_example.values["SW2"], per_example.values["SW2@2"])
