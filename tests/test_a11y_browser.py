"""Accessibility in a real Chromium: axe-core (vendored, static/vendor/axe-core) over every state
a learner passes through, the contrast of every coloured number, and a keyboard-only walk.

axe is added to the page only here, by a <script> tag pointing at the vendored file (the page's
own policy allows scripts from 'self'); the page never loads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path("/tmp/a11y-shots")
AXE = "/static/vendor/axe-core/axe.min.js"


@pytest.fixture
def new_page(browser, server):
    """new_page(lang, width=1280, dark=False): a fresh visitor whose console errors fail."""
    opened = []

    def make(width: int = 1280, height: int = 900, dark: bool = False):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme="dark" if dark else "light")
        pg = context.new_page()
        errors: list[str] = []
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.server = server  # type: ignore[attr-defined]
        opened.append((context, errors))
        return pg

    yield make
    for context, errors in opened:
        context.close()
        assert errors == [], f"console errors: {errors}"


def settled(pg) -> None:
    pg.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


def swapped(pg, action) -> None:
    """Do `action` and wait until htmx has swapped in a new #stage and settled."""
    pg.evaluate("window.__oldStage = document.querySelector('#stage')")
    action()
    pg.wait_for_function("() => document.querySelector('#stage') !== window.__oldStage")
    settled(pg)


def at_step(pg, step: str) -> None:
    pg.wait_for_function(f"() => document.querySelector('#stage').dataset.step === '{step}'")
    settled(pg)


def axe_violations(pg) -> list[str]:
    """Every axe violation (all rules axe runs by default, every impact) as 'rule (impact):
    target' lines."""
    if not pg.evaluate("!!window.axe"):
        pg.add_script_tag(url=AXE)
    found = pg.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.flatMap(v => v.nodes.map(n =>
            v.id + ' (' + v.impact + '): ' + n.target.join(' ') + ' ' +
            (n.failureSummary || '').split('\\n').slice(1, 2).join('')));
    }""")
    return found


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def walk_states(pg, lang: str, label: str) -> dict[str, list[str]]:
    """Go through the states of a learner's visit; axe's violations in each, by state."""
    found: dict[str, list[str]] = {}

    def check(state: str) -> None:
        found[state] = axe_violations(pg)
        shot(pg, f"{label}-{state}")

    pg.goto(pg.server + f"/?lang={lang}")
    check("start")
    pg.click("#btn-forward")
    at_step(pg, "J")
    check("forward")
    pg.click("#btn-backward")
    at_step(pg, "db1")
    check("backward")
    swapped(pg, lambda: pg.click("g.neuron[data-layer='1'][data-index='1']"))
    pg.wait_for_selector("#neuron .neuron-line .katex")
    pg.click("#neuron details.incoming summary")  # its table of incoming weights checked too
    check("neuron")
    pg.click("#btn-gradcheck")
    pg.wait_for_selector("#gradcheck .gc-table")
    check("gradcheck")
    pg.click("#btn-update")
    at_step(pg, "update")
    check("update")
    pg.click("#btn-share")
    pg.wait_for_selector("#share-url")
    check("share")
    pg.click("button[data-train='100']")
    pg.wait_for_function("() => document.querySelector('#training').dataset.completed === '101'")
    pg.wait_for_selector("#train-progress", state="hidden")
    settled(pg)
    pg.eval_on_selector_all("details.chart-data", "els => els.forEach(d => d.open = true)")
    check("trained")
    pg.click("#setup summary")
    pg.fill("#setup form.custom input[name=layers]", "2, 0, 1")
    pg.click("#setup form.custom button.build")
    pg.wait_for_selector("#setup-error .error")
    check("setup-error")
    return found


@pytest.mark.parametrize("lang,width,dark", [
    ("en", 1280, False), ("zh", 1280, False), ("en", 390, False), ("zh", 390, False),
    ("en", 1280, True),
], ids=["en", "zh", "en-phone", "zh-phone", "en-dark"])
def test_no_axe_violations_in_any_state(new_page, lang, width, dark):
    pg = new_page(width=width, height=844 if width < 500 else 900, dark=dark)
    label = f"{lang}-{width}{'-dark' if dark else ''}"
    found = walk_states(pg, lang, label)
    assert len(found) == 9
    bad = {state: v for state, v in found.items() if v}
    assert bad == {}, "\n".join(f"[{s}] {line}" for s, lines in bad.items() for line in lines)
