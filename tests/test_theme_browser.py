"""Colour themes in Chromium: the dark theme follows the system, the header's switch overrides it
(and the server renders the choice, so no page starts in the other theme), forced colours keep
the drawing's labels and the current step readable, and /docs's overridden colours read.

Contrast is computed here from the computed styles (WCAG 2.x relative luminance)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# For every element that holds text of its own: its colour, the first opaque background
# behind it, its selector-ish name. SVG text uses its fill against the box behind the <svg>.
TEXT_COLOURS = """(root) => {
  const parse = (c) => {
    const m = (c.match(/[\\d.]+/g) || ['0', '0', '0', '0']).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, [r, g, b]) => {  // a translucent colour laid over an opaque one
    const a = top[3];
    return [top[0] * a + r * (1 - a), top[1] * a + g * (1 - a), top[2] * a + b * (1 - a)];
  };
  const behind = (el) => {  // the backgrounds down to the first opaque one, composited
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = [255, 255, 255];  // the canvas of a page that sets no background
    while (layers.length) base = over(layers.pop(), base);
    return base;
  };
  const css = ([r, g, b]) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || el.closest('[hidden]'))
      continue;
    if (el.closest('.katex, .matrix td, .gc-grid td, .neuron, .plot, option')) continue;
    const svg = el instanceof SVGElement;
    out.push({name: el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
                ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''),
              text: el.textContent.trim().slice(0, 30),
              ...(() => {
                const bg = behind(svg ? el.ownerSVGElement || el : el);
                return {fg: css(over(parse(svg ? style.fill : style.color), bg)), bg: css(bg)};
              })(),
              disabled: !!el.closest(':disabled')});
  }
  return out;
}"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    assert len(parts) == 3, css
    return parts[0], parts[1], parts[2]


def luminance(css: str) -> float:
    def channel(c: float) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def failures(page, root: str = "body", skip: str = "^$") -> list[str]:
    """Texts below 4.5:1 on their background (disabled controls are exempt in WCAG), but
    those whose name matches `skip`."""
    found = page.eval_on_selector(root, TEXT_COLOURS)
    assert len(found) > 20, found
    return [f"{t['name']} {t['text']!r}: {t['fg']} on {t['bg']} = {contrast(t['fg'], t['bg']):.2f}"
            for t in found if not t["disabled"] and contrast(t["fg"], t["bg"]) < 4.5
            and not re.search(skip, t["name"])]


def background(page) -> str:
    """The page's background (on <html>: the body is transparent), which must be opaque."""
    colour = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert colour.startswith("rgb("), colour
    return colour


def settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


def open_mid_step(page, url: str, lang: str = "en") -> None:
    """The page in the backward pass of a network with two hidden layers, after 10 iterations
    (charts drawn)."""
    page.goto(f"{url}/?lang={lang}&preset=two_output")
    page.click("button[data-train='10']")
    page.wait_for_function("() => document.querySelector('#training').dataset.completed === '10'")
    page.wait_for_selector("#train-progress", state="hidden")
    page.click("#btn-forward")
    page.wait_for_function("() => document.querySelector('#stage').dataset.step === 'J'")
    page.click("#btn-next")
    settle(page)
    page.wait_for_selector("#stage .katex")


@pytest.fixture
def context_of(browser):
    made = []

    def make(**options):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_dark_system_gets_the_dark_theme_with_readable_text(server, context_of, lang):
    page = context_of(color_scheme="dark").new_page()
    open_mid_step(page, server, lang)
    assert luminance(background(page)) < 0.02  # dark, not the light page
    assert page.get_attribute("html", "data-theme") is None  # following the system
    assert failures(page) == []
    # The charts' axis labels and the drawing's layer labels (SVG fills) are in that list;
    # check they were seen at all, so a selector change cannot empty the check.
    seen = {t["name"] for t in page.eval_on_selector("body", TEXT_COLOURS)}
    assert {"text", "tspan"} & seen and "h2" in seen and "button" in seen


def test_the_light_page_keeps_its_contrast(server, context_of):
    page = context_of(color_scheme="light").new_page()
    open_mid_step(page, server)
    assert luminance(background(page)) > 0.85
    # The light chart keys' own colours (span.s0…s6, the train/test keys) are chosen for
    # contrast with the page's other colour-blind cues, elsewhere; here: everything else.
    assert failures(page, skip=r"^span\.(s\d|key)") == []


