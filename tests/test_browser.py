"""A real headless Chromium (Debian's package) clicking through the step page on a live server.

The server is started with the same command as the README and the Dockerfile (`python -m app`,
the console script's module) on a free port of 127.0.0.1, and stopped by its PID.
"""

from __future__ import annotations

import pytest
from browsing import install_clock, posts, quiet, settled, shot, swapped

pytestmark = pytest.mark.browser



@pytest.fixture
def page(page):
    """conftest's visitor, on a laptop's screen."""
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def stage(pg) -> dict:
    return pg.eval_on_selector("#stage", "el => ({...el.dataset})")


def press_and_wait(pg, key: str) -> dict:
    before = stage(pg)["cursor"], stage(pg)["iteration"]
    pg.keyboard.press(key)
    pg.wait_for_function(
        "([c, i]) => { const d = document.querySelector('#stage').dataset;"
        " return d.cursor !== c || d.iteration !== i; }", arg=list(before))
    pg.wait_for_function("() => !document.querySelector('.htmx-request')")
    return stage(pg)




def formula_rendered(pg) -> bool:
    return pg.eval_on_selector(".formula", "el => el.querySelector('.katex') !== null")


def neuron_fills(pg) -> list[dict]:
    return pg.eval_on_selector_all(
        "g.neuron", "els => els.map(g => ({layer: +g.dataset.layer, index: +g.dataset.index,"
        " delta: g.dataset.delta, value: g.dataset.value,"
        " fill: g.querySelector('circle').getAttribute('fill')}))")


def colour_sign(hex_colour: str) -> int:
    r, b = int(hex_colour[1:3], 16), int(hex_colour[5:7], 16)
    return 0 if abs(r - b) < 8 else (1 if b > r else -1)


def test_step_through_an_iteration_with_the_keyboard_and_back(page):
    page.goto(page.server + "/?lang=en")
    assert stage(page)["cursor"] == "0"
    plan = page.eval_on_selector_all(".timeline li", "els => els.map(li => li.dataset.step)")
    assert plan[:5] == ["Z1", "A1", "Z2", "A2", "J"] and plan[-1] == "update"
    forward_states = {}
    for expected in plan:
        state = press_and_wait(page, "ArrowRight")
        assert state["step"] == expected
        assert formula_rendered(page), f"KaTeX did not render the formula of {expected}"
        current = page.eval_on_selector(".timeline li.current", "li => li.dataset.step")
        assert current == expected
        fills = neuron_fills(page)
        forward_states[expected] = fills
        if state["phase"] in ("backward", "update"):
            for n in fills:
                if n["delta"]:  # the colour's hue follows the sign of δ
                    sign = colour_sign(n["fill"])
                    assert sign == 0 or sign == (1 if float(n["delta"]) > 0 else -1)
        if expected in ("A1", "dZ1"):
            shot(page, f"desktop-{expected}")
    assert stage(page)["phase"] == "update"
    # Back again: every earlier step shows exactly the same numbers.
    for expected in reversed(plan[:-1]):
        state = press_and_wait(page, "ArrowLeft")
        assert state["step"] == expected
        assert neuron_fills(page) == forward_states[expected]
    state = press_and_wait(page, "ArrowLeft")
    assert state["cursor"] == "0"


