"""The JSON API through a TestClient: real HTTP status codes and bodies, the ASGI app in process."""

from __future__ import annotations

import json
import random
import sys
import threading

import numpy as np
import pytest
from conftest import API, create
from conftest import refusal_message as message


def move(api, sid: str, name: str, status: int = 200, **body) -> dict:
    response = api.post(f"{API}/{sid}/{name}", json=body or None)
    assert response.status_code == status, response.text[:2000]
    return response.json()


def arr(value) -> np.ndarray:
    return np.array(value, dtype=float)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def finite_numbers(value) -> bool:
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, float):
        return bool(np.isfinite(value))
    return True


# -- creating sessions and reading their state --------------------------------------------------

def test_create_with_defaults_is_xor_2_2_1(api):
    state = create(api)
    assert isinstance(state["id"], str) and len(state["id"]) >= 16
    config = state["config"]
    assert config["layers"] == [2, 2, 1]
    assert config["activations"] == ["tanh", "sigmoid"]
    assert config["loss"] == "binary_cross_entropy" and config["dataset"] == "xor"
    # Iteration 1 (numbered as on the page) is about to start: no update, no history.
    assert (state["iteration"], state["updates"], state["completed"]) == (1, 0, 0)
    assert state["earliest"] == 0
    assert state["phase"] == "start" and state["cursor"] == "Z1" and state["cursor_index"] == 0
    assert state["loss"] is None and state["steps"] == [] and state["batch"] is None
    assert state["plan"] == ["Z1", "A1", "Z2", "A2", "J", "dZ2", "dW2", "db2", "dA1", "dZ1",
                             "dW1", "db1", "update"]
    assert state["steps_per_iteration"] == 13
    assert state["X"] == [[0, 0, 1, 1], [0, 1, 0, 1]]  # one column per example
    assert state["Y"] == [[0, 1, 1, 0]]
    assert [layer["layer"] for layer in state["layers"]] == [1, 2]
    first, second = state["layers"]
    assert arr(first["W"]).shape == (2, 2) and arr(second["W"]).shape == (1, 2)
    assert first["b"] == [0.0, 0.0] and second["b"] == [0.0]
    assert (first["units"], first["activation"]) == (2, "tanh")
    for layer in state["layers"]:
        assert all(layer[key] is None for key in ("Z", "A", "dA", "dZ", "dW", "db"))
    assert api.get(f"{API}/{state['id']}").json() == state


DATASET_CONFIGS = [
    ("xor", {"layers": [2, 3, 1]}, 4),
    ("and", {"layers": [2, 2, 1], "samples": 12}, 12),
    ("circles", {"layers": [2, 4, 1]}, 200),
    ("moons", {"layers": [2, 4, 2], "activations": ["relu", "softmax"],
               "loss": "cross_entropy", "noise": 0.1}, 200),
    ("spiral", {"layers": [2, 8, 3], "activations": ["tanh", "softmax"],
                "loss": "cross_entropy", "samples": 90}, 90),
    ("gaussians", {"layers": [2, 4, 4], "activations": ["leaky_relu", "softmax"],
                   "loss": "squared_error"}, 200),
    ("sine", {"layers": [1, 8, 1], "activations": ["tanh", "linear"],
              "loss": "squared_error"}, 100),
    ("random", {"layers": [3, 4, 1], "samples": 20}, 20),
]


@pytest.mark.parametrize("dataset,config,m", DATASET_CONFIGS, ids=[d for d, *_ in DATASET_CONFIGS])
def test_create_with_each_dataset(api, dataset, config, m):
    state = create(api, dataset=dataset, **config)
    n = config["layers"]
    assert state["config"]["dataset"] == dataset
    assert arr(state["X"]).shape == (n[0], m) and arr(state["Y"]).shape == (n[-1], m)
    state = move(api, state["id"], "iterate")
    assert state["completed"] == 1 and np.isfinite(state["loss"])
    for layer, (rows, cols) in zip(state["layers"], zip(n[1:], n[:-1], strict=True),
                                   strict=True):
        assert arr(layer["W"]).shape == (rows, cols)
        assert arr(layer["Z"]).shape == arr(layer["A"]).shape == (rows, m)
        assert arr(layer["dW"]).shape == (rows, cols) and len(layer["db"]) == rows
    assert [s["id"] for s in state["steps"]] == state["plan"]


