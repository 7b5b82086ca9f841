"""Quiz mode on the page, through real HTTP: the switch, the question fragment (never with its
answer), the verdict and the step it takes, the score and level kept with the session, both
languages and notations, per-example mode."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from app.quiz import KINDS, Score
from app.views.fmt import num

SPIRAL = ("lang=en&layers=2,3,2&activations=tanh,softmax&loss=cross_entropy&dataset=spiral"
          "&samples=6&seed=3")


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def open_page(client, query: str = "lang=en") -> str:
    client.get(f"/?{query}")
    return client.cookies.get("bs_session")


def quiz_on(client, sid: str) -> BeautifulSoup:
    return soup(client.post(f"/ui/{sid}/quiz/mode", data={"on": "1"}))


def set_level(app, sid: str, level: int) -> None:
    """Stand the learner at a level (as if they had earned it), quiz mode on."""
    store = app.state.store
    with store.checkout(sid) as session:
        from dataclasses import replace
        session.view = replace(session.view, quiz=Score(on=True, level=level).encode())


def stepper_of(app, sid):
    return app.state.store.get(sid).stepper


def form_fields(fragment: BeautifulSoup) -> dict:
    return {i["name"]: i.get("value", "") for i in fragment.select("input[type=hidden]")}


def answer(client, sid, fragment, given) -> BeautifulSoup:
    return soup(client.post(f"/ui/{sid}/quiz", data={**form_fields(fragment), "answer": given}))


def visible_text(html: BeautifulSoup) -> str:
    """The text a reader sees, formulas (TeX, maths) aside."""
    for tex in html.select(".tex"):
        tex.decompose()
    return html.get_text(" ")


def test_the_switch_turns_next_into_a_question_and_is_kept_across_a_reload(client):
    sid = open_page(client)
    page = soup(client.get("/"))
    switch = page.select_one("#quiz-switch")
    assert switch["type"] == "checkbox" and switch["role"] == "switch" and not switch.has_attr(
        "checked")
    assert switch.find_parent("label").get_text(strip=True).startswith("Quiz")
    assert page.select_one("#btn-next")["hx-post"] == f"/ui/{sid}/next"
    stage = quiz_on(client, sid)
    assert stage.select_one("#quiz-switch").has_attr("checked")
    nxt = stage.select_one("#btn-next")
    assert nxt["hx-get"] == f"/ui/{sid}/quiz" and nxt["hx-target"] == "#quiz-box"
    assert not nxt.has_attr("hx-post")
    assert soup(client.get("/")).select_one("#quiz-switch").has_attr("checked")  # reload
    off = soup(client.post(f"/ui/{sid}/quiz/mode", data={}))
    assert not off.select_one("#quiz-switch").has_attr("checked")
    assert off.select_one("#btn-next")["hx-post"] == f"/ui/{sid}/next"
    assert off.select_one("#quiz-box") is None


def test_asking_takes_no_step_and_answering_takes_exactly_one(client, app):
    sid = open_page(client)
    quiz_on(client, sid)
    question = soup(client.get(f"/ui/{sid}/quiz"))
    assert stepper_of(app, sid).c == 0
    fieldset = question.select_one("form#quiz-form fieldset")
    assert fieldset.legend.get_text(" ", strip=True) == "Shapes What shape will Z[1] have?"
    radios = fieldset.select("input[type=radio][name=answer]")
    assert sorted(r["value"] for r in radios) == sorted(["2×4", "4×2", "2×2", "2×1"])
    assert radios[0].has_attr("autofocus") and all(r.has_attr("required") for r in radios)
    stage = answer(client, sid, question, "2×4")
    assert stepper_of(app, sid).c == 1
    verdict = stage.select_one("#quiz-verdict")
    assert "right" in verdict["class"] and verdict.has_attr("autofocus")
    assert verdict["tabindex"] == "-1"
    assert verdict.select_one("#quiz-verdict-line").get_text(" ", strip=True) == (
        "✓ Right: Z[1] is 2×4.")
    assert verdict.select_one(".given").text == verdict.select_one(".expected").text == "2×4"
    assert verdict.select_one(".tex")["data-tex"] == r"Z^{[1]} = W^{[1]}\,X + b^{[1]}"
    assert "From: W[1] (2×2), X (2×4), b[1] (2×1)" in verdict.get_text()
    assert stage.select_one("#stage")["data-step"] == "Z1"
    assert stage.select_one("#stage")["data-announce"].startswith("Right: Z[1] is 2×4. ")
    score = {li["data-kind"]: li.get_text(" ", strip=True) for li in stage.select(".quiz-kinds li")}
    assert score == {"shape": "Shapes 1/1", "sign": "Signs of δ 0/0",
                     "largest": "Largest |δ| 0/0", "number": "Numbers 0/0"}
    assert stage.select_one("#quiz-iteration").text == "Iteration 1: 1 of 1 right"
    wrong = answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), "4 x 2")
    assert wrong.select_one("#quiz-verdict-line").get_text(" ", strip=True) == (
        "✗ Not quite: you said 4×2, A[1] is 2×4.")
    assert wrong.select_one("#quiz-iteration").text == "Iteration 1: 1 of 2 right"
    assert stepper_of(app, sid).c == 2


@pytest.mark.parametrize("notation", ["columns", "rows"])
def test_no_answer_before_answering_then_the_engines_own_value(client, app, notation):
    """At the numbers level, every step of an iteration: the true value is in neither the
    question's fragment, the page nor the JSON question at any precision; after answering, the
    verdict holds the engine's own value. (Spiral data: no value of a step equals an operand
    shown beforehand, as XOR's 0/1 inputs would make Z[1] equal a column of W[1].)"""
    sid = open_page(client, SPIRAL)
    client.post(f"/ui/{sid}/view", data={"notation": notation})
    set_level(app, sid, 2)
    rows = notation == "rows"
    s = stepper_of(app, sid)
    for _ in range(s.steps_per_iteration):
        set_level(app, sid, 2)  # wrong answers would lower it
        page = client.get("/").text
        fragment_response = client.get(f"/ui/{sid}/quiz")
        fragment = soup(fragment_response)
        json_question = client.get(f"/api/sessions/{sid}/quiz",
                                   params={"level": 2, "notation": notation}).text
        assert fragment.select_one("form#quiz-form")["data-kind"] == "number"
        prompt = fragment.select_one("legend").get_text(" ", strip=True)
        step = stepper_of(app, sid).next_step
        key = step.writes[0]
        stage = answer(client, sid, fragment, "12345")  # a wrong number: judged, step taken
        value = np.atleast_2d(stepper_of(app, sid).values[key])
        name = stage.select_one("#quiz-verdict-line").get_text()
        match = re.search(r"\[(\d+), (\d+)\]\?", prompt)  # the entry, or none (a scalar)
        r, c = (int(match[1]) - 1, int(match[2]) - 1) if match else (0, 0)
        true = value[c, r] if rows else value[r, c]
        assert stage.select_one(".expected").text == num(true), (prompt, name)
        assert "wrong" in stage.select_one("#quiz-verdict")["class"]
        if abs(true) < 1e-3:  # 0.000x: too short a text to prove absent
            continue
        for text in {num(true), num(true, 3), f"{true:.6f}", repr(float(true))}:
            assert text not in fragment_response.text, (prompt, text)
            assert text not in json_question, (prompt, text)
        # the page shows the operands, and tanh(z) ≈ z to 4 digits for a small z: the page is
        # checked at full precision (the drawing's data-* carry exact values)
        for text in (f"{true:.6f}", repr(float(true))):
            assert text not in page, (prompt, text)
        assert num(true) in stage.select_one("#quiz-verdict").get_text()


