"""The stepper as a state machine: plan order, moves back and forth, history, divergence."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from app.engine import (
    ACTIVATIONS,
    LOSSES,
    Diverged,
    NetworkSpec,
    StepOrderError,
    Stepper,
    build_plan,
    init_weights,
    make_dataset,
)


def make_stepper(layers=(2, 3, 1), activations=("tanh", "sigmoid"),
                 loss="binary_cross_entropy", dataset="circles", samples=40, lr=0.5,
                 weight_decay=0.0, seed=0, init="xavier", **kwargs) -> Stepper:
    data = make_dataset(dataset, layers[0], layers[-1], seed, samples, noise=0.1)
    weights, biases = init_weights(layers, init, 0.1, np.random.default_rng(seed))
    spec = NetworkSpec(tuple(layers), tuple(activations), loss, weight_decay)
    return Stepper(spec, data.X, data.Y, weights, biases, learning_rate=lr, seed=seed, **kwargs)


def snapshot(stepper: Stepper) -> tuple[int, int, dict[str, np.ndarray]]:
    return stepper.t, stepper.c, {key: value.copy() for key, value in stepper.values.items()}


def assert_same(stepper: Stepper, expected: tuple[int, int, dict[str, np.ndarray]]) -> None:
    t, c, values = expected
    assert (stepper.t, stepper.c) == (t, c)
    assert set(stepper.values) == set(values)
    for key, value in values.items():
        assert np.array_equal(stepper.values[key], value), key


def all_finite(stepper: Stepper) -> bool:
    return all(np.isfinite(value).all() for value in stepper.values.values())


# -- the plan -----------------------------------------------------------------------------------

def ids(spec: NetworkSpec) -> list[str]:
    return [step.id for step in build_plan(spec)]


def test_plan_bce_sigmoid_collapses_without_dA2():
    spec = NetworkSpec((2, 2, 1), ("tanh", "sigmoid"), "binary_cross_entropy")
    assert spec.collapses
    assert ids(spec) == ["Z1", "A1", "Z2", "A2", "J", "dZ2", "dW2", "db2", "dA1", "dZ1",
                         "dW1", "db1", "update"]


def test_plan_squared_error_sigmoid_has_dA2():
    spec = NetworkSpec((3, 3, 1), ("sigmoid", "sigmoid"), "squared_error", 0.001)
    assert not spec.collapses
    assert ids(spec) == ["Z1", "A1", "Z2", "A2", "J", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1",
                         "dW1", "db1", "update"]


def test_plan_three_layers_softmax_cross_entropy():
    spec = NetworkSpec((2, 4, 3, 3), ("relu", "tanh", "softmax"), "cross_entropy")
    assert spec.collapses
    assert ids(spec) == ["Z1", "A1", "Z2", "A2", "Z3", "A3", "J", "dZ3", "dW3", "db3",
                         "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "update"]


@pytest.mark.parametrize("output,loss,collapses", [
    ("linear", "squared_error", True),
    ("softmax", "squared_error", False),
    ("relu", "squared_error", False),
    ("sigmoid", "binary_cross_entropy", True),
    ("softmax", "cross_entropy", True),
])
def test_output_delta_steps(output, loss, collapses):
    spec = NetworkSpec((2, 3, 2), ("tanh", output), loss)
    plan = ids(spec)
    assert spec.collapses is collapses
    assert ("dA2" in plan) is not collapses
    assert plan[plan.index("J") + 1] == ("dZ2" if collapses else "dA2")


@pytest.mark.parametrize("layers,activations,loss", [
    ((2, 1), ("sigmoid",), "binary_cross_entropy"),
    ((2, 2, 1), ("tanh", "sigmoid"), "binary_cross_entropy"),
    ((3, 3, 1), ("sigmoid", "sigmoid"), "squared_error"),
    ((2, 5, 4, 3, 3), ("relu", "leaky_relu", "linear", "softmax"), "squared_error"),
    ((2, 5, 4, 3), ("sigmoid", "tanh", "softmax"), "cross_entropy"),
])
def test_plan_dataflow(layers, activations, loss):
    """Each step reads only what exists, writes only new keys; x gets no gradient."""
    for lam in (0.0, 0.1):
        spec = NetworkSpec(layers, activations, loss, lam)
        plan = build_plan(spec)
        L = spec.depth
        available = {"A0", "Y"} | {f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")}
        written: list[str] = []
        for step in plan:
            assert set(step.reads) <= available, step.id
            assert not set(step.writes) & available, step.id
            available |= set(step.writes)
            written += step.writes
        assert "dA0" not in written and "dZ0" not in written
        for l in range(1, L + 1):
            for key in (f"Z{l}", f"A{l}", f"dZ{l}", f"dW{l}", f"db{l}", f"new_W{l}", f"new_b{l}"):
                assert key in written
        phases = [step.phase for step in plan]
        assert phases == (["forward"] * 2 * L + ["loss"] + ["backward"] * (len(plan) - 2 * L - 2)
                          + ["update"])
        # Weight decay: J and dW read W only when λ > 0.
        loss_step = plan[2 * L]
        assert ("W1" in loss_step.reads) is bool(lam)


# -- moving back and forth ----------------------------------------------------------------------

def test_next_prev_round_trip_within_and_across_iterations():
    stepper = make_stepper(layers=(2, 4, 3, 1), activations=("relu", "tanh", "sigmoid"),
                           loss="squared_error", weight_decay=0.01, batch_size=16)
    n = stepper.steps_per_iteration
    start = snapshot(stepper)
    trail = [start]
    for _ in range(3 * n + 4):  # three whole iterations and a few steps into the fourth
        stepper.next()
        trail.append(snapshot(stepper))
    assert (stepper.t, stepper.c) == (3, 4)
    end = trail[-1]

    for i in range(len(trail) - 1, 0, -1):
        stepper.prev()
        if stepper.c == 0 and stepper.t > 0:
            # The start of an iteration: its parameters are the previous update's outputs.
            t_prev, _, values_prev = trail[i - 1]
            assert stepper.t == t_prev + 1
            for key, value in stepper.params.items():
                assert np.array_equal(value, values_prev["new_" + key])
            assert set(stepper.values) == {*stepper.params, "A0", "Y"}
            stepper.prev()
        assert_same(stepper, trail[i - 1])
    assert_same(stepper, start)
    with pytest.raises(StepOrderError, match="first step"):
        stepper.prev()

    for expected in trail[1:]:
        stepper.next()
        assert_same(stepper, expected)
    assert_same(stepper, end)


def test_goto_reproduces_the_original_arrays():
    stepper = make_stepper()
    n = stepper.steps_per_iteration
    ends = {0: snapshot(stepper)}
    for k in range(1, 5):
        for _ in range(n):
            stepper.next()
        ends[k] = snapshot(stepper)  # after k updates: iteration k-1, all n steps done
    for k in (3, 1, 4, 0, 2):
        stepper.goto(k)
        assert_same(stepper, ends[k])
    with pytest.raises(StepOrderError, match="between 0 and 4"):
        stepper.goto(5)


def test_replay_from_checkpoints_is_exact():
    stepper = make_stepper(batch_size=12, seed=3)
    assert stepper.checkpoint_every == 10
    n = stepper.steps_per_iteration
    saved = {}
    for k in range(1, 36):
        stepper.iterate()
        if k in (1, 10, 11, 17, 20, 29, 35):
            saved[k] = snapshot(stepper)
    assert stepper.completed == 35
    assert sorted(stepper.checkpoints) == [0, 10, 20, 30]
    for k in (17, 11, 29, 10, 20, 35, 1):
        stepper.goto(k)
        assert_same(stepper, saved[k])
    # Stepping back across a checkpointed boundary replays too.
    stepper.goto(21)
    for _ in range(n + 1):
        stepper.prev()
    assert_same(stepper, saved[20])


def test_checkpoints_are_thinned_and_replay_stays_exact():
    stepper = make_stepper(checkpoint_every=2, max_checkpoints=4)
    saved = {}
    for k in range(1, 36):
        stepper.iterate()
        saved[k] = snapshot(stepper)
    assert len(stepper.checkpoints) <= 4
    assert stepper.checkpoint_every > 2
    for k in (35, 17, 3, 34, 8):
        stepper.goto(k)
        assert_same(stepper, saved[k])


def test_minibatches_follow_the_seed():
    a = make_stepper(samples=10, batch_size=4, seed=5)
    b = make_stepper(samples=10, batch_size=4, seed=5)
    c = make_stepper(samples=10, batch_size=4, seed=6)
    batches = [a.batch_columns(t) for t in range(9)]  # three epochs of batches 4, 4, 2
    assert [len(cols) for cols in batches] == [4, 4, 2] * 3
    for t in range(9):
        assert np.array_equal(batches[t], b.batch_columns(t))
    for epoch in range(3):
        cols = np.concatenate(batches[3 * epoch:3 * epoch + 3])
        assert sorted(cols.tolist()) == list(range(10))  # each example once per epoch
    epochs = [np.concatenate(batches[3 * e:3 * e + 3]) for e in range(3)]
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])
    assert any(not np.array_equal(a.batch_columns(t), c.batch_columns(t)) for t in range(3))
    # The iteration's values hold exactly its batch.
    for t in range(6):
        a.forward()
        cols = a.batch_columns(t)
        assert a.t == t
        assert np.array_equal(a.values["A0"], a.X[:, cols])
        assert np.array_equal(a.values["Y"], a.Y[:, cols])
        a.iterate()
    # Asked again later (another epoch cached in between), the batches are the same.
    assert all(np.array_equal(a.batch_columns(t), batches[t]) for t in range(9))


def test_full_batch_when_batch_size_covers_the_data():
    stepper = make_stepper(samples=10, batch_size=10)
    assert stepper.batch_size is None and stepper.batch_columns(0) is None
    stepper.forward()
    assert stepper.values["A0"] is stepper.X


def test_set_learning_rate_truncates_history_and_is_used():
    stepper = make_stepper(lr=0.5)
    stepper.train(10)
    losses = list(stepper.losses)
    stepper.goto(4)  # iteration 3 done and applied
    stepper.set_learning_rate(0.5)  # unchanged: history kept
    assert stepper.completed == 10
    stepper.set_learning_rate(0.05)
    assert stepper.completed == 4 and stepper.losses == losses[:4]
    assert all(k <= 4 for k in stepper.checkpoints)
    assert stepper.lr_at(3) == 0.5 and stepper.lr_at(4) == 0.05
    with pytest.raises(StepOrderError):
        stepper.goto(5)

    stepper.iterate()  # iteration 4, with the new rate
    assert stepper.t == 4 and stepper.learning_rate == 0.05
    for key, value in stepper.params.items():
        expected = value - 0.05 * stepper.values["d" + key]
        assert np.array_equal(stepper.values["new_" + key], expected)
    assert stepper.completed == 5
    assert stepper.losses[4] == losses[4]  # same parameters going in: same loss
    stepper.iterate()
    assert stepper.losses[5] != losses[5]  # different parameters after a smaller step

    # Replaying the new history uses the schedule: the rate changed at iteration 4.
    after = snapshot(stepper)
    stepper.goto(2)
    assert stepper.learning_rate == 0.5
    stepper.goto(6)
    assert_same(stepper, after)


def test_set_learning_rate_mid_iteration_applies_to_its_update():
    stepper = make_stepper(lr=0.5)
    stepper.train(3)
    stepper.goto(2)
    stepper.next()
    stepper.next()  # iteration 2, two steps in
    stepper.set_learning_rate(2.0)
    assert stepper.completed == 2
    stepper.iterate()
    for key, value in stepper.params.items():
        assert np.array_equal(stepper.values["new_" + key],
                              value - 2.0 * stepper.values["d" + key])


def test_backward_and_update_run_the_missing_passes_first_and_say_which():
    stepper, twin = make_stepper(), make_stepper()
    assert stepper.backward() == ["forward"]  # from the start: the forward pass first
    twin.forward()
    assert twin.backward() == []
    assert (stepper.t, stepper.c) == (twin.t, twin.c) == (0, len(stepper.plan) - 1)
    assert all(np.array_equal(stepper.values[k], twin.values[k]) for k in twin.values)
    with pytest.raises(StepOrderError, match="already done"):
        stepper.backward()
    with pytest.raises(StepOrderError, match="already done"):
        stepper.forward()
    assert stepper.update() == [] and stepper.completed == 1
    # After an update, Update is the next iteration's: both passes run first.
    assert stepper.update() == ["forward", "backward"]
    assert (stepper.t, stepper.completed) == (1, 2)
    stepper.next()  # Z1 of iteration 3: the forward pass is under way, not done
    assert stepper.update() == ["forward", "backward"]
    assert stepper.backward() == ["forward"] and stepper.t == 3
    twin.update()
    for _ in range(2):
        twin.iterate()
    twin.forward()
    twin.backward()
    assert twin.t == 3 and all(np.array_equal(stepper.values[k], twin.values[k])
                               for k in twin.values)
    stepper.prev()
    assert stepper.update() == ["backward"]  # one gradient short: only the backward pass


def test_train_losses_reset_and_stop():
    stepper = make_stepper(lr=1.0)
    assert stepper.train(50) == 50
    assert stepper.completed == 50 and len(stepper.losses) == 50
    assert stepper.losses[-1] < stepper.losses[0]
    calls = []
    assert stepper.train(10, lambda: len(calls.append(1) or calls) > 3) == 3
    stepper.goto(7)
    stepper.forward()
    assert stepper.loss == stepper.losses[7]
    stepper.reset()
    assert (stepper.t, stepper.c, stepper.completed) == (0, 0, 0)
    assert stepper.loss is None
    assert list(stepper.checkpoints) == [0]


def test_divergence_stops_at_the_last_finite_step():
    stepper = make_stepper(layers=(1, 8, 8, 1), activations=("relu", "relu", "linear"),
                           loss="squared_error", dataset="sine", samples=50, lr=50.0,
                           init="he")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow is reported as Diverged, not as warnings
        with pytest.raises(Diverged) as caught:
            stepper.train(1000)
    err = caught.value
    assert "try a smaller learning rate" in str(err)
    assert 0 < err.completed < 1000 and stepper.completed == err.completed
    assert stepper.t == err.iteration
    # The position is just before the step that overflowed: its outputs were never committed.
    assert stepper.next_step.id == err.step_id
    assert not any(key in stepper.values for key in stepper.next_step.writes)
    assert all_finite(stepper)
    assert all(np.isfinite(stepper.losses))
    before = snapshot(stepper)
    with pytest.raises(Diverged):
        stepper.next()
    assert_same(stepper, before)
    stepper.prev()  # and the way back still works
    assert all_finite(stepper)
    stepper.goto(err.completed)
    assert all_finite(stepper)


@pytest.mark.parametrize("hidden,lr,seed", [("relu", 50.0, 1), ("tanh", 20.0, 0),
                                             ("tanh", 50.0, 2), ("leaky_relu", 20.0, 1)])
def test_divergence_raises_no_numpy_warning(hidden, lr, seed):
    """Overflowing to +inf and −inf (whose sum in the finiteness check is NaN) stays silent."""
    data = make_dataset("sine", 1, 1, seed)
    weights, biases = init_weights((1, 8, 1), "he", 0.01, np.random.default_rng(seed))
    stepper = Stepper(NetworkSpec((1, 8, 1), (hidden, "linear"), "squared_error"),
                      data.X, data.Y, weights, biases, learning_rate=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Diverged):
            stepper.train(200)
        with pytest.raises(Diverged):
            stepper.iterate()
    assert all_finite(stepper)


POISON_CASES = [
    dict(layers=(2, 3, 3, 1), activations=("relu", "tanh", "sigmoid")),
    dict(layers=(2, 3, 3, 1), activations=("leaky_relu", "sigmoid", "sigmoid"),
         loss="squared_error", weight_decay=0.1),
    dict(layers=(2, 4, 3), activations=("tanh", "softmax"), loss="cross_entropy",
         dataset="gaussians"),
    dict(layers=(1, 3, 1), activations=("relu", "linear"), loss="squared_error",
         dataset="sine"),
]


@pytest.mark.parametrize("config", POISON_CASES)
@pytest.mark.parametrize("poison", [np.inf, -np.inf, np.nan])
def test_bulk_check_sees_a_non_finite_entry_in_any_output(config, poison):
    """Runs of several steps check only some outputs (every Z, J, the new parameters, …) and rely
    on the others' inf/NaN reaching a checked one. Put inf or NaN into one entry of each output
    in turn, for runs from every start: the run must always report it. Activations are left
    out: they are finite whenever their Z is (tested below), so they cannot be poisoned."""
    from app.engine.fast import bounded

    base = make_stepper(**config)
    n = base.steps_per_iteration
    for target in range(n):
        if bounded(base.plan[target]):
            continue
        for start in range(target + 1):
            stepper = make_stepper(**config)
            honest, kernel = stepper.plan[target], stepper.fast.runs[target]

            def poisoned(values, lr, honest=honest, kernel=kernel):
                kernel(values, lr)  # the fast path's own kernel, then one entry spoilt
                for key in honest.writes:
                    values[key] = values[key].copy()
                    values[key].flat[0] = poison

            stepper.fast.runs[target] = poisoned
            for _ in range(start):
                stepper.next()
            assert stepper.c == start
            with np.errstate(all="ignore"):
                assert not stepper.fast.run(stepper.values, stepper.learning_rate, start, n), \
                    (honest.id, start)
            assert stepper.c == start and len(stepper.values) == len(base.values) + sum(
                len(step.writes) for step in base.plan[:start])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_of_finite_inputs_are_finite(name):
    """What lets the bulk check skip A = g(Z): g of any finite Z, however large, is finite."""
    big = np.finfo(float).max
    z = np.array([[big, -big, 1e300, -1e300, 0.0, 5e-324]]).T.repeat(3, axis=1)
    with np.errstate(all="ignore"):  # the stepper runs so; only the result matters here
        a = ACTIVATIONS[name].forward(z)
    assert np.isfinite(a).all()


def test_an_overflowing_z_hidden_by_tanh_still_stops_training():
    """Z1 overflows to inf but tanh saturates it to 1 and every later value stays finite: the
    run must still stop at Z1, as stepping with `next` does."""
    X = np.array([[1e300, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    spec = NetworkSpec((1, 2, 1), ("tanh", "sigmoid"), "binary_cross_entropy")
    stepper = Stepper(spec, X, Y, [np.array([[1e10], [1.0]]), np.array([[0.5, -0.5]])],
                      [np.zeros((2, 1)), np.zeros((1, 1))], learning_rate=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Diverged) as caught:
            stepper.train(5)
    assert caught.value.step_id == "Z1" and stepper.c == 0 and all_finite(stepper)
    with pytest.raises(Diverged):
        stepper.next()


def test_bulk_moves_stop_exactly_where_single_steps_stop():
    """train/iterate check several steps at once; on overflow they must still stop at the very
    step a learner pressing `next` would see fail, with the same arrays."""
    config = dict(layers=(1, 8, 8, 1), activations=("relu", "relu", "linear"),
                  loss="squared_error", dataset="sine", samples=50, lr=50.0, init="he")
    bulk, single = make_stepper(**config), make_stepper(**config)
    with pytest.raises(Diverged) as by_train:
        bulk.train(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Diverged) as by_next:
            for _ in range(1000 * single.steps_per_iteration):
                single.next()
    assert by_train.value.step_id == by_next.value.step_id
    assert by_train.value.iteration == by_next.value.iteration
    assert_same(bulk, snapshot(single))
    assert bulk.losses == single.losses
    # forward and backward stop at the same place too.
    failing = bulk.step_index[by_train.value.step_id]
    bulk.goto(bulk.completed)
    with pytest.raises(Diverged):
        bulk.forward()
        if failing > bulk.loss_index:
            bulk.backward()
    assert_same(bulk, snapshot(single))


def test_history_memory_for_100_iterations():
    stepper = make_stepper(layers=(2, 8, 8, 1), activations=("tanh", "tanh", "sigmoid"),
                           samples=200)
    stepper.train(100)
    nbytes = stepper.history_nbytes()
    print(f"\nhistory of 100 iterations, 2-8-8-1 on 200 examples: {nbytes} bytes")
    assert nbytes < 1_000_000
    params = sum(value.nbytes for value in stepper.params.values())
    assert nbytes >= len(stepper.checkpoints) * params


# -- numerics ----------------------------------------------------------------------------------

Z_EXTREME = np.array([[-1e4, -745.0, -50.0, -1e-300, 0.0, 1e-300, 50.0, 745.0, 1e4],
                      [1e4, 1e4, -1e4, 3.0, -3.0, 0.0, 710.0, -710.0, 1e4]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_raise_no_warning_for_large_z(name):
    act = ACTIVATIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(Z_EXTREME)
        dz = act.backward(np.ones_like(Z_EXTREME), Z_EXTREME, a)
        if act.derivative is not None:
            assert np.isfinite(act.derivative(Z_EXTREME, a)).all()
    assert a.shape == dz.shape == Z_EXTREME.shape
    assert np.isfinite(a).all() and np.isfinite(dz).all()
    if name == "sigmoid":
        assert a[0, 0] == 0.0 and a[0, -1] == 1.0 and a[0, 4] == 0.5
    if name == "softmax":
        np.testing.assert_allclose(a.sum(axis=0), 1.0)


VALID_PAIRS = [(name, output) for name, loss in sorted(LOSSES.items())
               for output in sorted(ACTIVATIONS) if not loss.requires or output in loss.requires]


@pytest.mark.parametrize("name,output", VALID_PAIRS)
def test_losses_raise_no_warning_for_large_z(name, output):
    assert len(VALID_PAIRS) == 8
    loss = LOSSES[name]
    z = Z_EXTREME
    a = ACTIVATIONS[output].forward(z)
    y = np.array([[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5],
                  [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        j = loss.value(z, a, y)
        da = loss.grad_a(a, y)
        dz = ACTIVATIONS[output].backward(da, z, a)
    assert np.isfinite(j) and j >= 0
    assert np.isfinite(da).all() and np.isfinite(dz).all()


def test_stepper_runs_without_warnings_at_extreme_inputs():
    """A whole iteration at |z| ~ 1e4 (e.g. a huge input) stays finite and silent."""
    spec = NetworkSpec((2, 3, 2), ("sigmoid", "softmax"), "cross_entropy", 0.1)
    X = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1.0]])
    Y = np.eye(2)[:, [0, 1, 0]]
    W = [np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([[1e4, -1e4, 0.0], [0, 1, 2]])]
    b = [np.zeros((3, 1)), np.zeros((2, 1))]
    stepper = Stepper(spec, X, Y, W, b, learning_rate=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stepper.iterate()
    assert all_finite(stepper)


def test_an_overflowing_gradient_norm_is_recorded_as_inf_without_a_warning():
    """dW = 1e160 is finite (training goes on) but ‖dW‖² is not: the chart shows inf."""
    spec = NetworkSpec((1, 1, 1), ("linear", "sigmoid"), "binary_cross_entropy")
    stepper = Stepper(spec, np.array([[1e160]]), np.array([[0.0]]), [np.ones((1, 1))] * 2,
                      [np.zeros((1, 1))] * 2, learning_rate=1e-170)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stepper.train(1)
    assert stepper.values["dW1"][0, 0] == pytest.approx(1e160)
    assert stepper.metrics["grad_norms"] == [[np.inf, np.inf]]
    assert all_finite(stepper)


def test_resume_from_goes_on_from_an_earlier_runs_iteration():
    """A stepper resumed at iteration t of a run (its parameters, history and α schedule) goes on
    exactly as that run, keeps its first iteration through checkpoint thinning, and cannot go
    back before it."""
    run = make_stepper(checkpoint_every=2, max_checkpoints=4)
    run.train(7)
    run.set_learning_rate(0.9)  # from iteration 7 (0-based) on
    run.train(6)
    t = 7
    params = run.params_at(t)
    spec, data = run.spec, make_dataset("circles", 2, 1, 0, 40, noise=0.1)
    resumed = Stepper(spec, data.X, data.Y, [params["W1"], params["W2"]],
                      [params["b1"], params["b2"]], learning_rate=0.9, checkpoint_every=2,
                      max_checkpoints=2)
    resumed.resume_from(t, run.losses[:t], {k: v[:t] for k, v in run.metrics.items()},
                        run.schedule)
    assert (resumed.t, resumed.c, resumed.base, resumed.completed) == (7, 0, 7, 7)
    assert resumed.schedule == [(0, 0.5), (7, 0.9)]
    resumed.train(6)
    assert resumed.losses == run.losses and resumed.metrics == run.metrics
    assert np.array_equal(resumed.params["W1"], run.params["W1"])
    # Thinning (every 2 → 4 → 8) keeps the first iteration, which no multiple of 8 is.
    assert resumed.checkpoint_every == 8 and sorted(resumed.checkpoints) == [7, 8]
    resumed.goto(7)
    assert (resumed.t, resumed.c) == (7, 0)
    with pytest.raises(StepOrderError, match="first step"):
        resumed.prev()
    with pytest.raises(StepOrderError, match="between 7 and 13"):
        resumed.goto(6)
    resumed.goto(10)
    assert resumed.loss == run.losses[9]
    resumed.reset()
    assert (resumed.t, resumed.completed, resumed.learning_rate) == (7, 7, 0.9)
    assert resumed.losses == run.losses[:7]
    with pytest.raises(ValueError, match="history"):
        make_stepper().resume_from(3, [0.5, 0.4], {"grad_norms": [[1, 1]] * 2}, [])
