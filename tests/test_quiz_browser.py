"""Quiz mode in a real Chromium: switched on and answered with the keyboard alone, in English
and Chinese, at desktop and phone width, light and dark; axe-core finds nothing to fault in the
question or the verdict. Screenshots in /tmp/quiz-shots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import settled, swapped, visitor

from app.api.routes.pages import _config_from_fields
from app.presets import DEFAULT_PRESET, PRESETS
from app.quiz import question
from app.sessions import build_stepper

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/quiz-shots")
AXE = "/static/vendor/axe-core/axe.min.js"


def shot(pg, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    pg.locator("#quiz").screenshot(path=str(SHOTS / f"{name}-quiz.png"))  # close up


def axe_violations(pg) -> list[str]:
    if not pg.evaluate("!!window.axe"):
        pg.add_script_tag(url=AXE)
    return pg.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')));
    }""")


def focused(pg) -> str:
    """The focused element as 'tag#id[type=value]'."""
    return pg.evaluate("""() => { const e = document.activeElement;
        return e.tagName.toLowerCase() + '#' + e.id + (e.type ? '[' + e.type + '=' + e.value + ']'
        : ''); }""")


def switch_on(pg) -> None:
    pg.focus("#quiz-switch")
    swapped(pg, lambda: pg.keyboard.press("Space"))
    assert pg.is_checked("#quiz-switch")
    assert focused(pg).startswith("input#quiz-switch")  # the focus stays on the switch


def ask(pg) -> None:
    """→ (the page's Next shortcut): the question appears and takes the focus; no step."""
    cursor = pg.get_attribute("#stage", "data-cursor")
    pg.keyboard.press("ArrowRight")
    pg.wait_for_selector("#quiz-form")
    settled(pg)
    pg.wait_for_function("() => document.activeElement.closest('#quiz-form') !== null")
    assert pg.get_attribute("#stage", "data-cursor") == cursor


def choose(pg, value: str) -> None:
    """Move through the radio buttons with ↓ until `value` is chosen (arrows choose, they do
    not step), then Enter: the step is taken and the focus lands on the verdict."""
    cursor = int(pg.get_attribute("#stage", "data-cursor"))
    for _ in range(8):
        if pg.evaluate("() => { const e = document.activeElement; return e.checked && e.value; }"
                       ) == value:
            break
        pg.keyboard.press("ArrowDown")
    assert pg.get_attribute("#stage", "data-cursor") == str(cursor)
    assert pg.evaluate("document.activeElement.value") == value
    swapped(pg, lambda: pg.keyboard.press("Enter"))
    assert int(pg.get_attribute("#stage", "data-cursor")) == cursor + 1
    assert focused(pg) == "div#quiz-verdict"


def wrong_choice(pg, right: str) -> str:
    return next(v for v in pg.eval_on_selector_all(
        "#quiz-form input[type=radio]", "els => els.map(e => e.value)") if v != right)


def default_j() -> float:
    """J of the default network's first iteration, worked out here by the engine."""
    stepper, _ = build_stepper(PRESETS[DEFAULT_PRESET].session_config())
    stepper.forward()
    return float(stepper.values["J"])


@pytest.mark.parametrize("lang,width,dark", [("en", 1280, False), ("zh", 390, False),
                                             ("en", 390, True), ("zh", 1280, True)],
                         ids=["en", "zh-phone", "en-phone-dark", "zh-dark"])
