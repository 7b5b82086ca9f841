"""The page never says something untrue about the state, tried in a real Chromium: the loss chip,
the training header and the curves' marker while scrubbing the history; Set α while viewing an
earlier iteration; the update step's operands; Backward pass and Update before their passes;
the history slider's arrow keys."""

from __future__ import annotations

import pytest
from browsing import install_clock, quiet, settled, shot, swapped

from app.views.fmt import num

pytestmark = pytest.mark.browser



def stage(pg) -> dict:
    return pg.eval_on_selector("#stage", "el => ({...el.dataset})")




def completed(pg) -> int:
    return int(pg.eval_on_selector("#training", "el => el.dataset.completed"))


def train(pg, n: int) -> None:
    pg.click(f"button[data-train='{n}']")
    pg.wait_for_function(f"() => document.querySelector('#training').dataset.completed === '{n}'"
                         " && document.querySelector('#train-progress').hidden")
    settled(pg)


def scrub_to(pg, k: int) -> None:
    """Drag the history slider to k (the value set, then the change the drag ends with)."""
    swapped(pg, lambda: pg.eval_on_selector(
        "#scrub", f"el => {{ el.value = {k}; "
                  "el.dispatchEvent(new Event('change', {bubbles: true})); }"))


def losses(pg) -> list[float]:
    """The losses of the iterations before the current one, from the session's own export."""
    sid = stage(pg)["sid"]
    doc = pg.request.get(f"{pg.server}/api/sessions/{sid}/export").json()
    return doc["config"]["history"]["losses"]