def test_state_fields_step_by_step(api):
    sid = create(api, layers=[2, 3, 1])["id"]
    state = move(api, sid, "next")
    assert state["phase"] == "forward" and state["cursor"] == "A1" and state["cursor_index"] == 1
    (step,) = state["steps"]
    assert step["id"] == "Z1" and step["kind"] == "linear" and step["layer"] == 1
    assert step["formula"] == r"Z^{[1]} = W^{[1]}\,X + b^{[1]}"
    assert step["formula_rows"] == r"Z^{[1]} = X\,W^{[1]} + b^{[1]}"
    operands = {o["key"]: o for o in step["operands"]}
    assert operands["W1"]["shape"] == [3, 2] and operands["W1"]["shape_rows"] == [2, 3]
    assert operands["A0"]["shape"] == [2, 4] and operands["A0"]["symbol"] == "X"
    assert operands["b1"]["shape"] == [3, 1]
    assert all("value" not in o for o in step["operands"])
    (out,) = step["outputs"]
    assert out["key"] == "Z1" and out["shape"] == [3, 4] and out["shape_rows"] == [4, 3]
    layer1 = state["layers"][0]
    assert out["value"] == layer1["Z"]
    np.testing.assert_allclose(arr(layer1["Z"]),
                               arr(layer1["W"]) @ arr(state["X"]) + arr(layer1["b"])[:, None],
                               rtol=1e-15)
    assert layer1["A"] is None and state["loss"] is None

    for _ in range(3):  # A1, Z2, A2
        state = move(api, sid, "next")
    assert state["loss"] is None and state["cursor"] == "J"
    state = move(api, sid, "next")
    assert state["phase"] == "loss" and state["steps"][-1]["id"] == "J"
    assert state["loss"] == state["steps"][-1]["outputs"][0]["value"]
    assert state["steps"][-1]["outputs"][0]["shape"] == []

    state = move(api, sid, "backward")
    assert state["phase"] == "backward" and state["cursor"] == "update"
    first, second = state["layers"]
    assert second["dA"] is None  # sigmoid + BCE collapse: dZ2 = A2 − Y
    assert arr(first["dA"]).shape == (3, 4) and arr(first["dZ"]).shape == (3, 4)
    assert arr(second["dW"]).shape == (1, 3) and len(second["db"]) == 1
    np.testing.assert_allclose(arr(second["dZ"]), arr(second["A"]) - arr(state["Y"]), rtol=1e-15)
    for step in state["steps"]:
        assert step["formula"] and step["formula_rows"]
        for item in step["operands"] + step["outputs"]:
            assert isinstance(item["shape"], list)
        for item in step["outputs"]:
            assert np.shape(item["value"]) == tuple(item["shape"])


# -- every move ---------------------------------------------------------------------------------

def test_every_move(api):
    created = create(api, layers=[2, 3, 1], learning_rate=1.0)
    sid = created["id"]
    initial_w = [layer["W"] for layer in created["layers"]]

    state = move(api, sid, "forward")
    assert (state["phase"], state["cursor"]) == ("loss", "dZ2")
    j0 = state["loss"]
    state = move(api, sid, "backward")
    assert (state["phase"], state["cursor"]) == ("backward", "update")
    state = move(api, sid, "update")
    assert (state["phase"], state["updates"], state["completed"]) == ("update", 1, 1)
    assert state["iteration"] == 1  # iteration 1 is complete: still iteration 1 being viewed
    assert state["steps"][-1]["id"] == "update"
    assert state["layers"][0]["W"] != initial_w[0]
    state = move(api, sid, "prev")  # undo the update: the parameters are the old ones again
    assert state["cursor"] == "update" and state["updates"] == 0
    assert [layer["W"] for layer in state["layers"]] == initial_w
    state = move(api, sid, "next")
    state = move(api, sid, "next")  # into iteration 2
    assert (state["iteration"], state["cursor"]) == (2, "A1")
    state = move(api, sid, "iterate")  # finishes iteration 2
    assert (state["iteration"], state["updates"], state["cursor_index"]) == (2, 2, 0)
    state = move(api, sid, "iterate")  # a whole new one
    assert (state["iteration"], state["updates"]) == (3, 3)

    state = move(api, sid, "train", iterations=20)
    assert (state["iteration"], state["updates"], state["completed"]) == (23, 23, 23)
    assert state["loss"] < j0

    state = move(api, sid, "goto", iteration=5)
    assert (state["iteration"], state["updates"], state["completed"]) == (5, 5, 23)
    state = move(api, sid, "goto", iteration=0)
    assert (state["iteration"], state["phase"], state["completed"]) == (1, "start", 23)
    assert [layer["W"] for layer in state["layers"]] == initial_w

    state = move(api, sid, "learning-rate", learning_rate=0.25)
    assert state["learning_rate"] == 0.25 and state["completed"] == 0  # history truncated
    assert state["discarded"] == 23  # and the answer says how much
    state = move(api, sid, "iterate")
    assert state["learning_rate"] == 0.25
    for layer in state["layers"]:
        w_before = arr(initial_w[layer["layer"] - 1])
        np.testing.assert_allclose(arr(layer["W"]), w_before - 0.25 * arr(layer["dW"]),
                                   rtol=1e-14, atol=1e-16)

    state = move(api, sid, "reset")
    assert (state["iteration"], state["completed"], state["loss"]) == (1, 0, None)
    assert state["learning_rate"] == 0.25
    assert [layer["W"] for layer in state["layers"]] == initial_w