def test_buttons_preset_neuron_notation_and_language(page):
    page.goto(page.server + "/?lang=en")
    page.click("#setup summary")
    with page.expect_navigation():
        page.click("button[data-preset='ufldl']")
    assert page.locator("g.neuron").count() == 3 + 3 + 1
    assert page.locator("g.bias-unit").count() == 2
    page.click("#btn-forward")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    assert page.locator("#loss [data-value]").count() == 1
    page.click("#btn-backward")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'db1'")
    # Work one hidden neuron out: its lines are rendered by KaTeX.
    swapped(page, lambda: page.click("g.neuron[data-layer='1'][data-index='2']"))
    page.wait_for_selector("#neuron .neuron-line .katex")
    lines = page.eval_on_selector_all("#neuron .neuron-line", "els => els.map(e => e.dataset.tex)")
    assert lines[0].startswith("z^{[1]}_{3}") and lines[-1].startswith("=")
    # Row-per-example notation: the formula and the shapes turn around.
    swapped(page, lambda: page.select_option("#notation-select", "rows"))
    assert "text{rows}" in page.get_attribute(".formula", "data-formula")
    labels = page.eval_on_selector_all("g.layer-label", "els => els.map(e => e.textContent)")
    assert "m×3" in labels[0]
    assert page.eval_on_selector(".formula", "el => el.querySelector('.katex') !== null")
    shot(page, "desktop-rows-neuron")
    # Chinese.
    page.click("a[data-lang='zh']")
    page.wait_for_load_state()
    assert page.inner_text("#btn-backward").strip() == "反向传播"
    assert page.inner_text("#btn-forward").strip() == "前向传播"
    assert stage(page)["step"] == "db1"  # switching language keeps the learner's place
    page.click("#btn-update")
    page.wait_for_function("() => document.querySelector('#stage').dataset.phase === 'update'")
    assert "更新" in page.inner_text(".why p") or "参数" in page.inner_text(".why p")
    shot(page, "desktop-zh-update")


def test_log_scale_keeps_tiny_deltas_visible(page):
    page.goto(page.server + "/?lang=en")
    page.click("#setup summary")
    with page.expect_navigation():
        page.click("button[data-preset='vanishing']")
    assert page.input_value("#scale-select") == "log"
    page.click("#btn-forward")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    page.click("#btn-backward")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'db1'")
    fills = [n for n in neuron_fills(page) if n["layer"] == 1]
    assert all(n["fill"] != "#ffffff" and n["fill"] != "#f7f7f7" for n in fills)
    swapped(page, lambda: page.select_option("#scale-select", "linear"))
    assert page.input_value("#scale-select") == "linear"
    linear = [n for n in neuron_fills(page) if n["layer"] == 1]
    # On the linear scale the first layer's δs are far paler (closer to white) than on the log one.
    def paleness(fill: str) -> int:
        return sum(int(fill[k:k + 2], 16) for k in (1, 3, 5))
    assert sum(map(paleness, (n["fill"] for n in linear))) > sum(
        map(paleness, (n["fill"] for n in fills)))
    shot(page, "desktop-vanishing-linear")


def test_phone_width_has_no_overflow_or_overlapping_labels(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    pg = context.new_page()
    pg.goto(server + "/?lang=en")
    pg.click("#btn-forward")
    pg.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width}px"
    boxes = pg.eval_on_selector_all(
        "g.layer-label text, .controls button",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })")
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:]:
            overlap = (min(a[2], b[2]) - max(a[0], b[0]) > 1
                       and min(a[3], b[3]) - max(a[1], b[1]) > 1)
            assert not overlap, f"overlapping labels: {a} {b}"
    font = pg.eval_on_selector("g.layer-label .shape", "e => e.getBoundingClientRect().height")
    assert font >= 7, "shape labels too small to read on a phone"
    shot(pg, "phone-J")
    context.close()


def completed(pg) -> int:
    return int(pg.get_attribute("#training", "data-completed"))


