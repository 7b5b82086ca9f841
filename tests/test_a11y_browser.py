"""Accessibility in a real Chromium: axe-core (vendored, static/vendor/axe-core) over every state
a learner passes through, the contrast of every coloured number, and a keyboard-only walk.

axe is added to the page only here, by a <script> tag pointing at the vendored file (the page's
own policy allows scripts from 'self'); the page never loads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import settled, swapped

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
    field = "#setup form.custom input[name=layers]"
    assert pg.get_attribute(field, "aria-invalid") == "true"
    assert pg.get_attribute(field, "aria-describedby") == "setup-error-text"
    assert pg.get_attribute("#setup form.custom input[name=activations]", "aria-invalid") is None
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


# -- contrast of every coloured number, as the browser computes it ---------------------------
def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def _ratio(a: str, b: str) -> float:
    from app.views.palette import contrast

    return contrast("#{:02x}{:02x}{:02x}".format(*_rgb(a)), "#{:02x}{:02x}{:02x}".format(*_rgb(b)))


COLOURED = """() => {
    const out = [];
    document.querySelectorAll('.matrix tbody td[style]').forEach(td => {
        const s = getComputedStyle(td);
        out.push(['cell ' + td.title, s.color, s.backgroundColor]);
    });
    document.querySelectorAll('g.neuron').forEach(g => {
        const text = g.querySelector('text'), circle = g.querySelector('circle');
        if (!text.textContent) return;
        out.push(['neuron ' + g.id, getComputedStyle(text).fill, getComputedStyle(circle).fill]);
    });
    return out;
}"""


@pytest.mark.parametrize("scale", ["linear", "log"])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_coloured_cell_and_neuron_label_reads_at_4_5_to_1(new_page, scale, dark):
    """Every step of an iteration of the 5-2-4-3-3-1 net: each rendered table cell's and SVG
    neuron label's computed colour against its computed fill."""
    pg = new_page(dark=dark)
    pg.goto(pg.server + "/?preset=deep&lang=en")
    if pg.input_value("#scale-select") != scale:
        swapped(pg, lambda: pg.select_option("#scale-select", scale))
    seen, worst = 0, (99.0, "")
    steps = int(pg.eval_on_selector("#stage", "el => el.querySelectorAll('.timeline li').length"))
    for _ in range(steps):
        swapped(pg, lambda: pg.click("#btn-next"))
        for what, ink, fill in pg.evaluate(COLOURED):
            seen += 1
            worst = min(worst, (_ratio(ink, fill), f"{what}: {ink} on {fill}"))
    assert seen > 300
    assert worst[0] >= 4.5, worst


# -- keyboard only ---------------------------------------------------------------------------
FOCUSED = """() => { const e = document.activeElement;
    return e ? (e.id || e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
        ? '.' + String(e.className).split(' ')[0] : '')) : null; }"""


def focused(pg) -> str:
    return pg.evaluate(FOCUSED)


def tab_order(pg, limit: int = 400) -> list[str]:
    """The ids (or tag.class) Tab visits from the top of the page until it leaves the page."""
    pg.evaluate("document.activeElement && document.activeElement.blur()")
    order: list[str] = []
    for _ in range(limit):
        pg.keyboard.press("Tab")
        now = focused(pg)
        if now in (None, "body") or (order and now == order[0]):
            break
        order.append(now)
    return order