def test_goto_shows_the_same_state_as_the_original_run(api):
    sid = create(api, layers=[2, 4, 1], dataset="circles", samples=40, batch_size=16)["id"]
    seen = {k: move(api, sid, "iterate") for k in range(1, 8)}
    for k in (3, 7, 1):
        state = move(api, sid, "goto", iteration=k)
        for key in ("layers", "steps", "loss", "X", "Y", "batch", "iteration", "cursor"):
            assert state[key] == seen[k][key], key
    assert len(seen[1]["batch"]) == 16 and arr(seen[1]["X"]).shape == (2, 16)
    body = move(api, sid, "goto", status=409, iteration=8)
    assert "between 0 and 7" in message(body, "iteration_out_of_range")


def test_backward_and_update_run_the_missing_passes_first_and_say_so(api):
    sid = create(api)["id"]
    twin = create(api)["id"]
    body = move(api, sid, "backward")
    assert body["ran_first"] == ["forward"] and body["cursor"] == "update"
    assert body["notice"] == ("Ran the forward pass of iteration 1 first: the backward pass "
                              "needs its loss J.")
    move(api, twin, "forward")
    same = move(api, twin, "backward")
    assert same["ran_first"] == [] and same["notice"] is None
    assert [layer["dW"] for layer in same["layers"]] == [layer["dW"] for layer in body["layers"]]
    body = move(api, sid, "update")
    assert body["ran_first"] == [] and (body["iteration"], body["completed"]) == (1, 1)
    body = move(api, sid, "update")  # iteration 1 is complete: Update is iteration 2's
    assert body["ran_first"] == ["forward", "backward"]
    assert (body["iteration"], body["completed"], body["phase"]) == (2, 2, "update")
    assert body["notice"].startswith("Ran the forward and backward passes of iteration 2 first")


def test_order_errors_are_409_naming_what_comes_first(api):
    sid = create(api)["id"]
    body = move(api, sid, "prev", status=409)
    assert "first step" in message(body, "already_at_start")
    move(api, sid, "forward")
    body = move(api, sid, "forward", status=409)
    assert message(body, "forward_already_done") == (
        "the forward pass of iteration 1 is already done; the next step is dZ2")
    move(api, sid, "backward")
    body = move(api, sid, "backward", status=409)
    assert "already done" in message(body, "backward_already_done")
    # An order error changes nothing.
    assert api.get(f"{API}/{sid}").json()["cursor"] == "update"


def test_unknown_and_deleted_sessions_are_404(api):
    assert api.get(f"{API}/nope").status_code == 404
    assert api.post(f"{API}/nope/next").status_code == 404
    assert api.post(f"{API}/nope/train", json={"iterations": 1}).status_code == 404
    assert api.delete(f"{API}/nope").status_code == 404
    sid = create(api)["id"]
    response = api.delete(f"{API}/{sid}")
    assert response.status_code == 204 and response.content == b""
    response = api.get(f"{API}/{sid}")
    assert response.status_code == 404 and sid in message(response.json(), "session_not_found")
    for name in ("next", "prev", "forward", "iterate", "reset"):
        assert api.post(f"{API}/{sid}/{name}").status_code == 404
    assert api.post(f"{API}/{sid}/goto", json={"iteration": 0}).status_code == 404
    assert api.delete(f"{API}/{sid}").status_code == 404


# Every API route of one session, with a body it accepts: each must refuse a session that is
# not there in the one way (404, session_not_found, the id in the message).
SESSION_ROUTES = [
    ("GET", "", None), ("DELETE", "", None), ("GET", "/history", None),
    ("GET", "/graph", None), ("POST", "/gradcheck", None), ("GET", "/export", None),
    ("GET", "/export.py", None), ("POST", "/snapshots", None), ("GET", "/quiz", None),
    ("POST", "/quiz", {"answer": "2×4"}), ("POST", "/train", {"iterations": 1}),
    ("POST", "/goto", {"iteration": 0}), ("POST", "/learning-rate", {"learning_rate": 0.1}),
    ("POST", "/pinned", None), ("DELETE", "/pinned", None),
    *[("POST", f"/{name}", None) for name in
      ("next", "prev", "forward", "backward", "update", "iterate", "reset")],
]