def test_no_marker_on_the_right_choice(client, app):
    """The choices differ only in their value and label: nothing says which one is right."""
    sid = open_page(client)
    quiz_on(client, sid)
    for _ in range(6):
        fragment = soup(client.get(f"/ui/{sid}/quiz"))
        radios = fragment.select("input[type=radio]")
        if not radios:
            answer(client, sid, fragment, "0")
            continue
        shapes = {frozenset(k for k in r.attrs if k not in ("value", "autofocus")) for r in radios}
        assert shapes == {frozenset({"type", "name", "required"})}
        assert not re.search(r"correct|right|expected|data-", str(fragment.select_one(
            ".quiz-choices")))
        answer(client, sid, fragment, radios[-1]["value"])


def test_an_unreadable_number_asks_again_and_takes_no_step(client, app):
    sid = open_page(client)
    set_level(app, sid, 2)
    fragment = soup(client.get(f"/ui/{sid}/quiz"))
    response = client.post(f"/ui/{sid}/quiz", data={**form_fields(fragment), "answer": "abc"})
    assert response.headers["hx-retarget"] == "#quiz-box"
    assert response.headers["hx-reswap"] == "innerHTML"
    again = soup(response)
    assert again.select_one("#quiz-error").text == "Type a number, for example −0.25."
    box = again.select_one("#quiz-answer")
    assert box["aria-invalid"] == "true" and box["aria-describedby"] == "quiz-error"
    assert box["value"] == "abc"
    empty = soup(client.post(f"/ui/{sid}/quiz", data={**form_fields(fragment), "answer": ""}))
    assert empty.select_one("#quiz-error")
    assert stepper_of(app, sid).c == 0


