"""Runs side by side in a real Chromium: the two classic comparisons (zero vs Xavier
initialisation, α too large vs just right), pinned with the button and rebuilt by a link; both
runs' curves on the same axes, the compare view, no axe violations; both languages, a phone's
width and the dark theme. Screenshots go to tests/artifacts."""

from __future__ import annotations

import json

import pytest
from browsing import settled, shot, swapped, visitor
from test_a11y_browser import _ratio, axe_violations

pytestmark = pytest.mark.browser

XOR = "layers=2,4,1&activations=tanh,sigmoid&loss=binary_cross_entropy&dataset=xor"


def train(pg, n: int, total: int) -> None:
    pg.click(f"button[data-train='{n}']")
    pg.wait_for_function(f"() => document.querySelector('#training').dataset.completed === "
                         f"'{total}' && document.querySelector('#train-progress').hidden")
    settled(pg)


def curves(pg) -> dict:
    """The loss chart's series: name → (run, its values) from the chart's own hover data."""
    hover = json.loads(pg.get_attribute("#loss-chart svg.line-chart", "data-hover"))
    runs = pg.eval_on_selector_all("#loss-chart polyline.series",
                                   "els => els.map(e => [e.dataset.name, e.dataset.run])")
    return {name: (run, [row[1 + k] for row in hover["rows"]])
            for k, (name, run) in enumerate(runs)}


COMPARISONS = {
    "init": ("init=zeros", "init=xavier", ("init zeros", "init Xavier"),
             ("初始化 全零", "初始化 Xavier")),
    "alpha": ("learning_rate=40", "learning_rate=0.5", ("α 40", "α 0.5"),
              ("学习速率 α 40", "学习速率 α 0.5")),
}


@pytest.mark.parametrize("comparison,lang,width,dark", [
    ("init", "en", 1280, False), ("init", "zh", 390, False), ("alpha", "en", 390, True),
    ("alpha", "zh", 1280, True),
], ids=["init-en", "init-zh-phone", "alpha-en-phone-dark", "alpha-zh-dark"])
def test_two_runs_side_by_side(browser, server, comparison, lang, width, dark):
    first, second, names_en, names_zh = COMPARISONS[comparison]
    pinned_what, current_what = names_en if lang == "en" else names_zh
    pinned_word, current_word = ("pinned", "current") if lang == "en" else ("已固定", "当前")
    with visitor(browser, server, viewport={"width": width, "height": 900},
                 color_scheme="dark" if dark else "light") as pg:
        pg.goto(f"{server}/?{XOR}&{first}&lang={lang}")
        train(pg, 100, 100)
        swapped(pg, lambda: pg.click("#btn-pin"))
        assert pg.is_visible("#pinned-note") and pg.is_visible("#btn-unpin")
        pg.goto(f"{server}/?{XOR}&{second}&lang={lang}")  # a new network: the pin stays
        train(pg, 10, 10)
        series = curves(pg)
        pinned = f"{pinned_word} ({pinned_what})"
        current = f"{current_word} ({current_what})"
        assert list(series) == [current, pinned]
        assert series[pinned][0] == "pinned" and series[current][0] == "current"
        assert len(series[pinned][1]) == 100 and series[current][1][10:] == [None] * 90
        if comparison == "init":  # zero init stays at ln 2; Xavier moves off it
            assert all(abs(v - 0.6931471805599453) < 1e-12 for v in series[pinned][1])
            assert series[current][1][9] < 0.69
        else:  # α = 40 has jumped about; α = 0.5 goes down step by step
            assert max(series[pinned][1]) > 1.5 * min(series[pinned][1])
            values = series[current][1][:10]
            assert all(b < a for a, b in zip(values, values[1:], strict=False))
        # The compare view: both runs' planes after 10 updates, side by side (stacked on a phone).
        pg.locator("#compare").scroll_into_view_if_needed()
        boxes = [pg.locator(f"#compare-{side} svg").bounding_box()
                 for side in ("pinned", "current")]
        assert all(b["width"] > 150 for b in boxes)
        if width < 500:
            assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1
            assert pg.evaluate("document.documentElement.scrollWidth") <= width
        else:
            assert abs(boxes[1]["y"] - boxes[0]["y"]) < 1
        assert "10" in pg.inner_text("#compare h3")
        pg.eval_on_selector_all("details.chart-data", "els => els.forEach(d => d.open = true)")
        label = f"pinned-{comparison}-{lang}-{width}{'-dark' if dark else ''}"
        shot(pg, label)
        assert axe_violations(pg) == []
        # Each run's lines stand out from the chart's background (3:1), the legend's names
        # from the panel (4.5:1), as the browser paints them in this theme.
        colours = pg.evaluate("""() => {
            const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
            return {chart: css('#loss-chart .frame', 'fill'),
                    panel: css('#training', 'backgroundColor'),
                    key: css('#loss-chart .keys .key', 'color'),
                    lines: [...document.querySelectorAll('#loss-chart polyline.series')]
                           .map(e => getComputedStyle(e).stroke)};
        }""")
        assert len(colours["lines"]) == 2 and colours["lines"][0] != colours["lines"][1]
        assert all(_ratio(line, colours["chart"]) >= 3 for line in colours["lines"]), colours
        assert _ratio(colours["key"], colours["panel"]) >= 4.5, colours
        swapped(pg, lambda: pg.click("#btn-unpin"))
        assert pg.locator("#loss-chart polyline.series").count() == 1
        assert pg.locator("#compare").count() == 0
