"""Real Chromium on the views of what the notes teach: per-example mode stepped with the
keyboard at phone width, the computation graph panel, the UFLDL switch, the setup's new fields.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
from browsing import ARTIFACTS, shot, swapped

pytestmark = pytest.mark.browser
STEP_IDS = "els => els.map(li => li.dataset.step)"


@pytest.fixture
def visitor(browser, server):
    """A fresh visitor at a given width whose console errors fail the test."""
    contexts, errors = [], []

    def make(width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        pg = context.new_page()
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.server = server  # type: ignore[attr-defined]
        return pg

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"console errors: {errors}"


def stage(pg) -> dict:
    return pg.eval_on_selector("#stage", "el => ({...el.dataset})")




def no_overflow(pg) -> None:
    """Nothing but the scrolling boxes is wider than the phone's screen."""
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_per_example_iteration_with_the_keyboard_at_phone_width(visitor, lang):
    pg = visitor(390)
    pg.goto(pg.server + f"/?preset=ufldl_per_example&lang={lang}")
    plan = pg.eval_on_selector_all(".timeline li[data-step]", STEP_IDS)
    assert plan[0] == "x@0" and plan[-5:] == ["dZ1", "SW1", "J", "average", "update"]
    for k, step_id in enumerate(plan, 1):
        swapped(pg, lambda: pg.keyboard.press("ArrowRight"))
        assert stage(pg)["step"] == step_id and stage(pg)["cursor"] == str(k)
        assert pg.eval_on_selector(".formula", "el => el.querySelector('.katex') !== null")
        no_overflow(pg)  # tables, outer product, plots all fit or scroll in their box
        if step_id == "x@1":
            assert pg.inner_text("#under-way").startswith(
                "Example 2" if lang == "en" else "正在处理第 2 个")
            assert pg.eval_on_selector_all('figure[data-key="A0"] td.sel', "els => els.length") == 3
            no_overflow(pg)
            shot(pg, f"per_example_x2_{lang}_390")
        if step_id == "gW1@1":
            assert pg.locator("table.outer-product").is_visible()
        if step_id == "average":
            assert pg.locator(".batch-check").is_visible()
            no_overflow(pg)
            shot(pg, f"per_example_average_{lang}_390")
    swapped(pg, lambda: pg.keyboard.press("ArrowLeft"))  # back from the update
    assert stage(pg)["step"] == "average"


def test_timeline_groups_open_with_the_keyboard(visitor):
    pg = visitor(1280)
    pg.goto(pg.server + "/?preset=ufldl_per_example&lang=en")
    swapped(pg, lambda: pg.click("#btn-forward"))
    second = pg.locator('.timeline li.example-group[data-example="1"] details')
    assert second.get_attribute("open") is None
    pg.locator('.timeline li.example-group[data-example="1"] summary').focus()
    pg.keyboard.press("Enter")
    assert second.get_attribute("open") == ""
    button = pg.locator('.timeline li[data-step="z1@1"] button')
    assert button.is_visible()
    swapped(pg, lambda: button.click())  # jump into example 2
    assert stage(pg)["step"] == "z1@1"
    assert pg.inner_text("#btn-forward") == "Forward pass of example 2"


@pytest.mark.parametrize("lang,width", [("en", 1280), ("zh", 390)])
def test_computation_graph_panel(visitor, lang, width):
    pg = visitor(width)
    pg.goto(pg.server + f"/?preset=logistic&lang={lang}")
    pg.click("#btn-graph")
    pg.wait_for_selector("#graph-wait")
    swapped(pg, lambda: pg.click("#btn-forward"))
    pg.click("#btn-graph")
    pg.wait_for_selector("svg.comp-graph")
    assert pg.eval_on_selector_all("svg.comp-graph g.g-node", "els => els.length") == 14
    grad = pg.get_attribute('g.g-node[data-id="L"]', "data-grad")
    assert float(grad) == 1.0
    if width == 390:
        no_overflow(pg)
    pg.locator("#graph-view").screenshot(path=str(ARTIFACTS / f"graph_{lang}_{width}.png"))


def test_ufldl_switch_shows_the_notes_indices_and_stays_on(visitor):
    pg = visitor(1280)
    pg.goto(pg.server + "/?preset=ufldl&lang=en")
    swapped(pg, lambda: pg.keyboard.press("ArrowRight"))
    overlay = pg.locator("#ufldl-overlay")
    assert not overlay.is_visible()
    pg.check("#ufldl-switch")
    assert overlay.is_visible()
    assert overlay.locator(".katex").count() == 1
    swapped(pg, lambda: pg.keyboard.press("ArrowRight"))  # the next step keeps it on
    assert pg.locator("#ufldl-overlay").is_visible()
    assert pg.is_checked("#ufldl-switch")
    pg.reload()
    assert pg.locator("#ufldl-overlay").is_visible()
    shot(pg, "ufldl_overlay_en_1280")
    pg.uncheck("#ufldl-switch")
    assert not pg.locator("#ufldl-overlay").is_visible()


def test_setup_builds_a_per_example_network_the_long_way(visitor):
    pg = visitor(390)
    pg.goto(pg.server + "/?preset=xor&lang=zh")
    pg.click("#setup summary")
    pg.select_option('select[name="gradient_mode"]', "per_example")
    pg.fill('input[name="examples_shown"]', "2")
    pg.select_option('select[name="output_delta"]', "chain")
    shot(pg, "setup_zh_390")
    with pg.expect_navigation():
        pg.click("form.custom button.build")
    plan = pg.eval_on_selector_all(".timeline li[data-step]", STEP_IDS)
    assert plan[:7] == ["x@0", "z1@0", "a1@0", "z2@0", "a2@0", "L@0", "da2@0"]
    # examples 1 and 2, then the remaining examples together
    assert pg.eval_on_selector_all(".timeline li.example-group", "els => els.length") == 3


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_long_way_line_and_the_notes_overlay_fit_a_phone(visitor, lang):
    pg = visitor(390)
    pg.goto(pg.server + "/?layers=2,2,1&activations=tanh,sigmoid&dataset=xor&output_delta=chain"
            f"&lang={lang}")
    pg.check("#ufldl-switch")
    for _ in range(6):  # Z1 A1 Z2 A2 J dA2
        swapped(pg, lambda: pg.keyboard.press("ArrowRight"))
    assert stage(pg)["step"] == "dA2"
    swapped(pg, lambda: pg.keyboard.press("ArrowRight"))
    assert stage(pg)["step"] == "dZ2"
    assert pg.locator(".chain-line .katex").count() == 1
    assert pg.locator("#ufldl-overlay .katex").count() == 1
    no_overflow(pg)
    pg.locator("#equation").screenshot(path=str(ARTIFACTS / f"chain_{lang}_390.png"))