def test_a_typed_number_with_a_real_minus_or_full_width_digits_is_read(client, app):
    """Each of Z[1], A[1], Z[2]: answered once to learn the engine's value, stepped back, and
    asked again (the same question), answered with − and full-width digits: right."""
    sid = open_page(client, SPIRAL)
    for _ in range(3):
        set_level(app, sid, 2)
        fragment = soup(client.get(f"/ui/{sid}/quiz"))
        key = stepper_of(app, sid).next_step.writes[0]
        prompt = fragment.select_one("legend").get_text()
        r, c = (int(x) - 1 for x in re.search(r"\[(\d+), (\d+)\]\?", prompt).groups())
        answer(client, sid, fragment, "0")
        true = float(np.atleast_2d(stepper_of(app, sid).values[key])[r, c])
        client.post(f"/ui/{sid}/prev")
        set_level(app, sid, 2)
        again = soup(client.get(f"/ui/{sid}/quiz"))
        assert again.select_one("legend").get_text() == prompt
        typed = f"{true:.5f}".replace("-", "−").translate(
            str.maketrans("0123456789.", "０１２３４５６７８９."))
        stage = answer(client, sid, again, typed)
        assert "right" in stage.select_one("#quiz-verdict")["class"], (typed, true)


def test_a_question_asked_elsewhere_is_asked_again(client, app):
    """Another tab moved the network on: the answer is not judged against a different step."""
    sid = open_page(client)
    quiz_on(client, sid)
    fragment = soup(client.get(f"/ui/{sid}/quiz"))
    client.post(f"/ui/{sid}/next")
    again = soup(client.post(f"/ui/{sid}/quiz", data={**form_fields(fragment), "answer": "2×4"}))
    assert again.select_one("form#quiz-form") and again.select_one("#quiz-verdict") is None
    assert "A[1]" in again.select_one("legend").get_text()
    assert stepper_of(app, sid).c == 1


def test_chinese_and_rows(client, app):
    """In Chinese and the row notation: the shape is m × n[l], the formula the row one, and no
    English word outside the maths."""
    sid = open_page(client, "lang=zh")
    client.post(f"/ui/{sid}/view", data={"notation": "rows"})
    stage = quiz_on(client, sid)
    assert stage.select_one("label[for], .quiz-switch label").get_text(strip=True) == (
        "测验模式:先预测每一步,再看结果")
    fragment = soup(client.get(f"/ui/{sid}/quiz"))
    assert fragment.select_one("legend").get_text(" ", strip=True) == "形状 Z[1] 的形状是多少?"
    assert fragment.select_one("#quiz-submit").text == "作答并执行这一步"
    stage = answer(client, sid, fragment, "4×2")
    verdict = stage.select_one("#quiz-verdict")
    assert verdict.select_one("#quiz-verdict-line").get_text(" ", strip=True) == (
        "✓ 答对了:Z[1] 为 4×2。")
    assert verdict.select_one(".tex")["data-tex"] == stepper_of(app, sid).plan[0].formula_rows
    assert "X (4×2)" in verdict.get_text() and "W[1] (2×2)" in verdict.get_text()
    text = visible_text(stage.select_one("#quiz"))
    assert not re.findall(r"[A-Za-z]{2,}", text), text