def test_train_play_pause_and_scrub_the_history(page):
    install_clock(page)  # its timers can be run ahead: see quiet()
    page.goto(page.server + "/?lang=en")
    trains = posts(page, "/train")
    # Train 100: several chunked requests; the progress bar shows while it runs.
    page.click("button[data-train='100']")
    page.wait_for_selector("#train-progress:not([hidden])")
    page.wait_for_function("() => document.querySelector('#training').dataset.completed === '100'")
    page.wait_for_selector("#train-progress", state="hidden")
    assert page.locator("#loss-chart polyline.series").count() == 1
    assert page.locator("#boundary image").count() == 1
    # Play trains on until paused; after Pause nothing moves any more.
    page.select_option("#speed", "5")
    page.click("#btn-play")
    page.wait_for_function("() => +document.querySelector('#training').dataset.completed >= 130")
    page.click("#btn-play")
    page.wait_for_function("() => !document.querySelector('#btn-play.running, .htmx-request')")
    settled(page)
    paused_at, sent = completed(page), len(trains)
    quiet(page)  # two seconds of the page's timers at once: a run going on would train on
    assert completed(page) == paused_at and len(trains) == sent
    assert page.inner_text("#btn-play").endswith("Play")
    shot(page, "desktop-training")
    # Scrub back to iteration 40: its equations can be stepped through again.
    swapped(page, lambda: page.eval_on_selector(
        "#scrub",
        "el => { el.value = 40; el.dispatchEvent(new Event('change', {bubbles: true})); }"))
    assert stage(page)["iteration"] == "40" and stage(page)["phase"] == "update"
    assert completed(page) == paused_at  # looking back does not drop later history
    state = press_and_wait(page, "ArrowLeft")
    assert state["step"] == "db1" and state["iteration"] == "40"
    # α can change between iterations without resetting the network.
    page.fill("#lr-input", "0.1")
    swapped(page, lambda: page.click(".lr-form button"))
    # We stand before iteration 40's update: the new α would apply to it, so the page asks
    # before cutting the history to 39.
    assert f"the {paused_at - 39} from iteration 40 to {paused_at}" in page.inner_text(
        "#lr-confirm")
    assert completed(page) == paused_at
    swapped(page, lambda: page.click("#lr-discard"))
    assert page.input_value("#lr-input") == "0.1"
    assert completed(page) == 39


def test_two_tabs_keep_their_own_networks_across_reloads(browser, server):
    context = browser.new_context()  # one browser profile: one cookie jar, two tabs
    tab_a, tab_b = context.new_page(), context.new_page()
    tab_a.goto(server + "/?lang=en")
    sid_a = stage(tab_a)["sid"]
    tab_b.goto(server + "/?preset=ufldl")  # the second tab builds another network
    sid_b = stage(tab_b)["sid"]
    assert sid_b != sid_a
    tab_a.reload()  # the cookie now names B's network: tab A takes its own back
    tab_a.wait_for_function(f"() => document.querySelector('#stage').dataset.sid === '{sid_a}'")
    assert tab_a.locator("g.neuron").count() == 2 + 2 + 1
    tab_b.reload()
    tab_b.wait_for_function(f"() => document.querySelector('#stage').dataset.sid === '{sid_b}'")
    assert tab_b.locator("g.neuron").count() == 3 + 3 + 1
    context.close()


def test_unchanged_edges_are_kept_and_changed_ones_redrawn(page):
    """The page names the edge groups it shows (X-Have); while the weights stay the same the
    server sends placeholders and the very same <line> elements stay on the page; when dW
    arrives the group is redrawn with the gradients. The timeline's buttons seek."""
    page.goto(page.server + "/?lang=en")
    page.evaluate("window.__line = document.querySelector('#edges-2 line')")
    sizes = []
    page.on("response", lambda r: sizes.append(len(r.body())) if "/next" in r.url else None)
    for expected in ("Z1", "A1", "Z2", "A2", "J", "dZ2"):
        assert press_and_wait(page, "ArrowRight")["step"] == expected
        assert page.evaluate("document.querySelector('#edges-2 line') === window.__line")
    assert page.locator("#edges-2 line").count() == 2 + 1  # two weights and the bias
    state = press_and_wait(page, "ArrowRight")
    assert state["step"] == "dW2"
    assert page.evaluate("document.querySelector('#edges-2 line') !== window.__line")
    grads = page.eval_on_selector_all("#edges-2 line:not(.bias)",
                                      "els => els.map(e => e.dataset.grad)")
    assert len(grads) == 2 and all(g != "" for g in grads)
    assert page.locator("svg.network line.edge").count() == 2 * 2 + 2 + 2 * 1 + 1
    assert max(sizes[:5]) < sizes[-1]  # the forward steps sent no edges
    # A click on the timeline goes straight to that step.
    swapped(page, lambda: page.click(".timeline li[data-step='A1'] button"))
    assert stage(page)["step"] == "A1" and stage(page)["cursor"] == "2"
    assert page.locator("svg.network line.edge").count() == 2 * 2 + 2 + 2 * 1 + 1


