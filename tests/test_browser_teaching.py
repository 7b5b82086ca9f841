"""The teaching content in a real Chromium: presets keep their promises on screen, labels fit
their neurons, the plane and maps are labelled, weights can be typed, a new seed rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"



def shot(pg, name: str, selector: str | None = None) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    target = pg.locator(selector) if selector else pg
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def train(pg, n: int) -> None:
    pg.click(f"button[data-train='{n}']")
    pg.wait_for_function(f"() => document.querySelector('#training').dataset.completed === '{n}'")
    pg.wait_for_selector("#train-progress", state="hidden")
    pg.wait_for_function("() => !document.querySelector('.htmx-request')")


def step_to(pg, step_id: str) -> None:
    for _ in range(80):
        if pg.eval_on_selector("#stage", "el => el.dataset.step") == step_id:
            return
        before = pg.eval_on_selector("#stage", "el => el.dataset.cursor")
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function("c => document.querySelector('#stage').dataset.cursor !== c",
                             arg=before)
        pg.wait_for_function("() => !document.querySelector('.htmx-request')")
    raise AssertionError(f"never reached {step_id}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_default_preset_learns_xor_on_screen(page, lang):
    page.goto(page.server + f"/?preset=xor&lang={lang}")
    train(page, 1000)
    assert page.inner_text("#accuracy") == "100.0%"
    assert page.locator("#plane-key text").count() == 5
    shot(page, f"xor-trained-{lang}", "#training")


def test_delta_labels_stay_inside_their_circles(page):
    page.goto(page.server + "/?preset=vanishing&lang=en")
    step_to(page, "dZ1")
    boxes = page.eval_on_selector_all("g.neuron", """els => els.map(g => {
        const c = g.querySelector('circle'), b = g.querySelector('text').getBBox();
        return {label: g.querySelector('text').textContent, cx: +c.getAttribute('cx'),
                cy: +c.getAttribute('cy'), r: +c.getAttribute('r'),
                x: b.x, y: b.y, w: b.width, h: b.height};
    })""")
    labelled = [b for b in boxes if b["label"]]
    assert len(labelled) == 6 * 5 + 1 and any("e−5" in b["label"] for b in labelled)
    for b in labelled:
        # The glyphs' box (its corners less the font's inner leading) lies inside the circle.
        half_w = max(abs(b["x"] - b["cx"]), abs(b["x"] + b["w"] - b["cx"]))
        half_h = 0.35 * b["h"]
        assert (half_w ** 2 + half_h ** 2) ** 0.5 <= b["r"], b
    shot(page, "vanishing-backward", "svg.network")


def test_the_symmetry_preset_shows_identical_units_while_the_loss_falls(page):
    page.goto(page.server + "/?preset=symmetry&lang=en")
    train(page, 1000)
    note = page.inner_text(".note.symmetry")
    assert "the 3 units of layer 1 are identical" in note
    sources = page.eval_on_selector_all("#hidden-maps img", "els => els.map(e => e.src)")
    assert len(sources) == 3 and len(set(sources)) == 1  # the three maps are the same picture
    assert page.inner_text("#accuracy") == "75.0%"
    shot(page, "symmetry-trained", "#training")


def test_typed_weights_and_a_new_seed(page):
    page.goto(page.server + "/?preset=xor&lang=zh")
    page.evaluate("document.querySelector('#setup').open = true")
    page.fill("textarea[name=W1]", "0.15 0.2\n0.25 0.3")
    page.fill("input[name=b1]", "0.35 0.35")
    page.fill("textarea[name=W2]", "0.4 0.45")
    page.fill("input[name=b2]", "0.6")
    with page.expect_navigation():
        page.click("#weights-form button[type=submit]")
    values = page.eval_on_selector_all(
        "line.edge[data-layer='1']:not(.bias)", "els => els.map(e => +e.dataset.value)")
    assert sorted(values) == [0.15, 0.2, 0.25, 0.3]
    # A mistake is named, in Chinese, and nothing is rebuilt.
    page.evaluate("document.querySelector('#setup').open = true")
    page.fill("textarea[name=W2]", "0.4")
    page.click("#weights-form button[type=submit]")
    page.wait_for_selector("#setup-error .error")
    assert "W[2] 第 1 行:需要 2 个数" in page.inner_text("#setup-error")
    seed = page.inner_text("#current-seed")
    with page.expect_navigation():
        page.click("#btn-reseed")
    assert page.inner_text("#current-seed") != seed
    assert sorted(page.eval_on_selector_all(
        "line.edge[data-layer='1']:not(.bias)", "els => els.map(e => +e.dataset.value)")) != values
