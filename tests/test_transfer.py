"""Export, the standalone NumPy script, import (JSON and CSV) and every way a CSV can be wrong.

The exported script is run with this interpreter in a subprocess; its printed loss, gradients
and updated parameters must match the engine's to ~1e-12 of their scale. A re-imported export
must give the engine's loss and gradients of the exported iteration to the last bit.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from bs4 import BeautifulSoup
from conftest import API, create


def post(api, sid: str, move: str, **body) -> dict:
    response = api.post(f"{API}/{sid}/{move}", json=body or None)
    assert response.status_code == 200, response.text[:2000]
    return response.json()


def close(a, b, tol: float = 1e-12) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    assert float(np.abs(a - b).max(initial=0.0)) < tol * scale, (a, b)


# (name, config, iterations to train first, micro-steps into the exported iteration)
NETWORKS = [
    ("xor-tanh-sigmoid-bce",
     {"layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "binary_cross_entropy",
      "dataset": "xor", "seed": 1}, 3, 0),
    ("spiral-relu-softmax-ce",  # the spiral has 2 inputs: 2-4-3 for its 3 arms
     {"layers": [2, 4, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy",
      "dataset": "spiral", "samples": 30, "init": "he", "seed": 7}, 2, 4),
    ("circles-sigmoid-se-decay",
     {"layers": [2, 3, 3, 1], "activations": ["sigmoid", "sigmoid", "sigmoid"],
      "loss": "squared_error", "weight_decay": 0.01, "learning_rate": 2.0,
      "dataset": "circles", "samples": 12, "noise": 0.1, "seed": 2}, 5, 9),
    ("sine-tanh-linear",
     {"layers": [1, 8, 1], "activations": ["tanh", "linear"], "loss": "squared_error",
      "learning_rate": 0.1, "dataset": "sine", "samples": 20, "seed": 8}, 1, 0),
    ("moons-minibatch-leaky-softmax-se",  # a mini-batch, and softmax without cross-entropy
     {"layers": [2, 5, 2], "activations": ["leaky_relu", "softmax"], "loss": "squared_error",
      "dataset": "moons", "samples": 50, "batch_size": 16, "seed": 3}, 5, 2),
    ("random-linear-relu-se",  # a relu output with squared error: dA, then dZ = dA ⊙ [Z > 0]
     {"layers": [3, 4, 2], "activations": ["linear", "relu"], "loss": "squared_error",
      "init": "he", "dataset": "random", "samples": 10, "seed": 4, "weight_decay": 0.1}, 0, 0),
    ("random-relu-tanh-sigmoid-se",
     {"layers": [3, 4, 3, 1], "activations": ["relu", "tanh", "sigmoid"],
      "loss": "squared_error", "dataset": "random", "samples": 9, "seed": 5, "batch_size": 4,
      "test_ratio": 0.25}, 3, 0),
    ("random-sigmoid-leaky-tanh-se",
     {"layers": [4, 3, 3, 2], "activations": ["sigmoid", "leaky_relu", "tanh"],
      "loss": "squared_error", "dataset": "random", "samples": 8, "seed": 6}, 1, 0),
    ("gaussians-tanh-leaky-softmax-ce-decay",
     {"layers": [2, 6, 4, 4], "activations": ["tanh", "leaky_relu", "softmax"],
      "loss": "cross_entropy", "dataset": "gaussians", "samples": 40, "weight_decay": 0.05,
      "batch_size": 12, "seed": 9}, 7, 0),
    ("xor-chain-deltas-first",  # the long way to the output δ, and every δ before any gradient
     {"layers": [2, 3, 2, 1], "activations": ["tanh", "relu", "sigmoid"],
      "loss": "binary_cross_entropy", "output_delta": "chain", "backward_order": "deltas_first",
      "dataset": "xor", "seed": 1, "weight_decay": 0.01}, 2, 0),
    ("moons-per-example-minibatch-decay",  # UFLDL's loop over the examples, summed, averaged
     {"layers": [2, 4, 3, 1], "activations": ["relu", "tanh", "sigmoid"],
      "loss": "binary_cross_entropy", "gradient_mode": "per_example", "dataset": "moons",
      "samples": 32, "batch_size": 8, "weight_decay": 0.02, "seed": 5}, 3, 11),
    ("spiral-per-example-softmax-ce-chain",
     {"layers": [2, 5, 3], "activations": ["sigmoid", "softmax"], "loss": "cross_entropy",
      "gradient_mode": "per_example", "output_delta": "chain", "dataset": "spiral",
      "samples": 12, "seed": 2}, 1, 0),
    ("circles-l1",  # the L1 penalty: λ·Σ|W| in J, λ·sign(W) in dW
     {"layers": [2, 5, 1], "activations": ["tanh", "sigmoid"], "regularization": "l1",
      "weight_decay": 0.05, "dataset": "circles", "samples": 16, "seed": 3}, 4, 0),
    ("circles-l1-per-example",
     {"layers": [2, 4, 1], "activations": ["relu", "sigmoid"], "regularization": "l1",
      "weight_decay": 0.02, "gradient_mode": "per_example", "dataset": "circles",
      "samples": 10, "seed": 4}, 2, 0),
    ("circles-features-minibatch-test",  # derived inputs x1², x2², x1·x2, sin x1
     {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "dataset": "circles",
      "features": ["x1_squared", "x2_squared", "x1_x2", "sin_x1"], "samples": 30,
      "batch_size": 8, "test_ratio": 0.2, "seed": 6}, 3, 4),
    ("spiral-softmax-ce-chain",
     {"layers": [2, 5, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
      "output_delta": "chain", "dataset": "spiral", "samples": 12, "seed": 7}, 1, 3),
]


def session_at(api, config: dict, iterations: int, steps: int) -> str:
    sid = create(api, **config)["id"]
    if iterations:
        post(api, sid, "train", iterations=iterations)
    for _ in range(steps):
        post(api, sid, "next")
    return sid


def finish_iteration(api, sid: str) -> dict:
    """The engine's own numbers of the current iteration: loss, dW, db and the updated W, b
    (after `train` the iteration is complete already: its update is applied)."""
    state = api.get(f"{API}/{sid}").json()
    if state["phase"] != "update":
        state = post(api, sid, "iterate")
    assert state["cursor_index"] == 0 and state["phase"] == "update"
    return state


def run_script(source: str, tmp_path) -> dict:
    path = tmp_path / "iteration.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name,config,iterations,steps", NETWORKS, ids=[n[0] for n in NETWORKS])
def test_exported_script_reproduces_the_iteration(api, tmp_path, name, config, iterations,
                                                  steps):
    sid = session_at(api, config, iterations, steps)
    response = api.get(f"{API}/{sid}/export.py")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    assert "attachment" in response.headers["content-disposition"]
    source = response.text
    imports = {line for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"import json", "import numpy as np"}
    if config.get("batch_size"):
        assert "mini-batch" in source
    printed = run_script(source, tmp_path)

    state = finish_iteration(api, sid)
    assert abs(printed["loss"] - state["loss"]) < 1e-12 * max(1.0, abs(state["loss"]))
    for layer in state["layers"]:
        l = layer["layer"]
        close(printed["gradients"][f"dW{l}"], layer["dW"])
        close(printed["gradients"][f"db{l}"], layer["db"])
        close(printed["updated"][f"W{l}"], layer["W"])
        close(printed["updated"][f"b{l}"], layer["b"])


def test_script_is_written_out_layer_by_layer(api):
    sid = create(api, layers=[2, 3, 1], activations=["relu", "sigmoid"],
                 loss="binary_cross_entropy", weight_decay=0.1, dataset="xor")["id"]
    source = api.get(f"{API}/{sid}/export.py").text
    for line in ("Z1 = W1 @ X + b1", "A1 = np.maximum(Z1, 0.0)", "Z2 = W2 @ A1 + b2",
                 "A2 = sigmoid(Z2)", "dZ2 = A2 - Y", "dW2 = dZ2 @ A1.T / m + lam * W2",
                 "db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "dA1 = W2.T @ dZ2",
                 "dZ1 = dA1 * (Z1 > 0)", "W1_new = W1 - alpha * dW1"):
        assert line in source, line
    assert "softplus" in source and "softmax" not in source  # only the helpers it needs
    compile(source, "iteration.py", "exec")
    assert api.get(f"{API}/nope/export.py").status_code == 404


# -- JSON export and import ----------------------------------------------------------------------
def test_export_document(api):
    sid = session_at(api, {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                           "dataset": "xor", "learning_rate": 0.7}, 2, 5)
    post(api, sid, "learning-rate", learning_rate=0.3)  # from the next update: this iteration's
    response = api.get(f"{API}/{sid}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    doc = response.json()
    assert doc["format"] == "backprop-stepper/2"
    # Two iterations trained, five steps into the third: iteration 3, as the page says.
    assert doc["position"] == {"iteration": 3, "step": 5}
    assert response.headers["content-disposition"].endswith(
        'filename="backprop-stepper-iteration-3.json"')
    assert doc["learning_rate"] == doc["config"]["learning_rate"] == 0.3
    history = doc["config"]["history"]
    state = api.get(f"{API}/{sid}").json()
    assert len(history["losses"]) == 2 == state["iteration"] - 1
    assert history["learning_rates"] == [[1, 0.7], [3, 0.3]]  # α 0.3 from iteration 3 on
    assert [len(n) for n in history["metrics"]["grad_norms"]] == [2, 2]
    config = doc["config"]
    assert config["dataset"] is None and config["layers"] == [2, 3, 1]
    assert np.array(config["data"]["X"]).shape == (4, 2)  # rows = examples
    assert np.array(config["data"]["Y"]).shape == (4, 1)
    assert np.array(config["parameters"]["W"][0]).shape == (3, 2)
    assert np.array(config["parameters"]["b"][0]).shape == (3,)
    assert api.get(f"{API}/nope/export").status_code == 404


def test_export_holds_the_parameters_at_the_start_of_the_iteration(api, app):
    sid = session_at(api, {"dataset": "xor"}, 1, 0)
    post(api, sid, "iterate")  # the update of iteration 2 is applied: export still gives its start
    doc = api.get(f"{API}/{sid}/export").json()
    stepper = app.state.store.get(sid).stepper
    assert doc["position"] == {"iteration": 2, "step": stepper.steps_per_iteration}
    for l in (1, 2):
        assert np.array_equal(np.array(doc["config"]["parameters"]["W"][l - 1]),
                              stepper.params[f"W{l}"])


@pytest.mark.parametrize("name,config,iterations,steps", NETWORKS, ids=[n[0] for n in NETWORKS])
def test_reimported_export_gives_identical_loss_and_gradients(api, name, config, iterations,
                                                              steps):
    sid = session_at(api, config, iterations, steps)
    doc = api.get(f"{API}/{sid}/export").json()
    response = api.post(f"{API}/import", json=doc)
    assert response.status_code == 201, response.text[:2000]
    imported = response.json()
    assert imported["id"] != sid
    original_state = api.get(f"{API}/{sid}").json()
    # Back at that very iteration: its number, the step, the history of the ones before it.
    # (after `train`, the last iteration trained is the one shown, its update applied)
    assert imported["iteration"] == original_state["iteration"] == iterations + (
        steps > 0 or iterations == 0)
    assert imported["cursor_index"] == steps
    assert imported["completed"] == original_state["completed"] == iterations
    assert imported["earliest"] == imported["iteration"] - 1
    # Exported again, the import gives the same document: history (losses, metrics, α
    # schedule), position, parameters and data, to the last bit.
    again_doc = api.get(f"{API}/{imported['id']}/export").json()
    assert again_doc["config"]["history"] == doc["config"]["history"]
    assert len(doc["config"]["history"]["losses"]) == imported["iteration"] - 1
    assert again_doc == doc
    assert np.array_equal(imported["X"], original_state["X"])  # the same batch, column by column
    assert np.array_equal(imported["Y"], original_state["Y"])

    original, again = finish_iteration(api, sid), finish_iteration(api, imported["id"])
    # Every number is the same double. Exception: a full batch of a generated dataset is a
    # C-ordered array in the engine, while imported rows become a transposed (F-ordered) view in
    # build_stepper, and BLAS may then sum the products of dW = dZ·Xᵀ/m in another order: a last
    # bit may differ (1e-16 relative). Mini-batches are fresh copies either way: bit for bit.
    exact = config.get("batch_size") is not None
    assert again["loss"] == original["loss"] if exact else (
        abs(again["loss"] - original["loss"]) < 1e-14 * max(1.0, abs(original["loss"])))
    for a, b in zip(again["layers"], original["layers"], strict=True):
        for key in ("dW", "db", "W", "b", "A", "dZ"):
            if exact:
                assert np.array_equal(a[key], b[key]), key
            else:
                close(a[key], b[key], tol=1e-14)


def test_import_rejects_bad_documents(api):
    sid = create(api)["id"]
    doc = api.get(f"{API}/{sid}/export").json()
    cases = [
        ({**doc, "format": "something/2"}, "format"),
        ({**doc, "config": {**doc["config"], "layers": [2, 0, 1]}}, "layers[1]"),
        ({**doc, "position": {"iteration": 1, "step": 99}}, "position.step"),
        ({**doc, "position": {"iteration": 4, "step": 0}}, "position.iteration"),
        ({**doc, "config": {**doc["config"], "parameters": {"W": [[[1.0]]], "b": [[0.0]]}}},
         "parameters"),
    ]
    for body, needle in cases:
        response = api.post(f"{API}/import", json=body)
        assert response.status_code == 422, body
        assert needle in response.json()["message"]


# -- CSV -----------------------------------------------------------------------------------------
FIELDS = {"layers": "2, 3, 1", "activations": "tanh, sigmoid", "loss": "binary_cross_entropy"}
GOOD_CSV = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def import_csv(api, content: bytes | str, status: int, **fields) -> dict:
    data = content.encode() if isinstance(content, str) else content
    response = api.post(f"{API}/import-csv", data={**FIELDS, **fields},
                        files={"file": ("data.csv", data, "text/csv")})
    assert response.status_code == status, response.text[:2000]
    return response.json()


def test_csv_import_builds_a_session(api):
    state = import_csv(api, GOOD_CSV, 201, learning_rate="0.25", seed="3", batch_size="",
                       weight_decay="0.01")
    assert state["config"]["layers"] == [2, 3, 1] and state["config"]["learning_rate"] == 0.25
    assert state["config"]["weight_decay"] == 0.01 and state["config"]["batch_size"] is None
    assert state["config"]["dataset"] is None
    assert np.array_equal(state["X"], [[0, 0, 1, 1], [0, 1, 0, 1]])  # one example per column
    assert np.array_equal(state["Y"], [[0, 1, 1, 0]])
    # Semicolons, blank lines, quotes, spaces and a byte-order mark are fine too.
    state = import_csv(api, '\ufeff"a";"b";"t"\n\n 0.5 ;-1e-3;1\n2;3;0\n\n', 201)
    assert np.array_equal(state["X"], [[0.5, 2], [-0.001, 3]])
    # Several targets: the last layers[-1] columns.
    state = import_csv(api, "x,y1,y2,y3\n0.1,1,0,0\n0.2,0,0,1\n", 201, layers="1,4,3",
                       activations="relu,softmax", loss="cross_entropy")
    assert np.array_equal(state["Y"], [[1, 0], [0, 0], [0, 1]])


BIG_ROWS = "x1,x2,y\n" + "0.5,0.25,1\n" * 2001
BAD_CSV = [
    # (id, content, extra form fields, text the message must contain)
    ("empty", "", {}, "empty"),
    ("blank", "  \n\n  \n", {}, "empty"),
    ("no-header", "0,0,0\n0,1,1\n", {}, "row 1: missing header"),
    ("header-only", "x1,x2,y\n", {}, "no examples"),
    ("not-a-number", "x1,x2,y\n0,0,0\n0,abc,1\n", {},
     "row 3, column 2 (x2): 'abc' is not a number"),
    ("nan", "x1,x2,y\nnan,0,0\n", {}, "row 2, column 1 (x1): 'nan' is not a finite number"),
    ("inf", "x1,x2,y\n0,0,1\n1,-inf,0\n", {}, "row 3, column 2 (x2): '-inf' is not a finite"),
    ("empty-cell", "x1,x2,y\n0,1,\n", {}, "row 2, column 3 (y): empty cell"),
    ("ragged-short", "x1,x2,y\n0,0,0\n1,1\n", {}, "row 3: 2 columns, but the header (row 1) has 3"),
    ("ragged-long", "x1,x2,y\n0,0,0,7\n", {}, "row 2: 4 columns, but the header (row 1) has 3"),
    ("too-many-columns", "a,b,c,y\n0,0,0,1\n", {}, "row 1 (header): 4 columns, but the layer "
                                                    "sizes need 3"),
    ("too-few-columns", "a,y\n0,1\n", {}, "row 1 (header): 2 columns, but the layer sizes need 3"),
    ("too-many-rows", BIG_ROWS, {}, "2,001 examples (data rows), more than the limit of 2,000"),
    ("too-large", "x1,x2,y\n" + "0.1234567890123,0.5,1\n" * 48_000, {},
     "larger than the limit of 1 MB"),
    ("huge-value", "x1,x2,y\n0,1e9,1\n", {}, "row 2, column 2 (x2): 1e9 is outside the limit"),
    ("bce-target", "x1,x2,y\n0,0,1\n0,1,2\n", {}, "row 3, column 3 (y): binary_cross_entropy "
                                                  "targets must lie in [0, 1]"),
    ("ce-sum", "x,p,q\n1,0.5,0.6\n", {"layers": "1,2", "activations": "softmax",
                                       "loss": "cross_entropy"}, "row 2, columns 2–3"),
    ("not-utf8", b"x1,x2,y\n0,\xff,1\n", {}, "not UTF-8"),
    ("bad-layers", GOOD_CSV, {"layers": "2,x,1"}, "layers[1]"),
    ("bad-activation", GOOD_CSV, {"activations": "tanh,magic"}, "activations[1]"),
    ("bad-learning-rate", GOOD_CSV, {"learning_rate": "fast"}, "learning_rate"),
]


@pytest.mark.parametrize("content,fields,needle", [c[1:] for c in BAD_CSV],
                         ids=[c[0] for c in BAD_CSV])
def test_bad_csv_is_a_422_naming_the_row_column_or_limit(api, content, fields, needle):
    body = import_csv(api, content, 422, **fields)
    assert needle in body["message"], body["message"]


def test_csv_without_file_or_fields_is_a_422(api):
    response = api.post(f"{API}/import-csv", data=FIELDS)
    assert response.status_code == 422 and "file" in response.json()["message"]
    response = api.post(f"{API}/import-csv", data={"layers": "2,1"},
                        files={"file": ("d.csv", b"a,b,y\n", "text/csv")})
    assert response.status_code == 422 and "activations" in response.json()["message"]


# -- the page's import form -----------------------------------------------------------------------
def page_import(client, name: str, content: bytes, **fields):
    return client.post("/ui/import", data={**FIELDS, **fields},
                       files={"file": (name, content, "application/octet-stream")})


def test_page_import_of_csv_redirects_to_the_new_session(client, app):
    response = page_import(client, "xor.csv", GOOD_CSV.encode())
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    sid = response.cookies.get("bs_session")
    assert sid and app.state.store.get(sid).config.layers == [2, 3, 1]
    assert "httponly" in response.headers["set-cookie"].lower()
    # The page now opens on it.
    client.cookies.set("bs_session", sid)
    html = BeautifulSoup(client.get("/").text, "html.parser")
    assert html.select_one("#stage")["data-sid"] == sid


def test_page_import_of_json_export_lands_on_the_exported_step(client, app):
    sid = create(client, layers=[2, 4, 1], activations=["relu", "sigmoid"], dataset="xor")["id"]
    post(client, sid, "train", iterations=3)
    for _ in range(6):
        post(client, sid, "next")
    exported = client.get(f"{API}/{sid}/export").content
    response = page_import(client, "session.json", exported, layers="", activations="")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    new = app.state.store.get(response.cookies.get("bs_session"))
    assert new.config.layers == [2, 4, 1] and new.stepper.c == 6 and new.stepper.t == 3
    assert new.stepper.completed == 3  # the three trained iterations' history came along


@pytest.mark.parametrize("name,content,needle", [
    ("bad.csv", b"x1,x2,y\n0,<b>x</b>,1\n", "row 2, column 2 (x2)"),
    ("bad.json", b"{not json", "not valid JSON"),
    ("other.json", b'{"format": "backprop-stepper/1", "config": {"layers": [2, 99, 1]}}',
     "config.layers[1]"),
    ("list.json", b"[1, 2]", "not a Backprop Stepper export"),
])
def test_page_import_errors_are_an_escaped_alert(client, name, content, needle):
    response = page_import(client, name, content)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert "<b>" not in response.text  # user text is escaped
    alert = BeautifulSoup(response.text, "html.parser").select_one('p.error[role="alert"]')
    assert alert is not None and needle in alert.get_text()


def test_page_import_without_a_file(client):
    response = client.post("/ui/import", data=FIELDS)
    alert = BeautifulSoup(response.text, "html.parser").select_one('p.error[role="alert"]')
    assert response.status_code == 200 and "file" in alert.get_text()
