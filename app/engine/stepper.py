"""A network being trained, one micro-step at a time, with a cheap way back.

The stepper sits at a position (t, c): iteration t (t updates were applied before it started) with
c of its N micro-steps done. c == N means the iteration is complete and its update applied. Going
back within an iteration deletes what the last step wrote; going back across iterations replays
from the nearest parameter checkpoint, so history costs a few parameter copies, not every
intermediate of every step.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np

from . import evaluate
from .fast import FastPlan, finite
from .steps import NetworkSpec, StepSpec, Values, build_plan, step_record

Params = dict[str, np.ndarray]


class StepOrderError(Exception):
    """A request that does not fit the current position (e.g. backward before forward).

    `code` names the rule broken and `params` its numbers, so that a caller can say it in
    another language (app/messages.py); the message is the English."""

    def __init__(self, code: str, message: str, **params: object):
        super().__init__(message)
        self.code, self.params = code, params


class Diverged(Exception):
    """A step produced inf or NaN; nothing was committed."""

    def __init__(self, step_id: str, iteration: int, completed: int = 0):
        self.step_id, self.iteration, self.completed = step_id, iteration, completed
        trained = f" after {completed} iteration{'s' * (completed != 1)}" if completed else ""
        super().__init__(
            f"loss diverged{trained}: step {step_id} of iteration {iteration + 1} is not finite "
            "(overflow or NaN): try a smaller learning rate"
        )


class Stepper:
    def __init__(
        self,
        spec: NetworkSpec,
        X: np.ndarray,
        Y: np.ndarray,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        learning_rate: float,
        batch_size: int | None = None,
        seed: int = 0,
        checkpoint_every: int = 10,
        max_checkpoints: int = 256,
        classification: bool = False,
        X_test: np.ndarray | None = None,
        Y_test: np.ndarray | None = None,
    ):
        """X is (n0, m), Y is (nL, m); weights[l-1] is (n[l], n[l-1]); biases[l-1] is (n[l], 1).

        With `classification`, accuracy is recorded per iteration; with a test split
        (X_test, Y_test), its loss (and accuracy) too, for the same pre-update parameters.
        """
        self.batch_size = batch_size if batch_size and batch_size < X.shape[1] else None
        if spec.gradient_mode == "per_example":  # every batch has its first examples shown
            m = X.shape[1]
            smallest = min(self.batch_size, m % self.batch_size or m) if self.batch_size else m
            spec = dataclasses.replace(spec, examples_shown=min(spec.examples_shown, smallest))
        self.spec, self.X, self.Y = spec, X, Y
        self.seed = seed
        self.plan: list[StepSpec] = build_plan(spec)
        self.step_index = {step.id: i for i, step in enumerate(self.plan)}
        self.fast = FastPlan(spec, self.plan)  # the same steps, run several at a time
        self.loss_index = self.step_index["J"]
        initial: Params = {}
        for l, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
            initial[f"W{l}"] = np.array(w, float)
            initial[f"b{l}"] = np.array(b, float).reshape(-1, 1)
        self.checkpoint_every, self.max_checkpoints = checkpoint_every, max_checkpoints
        self.base = 0  # the first iteration this run can stand at (see resume_from)
        self.checkpoints: dict[int, Params] = {0: initial}
        self.schedule: list[tuple[int, float]] = [(0, float(learning_rate))]
        self.losses: list[float] = []  # J of every completed iteration, before its update
        self.classification = classification
        self.X_test, self.Y_test = X_test, Y_test
        # Per completed iteration, like losses: ‖dW[l]‖ per layer, accuracy, test loss, …
        self.metrics: dict[str, list] = {name: [] for name in self.metric_names}
        self._perm: tuple[int, np.ndarray] | None = None
        self._enter(0, initial)

    @property
    def metric_names(self) -> tuple[str, ...]:
        names = ["grad_norms"] + ["accuracy"] * self.classification
        if self.X_test is not None:
            names += ["test_loss"] + ["test_accuracy"] * self.classification
        return tuple(names)

    def _record_completion(self) -> None:
        """Called once when iteration t's update is first applied: keep its numbers."""
        v, L = self.values, self.spec.depth
        self.losses.append(float(v["J"]))
        m = self.metrics
        # A BLAS dot product: an overflow gives inf (recorded as such) without a NumPy warning.
        m["grad_norms"].append([math.sqrt(np.vdot(v[f"dW{l}"], v[f"dW{l}"]))
                                for l in range(1, L + 1)])
        if self.classification:
            m["accuracy"].append(evaluate.accuracy(v[f"A{L}"], v["Y"]))
        if self.X_test is not None:
            m["test_loss"].append(evaluate.loss(self.spec, self.params, self.X_test, self.Y_test))
            if self.classification:
                out = evaluate.forward(self.spec, self.params, self.X_test)[-1]
                m["test_accuracy"].append(evaluate.accuracy(out, self.Y_test))

    def resume_from(self, t: int, losses: Sequence[float], metrics: dict[str, Sequence],
                    schedule: Sequence[tuple[int, float]]) -> None:
        """Continue an earlier run: the initial parameters are those at the start of its
        iteration t (0-based), after t completed iterations that recorded `losses` and `metrics`
        (one entry each, as this stepper records them) under the α `schedule` ((first
        iteration, α) pairs from iteration 0; an entry for t + 1 is the α set for the next
        iteration; iteration t's own α is this stepper's). Those t iterations are shown in the
        history but cannot be stood at again: their parameters are not known. Call before any
        move."""
        if t < 0 or len(losses) != t:
            raise ValueError(f"history: {len(losses)} losses for {t} completed iterations")
        for name in self.metric_names:
            if len(metrics.get(name, ())) != t:
                raise ValueError(f"history: {name} needs {t} entries, "
                                 f"got {len(metrics.get(name, ()))}")
        initial = self.checkpoints[self.base]
        lr = self.lr_at(self.base)
        entries = sorted((int(k), float(a)) for k, a in schedule)
        kept = [(k, a) for k, a in entries if 0 <= k < t]
        if not kept or kept[0][0] != 0:
            kept.insert(0, (0, lr))
        kept += [(t, lr)] + [(k, a) for k, a in entries if k == t + 1]
        # Only changes of α are entries: drop those that repeat the α before them.
        self.schedule = [e for i, e in enumerate(kept) if i == 0 or e[1] != kept[i - 1][1]]
        self.losses = [float(x) for x in losses]
        self.metrics = {name: [list(x) if isinstance(x, (list, tuple)) else x
                               for x in metrics[name]] for name in self.metric_names}
        self.base, self.checkpoints, self._perm = t, {t: initial}, None
        self._enter(t, initial)

    def _truncate_history(self, start: int) -> None:
        del self.losses[start:]
        for series in self.metrics.values():
            del series[start:]

    # -- data and hyperparameters -------------------------------------------------------------
    @property
    def steps_per_iteration(self) -> int:
        return len(self.plan)

    @property
    def completed(self) -> int:
        """Iterations whose update has been applied (the furthest point of history)."""
        return len(self.losses)

    def lr_at(self, t: int) -> float:
        i = bisect.bisect_right(self.schedule, (t, math.inf)) - 1
        return self.schedule[i][1]

    @property
    def learning_rate(self) -> float:
        """α of the current iteration's update."""
        return self.lr_at(self.t)

    @property
    def upcoming_learning_rate(self) -> float:
        """α the next update will use (the next iteration's once this one is complete)."""
        return self.lr_at(self.t + (self.c == len(self.plan)))

    def batch_columns(self, t: int) -> np.ndarray | None:
        """Columns of X in iteration t's mini-batch (None: the full batch), fixed by the seed."""
        if self.batch_size is None:
            return None
        m, size = self.X.shape[1], self.batch_size
        # Counted from the first iteration of this run: after resume_from, its first batch
        # is the data's first (an export orders the rows so that this is the exported batch).
        epoch, k = divmod(t - self.base, math.ceil(m / size))
        if self._perm is None or self._perm[0] != epoch:
            self._perm = (epoch, np.random.default_rng([self.seed, epoch]).permutation(m))
        return self._perm[1][k * size:(k + 1) * size]

    def _batch(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        cols = self.batch_columns(t)
        return (self.X, self.Y) if cols is None else (self.X[:, cols], self.Y[:, cols])

    # -- position -------------------------------------------------------------------------------
    def _enter(self, t: int, params: Params) -> None:
        """Stand at the start of iteration t with the given parameters."""
        x, y = self._batch(t)
        self.t, self.c, self.params = t, 0, params
        self.values: Values = {**params, "A0": x, "Y": y}
        if t % self.checkpoint_every == 0 and t not in self.checkpoints:
            self.checkpoints[t] = params
            self._thin_checkpoints()

    def _thin_checkpoints(self) -> None:
        # Bounded memory: when full, keep every other checkpoint (the spacing doubles).
        while len(self.checkpoints) > self.max_checkpoints:
            self.checkpoint_every *= 2
            self.checkpoints = {k: p for k, p in self.checkpoints.items()
                                if k % self.checkpoint_every == 0 or k == self.base}

    def _updated_params(self) -> Params:
        return {k: self.values["new_" + k] for k in self.params}

    def _run_to(self, stop: int) -> None:
        """Do the steps of the current iteration up to (not including) index `stop`.

        Every output is checked: the first non-finite one is dropped and raises Diverged, so the
        position stays at the last finite step. One step runs as steps.py writes it; several
        (a pass, an iteration, training) run on the fast path (app/engine/fast.py: the same
        numbers, checked together), and are redone one at a time if any output is not finite.
        """
        n = len(self.plan)
        if stop - self.c > 1 and self.fast.run(self.values, self.lr_at(self.t), self.c, stop):
            self.c = stop
        else:
            self._run_checked(stop)
        if self.c == n and self.t == len(self.losses):
            self._record_completion()

    def _run_checked(self, stop: int) -> None:
        """One step at a time, each one's outputs checked before the next."""
        plan, values, lr = self.plan, self.values, self.lr_at(self.t)
        with np.errstate(all="ignore"):  # inf and NaN are caught below, by their values
            while self.c < stop:
                step = plan[self.c]
                step.run(values, lr)
                if not all(finite(values[key]) for key in step.writes):
                    for key in step.writes:
                        values.pop(key, None)
                    raise Diverged(step.id, self.t)
                self.c += 1

    def _start_next_if_complete(self) -> None:
        if self.c == len(self.plan):
            self._enter(self.t + 1, self._updated_params())

    def params_at(self, t: int) -> Params:
        """Parameters at the start of iteration t (t <= completed), replayed from a checkpoint."""
        if t == self.t:
            return self.params
        start = max(k for k in self.checkpoints if k <= t)
        saved = (self.t, self.c, self.params, self.values)
        try:
            self._enter(start, self.checkpoints[start])
            while self.t < t:
                self._run_to(len(self.plan))
                self._start_next_if_complete()
            return self.params
        finally:
            self.t, self.c, self.params, self.values = saved

    # -- moves ----------------------------------------------------------------------------------
    def next(self) -> StepSpec:
        """Do the next micro-step (starting the next iteration after an update)."""
        self._start_next_if_complete()
        self._run_to(self.c + 1)
        return self.plan[self.c - 1]

    def prev(self) -> None:
        """Undo the last micro-step; from an iteration's start, go to the end of the previous."""
        if self.c > 0:
            for key in self.plan[self.c - 1].writes:
                del self.values[key]
            self.c -= 1
        elif self.t > self.base:
            self.goto(self.t)
        else:
            raise StepOrderError("already_at_start",
                                 "already at the first step: there is nothing before it")

    def prev_replays(self) -> int:
        """Iterations prev() recomputes: none inside an iteration; from an iteration's start,
        those from the nearest checkpoint up to the end of the previous iteration."""
        if self.c > 0 or self.t == self.base:
            return 0
        last = self.t - 1
        return last - max(k for k in self.checkpoints if k <= last) + 1

    def _next_loss(self) -> int | None:
        """Index of the next loss step from here: J (per example: the next L(i), then J)."""
        return next((i for i in range(self.c, len(self.plan)) if self.plan[i].kind == "loss"),
                    None)

    def _backward_end(self, start: int) -> int:
        """End of the backward steps that follow step `start`: the batch's gradients (per
        example: that example's δ, ∇W, ∇b and sums, or the averaging after J)."""
        plan, stop = self.plan, start
        example = plan[start - 1].example
        while stop < len(plan) and plan[stop].phase == "backward" and \
                plan[stop].example == example:
            stop += 1
        return stop

    def forward(self) -> None:
        """Run the forward pass through the loss (per example: through the next L(i); after the
        shown examples, every step of the remaining examples and J: they finish in one move)."""
        self._start_next_if_complete()
        stop = self._next_loss()
        if stop is None:
            raise StepOrderError(
                "forward_already_done", f"the forward pass of iteration {self.t + 1} is "
                f"already done; the next step is {self.plan[self.c].id}",
                iteration=self.t + 1, step=self.plan[self.c].id)
        self._run_to(stop + 1)

    def _passes_before(self, stop: int) -> list[str]:
        """The passes (forward, backward) not yet complete that a run to `stop` steps goes
        through: what a move runs first on the learner's behalf, for the page to say so."""
        n = len(self.plan)
        c = 0 if self.c == n else self.c
        passes = []
        if any(step.kind == "loss" for step in self.plan[c:stop]):
            passes.append("forward")
        if c < n - 1 < stop:  # the update (the last step) is among the steps
            passes.append("backward")
        return passes

    def backward(self) -> list[str]:
        """Compute every gradient (per example: that example's). Runs the rest of the forward
        pass first if it is not done (the next iteration's, after an update) and returns
        ["forward"] then, else []."""
        n = len(self.plan)
        if self.c == n - 1:
            raise StepOrderError("backward_already_done",
                                 "the backward pass is already done: the next step is update")
        self._start_next_if_complete()
        start = self.c
        if start == 0 or self.plan[start - 1].phase not in ("loss", "backward") \
                or self._backward_end(start) == start:
            loss = self._next_loss()
            start = n - 1 if loss is None else loss + 1
        stop = self._backward_end(start)
        ran = self._passes_before(stop)
        self._run_to(stop)
        return ran

    def update(self) -> list[str]:
        """Apply the update. Runs whatever of the forward and backward passes is not done first
        (the next iteration's, after an update) and returns those passes' names."""
        self._start_next_if_complete()
        ran = self._passes_before(len(self.plan))
        self._run_to(len(self.plan))
        return ran

    def iterate(self) -> None:
        """Finish the current iteration, or do a whole new one if it is complete."""
        self._start_next_if_complete()
        self._run_to(len(self.plan))

    def train(self, iterations: int, should_stop: Callable[[], bool] | None = None) -> int:
        """Run whole iterations; return how many were done. State stays finite on divergence.

        Each iteration runs on the fast path (app/engine/fast.py), which gives the same numbers
        as stepping through it with next()."""
        held: list[Values] = []
        for done in range(iterations):
            if should_stop is not None and should_stop():
                return done
            # Hold the last iteration's arrays until this one has made its own. Freed all at
            # once, they let malloc hand the memory back to the OS, and each iteration page-faults
            # it in again: +60% per iteration for 16 units × 1000 examples, measured.
            held[:] = [self.values]
            try:
                self.iterate()
            except Diverged as err:
                raise Diverged(err.step_id, err.iteration, done) from None
        return iterations

    def goto(self, updates: int) -> None:
        """Stand at the state after `updates` updates (0: the very start), with its steps shown."""
        if not self.base <= updates <= self.completed:
            raise StepOrderError("iteration_out_of_range",
                                 f"iteration must be between {self.base} and {self.completed}",
                                 low=self.base, completed=self.completed)
        if updates == self.base:
            self._enter(self.base, self.checkpoints[self.base])
            return
        params = self.params_at(updates - 1)
        self._enter(updates - 1, params)
        self._run_to(len(self.plan))

    def reset(self) -> None:
        """Back to the initial parameters; history is cleared, the current learning rate kept.
        (After resume_from: back to its first iteration, the history before it kept.)"""
        lr, base = self.learning_rate, self.base
        self.schedule = [e for e in self.schedule if e[0] < base] or [(0, lr)]
        if self.schedule[-1][1] != lr:
            self.schedule.append((base, lr))
        self._truncate_history(base)
        self.checkpoints = {base: self.checkpoints[base]}
        self._enter(base, self.checkpoints[base])

    def learning_rate_drops(self, lr: float) -> int:
        """Iterations of history set_learning_rate(lr) would drop (those after the position)."""
        start = self.t + (self.c == len(self.plan))
        return 0 if lr == self.lr_at(start) else max(0, self.completed - start)

    def set_learning_rate(self, lr: float) -> None:
        """Change α from the next update on. History after that point no longer holds: drop it
        (learning_rate_drops says how many iterations that is, to ask the learner first)."""
        start = self.t + (self.c == len(self.plan))
        if lr == self.lr_at(start):
            return
        self._truncate_history(start)
        self.checkpoints = {k: p for k, p in self.checkpoints.items() if k <= start}
        kept = [entry for entry in self.schedule if entry[0] < start]
        self.schedule = kept + [(start, float(lr))]

    # -- reading --------------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        return "start" if self.c == 0 else self.plan[self.c - 1].phase

    @property
    def next_step(self) -> StepSpec:
        return self.plan[self.c % len(self.plan)]

    @property
    def done_steps(self) -> list[StepSpec]:
        return self.plan[: self.c]

    @property
    def loss(self) -> float | None:
        j = self.values.get("J")
        return None if j is None else float(j)

    def records(self, with_values: bool = True, arrays: bool = False) -> list[dict]:
        """The steps done in this iteration as plain data (values as lists, or as arrays)."""
        return [step_record(s, self.values, with_values, arrays) for s in self.done_steps]

    def current_params(self) -> Params:
        """Parameters as they stand now: updated ones once the update step is done."""
        return self._updated_params() if self.c == len(self.plan) else self.params

    def history_nbytes(self) -> int:
        """Memory held for going back: checkpoints, losses and the learning-rate schedule."""
        arrays = sum(a.nbytes for p in self.checkpoints.values() for a in p.values())
        metrics = sum(8 * (len(x) if isinstance(x, list) else 1)
                      for series in self.metrics.values() for x in series)
        return arrays + 8 * len(self.losses) + metrics + 16 * len(self.schedule)