def test_every_session_route_refuses_a_missing_session_in_one_shape(api, app):
    sid = create(api)["id"]
    assert api.delete(f"{API}/{sid}").status_code == 204
    for method, tail, body in SESSION_ROUTES:
        response = api.request(method, f"{API}/{sid}{tail}", json=body)
        assert response.status_code == 404, (method, tail, response.text)
        assert sid in message(response.json(), "session_not_found"), (method, tail)
        assert set(response.json()) == {"error", "message"}
        assert "hx-refresh" not in response.headers  # the page's reload is for the page only
    # The list above is every route of the API that takes a session id (moves: one route).
    moves = {f"/{name}" for name in ("next", "prev", "forward", "backward", "update",
                                     "iterate", "reset")}
    listed = {(m.lower(), f"{API}/{{session_id}}{tail}") for m, tail, _ in SESSION_ROUTES
              if tail not in moves} | {("post", f"{API}/{{session_id}}/{{move}}")}
    routes = {(m, path) for path, ops in app.openapi()["paths"].items()
              if "{session_id}" in path for m in ops}
    assert routes == listed


def test_unknown_move_and_bad_move_bodies_are_422(api):
    sid = create(api)["id"]
    for path, body in [
        ("jump", None),
        ("train", None),
        ("train", {"iterations": 0}),
        ("train", {"iterations": 1.5}),
        ("train", {"iterations": 5, "extra": 1}),
        ("goto", {"iteration": -1}),
        ("goto", {}),
        ("learning-rate", {"learning_rate": 0}),
        ("learning-rate", {"learning_rate": 101}),
    ]:
        response = api.post(f"{API}/{sid}/{path}", json=body)
        assert response.status_code == 422, (path, body, response.text)
        message(response.json(), "validation")
    assert response.json()["errors"] == [{
        "field": "learning_rate", "error": "pydantic.less_than_equal",
        "message": "learning_rate: Input should be less than or equal to 100"}]
    for raw in (b'{"learning_rate": NaN}', b'{"learning_rate": Infinity}', b"{nope"):
        response = api.post(f"{API}/{sid}/learning-rate", content=raw,
                            headers={"content-type": "application/json"})
        assert response.status_code == 422, raw
        message(response.json(), "validation")
    assert api.get(f"{API}/{sid}").json()["learning_rate"] == 0.5


def test_train_over_the_iteration_limit_is_a_clean_422(api, app):
    limit = app.state.settings.max_train_iterations
    sid = create(api)["id"]
    response = api.post(f"{API}/{sid}/train", json={"iterations": limit + 1})
    assert response.status_code == 422
    assert message(response.json(), "too_many_iterations") == (
        f"iterations: at most {limit} per request")
    assert response.json()["field"] == "iterations"
    response = api.post(f"{API}/{sid}/train", json={"iterations": 100_001})
    assert response.status_code == 422
    assert message(response.json()).startswith("iterations:")
    assert "100000" in message(response.json())
    state = api.get(f"{API}/{sid}").json()
    assert state["completed"] == 0  # nothing was run


# -- bad configs --------------------------------------------------------------------------------

def _rows(n: int, width: int) -> list[list[float]]:
    return [[0.5] * width for _ in range(n)]


