"""The Chinese page in Chromium says its refusals and its chart hover in Chinese: the flash line
of a refused htmx request, the step's error line, and the loss chart's tooltip."""

from __future__ import annotations

import re

import pytest
from browsing import settled

pytestmark = pytest.mark.browser
ENGLISH = re.compile(r"\b(iteration|should|must|between|the|Input)\b")


@pytest.fixture
def zh_page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server}/?lang=zh")
    pg.wait_for_selector("#stage")
    yield pg
    context.close()



def test_refusals_on_the_chinese_page(zh_page):
    pg = zh_page
    sid = pg.get_attribute("#btn-next", "hx-post").split("/")[2]
    # A form value the server refuses (422): the flash line, in Chinese from end to end.
    pg.evaluate("sid => htmx.ajax('POST', '/ui/' + sid + '/goto', "
                "{values: {iteration: -1}, target: '#stage'})", sid)
    pg.wait_for_selector("#flash:not([hidden])")
    flash = pg.inner_text("#flash .flash-text")
    assert flash == "服务器拒绝了此请求 (HTTP 422): iteration: 应大于或等于 0"
    pg.screenshot(path="/tmp/zh-flash.png")
    # A move out of order: the step's error line.
    pg.click("#btn-forward")
    pg.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    pg.click("#btn-forward")
    pg.wait_for_selector("#stage-error")
    assert pg.inner_text("#stage-error") == "第 1 次迭代的前向传播已经完成;下一步是 dZ2"
    assert pg.is_hidden("#flash")  # a request that went through takes the flash away
    pg.screenshot(path="/tmp/zh-stage-error.png")
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.locator("#stage-error").scroll_into_view_if_needed()
    pg.screenshot(path="/tmp/zh-stage-error-phone.png")


def test_the_loss_charts_hover_is_chinese(zh_page):
    pg = zh_page
    pg.click('button.train-n[data-train="100"]')
    pg.wait_for_function("() => document.querySelector('#completed').textContent === '100'")
    settled(pg)
    chart = pg.locator("#loss-chart svg.line-chart")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    for share in (0.5, 0.6):  # a move within the chart (the first only enters it)
        pg.mouse.move(box["x"] + box["width"] * share, box["y"] + box["height"] * 0.5)
    tip = pg.locator(".tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert re.fullmatch(r"第 \d+ 次迭代 · 训练集 [0-9.e−]+", text), text
    assert not ENGLISH.search(text)
    pg.screenshot(path="/tmp/zh-chart-tip.png")


def test_a_field_out_of_its_range_is_said_in_the_pages_language(browser, server):
    """The browser speaks English here; the page is Chinese: the flash line uses the page's
    words for a number out of its limits, not the browser's."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.goto(f"{server}/?lang=zh")
    pg.fill("#example-input", "99")
    pg.locator("#example-input").dispatch_event("change")
    pg.wait_for_selector("#flash:not([hidden])")
    assert pg.inner_text("#flash .flash-text") == "样本: 应在 1 到 4 之间"
    pg.fill("#train-custom", "1.5")
    pg.click("button[data-train-custom]")
    assert pg.inner_text("#flash .flash-text") == "次迭代: 应为整数"
    pg.fill("#train-custom", "0")
    pg.click("button[data-train-custom]")
    assert pg.inner_text("#flash .flash-text") == "次迭代: 应在 1 到 100000 之间"
    assert not ENGLISH.search(pg.inner_text("#flash .flash-text"))
    pg.screenshot(path="/tmp/zh-field-range.png")
    context.close()