def test_the_switch_overrides_the_system_by_keyboard_and_is_remembered(server, context_of):
    context = context_of(color_scheme="dark")
    page = context.new_page()
    page.goto(server + "/?lang=en")
    buttons = page.locator("[data-theme-choice]")
    assert buttons.all_inner_texts() == ["System", "Light", "Dark"]
    assert page.get_attribute("[data-theme-choice=system]", "aria-pressed") == "true"
    page.focus("[data-theme-choice=light]")
    page.keyboard.press("Enter")
    assert page.get_attribute("html", "data-theme") == "light"
    assert luminance(background(page)) > 0.85
    assert [b.get_attribute("aria-pressed") for b in buttons.all()] == ["false", "true", "false"]
    assert {c["name"]: c["value"] for c in context.cookies()}["bs_theme"] == "light"
    # The next page comes light from the server: no script needed, nothing to flash.
    html = page.request.get(server + "/").text()
    assert re.search(r'<html lang="en" data-theme="light">', html)
    no_script = context_of(color_scheme="dark", java_script_enabled=False)
    no_script.add_cookies([{"name": "bs_theme", "value": "light", "url": server}])
    bare = no_script.new_page()
    bare.goto(server + "/?lang=en")
    assert luminance(background(bare)) > 0.85
    # Space works too; System goes back to the system's dark and forgets the choice.
    page.reload()
    page.focus("[data-theme-choice=system]")
    page.keyboard.press("Space")
    assert page.get_attribute("html", "data-theme") is None
    assert luminance(background(page)) < 0.02
    assert "bs_theme" not in {c["name"] for c in context.cookies()}


def test_dark_on_a_light_system_and_the_switch_in_chinese(server, context_of):
    page = context_of(color_scheme="light").new_page()
    page.goto(server + "/?lang=zh")
    group = page.locator("[data-theme-switch]")
    assert group.get_attribute("aria-label") == "配色"
    assert group.locator("button").all_inner_texts() == ["跟随系统", "浅色", "深色"]
    page.click("[data-theme-choice=dark]")
    assert luminance(background(page)) < 0.02
    page.reload()
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.get_attribute("[data-theme-choice=dark]", "aria-pressed") == "true"


@pytest.mark.parametrize("scheme,chosen", [("light", None), ("dark", None), ("dark", "light")])
def test_forced_colours_keep_layer_labels_and_the_current_step_apart(server, context_of,
                                                                     scheme, chosen):
    """A dark high-contrast theme paints Canvas black; SVG fills are not forced, so without
    the forced-colours rules the labels stay dark (the light theme chosen on the switch)."""
    context = context_of(forced_colors="active", color_scheme=scheme)
    if chosen:
        context.add_cookies([{"name": "bs_theme", "value": chosen, "url": server}])
    page = context.new_page()
    open_mid_step(page, server)
    labels = page.eval_on_selector_all(
        ".layer-label text", "els => els.map(e => [getComputedStyle(e).fill, "
        "getComputedStyle(e.closest('.panel')).backgroundColor])")
    assert len(labels) >= 8
    for fill, panel in labels:
        assert contrast(fill, panel) >= 4.5, (fill, panel)
    style = ("el => { const s = getComputedStyle(el); return [s.borderTopStyle, "
             "s.borderTopWidth, s.outlineStyle, s.fontWeight]; }")
    current = page.eval_on_selector(".timeline li.current button", style)
    done = page.eval_on_selector(".timeline li.done button", style)
    todo = page.eval_on_selector(".timeline li.todo button", style)
    assert current[0] == "double" and current[2] == "solid", current
    assert done[0] == "solid" and done[2] == "none", done
    assert todo[0] == "dashed", todo
    assert failures(page) == []


def test_docs_page_overridden_colours_have_contrast(server, context_of):
    page = context_of().new_page()
    page.goto(server + "/docs")
    assert page.get_attribute("html", "lang") == "en"
    page.wait_for_selector(".opblock-summary-control")
    # Every operation and schema opened, as a reader going through it would.
    page.eval_on_selector_all(".opblock-summary-control", "els => els.forEach(e => e.click())")
    page.wait_for_selector(".opblock-body .parameter__in")
    page.eval_on_selector_all(".json-schema-2020-12-expand-deep-button",
                              "els => els.forEach(e => e.click())")
    page.eval_on_selector_all(".try-out__btn", "els => els.forEach(e => e.click())")
    page.wait_for_selector(".btn.execute")
    methods = page.eval_on_selector_all(
        ".opblock-summary-method", "els => els.map(e => [getComputedStyle(e).color, "
        "getComputedStyle(e).backgroundColor])")
    assert len(methods) >= 10
    assert failures(page) == []
    # Nothing focusable inside an operation's expand button (a control inside a control).
    inside = ", ".join(f".opblock-summary-control {s}" for s in ("a[href]", "button", "input",
                                                                  "[tabindex]"))
    assert page.locator(inside).count() == 0
    assert page.locator(".opblock-summary-control").count() >= 10
    # Every form control of Try it out has a name (static/docs.js): the parameter's, or
    # "Request body" for the body's editor.
    names = page.eval_on_selector_all(
        "#swagger-ui input, #swagger-ui select, #swagger-ui textarea",
        "els => els.map(e => e.getAttribute('aria-label') || (e.labels[0] || {}).textContent)")
    assert len(names) >= 10 and all(names), names
    assert "Request body" in names and "session_id" in names and "move" in names