def test_the_level_rises_with_right_answers_and_asks_about_delta(client, app):
    """Three right shapes: δ signs; the sign question names its unit and outlines it; the
    verdict's sign is the engine's."""
    sid = open_page(client)
    quiz_on(client, sid)
    s = stepper_of(app, sid)
    for right in ("2×4", "2×4", "1×4"):
        stage = answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), right)
    assert stage.select_one("#quiz-level").get_text(" ", strip=True) == "Asking now signs of δ"
    for _ in range(2):  # A[2]: a shape again, J: a number; the level stays
        fragment = soup(client.get(f"/ui/{sid}/quiz"))
        assert fragment.select_one("form")["data-kind"] in ("shape", "number")
        stage = answer(client, sid, fragment, "0")
    assert stage.select_one("#quiz-level").get_text(" ", strip=True) == "Asking now signs of δ"
    fragment = soup(client.get(f"/ui/{sid}/quiz"))
    form = fragment.select_one("form")
    assert form["data-kind"] in ("sign", "largest") and form["data-target-layer"] == "2"
    assert fragment.select_one(".quiz-target-note")
    stage = answer(client, sid, fragment, "positive" if form["data-kind"] == "sign" else "1")
    s = stepper_of(app, sid)
    dz = s.values["dZ2"]
    example = int(re.search(r"example (\d+)", fragment.select_one("legend").text)[1]) - 1
    expected = stage.select_one(".expected").text
    if form["data-kind"] == "sign":
        assert form["data-target-unit"] == "0"
        v = dz[0, example]
        assert expected == ("positive" if v > 0 else "negative" if v < 0 else "zero")
    else:
        assert expected == f"unit {int(np.argmax(np.abs(dz[:, example]))) + 1}"


def test_score_records_levels_and_keeps_the_latest_iterations():
    score = Score(on=True)
    for _ in range(3):
        score.record("shape", 1, True)
    assert score.level == 1 and score.streak == 0
    score.record("shape", 1, True)  # a fallback question: scored, the level stays
    assert score.level == 1 and score.kinds["shape"] == [4, 4]
    score.record("sign", 2, False)
    score.record("largest", 2, False)
    assert score.level == 0 and score.iterations == {1: [4, 4], 2: [0, 2]}
    for it in range(3, 40):
        score.record("number", it, True)
    assert len(score.iterations) == 20 and min(score.iterations) == 20
    again = Score.decode(score.encode())
    assert again == score and set(again.kinds) <= set(KINDS)
    assert Score.decode("not json") == Score() and Score.decode('{"level": 9}').level == 2


def test_per_example_mode_names_the_example(client, app):
    sid = open_page(client, "lang=en&layers=2,2,1&activations=tanh,sigmoid&dataset=xor"
                            "&gradient_mode=per_example")
    assert stepper_of(app, sid).spec.gradient_mode == "per_example"
    set_level(app, sid, 2)
    answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), "0")  # x(1)
    fragment = soup(client.get(f"/ui/{sid}/quiz"))
    assert fragment.select_one("legend").get_text(" ", strip=True).startswith(
        "Numbers What is z[1](1)[")
    stage = answer(client, sid, fragment, "0")
    assert stage.select_one("#quiz-verdict-line").get_text().count("z[1](1)") == 1


def test_the_score_of_earlier_iterations_is_shown(client, app):
    """Iteration 1's score stays in view once iteration 2's questions begin."""
    sid = open_page(client)
    quiz_on(client, sid)
    answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), "2×4")  # Z[1], right
    client.post(f"/ui/{sid}/iterate")  # the rest of iteration 1, without questions
    stage = answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), "4×2")  # Z[1] again: wrong
    assert stepper_of(app, sid).t == 1
    assert stage.select_one("#quiz-iteration").text == "Iteration 2: 0 of 1 right"
    assert stage.select_one("#quiz-earlier").get_text(" ", strip=True) == (
        "Earlier iterations 1: 1/1")


def test_a_step_answered_in_parts_takes_the_verdict_away(client, app):
    """After a verdict the page steps on in parts (X-Parts): the quiz's part changed (no verdict
    any more), so it comes back out of band, with the score it had."""
    sid = open_page(client)
    quiz_on(client, sid)
    stage = answer(client, sid, soup(client.get(f"/ui/{sid}/quiz")), "2×4")
    assert stage.select_one("#quiz-verdict") is not None
    parts = [el["data-pv"] for el in stage.select("#stage [data-pv]")]
    assert len(parts) == 11 and all(parts)
    back = client.post(f"/ui/{sid}/prev", headers={"X-Parts": ",".join(parts)})
    assert back.status_code == 200 and back.headers["HX-Reswap"] == "none"
    html = BeautifulSoup(back.text, "html.parser")
    quiz = html.select_one("#stage-quiz")
    assert quiz is not None and quiz["hx-swap-oob"] == "true"
    assert quiz.select_one("#quiz-verdict") is None and quiz.select_one("#quiz-switch").has_attr(
        "checked")
    assert stepper_of(app, sid).c == 0