def test_scrubbing_shows_the_viewed_iterations_loss_in_chip_header_and_curves(page):
    page.goto(page.server + "/?preset=xor&lang=en")
    train(page, 100)
    history = losses(page)  # iterations 1…99 (the 100th is the one shown)
    assert len(history) == 99
    # At the end of the history the header shows the last iteration, its marker at the end.
    assert page.get_attribute("#header-loss", "data-iteration") == "100"
    assert page.locator("#viewing").count() == 0
    assert page.get_attribute("#loss-chart g.viewed", "data-iteration") == "100"

    scrub_to(page, 0)  # the very start: nothing computed, no iteration before it
    assert stage(page)["iteration"] == "1" and stage(page)["phase"] == "start"
    assert page.inner_text("#loss").strip() == "Loss J not computed yet"
    assert page.locator("#previous-loss").count() == 0
    assert page.inner_text("#viewing") == "Viewing iteration 1 of 100"
    assert page.inner_text("#header-loss b") == num(history[0])
    assert page.get_attribute("#loss-chart g.viewed", "data-iteration") == "1"
    assert page.get_attribute("#grad-chart g.viewed", "data-iteration") == "1"

    scrub_to(page, 1)  # iteration 1 as it ended; → starts iteration 2
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'Z1'")
    settled(page)
    assert stage(page)["iteration"] == "2"
    # The chip's earlier loss is iteration 1's (0.7008 on this preset), not the last one's.
    assert page.inner_text("#previous-loss") == f"{num(history[0])} (Iteration 1)"
    assert num(history[0]) == "0.7008" and num(history[-1]) != "0.7008"
    assert page.inner_text("#viewing") == "Viewing iteration 2 of 100"
    assert page.inner_text("#header-loss b") == num(history[1])
    assert page.get_attribute("#loss-chart g.viewed", "data-iteration") == "2"
    for _ in range(4):  # A1, Z2, A2, J: the loss of iteration 2, computed again
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    settled(page)
    assert float(page.get_attribute("#loss [data-value]", "data-value")) == history[1]
    assert completed(page) == 100  # looking back dropped nothing
    shot(page, "scrubbed-desktop-en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_set_alpha_while_viewing_an_earlier_iteration_asks_and_says_what_it_discarded(page, lang):
    page.goto(page.server + f"/?preset=xor&lang={lang}")
    train(page, 100)
    scrub_to(page, 20)
    assert page.inner_text("#lr-hint") == {
        "en": "Setting α here discards the 80 later iterations (it asks first).",
        "zh": "在此设置 α 会丢弃之后的 80 次迭代(会先询问)。"}[lang]
    page.fill("#lr-input", "0.1")
    swapped(page, lambda: page.click(".lr-form button"))
    assert page.inner_text("#lr-confirm-text") == {
        "en": "Set α = 0.1 from iteration 21 on? The history holds 100 iterations; the 80 from "
              "iteration 21 to 100 were trained with the old α and will be discarded.",
        "zh": "从第 21 次迭代起使用 α = 0.1?历史中共有 100 次迭代;第 21 到第 100 次这 80 次迭代"
              "是用原来的 α 训练的,将被丢弃。"}[lang]
    assert completed(page) == 100  # asking changed nothing
    shot(page, f"alpha-confirm-{lang}")
    swapped(page, lambda: page.click("#lr-keep"))  # Cancel: the history stays, α too
    assert page.locator("#lr-confirm").count() == 0
    assert completed(page) == 100 and page.input_value("#lr-input") == "0.5"
    assert stage(page)["iteration"] == "20"
    page.fill("#lr-input", "0.1")
    swapped(page, lambda: page.click(".lr-form button"))
    swapped(page, lambda: page.click("#lr-discard"))
    assert completed(page) == 20 and page.input_value("#lr-input") == "0.1"
    assert page.inner_text("#stage-notice") == {
        "en": "α = 0.1 from iteration 21 on: the 80 later iterations (21–100) were discarded "
              "from the history.",
        "zh": "从第 21 次迭代起 α = 0.1:之后的 80 次迭代(第 21–100 次)已从历史中丢弃。"}[lang]
    # At the end of the history again: setting α asks nothing and discards nothing.
    page.fill("#lr-input", "0.2")
    swapped(page, lambda: page.click(".lr-form button"))
    assert page.locator("#lr-confirm").count() == 0 and completed(page) == 20
    assert page.input_value("#lr-input") == "0.2"


def cells(figure) -> list[float]:
    return [float(td.get_attribute("title")) for td in figure.locator("td[title]").all()]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_update_step_shows_w_alpha_dw_and_lambdas_part_with_numbers(page, lang):
    page.goto(page.server + "/?layers=2,3,1&activations=tanh,sigmoid&dataset=xor"
                            f"&weight_decay=0.01&learning_rate=0.7&lang={lang}")
    # Update first thing: the page runs both passes and says so.
    swapped(page, lambda: page.click("#btn-update"))
    assert stage(page)["phase"] == "update"
    assert page.inner_text("#stage-notice") == {
        "en": "Ran the forward and backward passes of iteration 1 first: the update needs every "
              "gradient.",
        "zh": "先运行了第 1 次迭代的前向传播和反向传播:更新参数需要所有梯度。"}[lang]
    check = page.locator("#update-check")
    alpha = float(check.get_attribute("data-lr"))
    assert alpha == 0.7
    rows = check.locator(".update-row:not(.decay-row)")
    assert [r.get_attribute("data-param") for r in rows.all()] == ["W1", "W2", "b1", "b2"]
    for row in rows.all():
        old, grad, new = (cells(row.locator("figure.matrix").nth(i)) for i in range(3))
        assert len(old) == len(grad) == len(new) > 0
        # The very numbers on screen: W − α·dW gives W_new to the last bit.
        assert new == [w - alpha * g for w, g in zip(old, grad, strict=True)]
        assert row.locator(".alpha").inner_text() == "α = 0.7"
    for name in ("W1", "W2"):  # λ's part of each dW: (1/m)·dZ·Aᵀ + λ·W = dW
        grad = cells(check.locator(f'.update-row[data-param="{name}"] figure.matrix').nth(1))
        old = cells(check.locator(f'.update-row[data-param="{name}"] figure.matrix').nth(0))
        decay = check.locator(f'.decay-row[data-param="d{name}"] figure.matrix')
        data, lam_w = cells(decay.nth(0)), cells(decay.nth(1))
        assert lam_w == [0.01 * w for w in old]
        assert grad == [d + lw for d, lw in zip(data, lam_w, strict=True)]
    assert "(1/m)·dZ[1]·Xᵀ" in check.inner_text() and "λ·W[2]" in check.inner_text()
    shot(page, f"update-step-{lang}")
    # Backward pass first thing in the next iteration: the forward pass runs first, said so.
    swapped(page, lambda: page.click("#btn-backward"))
    assert stage(page)["iteration"] == "2" and stage(page)["step"] == "db1"
    assert page.inner_text("#stage-notice") == {
        "en": "Ran the forward pass of iteration 2 first: the backward pass needs its loss J.",
        "zh": "先运行了第 2 次迭代的前向传播:反向传播需要它的损失 J。"}[lang]


def test_each_arrow_key_on_the_history_slider_moves_it_one_iteration(page):
    install_clock(page)  # its timers can be run ahead: see quiet()
    page.goto(page.server + "/?preset=xor&lang=en")
    train(page, 10)
    page.focus("#scrub")
    for _ in range(5):  # quick presses, most while the previous one's request is in flight
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#stage').dataset.iteration === '5'")
    quiet(page)  # nothing more was queued
    assert page.input_value("#scrub") == "5" and stage(page)["iteration"] == "5"
    assert stage(page)["phase"] == "update"  # iteration 5 as it ended: no step was taken
    assert page.evaluate("document.activeElement.id") == "scrub"  # the new slider has the focus
    for key in ("ArrowRight", "ArrowUp", "ArrowRight"):
        page.keyboard.press(key)
    page.wait_for_function("() => document.querySelector('#stage').dataset.iteration === '8'")
    quiet(page)
    assert page.input_value("#scrub") == "8" and page.inner_text("#scrub-value") == "8"
    assert page.inner_text("#viewing") == "Viewing iteration 8 of 10"
    for _ in range(4):  # past the end: it stops at 10, the presses beyond do nothing
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#stage').dataset.iteration === '10'")
    quiet(page)
    assert page.input_value("#scrub") == "10" and completed(page) == 10
    assert stage(page)["phase"] == "update" and page.locator("#viewing").count() == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_width_scrubbed_back_with_update_and_confirm(browser, server, lang):
    """390 px: the header's viewing line, the confirm box and the update rows fit the width."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    pg = context.new_page()
    pg.server = server  # type: ignore[attr-defined]
    try:
        pg.goto(server + f"/?layers=2,3,1&activations=tanh,sigmoid&dataset=xor"
                         f"&weight_decay=0.01&lang={lang}")
        train(pg, 10)
        scrub_to(pg, 4)  # iteration 4 as it ended: its update step shown
        assert stage(pg)["step"] == "update"
        pg.fill("#lr-input", "0.1")
        swapped(pg, lambda: pg.click(".lr-form button"))
        for selector in ("#lr-confirm", "#update-check", "#viewing", "#training .stats"):
            box = pg.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        shot(pg, f"phone-{lang}")
    finally:
        context.close()


def test_export_then_import_on_the_page_is_back_at_that_iteration_with_its_curves(browser,
                                                                                  server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    try:
        pg.goto(server + "/?preset=xor&lang=en")
        train(pg, 10)
        scrub_to(pg, 6)
        pg.keyboard.press("ArrowRight")  # Z1 of iteration 7
        pg.wait_for_function("() => document.querySelector('#stage').dataset.step === 'Z1'")
        settled(pg)
        before_loss = pg.inner_text("#previous-loss")
        curve = pg.get_attribute("#loss-chart polyline.series", "points")
        with pg.expect_download() as info:
            pg.click("#export-json")
        assert info.value.suggested_filename == "backprop-stepper-iteration-7.json"
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        old_sid = stage(pg)["sid"]
        pg.set_input_files("#import-file", str(path))
        with pg.expect_navigation():  # HX-Redirect: / reloads the page on the new session
            pg.click("#btn-import")
        pg.wait_for_selector("#stage")
        assert stage(pg)["sid"] != old_sid
        assert (stage(pg)["iteration"], stage(pg)["step"]) == ("7", "Z1")
        assert pg.inner_text("#previous-loss") == before_loss  # iteration 6's loss, kept
        assert completed(pg) == 6  # the six iterations before it (the later ones stay behind)
        # Its curve is the first six points of the original's, drawn on a six-iteration axis.
        assert len(pg.get_attribute("#loss-chart polyline.series", "points").split()) == 6
        assert len(curve.split()) == 10
        assert pg.inner_text("#imported-note").startswith("Imported at iteration 7")
    finally:
        context.close()