def test_a_step_swap_does_not_walk_the_old_formulas_and_tables(page):
    """Before #stage is replaced, htmx visits every old element (one cleanup event each); the
    typeset formulas and number tables are emptied first, so it visits far fewer. The new copy
    still shows its formula typeset and its tables filled."""
    page.goto(page.server + "/?lang=en")
    for _ in range(3):  # Z1, A1, Z2: a formula with operands and a result
        press_and_wait(page, "ArrowRight")
    old = page.evaluate("""() => {
      const s = document.querySelector('#stage');
      const inside = sel => [...s.querySelectorAll(sel)]
        .reduce((n, e) => n + e.querySelectorAll('*').length, 0);
      return {all: s.querySelectorAll('*').length,
              skipped: inside('[data-rendered]') + inside('figure.matrix .matrix-scroll')};
    }""")
    page.evaluate("""() => { window.__cleaned = 0; document.addEventListener(
      'htmx:beforeCleanupElement', () => { window.__cleaned += 1; }); }""")
    assert press_and_wait(page, "ArrowRight")["step"] == "A2"
    cleaned = page.evaluate("window.__cleaned")
    assert old["skipped"] > 100
    assert cleaned <= old["all"] + 1 - old["skipped"]
    assert formula_rendered(page)
    assert page.locator("#stage figure.matrix td").count() > 0


def test_boxes_wider_than_a_phone_are_marked_as_scrolling(browser, server):
    """On a phone the drawing and a long formula scroll sideways inside their box: those boxes
    (and only those) get .scrolls, which shades the side with more to see. On a desktop none."""
    def marked(pg) -> dict:
        return pg.eval_on_selector_all(".svg-scroll, .formula", """els => Object.fromEntries(
          els.map(e => [e.classList.contains('svg-scroll') ? 'drawing' : 'formula',
                        [e.classList.contains('scrolls'), e.scrollWidth > e.clientWidth + 1]]))""")

    for width, expect_scroll in ((390, True), (1280, False)):
        context = browser.new_context(viewport={"width": width, "height": 844})
        pg = context.new_page()
        pg.goto(server + "/?lang=en")
        pg.click("#btn-forward")
        pg.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
        pg.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
        boxes = marked(pg)
        assert boxes["drawing"] == [expect_scroll, expect_scroll], (width, boxes)
        assert boxes["formula"][0] == boxes["formula"][1], (width, boxes)  # marked iff it scrolls
        if expect_scroll:
            shade = pg.eval_on_selector(".svg-scroll", "e => getComputedStyle(e).backgroundImage")
            assert shade.count("gradient") == 4
            pg.set_viewport_size({"width": 1280, "height": 844})  # turned into a wide window
            pg.wait_for_function("() => !document.querySelector('.svg-scroll.scrolls')")
        context.close()