def test_a_forward_pass_answered_by_keyboard(browser, server, lang, width, dark):
    label = f"{lang}-{width}{'-dark' if dark else ''}"
    with visitor(browser, server, viewport={"width": width, "height": 844 if width < 500
                                            else 900},
                 color_scheme="dark" if dark else "light") as pg:
        pg.goto(server + f"/?lang={lang}")
        switch_on(pg)
        # Z[1]: a shape (XOR: 2 units, 4 examples), answered right
        ask(pg)
        assert pg.locator("#quiz-form legend").text_content().strip().startswith(
            "形状" if lang == "zh" else "Shapes")
        shot(pg, f"{label}-question")
        assert axe_violations(pg) == []
        choose(pg, "2×4")
        assert pg.get_attribute("#quiz-verdict", "data-right") == "true"
        assert pg.get_attribute("#stage", "data-step") == "Z1"
        assert "1/1" in pg.inner_text("#quiz-score li[data-kind=shape]")
        pg.wait_for_function("() => document.querySelector('#quiz-verdict .katex')")
        shot(pg, f"{label}-right")
        assert axe_violations(pg) == []
        # A[1]: answered wrong
        ask(pg)
        choose(pg, wrong_choice(pg, "2×4"))
        assert pg.get_attribute("#quiz-verdict", "data-right") == "false"
        expected = pg.inner_text("#quiz-verdict .expected")
        assert expected == "2×4"
        shot(pg, f"{label}-wrong")
        assert axe_violations(pg) == []
        # the live region says the verdict first
        assert pg.get_attribute("#stage", "data-announce").startswith(
            "不对" if lang == "zh" else "Not quite")
        # Z[2], A[2], then J: a scalar, asked as a number typed in the box
        for right in ("1×4", "1×4"):
            ask(pg)
            choose(pg, right)
        ask(pg)
        assert focused(pg) == "input#quiz-answer[text=]"
        pg.keyboard.type("abc")
        pg.keyboard.press("Enter")
        pg.wait_for_selector("#quiz-error")
        settled(pg)
        assert pg.get_attribute("#stage", "data-cursor") == "4"  # nothing was taken
        assert pg.get_attribute("#quiz-answer", "aria-invalid") == "true"
        assert focused(pg).startswith("input#quiz-answer")
        pg.fill("#quiz-answer", "")
        j = default_j()
        pg.keyboard.type(f"{j * 1.005:.6f}")
        shot(pg, f"{label}-number")
        swapped(pg, lambda: pg.keyboard.press("Enter"))
        assert pg.get_attribute("#quiz-verdict", "data-right") == "true"
        assert pg.get_attribute("#stage", "data-step") == "J"
        assert "1/1" in pg.inner_text("#quiz-score li[data-kind=number]")
        iteration = pg.inner_text("#quiz-iteration")
        assert iteration == ("第 1 次迭代:5 题答对 4 题" if lang == "zh"
                             else "Iteration 1: 4 of 5 right")
        if lang == "zh":  # no English words on the Chinese page's quiz
            text = pg.evaluate("""() => { const q = document.querySelector('#quiz')
                .cloneNode(true); q.querySelectorAll('.tex').forEach(e => e.remove());
                return q.textContent; }""")  # formulas aside: log, tanh are maths
            assert not re.findall(r"[A-Za-z]{3,}", text), text
        # nothing wider than the phone's screen
        assert pg.evaluate("document.documentElement.scrollWidth") <= width
        # survives a reload: the switch and the score are the session's
        pg.reload()
        assert pg.is_checked("#quiz-switch")
        assert pg.inner_text("#quiz-iteration") == iteration


def test_a_delta_question_in_per_example_mode_outlines_its_unit(browser, server):
    """Per-example mode, every question answered right (worked out here by the engine on the
    same network): the level rises to signs, and the unit a δ question asks about is outlined
    in the drawing."""
    fields = {"layers": "2,2,1", "activations": "tanh,sigmoid", "dataset": "xor",
              "gradient_mode": "per_example"}
    local, _ = build_stepper(_config_from_fields(fields)[0])
    with visitor(browser, server) as pg:
        pg.goto(server + "/?lang=en&" + "&".join(f"{k}={v}" for k, v in fields.items()))
        switch_on(pg)
        for _ in range(local.steps_per_iteration):
            ask(pg)
            level = int(pg.get_attribute("#quiz-form input[name=level]", "value"))
            q = question(local, level)
            if q.kind in ("sign", "largest"):
                break
            if q.kind == "number":
                pg.keyboard.type(repr(float(q.expected)))
                swapped(pg, lambda: pg.keyboard.press("Enter"))
            else:
                choose(pg, str(q.expected))
            assert pg.get_attribute("#quiz-verdict", "data-right") == "true"
            local.next()
        else:
            raise AssertionError("never asked about δ")
        layer = pg.get_attribute("#quiz-form", "data-target-layer")
        outlined = pg.locator(f'g.neuron.quiz-target[data-layer="{layer}"]')
        assert outlined.count() == (1 if q.kind == "sign" else 2)
        if q.kind == "sign":
            assert outlined.get_attribute("data-index") == str(q.entry[0])
        shot(pg, f"per-example-{q.kind}")
        assert axe_violations(pg) == []
        choose(pg, str(q.expected))
        assert pg.get_attribute("#quiz-verdict", "data-right") == "true"
        assert pg.locator("g.neuron.quiz-target").count() == 0  # the step is taken
