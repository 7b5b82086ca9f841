"""Request and response models of the JSON API. Every limit here is named in its error message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .engine import ACTIVATIONS, DATASETS, INITIALIZERS, LOSSES

MAX_INPUTS, MAX_HIDDEN_UNITS, MAX_OUTPUTS, MAX_HIDDEN_LAYERS = 64, 32, 16, 6
MAX_EXAMPLES = 2000
MAX_ABS_VALUE = 1e6

ActivationName = Literal["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
LossName = Literal["squared_error", "binary_cross_entropy", "cross_entropy"]
InitName = Literal["normal", "xavier", "he", "uniform", "zeros"]
DatasetName = Literal["xor", "and", "circles", "moons", "spiral", "gaussians", "sine", "random",
                      "multilabel"]
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]

assert set(ActivationName.__args__) == set(ACTIVATIONS)  # type: ignore[attr-defined]
assert set(LossName.__args__) == set(LOSSES)  # type: ignore[attr-defined]
assert set(InitName.__args__) == set(INITIALIZERS)  # type: ignore[attr-defined]
assert set(DatasetName.__args__) == set(DATASETS)  # type: ignore[attr-defined]


class Strict(BaseModel):
    # NaN and ±inf are rejected everywhere; unknown fields are a typo worth reporting.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DataIn(Strict):
    """Custom data, one example per row (as in a CSV): X is (m, n0), Y is (m, nL)."""

    X: list[list[Number]] = Field(min_length=1, max_length=MAX_EXAMPLES)
    Y: list[list[Number]] = Field(min_length=1, max_length=MAX_EXAMPLES)


class ParametersIn(Strict):
    """Explicit parameters: W[l] is (n[l], n[l-1]) and b[l] has n[l] entries, for l = 1..L."""

    W: list[list[list[Number]]]
    b: list[list[Number]]


class SessionConfig(Strict):
    layers: list[int] = Field(
        [2, 2, 1], min_length=2, max_length=MAX_HIDDEN_LAYERS + 2,
        description="sizes n[0]..n[L]: input 1–64, 0–6 hidden layers of 1–32, output 1–16")
    activations: list[ActivationName] = Field(
        ["tanh", "sigmoid"], description="one per non-input layer; softmax on the output only")
    loss: LossName = "binary_cross_entropy"
    learning_rate: float = Field(0.5, gt=0, le=100)
    weight_decay: float = Field(0.0, ge=0, le=10)
    init: InitName = "xavier"
    init_scale: float = Field(0.01, gt=0, le=10, description="σ for normal, half-width for uniform")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    batch_size: int | None = Field(None, ge=1, le=MAX_EXAMPLES, description="null: full batch")
    dataset: DatasetName | None = "xor"
    samples: int | None = Field(None, ge=1, le=MAX_EXAMPLES, description="examples to generate")
    noise: float = Field(0.0, ge=0, le=5, description="noise of the generated dataset")
    test_ratio: float = Field(0.0, ge=0, le=0.9, description="share of examples held out as a "
                              "test set (chosen by the seed); 0: no test set")
    data: DataIn | None = None
    parameters: ParametersIn | None = None
    output_delta: Literal["fused", "chain"] = Field(
        "fused", description="fused: dZ[L] = A[L] − Y where the output activation and the loss "
        "pair up; chain: dA[L] = ∂L/∂A[L] first, then dZ[L] = dA[L] ⊙ g'(Z[L])")
    gradient_mode: Literal["batch", "per_example"] = Field(
        "batch", description="batch: every step over the whole batch; per_example: one example "
        "at a time, ΔW and Δb accumulated, then dW = (1/m)·ΔW + λW (UFLDL's batch gradient "
        "descent)")
    examples_shown: int = Field(
        3, ge=1, le=16, description="per_example: examples with steps of their own (at most the "
        "smallest batch); the rest are done in one step")
    backward_order: Literal["by_layer", "deltas_first"] = Field(
        "by_layer", description="by_layer: dW[l], db[l] right after δ[l]; deltas_first: every "
        "δ first, then every gradient (the UFLDL order)")

    @model_validator(mode="after")
    def _check_shapes(self) -> SessionConfig:
        n, depth = self.layers, len(self.layers) - 1
        limits = [("input", 1, MAX_INPUTS)] + [("hidden", 1, MAX_HIDDEN_UNITS)] * (depth - 1)
        for i, (size, (kind, low, high)) in enumerate(zip(n, limits + [("output", 1, MAX_OUTPUTS)],
                                                          strict=True)):
            if not low <= size <= high:
                raise ValueError(f"layers[{i}]: the {kind} layer has {low} to {high} units, "
                                 f"got {size}")
        if len(self.activations) != depth:
            raise ValueError(f"activations: give one per non-input layer ({depth}), "
                             f"got {len(self.activations)}")
        if "softmax" in self.activations[:-1]:
            raise ValueError("activations: softmax is allowed on the output layer only")
        if self.activations[-1] == "softmax" and n[-1] < 2:
            raise ValueError("activations: a softmax output needs at least 2 units in layers[-1]")
        needed = LOSSES[self.loss].requires
        if needed and self.activations[-1] not in needed:
            raise ValueError(f"loss: {self.loss} needs a {'/'.join(sorted(needed))} output "
                             f"activation, got {self.activations[-1]}")
        if self.data is not None:
            if "dataset" in self.model_fields_set and self.dataset is not None:
                raise ValueError("dataset: give either dataset or data, not both")
            self.dataset = None
            self._check_data(self.data)
        elif self.dataset is None:
            raise ValueError("dataset: give a dataset name or data")
        if self.parameters is not None:
            self._check_parameters(self.parameters)
        return self

    def _check_data(self, data: DataIn) -> None:
        n0, nl = self.layers[0], self.layers[-1]
        if len(data.X) != len(data.Y):
            raise ValueError(f"data: X has {len(data.X)} rows but Y has {len(data.Y)}: "
                             "one row per example in both")
        for name, rows, width in (("X", data.X, n0), ("Y", data.Y, nl)):
            for i, row in enumerate(rows):
                if len(row) != width:
                    raise ValueError(f"data.{name}[{i}]: expected {width} values "
                                     f"(layers[{0 if name == 'X' else -1}]), got {len(row)}")
        if self.loss in ("binary_cross_entropy", "cross_entropy"):
            for i, row in enumerate(data.Y):
                if any(not 0 <= v <= 1 for v in row):
                    raise ValueError(f"data.Y[{i}]: {self.loss} targets must lie in [0, 1]")
        if self.loss == "cross_entropy":
            for i, row in enumerate(data.Y):
                if abs(sum(row) - 1) > 1e-6:
                    raise ValueError(f"data.Y[{i}]: cross_entropy targets must sum to 1 "
                                     "(one-hot or probabilities)")

    def _check_parameters(self, params: ParametersIn) -> None:
        depth = len(self.layers) - 1
        if len(params.W) != depth or len(params.b) != depth:
            raise ValueError(f"parameters: give {depth} matrices W and {depth} vectors b "
                             f"(got {len(params.W)} and {len(params.b)})")
        for l in range(1, depth + 1):
            rows, cols = self.layers[l], self.layers[l - 1]
            w = params.W[l - 1]
            if len(w) != rows or any(len(r) != cols for r in w):
                raise ValueError(f"parameters.W[{l - 1}]: W[{l}] must be {rows}×{cols} "
                                 "(n[l] rows, n[l-1] columns)")
            if len(params.b[l - 1]) != rows:
                raise ValueError(f"parameters.b[{l - 1}]: b[{l}] must have {rows} entries")


class TrainRequest(Strict):
    iterations: int = Field(ge=1, le=100_000, description="whole iterations to run")


class GotoRequest(Strict):
    iteration: int = Field(ge=0, description="the state after this many updates (0: the start)")


class LearningRateRequest(Strict):
    learning_rate: float = Field(gt=0, le=100)


class SessionCreate(SessionConfig):
    """POST /api/sessions: a config, or a preset by name whose fields the others override."""

    preset: str | None = Field(None, description="a preset's name (see GET /api/presets); the "
                               "other fields given override the preset's")

    @model_validator(mode="after")
    def _check_shapes(self) -> SessionCreate:  # same name: replaces SessionConfig's check
        # With a preset, the fields are checked once merged with the preset's (config()).
        return self if self.preset is not None else SessionConfig._check_shapes(self)

    def config(self, presets: dict) -> SessionConfig:
        """The SessionConfig asked for; raises Refusal for an unknown preset and
        ValidationError for a merged config that does not hold."""
        given = self.model_dump(include=self.model_fields_set - {"preset"})
        if self.preset is None:
            return SessionConfig(**given)
        from .messages import Refusal  # (messages imports nothing of ours: no cycle)

        preset = presets.get(self.preset)
        if preset is None:
            raise Refusal("unknown_preset", field="preset", name=self.preset,
                          names=", ".join(presets))
        return SessionConfig(**{**preset.config, **given})
