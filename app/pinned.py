"""A pinned run: a copy of one run's setup and curves kept beside the current run, to draw both
on the same axes and to compare their drawings at the same iteration.

What is kept is small and enough to rebuild everything: the config (the same one that builds
the session: `build_stepper(config)` is deterministic), the α schedule, and the recorded loss
and accuracy per completed iteration. The pinned run's parameters at any iteration k are made
again by replaying its first k iterations (`rebuild_params`), so no weights are stored; a pin
holds at most the server's `max_train_iterations`, which bounds that replay.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import orjson

from .engine import Stepper
from .messages import Refusal
from .schemas import SessionConfig

# The curves a pin keeps (grad_norms are not compared): name in the history API → the stepper's.
CURVES = ("loss", "accuracy", "test_loss", "test_accuracy")


@dataclass(frozen=True, eq=False)
class PinnedRun:
    """config: the run's SessionConfig; schedule: its ((first iteration, α), …) changes of α;
    curves: per name in CURVES that the run records, one float per completed iteration."""

    config: SessionConfig
    schedule: tuple[tuple[int, float], ...]
    curves: dict[str, tuple[float, ...]]

    @property
    def completed(self) -> int:
        return len(self.curves["loss"])

    @functools.cached_property
    def document(self) -> dict:
        """The JSON form (the share link's and the store's): non-finite values as null."""
        return {"config": self.config.model_dump(mode="json", exclude_defaults=True),
                "schedule": [[k, a] for k, a in self.schedule],
                "completed": self.completed,
                **{name: [v if math.isfinite(v) else None for v in series]
                   for name, series in self.curves.items()}}

    @functools.cached_property
    def json_bytes(self) -> bytes:
        """The document as JSON, made once (the store writes it with every head)."""
        return orjson.dumps(self.document)

    @functools.cached_property
    def key(self) -> str:
        """Names this pin's content (render caches and the training panel's version)."""
        return hashlib.blake2b(self.json_bytes, digest_size=6).hexdigest()

    @property
    def nbytes(self) -> int:
        return len(self.json_bytes)

    @classmethod
    def from_document(cls, doc: dict) -> PinnedRun:
        """Back from `document` (ValueError or pydantic's ValidationError when it is not one)."""
        config = SessionConfig.model_validate(doc["config"])
        schedule = tuple((int(k), float(a)) for k, a in doc["schedule"])
        curves = {name: tuple(math.nan if v is None else float(v) for v in doc[name])
                  for name in CURVES if name in doc}
        if "loss" not in curves or any(len(c) != len(curves["loss"]) for c in curves.values()):
            raise ValueError("a pinned run's curves must all have one value per iteration")
        return cls(config, schedule, curves)


def pin(config: SessionConfig, stepper: Stepper, limit: int) -> PinnedRun:
    """The run `stepper` has made from `config`, its whole history, as a pin. Refusal when it
    has completed more than `limit` iterations (the replay that rebuilds it must stay short)."""
    if stepper.completed > limit:
        raise Refusal("pin_too_long", status=422, completed=stepper.completed, limit=limit)
    curves = {"loss": tuple(map(float, stepper.losses))}
    for name in CURVES[1:]:
        if name in stepper.metrics:
            curves[name] = tuple(map(float, stepper.metrics[name]))
    schedule = tuple((int(k), float(a)) for k, a in stepper.schedule if k <= stepper.completed)
    return PinnedRun(config, schedule, curves)


def rebuild(pinned: PinnedRun, build_stepper) -> Stepper:
    """The pinned run's stepper, built from its config under its α schedule, with its history's
    length: `stepper.params_at(k)` then replays its first k iterations (base ≤ k ≤ completed),
    exactly the numbers it had, and keeps checkpoints on the way (a later k replays little).
    `build_stepper`: app.sessions.build_stepper (passed in: sessions imports this module)."""
    stepper, _ = build_stepper(pinned.config)
    stepper.schedule = list(pinned.schedule)
    # As long as the pinned history: a replay below it records nothing (_record_completion
    # runs only past the last completed iteration).
    stepper.losses = list(pinned.curves["loss"])
    return stepper


def params_at(stepper: Stepper, k: int) -> dict[str, np.ndarray]:
    """Parameters after k updates of a rebuilt pinned run (ValueError outside its history)."""
    if not stepper.base <= k <= stepper.completed:
        raise ValueError(f"the pinned run has no iteration {k}")
    return stepper.params_at(k)


def carry(store, from_id: str | None, to_id: str) -> None:
    """A network built from another keeps the other's pinned run (the learner pins one run,
    then builds the next to compare): copy it over, if there is one."""
    if not from_id or from_id == to_id:
        return
    with store.checkout(from_id) as old:
        pinned = None if old is None else old.pinned
    if pinned is None:
        return
    with store.checkout(to_id) as new:
        if new is not None:
            new.pinned = pinned