def test_keyboard_alone_reaches_and_uses_every_control(new_page):
    pg = new_page()
    pg.goto(pg.server + "/?lang=en")
    order = tab_order(pg)
    expected = ["btn-next", "btn-forward", "btn-backward", "btn-update", "btn-iterate",
                "btn-reset", "btn-share", "btn-graph", "chip-1", "example-input", "scale-select",
                "neuron-0-0", "neuron-1-1", "neuron-2-0", "notation-select", "train-1",
                "train-100", "train-custom", "train-custom-go", "btn-play", "speed", "lr-input",
                "btn-gradcheck", "export-json", "export-py", "import-file", "btn-import"]
    missing = [c for c in expected if c not in order]
    assert missing == [], order
    assert order.index("btn-next") < order.index("chip-1") < order.index("neuron-0-0")
    # The header first: the colour theme switch, then the language links.
    assert order[:3] == ["theme-system", "theme-light", "theme-dark"], order
    assert order[3] == "a" or order[3].startswith("a."), order
    summary = [c for c in order if c.startswith("summary")]
    assert summary, "the setup opens from the keyboard"

    # Enter on a step button: the step is made and focus stays on the button.
    pg.focus("#btn-forward")
    swapped(pg, lambda: pg.keyboard.press("Enter"))
    assert pg.eval_on_selector("#stage", "el => el.dataset.step") == "J"
    assert focused(pg) == "btn-forward"
    # A timeline chip, with Space: the page goes there, focus stays on that chip.
    pg.focus("#chip-2")
    swapped(pg, lambda: pg.keyboard.press("Space"))
    assert pg.eval_on_selector("#stage", "el => el.dataset.cursor") == "2"
    assert focused(pg) == "chip-2"
    assert pg.get_attribute("#chip-2", "aria-current") == "step"
    assert pg.get_attribute("#chip-1", "aria-current") is None
    # Tab moves on from where focus is: the next chip, not the top of the page.
    pg.keyboard.press("Tab")
    assert focused(pg) == "chip-3"
    # A neuron, with Enter: worked out, pressed, and still focused.
    pg.focus("#neuron-1-1")
    swapped(pg, lambda: pg.keyboard.press("Enter"))
    assert focused(pg) == "neuron-1-1"
    assert pg.get_attribute("#neuron-1-1", "aria-pressed") == "true"
    assert pg.get_attribute("#neuron-1-0", "aria-pressed") == "false"
    assert "[1] #2" in pg.inner_text("#neuron")
    # → from the neuron steps on; focus stays on the neuron.
    swapped(pg, lambda: pg.keyboard.press("ArrowRight"))
    assert pg.eval_on_selector("#stage", "el => el.dataset.cursor") == "3"
    assert focused(pg) == "neuron-1-1"
    # A select changed with the arrow keys: the view changes, focus stays on the select.
    pg.focus("#scale-select")
    swapped(pg, lambda: pg.keyboard.press("ArrowDown"))
    assert pg.input_value("#scale-select") == "log"
    assert focused(pg) == "scale-select"
    # Train 10 with Enter: focus waits on Stop during the run, then returns to "10".
    pg.focus("#train-10")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.querySelector('#training').dataset.completed === '10'")
    pg.wait_for_function("() => !document.querySelector('button.train-n[disabled]')")
    settled(pg)
    assert focused(pg) == "train-10"
    # The share box opens from the keyboard; its copy button is the next stop after Share.
    pg.focus("#btn-share")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#share-url")
    assert focused(pg) == "btn-share"
    pg.keyboard.press("Tab")
    assert focused(pg) == "btn-graph"  # the last button of the row, then the share box
    pg.keyboard.press("Tab")
    assert focused(pg) == "share-url"


def test_choosing_a_neuron_does_not_scroll_the_page(new_page):
    for width, height in ((1366, 900), (390, 844)):
        pg = new_page(width=width, height=height)
        pg.goto(pg.server + "/?lang=en")
        pg.click("#btn-forward")
        at_step(pg, "J")
        # Scrolled so that the drawing's neurons are near the top of the window.
        pg.evaluate("window.scrollTo(0, document.querySelector('#neuron-2-0')"
                    ".getBoundingClientRect().top + window.scrollY - 60)")
        before = pg.evaluate("window.scrollY")
        assert before > 100
        swapped(pg, lambda pg=pg: pg.click("#neuron-2-0"))
        assert pg.evaluate("window.scrollY") == before, width
        assert pg.get_attribute("#neuron-2-0", "aria-pressed") == "true"