def test_a_refused_request_is_said_on_the_page_and_the_next_one_clears_it(page):
    """A field outside its own limits (an example above m) is named with its limit before any
    request; a request the server refuses shows the server's message (naming the field) at the
    bottom of the window, and the state is untouched; the next request that goes through
    clears it."""
    page.goto(page.server + "/?lang=en")
    before = stage(page)
    page.fill("#example-input", "9999")
    page.dispatch_event("#example-input", "change")
    page.wait_for_selector("#flash", state="visible")
    text = page.inner_text("#flash .flash-text")
    assert text.startswith("Example:") and "4" in text, text  # XOR has m = 4 examples
    page.click("#flash .flash-close")
    assert page.is_hidden("#flash")
    page.fill("#example-input", "2")
    swapped(page, lambda: page.dispatch_event("#example-input", "change"))
    assert page.input_value("#example-input") == "2"
    page.evaluate("""() => htmx.ajax('POST', '/ui/' + document.querySelector('#stage').dataset.sid
                                      + '/view', {target: '#stage', values: {scale: 'cubic'}})""")
    page.wait_for_selector("#flash", state="visible")
    text = page.inner_text("#flash .flash-text")
    assert "refused" in text and "422" in text and "scale" in text, text
    assert stage(page) == before
    # The browser and htmx log the refused request too: expected here, and only that one.
    assert all("422" in e for e in page.errors) and len(page.errors) == 2, page.errors
    page.errors.clear()
    shot(page, "desktop-refused")
    swapped(page, lambda: page.click("#btn-next"))  # (the focus is in the example box)
    assert stage(page)["step"] == "Z1"
    assert page.is_hidden("#flash")


def test_a_custom_run_outside_its_limits_is_named_not_ignored(page):
    page.goto(page.server + "/?lang=en")
    for bad in ("0", "250000", "2.5"):
        page.fill("#train-custom", bad)
        page.click("button[data-train-custom]")
        page.wait_for_selector("#flash", state="visible")
        assert page.inner_text("#flash .flash-text").startswith("iterations:"), bad
        assert completed(page) == 0
        page.click("#flash .flash-close")
    page.fill("#train-custom", "3")
    page.click("button[data-train-custom]")
    page.wait_for_function("() => document.querySelector('#training').dataset.completed === '3'")
    assert page.is_hidden("#flash")