BAD_CONFIGS = [
    ("input layer too small", {"layers": [0, 2, 1]}, ["layers[0]", "1 to 64", "got 0"]),
    ("input layer too big", {"layers": [65, 2, 1]}, ["layers[0]", "1 to 64", "got 65"]),
    ("hidden layer too big", {"layers": [2, 33, 1]}, ["layers[1]", "1 to 32", "got 33"]),
    ("output layer too big", {"layers": [2, 2, 17]}, ["layers[2]", "1 to 16", "got 17"]),
    ("too many hidden layers", {"layers": [2] + [3] * 7 + [1], "activations": ["tanh"] * 8},
     ["layers", "at most 8"]),
    ("no output layer", {"layers": [2]}, ["layers", "at least 2"]),
    ("activation count", {"layers": [2, 3, 3, 1], "activations": ["tanh", "sigmoid"]},
     ["activations", "(3)", "got 2"]),
    ("softmax on hidden", {"layers": [2, 3, 2], "activations": ["softmax", "softmax"],
                           "loss": "cross_entropy"}, ["activations", "output layer only"]),
    ("softmax with 1 output", {"layers": [2, 3, 1], "activations": ["tanh", "softmax"],
                               "loss": "squared_error"}, ["activations", "at least 2 units"]),
    ("BCE without sigmoid", {"activations": ["tanh", "tanh"]},
     ["loss", "binary_cross_entropy needs a sigmoid", "got tanh"]),
    ("CE without softmax", {"loss": "cross_entropy"},
     ["loss", "cross_entropy needs a softmax", "got sigmoid"]),
    ("NaN learning rate", b'{"learning_rate": NaN}', ["learning_rate", "finite number"]),
    ("Infinity weight decay", b'{"weight_decay": Infinity}', ["weight_decay", "finite number"]),
    ("-Infinity in data",
     b'{"data": {"X": [[0, -Infinity]], "Y": [[1]]}}', ["data.X[0][1]", "finite number"]),
    ("NaN in parameters",
     b'{"parameters": {"W": [[[1, 2], [3, NaN]], [[1, 2]]], "b": [[0, 0], [0]]}}',
     ["parameters.W[0][1][1]", "finite number"]),
    ("negative learning rate", {"learning_rate": -0.1}, ["learning_rate", "greater than 0"]),
    ("learning rate too big", {"learning_rate": 1000}, ["learning_rate", "100"]),
    ("weight decay too big", {"weight_decay": 11}, ["weight_decay", "10"]),
    ("negative weight decay", {"weight_decay": -1}, ["weight_decay", "greater than or equal to 0"]),
    ("init scale zero", {"init_scale": 0}, ["init_scale", "greater than 0"]),
    ("negative seed", {"seed": -1}, ["seed", "greater than or equal to 0"]),
    ("batch size zero", {"batch_size": 0}, ["batch_size", "greater than or equal to 1"]),
    ("too many samples", {"dataset": "circles", "samples": 2001}, ["samples", "2000"]),
    ("noise too big", {"noise": 6}, ["noise", "5"]),
    ("X row too short", {"data": {"X": [[0, 0], [1]], "Y": [[0], [1]]}},
     ["data.X[1]", "expected 2 values", "got 1"]),
    ("Y row too long", {"data": {"X": [[0, 0]], "Y": [[0, 1]]}},
     ["data.Y[0]", "expected 1 values", "got 2"]),
    ("X/Y row counts", {"data": {"X": _rows(4, 2), "Y": [[1]] * 3}},
     ["data", "X has 4 rows but Y has 3"]),
    ("more than 2000 examples", {"data": {"X": _rows(2001, 2), "Y": [[1]] * 2001}},
     ["data.X", "at most 2000"]),
    ("empty data", {"data": {"X": [], "Y": []}}, ["data.X", "at least 1"]),
    ("data value too big", {"data": {"X": [[0, 2e6]], "Y": [[1]]}},
     ["data.X[0][1]", "1000000"]),
    ("CE targets not summing to 1",
     {"layers": [2, 3, 2], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
      "data": {"X": [[0, 0], [1, 1]], "Y": [[0.5, 0.4], [0, 1]]}},
     ["data.Y[0]", "sum to 1"]),
    ("BCE targets outside [0, 1]", {"data": {"X": [[0, 0], [1, 1]], "Y": [[0], [1.5]]}},
     ["data.Y[1]", "[0, 1]"]),
    ("W of the wrong shape",
     {"parameters": {"W": [[[1, 2], [3, 4], [5, 6]], [[1, 2]]], "b": [[0, 0], [0]]}},
     ["parameters.W[0]", "2×2"]),
    ("b of the wrong length",
     {"parameters": {"W": [[[1, 2], [3, 4]], [[1, 2]]], "b": [[0, 0], [0, 0]]}},
     ["parameters.b[1]", "1 entries"]),
    ("too few parameter matrices", {"parameters": {"W": [[[1, 2], [3, 4]]], "b": [[0, 0]]}},
     ["parameters", "2 matrices W"]),
    ("parameter too big",
     {"parameters": {"W": [[[1e7, 2], [3, 4]], [[1, 2]]], "b": [[0, 0], [0]]}},
     ["parameters.W[0][0][0]", "1000000"]),
    ("unknown dataset", {"dataset": "mnist"}, ["dataset", "'xor'", "'spiral'"]),
    ("unknown activation", {"activations": ["gelu", "sigmoid"]}, ["activations[0]", "'relu'"]),
    ("unknown loss", {"loss": "hinge"}, ["loss", "'squared_error'"]),
    ("unknown init", {"init": "orthogonal"}, ["init", "'xavier'"]),
    ("unknown field", {"layer": [2, 2, 1]}, ["layer", "Extra inputs are not permitted"]),
    ("unknown nested field", {"data": {"X": [[0, 0]], "Y": [[1]], "Z": [[1]]}},
     ["data.Z", "Extra inputs are not permitted"]),
    ("dataset and data both", {"dataset": "xor", "data": {"X": [[0, 0]], "Y": [[1]]}},
     ["dataset", "not both"]),
    ("neither dataset nor data", {"dataset": None}, ["dataset", "dataset name or data"]),
    ("layers not integers", {"layers": [2, "two", 1]}, ["layers[1]", "integer"]),
]


@pytest.mark.parametrize("config,expected", [(c, e) for _, c, e in BAD_CONFIGS],
                         ids=[name for name, *_ in BAD_CONFIGS])