def test_a_step_is_announced_in_one_short_sentence(new_page):
    for lang, words in (("en", "Z[1] computed: 2×4, Z[1][1,1] = "),
                        ("zh", "已计算 Z[1]:2×4,Z[1][1,1] = ")):
        pg = new_page()
        pg.goto(pg.server + f"/?lang={lang}")
        assert pg.get_attribute("#stage", "aria-live") is None  # the whole stage is not read
        assert pg.get_attribute("#announce", "aria-live") == "polite"
        assert pg.inner_text("#announce") == ""  # nothing said on load
        swapped(pg, lambda pg=pg: pg.click("#btn-next"))
        said = pg.text_content("#announce")
        cell = pg.eval_on_selector(".outputs .matrix tbody td", "td => td.textContent")
        assert said == words + cell
        swapped(pg, lambda pg=pg: pg.click("#btn-forward"))
        assert "J" in pg.text_content("#announce")
        loss = pg.text_content("#loss [data-value]")
        assert pg.text_content("#announce").endswith(loss)
        # A training run: no sentence per chunk, one where it ends.
        pg.click("#train-10")
        pg.wait_for_function("() => document.querySelector('#training').dataset.completed === '10'"
                             " && !document.querySelector('button.train-n[disabled]')")
        settled(pg)
        said = pg.text_content("#announce")
        iteration = pg.eval_on_selector("#stage", "el => el.dataset.iteration")
        expected = (f"Update done: W and b of every layer changed (iteration {iteration}, "
                    "loss J = " if lang == "en" else
                    f"更新完成:各层的 W 和 b 已改变(第 {iteration} 次迭代,损失 J = ")
        assert said.startswith(expected), said


@pytest.mark.parametrize("preset", ["softmax", "deep"])
def test_no_axe_violations_with_wide_tables_on_a_phone(new_page, preset):
    """Tables wider than a phone (12 examples, 8 hidden units) scroll sideways: they must be
    reachable from the keyboard too, and the log scale's colours readable."""
    pg = new_page(width=390, height=844)
    pg.goto(pg.server + f"/?preset={preset}&lang=zh")
    found = {}
    pg.click("#btn-forward")
    at_step(pg, "J")
    found["forward"] = axe_violations(pg)
    pg.click("#btn-backward")
    at_step(pg, "db1")
    swapped(pg, lambda: pg.select_option("#scale-select", "log"))
    swapped(pg, lambda: pg.click("g.neuron[data-layer='1'][data-index='0']"))
    pg.click("#neuron details.incoming summary")
    found["backward-log"] = axe_violations(pg)
    shot(pg, f"{preset}-390-backward-log")
    bad = {state: v for state, v in found.items() if v}
    assert bad == {}, "\n".join(f"[{s}] {line}" for s, lines in bad.items() for line in lines)


@pytest.mark.parametrize("lang,width,dark", [
    ("en", 1280, False), ("zh", 390, False), ("en", 1280, True),
], ids=["en", "zh-phone", "en-dark"])
def test_no_axe_violations_in_the_notes_views(new_page, lang, width, dark):
    """Per-example mode (an example's steps, its outer product and sums, the rest and the
    average), the UFLDL overlay and the computation graph panel."""
    pg = new_page(width=width, height=844 if width < 500 else 900, dark=dark)
    pg.goto(pg.server + f"/?preset=ufldl_per_example&lang={lang}")
    found = {}
    pg.click("#btn-forward")
    at_step(pg, "L@0")
    found["example-forward"] = axe_violations(pg)
    pg.click("#btn-backward")
    at_step(pg, "SW1@0")
    pg.click("#ufldl-switch")  # the browser's own switch: no request
    pg.wait_for_selector("html.ufldl #ufldl-overlay")
    found["example-backward-ufldl"] = axe_violations(pg)
    pg.click("#btn-graph")
    pg.wait_for_selector("#graph-panel svg")
    settled(pg)
    found["graph"] = axe_violations(pg)
    pg.click("#btn-update")
    at_step(pg, "update")
    found["update"] = axe_violations(pg)
    shot(pg, f"notes-{lang}-{width}{'-dark' if dark else ''}")
    assert len(found) == 4
    bad = {state: v for state, v in found.items() if v}
    assert bad == {}, "\n".join(f"[{s}] {line}" for s, lines in bad.items() for line in lines)
