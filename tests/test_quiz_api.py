"""Quiz mode through the JSON API: the question comes before the step and without its answer;
the answer is judged against the engine's own value and the step is performed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.quiz import plain_name

API = "/api/sessions"
CONFIG = {"layers": [2, 3, 2], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
          "dataset": "spiral", "samples": 6, "seed": 3}


def _value(state: dict, key: str) -> np.ndarray:
    """The value a step wrote, read back from the state's step records."""
    for step in state["steps"]:
        for out in step["outputs"]:
            if out["key"] == key:
                return np.atleast_2d(np.array(out["value"], dtype=float))
    raise KeyError(key)


def _right_answer(question: dict, state: dict, rows: bool) -> str | float:
    step = next(s for s in state["steps"] if s["id"] == question["step"])
    out = step["outputs"][0]
    if question["kind"] == "shape":
        dims = out["shape_rows"] if rows else out["shape"]
        return "×".join(map(str, dims))
    raise AssertionError("only shapes are worked out here")


@pytest.mark.parametrize("mode", ["batch", "per_example"])
@pytest.mark.parametrize("notation", ["columns", "rows"])
@pytest.mark.parametrize("level", [0, 1, 2])
def test_every_step_of_an_iteration_can_be_asked_and_answered(client, level, notation, mode):
    """Every step kind (batch: linear … update; per example: example, accumulate, rest,
    average too), each level, both notations: the verdict's true value is the engine's."""
    sid = client.post(API, json=CONFIG | {"gradient_mode": "per_example", "examples_shown": 1}
                      if mode == "per_example" else CONFIG).json()["id"]
    steps = client.get(f"{API}/{sid}").json()["steps_per_iteration"]
    kinds = set()
    for _ in range(steps):
        asked = client.get(f"{API}/{sid}/quiz", params={"level": level, "notation": notation})
        assert asked.status_code == 200, asked.text
        question = asked.json()["question"]
        assert "expected" not in json.dumps(question)
        kinds.add(question["kind"])
        # answer with the first choice (or 0): judged, and the step is performed either way
        guess = question["choices"][0]["value"] if question["choices"] else 0.0
        body = client.post(f"{API}/{sid}/quiz", json={"answer": guess, "level": level,
                                                       "notation": notation}).json()
        assert body["question"] == question  # the same question was judged
        state, verdict = body["state"], body["verdict"]
        value = _value(state, next(s for s in state["steps"]
                                   if s["id"] == question["step"])["outputs"][0]["key"])
        if question["kind"] == "number":
            row, col = question_entry(question, notation == "rows")
            assert verdict["expected"] == pytest.approx(value[row, col], rel=1e-15, abs=0)
            assert verdict["right"] == (abs(verdict["expected"]) <= 0.005)
        else:
            if question["kind"] == "shape":
                assert verdict["expected"] == _right_answer(question, state, notation == "rows")
            elif question["kind"] == "sign":  # that unit's δ in that example's column
                unit = int(question["prompt"].split("unit ")[1].split(" ")[0]) - 1
                example = int(question["prompt"].rsplit("example ", 1)[1].rstrip(")?")) - 1
                v = value[unit, 0 if value.shape[1] == 1 else example]
                assert verdict["expected"] == ("positive" if v > 0 else "negative" if v < 0
                                               else "zero")
            else:  # largest: in that example's column (a per-example value has one column)
                example = int(question["prompt"].rsplit("example ", 1)[1].rstrip(")?")) - 1
                column = value[:, 0 if value.shape[1] == 1 else example]
                assert int(verdict["expected"]) == int(np.argmax(np.abs(column))) + 1
            assert verdict["right"] == (guess == verdict["expected"])
    expected_kinds = {0: {"shape", "number"}, 1: {"shape", "number", "sign", "largest"},
                      2: {"number"}}[level]
    assert kinds <= expected_kinds and len(kinds) >= 1