def test_bad_configs_are_422_naming_field_and_limit(api, config, expected):
    if isinstance(config, bytes):
        response = api.post(API, content=config, headers={"content-type": "application/json"})
    else:
        response = api.post(API, json=config)
    assert response.status_code != 500
    assert response.status_code == 422, response.text
    body = response.json()
    for part in expected:
        assert part in message(body, "validation"), (part, body["message"])
    assert isinstance(body["detail"], list) and len(body["detail"]) == len(body["errors"])
    assert body["field"] == body["errors"][0]["field"] and body["field"]
    assert "; ".join(e["message"] for e in body["errors"]) == body["message"]
    for e in body["errors"]:  # each error: its field, its code (app/messages.py), its text
        assert set(e) == {"field", "error", "message"}
        assert e["message"].startswith(f'{e["field"]}: ')
        assert e["error"].startswith(("pydantic.", "config.")), e
        assert e["error"] != "pydantic.other", e


@pytest.mark.parametrize("config,expected", [
    ({"layers": [3, 2, 1], "dataset": "xor"}, ["layers", "layers[0] must be 2"]),
    ({"layers": [2, 2, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
      "dataset": "circles"}, ["layers", "1 unit (binary) or 2 units (one-hot)"]),
    ({"layers": [2, 2, 1], "dataset": "sine"}, ["layers", "layers[0] must be 1"]),
])
def test_config_that_does_not_fit_the_dataset_is_422(api, config, expected):
    response = api.post(API, json=config)
    assert response.status_code != 500
    assert response.status_code == 422, response.text
    for part in expected:
        assert part in message(response.json())
    assert response.json()["field"] in ("layers", "dataset")


def test_malformed_bodies_are_422(api):
    for raw in (b"{not json", b"[1, 2]", b'"xor"', b"null"):
        response = api.post(API, content=raw, headers={"content-type": "application/json"})
        assert response.status_code != 500
        assert response.status_code == 422, raw
        message(response.json(), "validation")


def test_no_500_anywhere(api):
    """Everything above runs with the hook; here it is exercised on a fresh mixed workload."""
    sid = create(api)["id"]
    for name in ("prev", "update", "backward", "next", "forward", "forward", "backward",
                 "backward", "update", "update", "reset", "prev"):
        api.post(f"{API}/{sid}/{name}")
    assert api.seen and all(status < 500 for _, status in api.seen)


# -- divergence ---------------------------------------------------------------------------------

DIVERGING = {"layers": [1, 8, 8, 1], "activations": ["relu", "relu", "linear"],
             "loss": "squared_error", "dataset": "sine", "init": "he", "learning_rate": 50}


def test_divergence_is_422_and_leaves_a_finite_state(api):
    sid = create(api, **DIVERGING)["id"]
    response = api.post(f"{API}/{sid}/train", json={"iterations": 1000})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "diverged"
    assert "try a smaller learning rate" in message(body, "diverged")
    assert f"after {body['state']['completed']} iterations: step" in body["message"]
    assert body["field"] == "learning_rate"
    state = api.get(f"{API}/{sid}").json()  # the JSON encoder refuses inf/NaN: a 200 is finite
    assert body["state"] == state
    assert finite_numbers(state)
    assert 0 < state["completed"] < 1000
    assert [s["id"] for s in state["steps"]] == state["plan"][:state["cursor_index"]]
    # Stepping on hits the same wall; stepping back works; from the start a smaller rate trains.
    response = api.post(f"{API}/{sid}/next")
    assert response.status_code == 422 and response.json()["error"] == "diverged"
    assert finite_numbers(move(api, sid, "prev"))
    move(api, sid, "reset")
    move(api, sid, "learning-rate", learning_rate=1e-3)
    state = move(api, sid, "train", iterations=20)
    assert state["completed"] == 20 and finite_numbers(state)


# -- concurrency --------------------------------------------------------------------------------

def _consistent(state: dict) -> None:
    n, done = state["steps_per_iteration"], len(state["steps"])
    assert [s["id"] for s in state["steps"]] == state["plan"][:done]
    assert done == state["cursor_index"] or (state["cursor_index"] == 0 and done in (0, n))
    assert state["cursor"] == state["plan"][state["cursor_index"]]
    computed = {s["outputs"][0]["key"] for s in state["steps"]}
    for layer in state["layers"]:
        for key in ("Z", "A", "dZ", "dW"):
            assert (layer[key] is not None) == (f"{key}{layer['layer']}" in computed)


@pytest.fixture
def frequent_thread_switches():
    """Switch threads every 10 µs instead of 5 ms, so that races show up within a few requests."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def test_concurrent_next_prev_keep_one_consistent_state(api, frequent_thread_switches):
    sid = create(api, layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                 dataset="circles", samples=20)["id"]
    threads_n, requests_n = 8, 30
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(requests_n):
                name = rng.choice(["next", "next", "prev", "get"])
                if name == "get":
                    response = api.get(f"{API}/{sid}")
                else:
                    response = api.post(f"{API}/{sid}/{name}")
                with lock:
                    statuses.append(response.status_code)
                if response.status_code == 200:
                    _consistent(response.json())
                else:
                    assert response.status_code == 409  # prev at the very first step
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            with lock:
                errors.append(err)

    threads = [threading.Thread(target=hammer, args=(seed,)) for seed in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert len(statuses) == threads_n * requests_n and 500 not in statuses
    assert statuses.count(200) > threads_n * requests_n / 2
    _consistent(api.get(f"{API}/{sid}").json())


# -- worked examples, computed independently ----------------------------------------------------

UFLDL = {
    "layers": [3, 3, 1], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error",
    "weight_decay": 0.001, "learning_rate": 0.5,
    "parameters": {
        "W": [[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9]], [[0.3, -0.5, 0.7]]],
        "b": [[0.1, -0.1, 0.2], [-0.2]],
    },
    "data": {"X": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], "Y": [[0.9], [0.1]]},
}

XOR = {
    "layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "binary_cross_entropy",
    "learning_rate": 1.0,
    "parameters": {"W": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -1.1]]], "b": [[0.1, -0.2], [0.05]]},
    "data": {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "Y": [[0], [1], [1], [0]]},
}


def ufldl_by_hand() -> dict[str, np.ndarray]:
    """The UFLDL notes' equations, written out for this 3-3-1 network."""
    c = UFLDL
    W1, W2 = arr(c["parameters"]["W"][0]), arr(c["parameters"]["W"][1])
    b1, b2 = arr(c["parameters"]["b"][0])[:, None], arr(c["parameters"]["b"][1])[:, None]
    X, Y = arr(c["data"]["X"]).T, arr(c["data"]["Y"]).T  # (3, 2) and (1, 2)
    lam, alpha, m = c["weight_decay"], c["learning_rate"], X.shape[1]
    Z1 = W1 @ X + b1
    A1 = sigmoid(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    J = np.sum(0.5 * (A2 - Y) ** 2) / m + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    dA2 = A2 - Y  # ∂(½(a − y)²)/∂a
    dZ2 = dA2 * A2 * (1 - A2)  # δ(3) = −(y − a) ⊙ f'(z)
    dW2 = dZ2 @ A1.T / m + lam * W2
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)  # δ(2) = (W(2)ᵀ δ(3)) ⊙ f'(z(2))
    dW1 = dZ1 @ X.T / m + lam * W1
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "J": np.array(J), "dA2": dA2, "dZ2": dZ2,
            "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
            "new_W1": W1 - alpha * dW1, "new_W2": W2 - alpha * dW2,
            "new_b1": b1 - alpha * db1, "new_b2": b2 - alpha * db2}