def test_the_api_docs_work_offline_under_the_pages_policy(page):
    """/docs runs the vendored Swagger UI: every operation of the API is listed, and nothing
    (no CDN script, no blocked inline script) shows up as a console error."""
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(page.server + "/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 15
    assert page.locator(".opblock-summary-path[data-path='/api/sessions/{session_id}/gradcheck']"
                        ).count() == 1
    assert all(url.startswith(page.server) for url in requested), requested


def test_play_stops_by_itself_when_the_loss_blows_up(page):
    """α = 50 on a ReLU regression: within a few iterations the loss is over a thousand times
    its lowest. Play stops there on its own and the panel says why; Play again goes on."""
    install_clock(page)
    page.goto(page.server + "/?layers=1,16,16,1&activations=relu,relu,linear"
                            "&loss=squared_error&dataset=sine&learning_rate=50&init=he&lang=en")
    trains = posts(page, "/train")
    page.click("#btn-play")
    page.wait_for_selector("#loss-warning", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('#btn-play.running')")
    settled(page)
    stopped, sent = completed(page), len(trains)
    quiet(page)
    assert completed(page) == stopped and len(trains) == sent  # nothing runs on
    assert "α = 50" in page.inner_text("#loss-warning")
    shot(page, "desktop-exploding")
    page.click("#btn-play")  # the learner chose to go on: the warning no longer stops it
    page.wait_for_function(f"() => +document.querySelector('#training').dataset.completed"
                           f" >= {stopped + 3}")
    page.click("#btn-play")
    page.wait_for_function("() => !document.querySelector('#btn-play.running')")


def test_held_arrow_keys_make_every_step_across_updates(page):
    """Thirty quick presses of → are thirty steps, in order, even across the two updates whose
    answers also bring the training panel (two swaps settle for one request)."""
    install_clock(page)
    page.goto(page.server + "/?lang=en")
    steps = posts(page, "/next")
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => { const d = document.querySelector('#stage').dataset;"
                           " return d.iteration === '3' && d.step === 'A2'; }", timeout=30_000)
    quiet(page)  # nothing more was queued
    assert stage(page)["step"] == "A2" and completed(page) == 2 and len(steps) == 30
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'update'"
                           " && document.querySelector('#stage').dataset.iteration === '2'")


def test_a_training_run_waits_out_the_rate_limit_and_loses_no_iterations(page):
    """A chunk refused with 429 trained nothing: the run waits Retry-After and asks again, so
    "train 10" still ends at 10; any other refusal stops the run and says why."""
    page.goto(page.server + "/?lang=en")
    seen = {"train": 0}

    def refuse_third(route):
        seen["train"] += 1
        if seen["train"] == 3:
            route.fulfill(status=429, headers={"Retry-After": "1"}, content_type="application/json",
                          body='{"message": "rate limit: at most 600 requests a minute"}')
        else:
            route.continue_()

    page.route("**/train", refuse_third)
    page.click("button.train-n[data-train='10']")
    page.wait_for_selector("#flash", state="visible")
    assert "429" in page.inner_text("#flash .flash-text")
    page.wait_for_function("() => document.querySelector('#training').dataset.completed === '10'"
                           " && !document.querySelector('#btn-play.running')", timeout=20_000)
    assert seen["train"] == 11  # ten chunks of one iteration, one of them asked twice
    page.unroute("**/train")
    page.route("**/train", lambda route: route.fulfill(status=500, body="boom"))
    page.click("button.train-n[data-train='10']")
    page.wait_for_function("() => !document.querySelector('#btn-play.running')"
                           " && !document.querySelector('button.train-n[disabled]')")
    assert completed(page) == 10 and "500" in page.inner_text("#flash .flash-text")
    page.errors.clear()  # the browser logs the refused requests, as it should


def test_a_step_swaps_only_the_parts_that_changed(page):
    """Next brings only the changed parts of #stage (out of band): the stage itself, the panel
    heads with their forms, the legends and the notes are the very same elements after it;
    what changed is replaced, once (no part twice), typeset and attributed to the new step."""
    page.goto(page.server + "/?lang=en")
    press_and_wait(page, "ArrowRight")  # Z1: Back is enabled, the controls change once
    kept = "['#stage', '#network-head', '#network-notes', '#controls', '#example-input']"
    page.evaluate(f"window.__kept = {kept}.map(s => document.querySelector(s));"
                  "window.__old = document.querySelector('#equation')")
    state = press_and_wait(page, "ArrowRight")
    settled(page)
    assert state["step"] == "A1" and state["cursor"] == "2"
    assert page.evaluate(f"window.__kept.every((el, k) => el === document.querySelector("
                         f"{kept}[k]))")
    assert page.evaluate("document.querySelector('#equation') !== window.__old")
    for part in ("statusbar", "controls", "timeline-form", "drawing", "equation", "neuron"):
        assert page.locator(f"[id='{part}']").count() == 1, part
    assert formula_rendered(page)
    assert page.inner_text("#statusbar .chip >> nth=1").startswith("Step 2")


def test_play_keeps_its_controls_so_a_click_or_a_typed_value_is_never_lost(page):
    """While Play runs, every chunk swaps the training panel in: the run controls and the α
    form stay the page's own elements (the same nodes), so Pause is one click away at any
    moment and a value typed meanwhile stays."""
    page.goto(page.server + "/?lang=en")
    page.evaluate("() => { document.getElementById('btn-play').dataset.mark = 'first'; }")
    page.click("#btn-play")
    page.fill("#train-custom", "321")
    page.fill("#lr-input", "0.25")
    page.wait_for_function("() => +document.querySelector('#training').dataset.completed >= 25")
    # Meanwhile the equation panel says it waits for the end of the run.
    page.wait_for_selector("#equation-brief")
    assert page.evaluate("() => document.getElementById('btn-play').dataset.mark") == "first"
    assert page.input_value("#train-custom") == "321" and page.input_value("#lr-input") == "0.25"
    page.click("#btn-play", timeout=2000)  # no retries needed: the button never detaches
    quiet(page)
    paused_at = completed(page)
    quiet(page)
    assert completed(page) == paused_at and page.inner_text("#btn-play").endswith("Play")
    # Paused: the equation of the step shown is back, typeset.
    assert page.locator("#equation-brief").count() == 0
    assert page.locator("#equation .formula .katex").count() == 1
