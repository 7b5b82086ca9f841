"""Two visitors in two browser contexts (separate cookie jars) on one live server: neither sees or
changes the other's network; a share link opened by the second gives them their own copy at the
first one's step. Runs under the real Content-Security-Policy: any violation is a console error,
which fails the test."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def visitors(browser):
    contexts, errors = [], []
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        contexts.append(context)
        pages.append(page)
    yield pages
    for context in contexts:
        context.close()
    assert errors == [], f"console errors (CSP violations show here): {errors}"


def stage(page) -> dict:
    return page.eval_on_selector("#stage", "el => ({...el.dataset})")


def step(page, times: int) -> None:
    for _ in range(times):
        before = stage(page)["cursor"], stage(page)["iteration"]
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([c, i]) => { const d = document.querySelector('#stage').dataset;"
            " return d.cursor !== c || d.iteration !== i; }", arg=list(before))
        page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_two_visitors_are_isolated_and_a_share_link_copies(visitors, server):
    first, second = visitors
    response = first.goto(server + "/?lang=en")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    step(first, 4)
    mine = stage(first)
    assert mine["cursor"] == "4"
    first.wait_for_selector(".formula .katex")  # KaTeX renders under the policy

    second.goto(server + "/?lang=en")
    theirs = stage(second)
    assert theirs["sid"] != mine["sid"] and theirs["cursor"] == "0"
    step(second, 7)
    first.reload()
    assert stage(first) == mine

    # The first visitor shares; the second opens the link.
    html = first.request.post(f"{server}/ui/{mine['sid']}/share").text()
    url = re.search(r'id="share-url" type="url" value="([^"]+)"', html).group(1)
    assert mine["sid"] not in url
    second.goto(url)
    assert second.url == server + "/"
    copy = stage(second)
    assert copy["sid"] not in (mine["sid"], theirs["sid"])
    assert {**copy, "sid": mine["sid"]} == mine
    step(second, 3)
    assert stage(second)["cursor"] == "7"
    first.reload()
    assert stage(first) == mine
    # The link still opens at the shared step.
    second.goto(url)
    assert stage(second)["cursor"] == "4"
