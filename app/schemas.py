"""Request and response models of the JSON API. Every limit here is named in its error message;
the model's own checks fail with a code of app/messages.py (the error's `type`) and its
parameters (`ctx`, with `field`: the part of the model at fault)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .engine import ACTIVATIONS, DATASETS, INITIALIZERS, LOSSES
from .engine.features import FEATURES
from .engine.features import RAW as RAW_FEATURES
from .messages import custom_error

MAX_INPUTS, MAX_HIDDEN_UNITS, MAX_OUTPUTS, MAX_HIDDEN_LAYERS = 64, 32, 16, 6
MAX_EXAMPLES = 2000
MAX_ABS_VALUE = 1e6

ActivationName = Literal["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
LossName = Literal["squared_error", "binary_cross_entropy", "cross_entropy"]
InitName = Literal["normal", "xavier", "he", "uniform", "constant", "zeros"]
FeatureName = Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
DatasetName = Literal["xor", "and", "circles", "moons", "spiral", "gaussians", "sine", "random",
                      "multilabel"]
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]

assert set(ActivationName.__args__) == set(ACTIVATIONS)  # type: ignore[attr-defined]
assert set(LossName.__args__) == set(LOSSES)  # type: ignore[attr-defined]
assert set(InitName.__args__) == set(INITIALIZERS)  # type: ignore[attr-defined]
assert set(DatasetName.__args__) == set(DATASETS)  # type: ignore[attr-defined]
assert list(FeatureName.__args__) == list(FEATURES)  # type: ignore[attr-defined]


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


# The worked example: XOR's four points and given starting weights (a 2-2-1 network).
XOR_DATA = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "Y": [[0], [1], [1], [0]]}
GIVEN_PARAMETERS = {"W": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45]]], "b": [[0.35, 0.35], [0.6]]}
MAX_HISTORY = 100_000  # iterations a history (of an import) may carry


class HistoryIn(Strict):
    """The iterations completed before `parameters`, as an export writes them: the imported
    session shows them in its curves and continues with the next iteration's number. Entry i of
    each list belongs to iteration i + 1. A value the run recorded as non-finite (a ‖dW‖ that
    overflowed) is null."""

    losses: list[float] = Field(max_length=MAX_HISTORY,
                                description="loss J of iterations 1, 2, … (before their update)")
    metrics: dict[Literal["grad_norms", "accuracy", "test_loss", "test_accuracy"],
                  list[float | None | list[float | None]]] = Field(
        {}, description="per iteration, as losses: grad_norms ([‖dW[1]‖, …, ‖dW[L]‖]), and "
                        "for a classifier accuracy, with a test set test_loss (and "
                        "test_accuracy)")
    learning_rates: list[tuple[int, float]] = Field(
        [], max_length=MAX_HISTORY,
        description="the α schedule: [iteration, α] pairs, each α used from that iteration on")

    @model_validator(mode="after")
    def _check_lengths(self) -> HistoryIn:
        n = len(self.losses)
        for name, series in self.metrics.items():
            if len(series) != n:
                raise custom_error("config.history_length", f"history.metrics.{name}",
                                   got=len(series), n=n)
        for i, (it, lr) in enumerate(self.learning_rates):
            if not 1 <= it <= n + 2 or not 0 < lr <= 100:
                raise custom_error("config.history_rate", f"history.learning_rates[{i}]",
                                   high=n + 2, iteration=it, lr=lr)
        return self


class SessionConfig(Strict):
    # Examples for /docs "Try it out": each one a request that succeeds (tests/
    # test_openapi_examples.py sends them).
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"],
         "loss": "binary_cross_entropy", "learning_rate": 0.5, "dataset": "xor", "seed": 0},
        {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error",
         "learning_rate": 0.5, "dataset": None, "data": XOR_DATA,
         "parameters": GIVEN_PARAMETERS},
        {"layers": [2, 8, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy",
         "dataset": "spiral", "samples": 150, "batch_size": 32, "test_ratio": 0.2, "seed": 1},
    ]})

    layers: list[int] = Field(
        [2, 2, 1], min_length=2, max_length=MAX_HIDDEN_LAYERS + 2,
        description="sizes n[0]..n[L]: input 1–64, 0–6 hidden layers of 1–32, output 1–16")
    activations: list[ActivationName] = Field(
        ["tanh", "sigmoid"], description="one per non-input layer; softmax on the output only")
    loss: LossName = "binary_cross_entropy"
    learning_rate: float = Field(0.5, gt=0, le=100)
    weight_decay: float = Field(0.0, ge=0, le=10)
    init: InitName = "xavier"
    init_scale: float = Field(0.01, gt=0, le=10, description="σ for normal, half-width for "
                              "uniform, the value of every weight for constant")
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
    regularization: Literal["l2", "l1"] = Field(
        "l2", description="the penalty weight_decay λ scales, on W only: l2 adds (λ/2)·Σ‖W‖² to "
        "J and λW to dW; l1 adds λ·Σ|W| to J and λ·sign(W) to dW")
    gradient_mode: Literal["batch", "per_example"] = Field(
        "batch", description="batch: every step over the whole batch; per_example: one example "
        "at a time, ΔW and Δb accumulated, then dW = (1/m)·ΔW + λW (UFLDL's batch gradient "
        "descent)")
    examples_shown: int = Field(
        3, ge=1, le=16, description="per_example: examples with steps of their own (at most the "
        "smallest batch); the remaining ones are done together, one step per layer")
    features: list[FeatureName] = Field(
        ["x1", "x2"], min_length=1, max_length=len(FEATURES),
        description="inputs derived from a 2-D point (x1, x2), as in TensorFlow Playground: "
        "x1, x2, x1_squared, x2_squared, x1_x2, sin_x1, sin_x2; layers[0] follows their count")
    backward_order: Literal["by_layer", "deltas_first"] = Field(
        "by_layer", description="by_layer: dW[l], db[l] right after δ[l]; deltas_first: every "
        "δ first, then every gradient (the UFLDL order)")

    @model_validator(mode="before")
    @classmethod
    def _input_layer_follows_features(cls, data: object) -> object:
        """Derived features set the input layer's size: one unit per feature."""
        features = data.get("features") if isinstance(data, dict) else None
        if isinstance(features, list) and tuple(features) != RAW_FEATURES:
            assert isinstance(data, dict)
            layers = data.get("layers", cls.model_fields["layers"].default)
            if isinstance(layers, list) and layers:
                data = {**data, "layers": [len(features), *layers[1:]]}
        return data
    history: HistoryIn | None = Field(
        None, description="iterations completed before `parameters` (an import writes it; "
                          "needs parameters): the session goes on from the next iteration")

    @model_validator(mode="after")
    def _check_shapes(self) -> SessionConfig:
        n, depth = self.layers, len(self.layers) - 1
        limits = [("input", 1, MAX_INPUTS)] + [("hidden", 1, MAX_HIDDEN_UNITS)] * (depth - 1)
        for i, (size, (kind, low, high)) in enumerate(zip(n, limits + [("output", 1, MAX_OUTPUTS)],
                                                          strict=True)):
            if not low <= size <= high:
                raise custom_error(f"config.{kind}_layer_size", f"layers[{i}]", low=low,
                                   high=high, size=size)
        if len(self.activations) != depth:
            raise custom_error("config.activation_count", "activations", depth=depth,
                               count=len(self.activations))
        if "softmax" in self.activations[:-1]:
            raise custom_error("config.softmax_not_last", "activations")
        if self.activations[-1] == "softmax" and n[-1] < 2:
            raise custom_error("config.softmax_units", "activations")
        needed = LOSSES[self.loss].requires
        if needed and self.activations[-1] not in needed:
            raise custom_error("config.loss_activation", "loss", loss=self.loss,
                               needed="/".join(sorted(needed)), got=self.activations[-1])
        if len(set(self.features)) != len(self.features):
            raise custom_error("config.duplicate_feature", "features")
        if self.derives and self.data is None and self.dataset in ("sine", "random"):
            raise custom_error("config.features_need_2d", "features", dataset=self.dataset)
        if self.data is not None:
            if "dataset" in self.model_fields_set and self.dataset is not None:
                raise custom_error("config.data_and_dataset", "dataset")
            self.dataset = None
            self._check_data(self.data)
        elif self.dataset is None:
            raise custom_error("config.no_data", "dataset")
        if self.parameters is not None:
            self._check_parameters(self.parameters)
        elif self.history is not None and self.history.losses:
            raise ValueError("history: give the parameters its last iteration ended with")
        return self

    @property
    def derives(self) -> bool:
        """Whether the inputs are derived features rather than the raw inputs."""
        return tuple(self.features) != RAW_FEATURES

    def _check_data(self, data: DataIn) -> None:
        n0, nl = 2 if self.derives else self.layers[0], self.layers[-1]
        if len(data.X) != len(data.Y):
            raise custom_error("config.row_counts", "data", x_rows=len(data.X),
                               y_rows=len(data.Y))
        for name, rows, width in (("X", data.X, n0), ("Y", data.Y, nl)):
            for i, row in enumerate(rows):
                if len(row) != width:
                    raise custom_error("config.row_width", f"data.{name}[{i}]", width=width,
                                       layer=f"layers[{0 if name == 'X' else -1}]",
                                       count=len(row))
        if self.loss in ("binary_cross_entropy", "cross_entropy"):
            for i, row in enumerate(data.Y):
                if any(not 0 <= v <= 1 for v in row):
                    raise custom_error("config.targets_in_unit", f"data.Y[{i}]", loss=self.loss)
        if self.loss == "cross_entropy":
            for i, row in enumerate(data.Y):
                if abs(sum(row) - 1) > 1e-6:
                    raise custom_error("config.targets_sum", f"data.Y[{i}]")

    def _check_parameters(self, params: ParametersIn) -> None:
        depth = len(self.layers) - 1
        if len(params.W) != depth or len(params.b) != depth:
            raise custom_error("config.parameter_count", "parameters", depth=depth,
                               w_count=len(params.W), b_count=len(params.b))
        for l in range(1, depth + 1):
            rows, cols = self.layers[l], self.layers[l - 1]
            w = params.W[l - 1]
            if len(w) != rows or any(len(r) != cols for r in w):
                raise custom_error("config.weight_shape", f"parameters.W[{l - 1}]", layer=l,
                                   rows=rows, cols=cols)
            if len(params.b[l - 1]) != rows:
                raise custom_error("config.bias_length", f"parameters.b[{l - 1}]", layer=l,
                                   rows=rows)


class TrainRequest(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"iterations": 100}]})

    iterations: int = Field(ge=1, le=100_000, description="whole iterations to run")


class GotoRequest(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"iteration": 0}]})

    iteration: int = Field(ge=0, description=(
        "show iteration k as it ended (its update applied: the state after k updates), its "
        "steps recomputed; 0: the very start, before iteration 1. Between the first iteration "
        "the session can stand at (0; an imported session's first) and `completed`"))


class LearningRateRequest(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"learning_rate": 0.1}]})

    learning_rate: float = Field(gt=0, le=100)


class RefusalOut(BaseModel):
    """Every 4xx of the API: a stable code, English text, the field at fault (codes and texts:
    app/messages.py). A validation error adds `errors` (one per failure: field, error, message)
    and pydantic's `detail`; a divergence the last finite `state`."""

    error: str = Field(description="stable code, e.g. session_not_found, validation, diverged")
    message: str = Field(description="what was refused, naming the field and the limit")
    field: str | None = Field(None, description="the input at fault, where there is one")


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
            raise Refusal("config.unknown_preset", field="preset", name=self.preset,
                          choices=", ".join(presets))
        return SessionConfig(**{**preset.config, **given})