def question_entry(question: dict, rows: bool) -> tuple[int, int]:
    """The entry a number question names, from its prompt's 1-based [row, col], as (row, col)
    of the value in the column notation."""
    after = question["prompt"].split(question["name"], 1)[1]
    if not after.startswith("["):
        return 0, 0  # a scalar: "What is J?"
    inside = after[1:].split("]")[0]
    r, c = (int(x) - 1 for x in inside.split(","))
    return (c, r) if rows else (r, c)


def test_a_number_is_right_within_its_tolerance_and_the_answer_is_not_in_the_question(client):
    sid = client.post(API, json=CONFIG).json()["id"]
    asked = client.get(f"{API}/{sid}/quiz", params={"level": 2})
    question = asked.json()["question"]
    assert question["kind"] == "number" and question["tolerance"] == {"relative": 0.01,
                                                                      "absolute": 0.005}
    # work the answer out by hand from the operands: Z[1] = W[1]·X + b[1]
    state = client.get(f"{API}/{sid}").json()
    W, b = np.array(state["layers"][0]["W"]), np.array(state["layers"][0]["b"])
    z = W @ np.array(state["X"]) + b[:, None]
    r, c = (int(x) - 1 for x in question["prompt"].split("[")[-1].split("]")[0].split(","))
    for digits in (6, 4, 3):  # the true number at any precision never appears before answering
        assert f"{abs(z[r, c]):.{digits}f}" not in asked.text
    close = z[r, c] * 1.008 if abs(z[r, c]) > 0.5 else z[r, c] + 0.004
    body = client.post(f"{API}/{sid}/quiz", json={"answer": close, "level": 2}).json()
    assert body["verdict"]["right"] is True
    assert body["verdict"]["expected"] == pytest.approx(z[r, c], rel=1e-14)
    assert body["state"]["cursor_index"] == 1


def test_shape_questions_in_both_notations_and_languages(client):
    sid = client.post(API, json=CONFIG).json()["id"]
    cols = client.get(f"{API}/{sid}/quiz").json()["question"]
    rows = client.get(f"{API}/{sid}/quiz", params={"notation": "rows", "lang": "zh"}).json()
    rows = rows["question"]
    assert cols["kind"] == rows["kind"] == "shape" and cols["name"] == "Z[1]"
    assert "3×6" in [c["value"] for c in cols["choices"]]
    assert "6×3" in [c["value"] for c in rows["choices"]]
    assert rows["prompt"] == "Z[1] 的形状是多少?"
    wrong = client.post(f"{API}/{sid}/quiz", json={"answer": "6×3", "lang": "zh"}).json()
    assert wrong["verdict"]["right"] is False
    assert wrong["verdict"]["reason"] == "不对:你的答案是 6×3,Z[1] 实际为 3×6。"
    assert wrong["verdict"]["formula"] == r"Z^{[1]} = W^{[1]}\,X + b^{[1]}"


def test_plain_names():
    assert [plain_name(k) for k in ("Z1", "A0", "dW2", "dz2@0", "a0@1", "new_W1", "SW1@2",
                                    "J")] == ["Z[1]", "X", "dW[2]", "dz[2](1)", "x(2)", "W[1]′",
                                              "ΔW[1](3)", "J"]


def test_the_session_keeps_the_score_and_level_of_answers_through_the_api(client):
    """Without a level, the session's own: three right shapes raise it to signs; the score
    counts per kind and per iteration."""
    sid = client.post(API, json=CONFIG).json()["id"]
    for right in ("3×6", "3×6", "2×6"):  # Z[1], A[1], Z[2]
        body = client.post(f"{API}/{sid}/quiz", json={"answer": right}).json()
        assert body["verdict"]["right"] is True
    assert body["score"] == {"level": 1, "kinds": {"shape": [3, 3], "sign": [0, 0],
                                                   "largest": [0, 0], "number": [0, 0]},
                             "iterations": {"1": [3, 3]}}
    assert client.get(f"{API}/{sid}/quiz").json()["level"] == 1
