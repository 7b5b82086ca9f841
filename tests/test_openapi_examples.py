"""/docs "Try it out" sends each operation's example: every example in /openapi.json is a
request that succeeds (real session and snapshot ids in the path), and in Chromium the docs
page's own default body for POST /api/sessions creates a session."""

from __future__ import annotations

import numpy as np
import pytest

from app.schemas import GIVEN_PARAMETERS, XOR_DATA

CSV = b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"  # the one thing Swagger cannot fill in: a file


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def example_requests(spec: dict, op: dict) -> list[dict]:
    """The request(s) "Try it out" sends for an operation: its body examples (JSON), or its
    form fields' examples (multipart), or no body."""
    body = op.get("requestBody")
    if body is None:
        return [{}]
    content = body["content"]
    if "application/json" in content:
        schema = resolve(spec, content["application/json"]["schema"])
        assert schema.get("examples"), f"{op['operationId']}: no example body"
        return [{"json": example} for example in schema["examples"]]
    schema = resolve(spec, content["multipart/form-data"]["schema"])
    props = schema["properties"]
    for name in props:  # a field without one is sent as the word "string"
        assert name == "file" or props[name].get("examples"), (op["operationId"], name)
    data = {name: p["examples"][0] for name, p in props.items() if p.get("examples")}
    return [{"data": data, "files": {"file": ("examples.csv", CSV, "text/csv")}}]


def path_values(client, path: str, op: dict) -> str:
    """The path with a fresh session's id (and a snapshot of it) and each enum's first value."""
    sid = client.post("/api/sessions", json={}).json()["id"]
    if "{snapshot_id}" in path:
        path = path.replace("{snapshot_id}",
                            client.post(f"/api/sessions/{sid}/snapshots").json()["id"])
    if path.endswith("/graph"):  # the graph of an example needs its forward pass
        client.post(f"/api/sessions/{sid}/forward")
    for param in op.get("parameters", []):
        if "enum" in param["schema"]:
            path = path.replace("{" + param["name"] + "}", param["schema"]["enum"][0])
    return path.replace("{session_id}", sid)


def test_every_operations_example_succeeds(client):
    spec = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, ops in spec["paths"].items()
                  for method, op in ops.items()]
    assert len(operations) == 22
    sent = 0
    for path, method, op in operations:
        for request in example_requests(spec, op):
            response = client.request(method.upper(), path_values(client, path, op), **request)
            assert 200 <= response.status_code < 300, (method, path, request,
                                                        response.text[:500])
            sent += 1
    assert sent == 24  # 22 operations; POST /api/sessions has three examples


def test_every_refusal_in_the_schema_has_the_one_shape(client):
    """Each 4xx an operation documents is {"error", "message", "field"?} (RefusalOut), not
    FastAPI's default {"detail"}."""
    spec = client.get("/openapi.json").json()
    refusals = [(path, status, answer) for path, ops in spec["paths"].items()
                for op in ops.values() for status, answer in op["responses"].items()
                if status.startswith("4")]
    assert len(refusals) >= 30
    for path, status, answer in refusals:
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/RefusalOut"}, (path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(spec["components"]["schemas"]["RefusalOut"]["required"]) == {"error", "message"}


def test_the_examples_build_what_they_say(client):
    """The worked example (given weights on XOR) imports at its step with its numbers."""
    spec = client.get("/openapi.json").json()
    doc = spec["components"]["schemas"]["ExportDocument"]["examples"][0]
    state = client.post("/api/sessions/import", json=doc).json()
    assert state["cursor_index"] == 5 and state["cursor"] == "dA2"
    assert state["layers"][0]["W"] == [[0.15, 0.2], [0.25, 0.3]]
    # J = 1/(2m)·Σ(A[2] − Y)² with A[2] = σ(W[2]·σ(W[1]·X + b[1]) + b[2]), by hand in NumPy.
    X, Y = np.array(XOR_DATA["X"], dtype=float).T, np.array(XOR_DATA["Y"], dtype=float).T
    (W1, W2), (b1, b2) = ([np.array(w) for w in GIVEN_PARAMETERS["W"]],
                          [np.array(b)[:, None] for b in GIVEN_PARAMETERS["b"]])
    A2 = sigmoid(W2 @ sigmoid(W1 @ X + b1) + b2)
    assert state["loss"] == pytest.approx(0.5 * np.sum((A2 - Y) ** 2) / 4, rel=1e-12)
    assert state["loss"] == pytest.approx(0.158286, abs=1e-6)


@pytest.mark.browser
def test_docs_try_it_out_fills_in_the_examples_and_they_succeed(server, browser):
    """What Swagger UI itself puts in each body after "Try it out" is the example the test above
    sends; executing POST /api/sessions with it creates a session (it was a 422 once)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server}/openapi.json") as answer:
        spec = json.load(answer)
    page = browser.new_page()
    page.goto(f"{server}/docs")
    checked = 0
    for ops in spec["paths"].values():
        for op in ops.values():
            if "requestBody" not in op:
                continue
            block = page.locator(f"#operations-{op['tags'][0]}-{op['operationId']}")
            block.locator(".opblock-summary").click()
            block.locator(".try-out__btn").click()
            expected = example_requests(spec, op)[0]
            if "json" in expected:
                shown = block.locator("textarea.body-param__text").input_value()
                assert json.loads(shown) == expected["json"], op["operationId"]
            else:
                for name, value in expected["data"].items():
                    assert block.locator(f'input[placeholder="{name}"]').input_value() == value
            checked += 1
    assert checked == 8  # create, import, import-csv, train, goto, learning-rate, quiz, pin
    block = page.locator("#operations-sessions-create_session_api_sessions_post")
    block.locator(".execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("201")
    page.screenshot(path="/tmp/docs-try-it-out.png", full_page=False)
    page.close()