def xor_by_hand() -> dict[str, np.ndarray]:
    c = XOR
    W1, W2 = arr(c["parameters"]["W"][0]), arr(c["parameters"]["W"][1])
    b1, b2 = arr(c["parameters"]["b"][0])[:, None], arr(c["parameters"]["b"][1])[:, None]
    X, Y = arr(c["data"]["X"]).T, arr(c["data"]["Y"]).T  # (2, 4) and (1, 4)
    alpha, m = c["learning_rate"], X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    dZ2 = A2 - Y  # BCE and sigmoid together
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "J": np.array(J), "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
            "new_W1": W1 - alpha * dW1, "new_W2": W2 - alpha * dW2,
            "new_b1": b1 - alpha * db1, "new_b2": b2 - alpha * db2}


def _close(actual, expected) -> None:
    np.testing.assert_allclose(arr(actual), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("config,by_hand", [(UFLDL, ufldl_by_hand), (XOR, xor_by_hand)],
                         ids=["ufldl-3-3-1", "xor-2-2-1"])
def test_worked_example_step_by_step(api, config, by_hand):
    expected = by_hand()
    state = create(api, **config)
    sid = state["id"]
    assert state["X"] == arr(config["data"]["X"]).T.tolist()
    # Every micro-step's output, one `next` at a time.
    for step_id in state["plan"]:
        state = move(api, sid, "next")
        step = state["steps"][-1]
        assert step["id"] == step_id
        for out in step["outputs"]:
            _close(out["value"], expected[out["key"]])
    assert set(expected) == {out["key"] for s in state["steps"] for out in s["outputs"]}


@pytest.mark.parametrize("config,by_hand", [(UFLDL, ufldl_by_hand), (XOR, xor_by_hand)],
                         ids=["ufldl-3-3-1", "xor-2-2-1"])
def test_worked_example_by_phase(api, config, by_hand):
    expected = by_hand()
    sid = create(api, **config)["id"]
    state = move(api, sid, "forward")
    _close(state["loss"], expected["J"])
    for layer in state["layers"]:
        l = layer["layer"]
        _close(layer["Z"], expected[f"Z{l}"])
        _close(layer["A"], expected[f"A{l}"])
        assert layer["dZ"] is None and layer["dW"] is None

    state = move(api, sid, "backward")
    for layer in state["layers"]:
        l = layer["layer"]
        for key in ("dZ", "dW"):
            _close(layer[key], expected[f"{key}{l}"])
        _close(layer["db"], expected[f"db{l}"].ravel())
        if f"dA{l}" in expected:
            _close(layer["dA"], expected[f"dA{l}"])
        else:
            assert layer["dA"] is None

    state = move(api, sid, "update")
    for layer in state["layers"]:
        l = layer["layer"]
        _close(layer["W"], expected[f"new_W{l}"])
        _close(layer["b"], expected[f"new_b{l}"].ravel())

    # The update used the gradients from before it: recomputing dW1 with the updated W2 (the
    # "in place" mistake) gives different weights, and the API does not match those.
    params = config["parameters"]
    W2_new, dZ2, A1 = expected["new_W2"], expected["dZ2"], expected["A1"]
    g = (lambda a: a * (1 - a)) if config["activations"][0] == "sigmoid" else (lambda a: 1 - a**2)
    X, m = arr(config["data"]["X"]).T, arr(config["data"]["X"]).shape[0]
    dW1_late = (W2_new.T @ dZ2) * g(A1) @ X.T / m + config.get("weight_decay", 0) * arr(
        params["W"][0])
    W1_late = arr(params["W"][0]) - config["learning_rate"] * dW1_late
    assert np.abs(arr(state["layers"][0]["W"]) - W1_late).max() > 1e-6


def test_ufldl_pinned_numbers(api):
    """Literals computed once, independently, in pure Python (one example at a time, no NumPy)."""
    sid = create(api, **UFLDL)["id"]
    state = move(api, sid, "iterate")
    steps = {s["id"]: s for s in state["steps"]}
    assert steps["J"]["outputs"][0]["value"] == pytest.approx(0.0511183845974, rel=1e-11)
    assert state["loss"] == pytest.approx(0.0511183845974, rel=1e-11)
    dW1 = steps["dW1"]["outputs"][0]["value"]
    assert dW1[0][0] == pytest.approx(0.00359856297734, rel=1e-11)
    assert dW1[2][2] == pytest.approx(-0.0130252178402, rel=1e-11)
    assert steps["dW2"]["outputs"][0]["value"][0][1] == pytest.approx(0.0238197007139, rel=1e-11)
    assert steps["db2"]["outputs"][0]["value"][0][0] == pytest.approx(0.00521282968193, rel=1e-11)
    assert state["layers"][0]["W"][0][0] == pytest.approx(0.0982007185113, rel=1e-11)
    assert state["layers"][1]["W"][0][2] == pytest.approx(0.707780630557, rel=1e-11)


def test_xor_pinned_numbers(api):
    sid = create(api, **XOR)["id"]
    state = move(api, sid, "forward")
    assert state["loss"] == pytest.approx(0.748496408274, rel=1e-11)
    state = move(api, sid, "backward")
    first, second = state["layers"]
    assert second["dW"][0][1] == pytest.approx(-0.0668618860973, rel=1e-11)
    assert first["db"][1] == pytest.approx(0.0458110571794, rel=1e-11)
    assert first["dW"][1][1] == pytest.approx(0.0852223614156, rel=1e-11)
    assert second["db"][0] == pytest.approx(-0.0404411683841, rel=1e-11)


def test_json_state_size_is_reasonable(api):
    sid = create(api, layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"],
                 dataset="circles")["id"]
    response = api.post(f"{API}/{sid}/iterate")
    assert response.status_code == 200
    state = response.json()
    assert json.loads(response.content) == state
    assert len(response.content) < 1_000_000


def test_moves_run_on_the_event_loop_unless_the_session_is_held(api, app, pool_hops):
    """A free session steps without the thread-pool hop; a held one waits in the pool and then
    gets the right answer; errors (409) still come back as errors either way."""
    import threading

    hops = pool_hops
    sid = create(api)["id"]
    assert move(api, sid, "next")["cursor_index"] == 1
    assert move(api, sid, "prev")["cursor_index"] == 0
    assert "first step" in message(move(api, sid, "prev", 409), "already_at_start")
    assert hops == []
    held, release = threading.Event(), threading.Event()

    def holder():
        with app.state.store.checkout(sid):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    threading.Timer(0.2, release.set).start()
    assert move(api, sid, "next")["cursor_index"] == 1
    thread.join()
    assert len(hops) == 1
