"""Every coloured number is readable: the text colour the palette picks for each fill has a WCAG
contrast ratio of at least 4.5:1 with it, on the linear and the log scale, and the colours the
page draws charts and focus rings with stand out from the page (3:1 for graphics)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from app.views.charts import CLASS_COLORS, SERIES_COLORS
from app.views.palette import NEGATIVE_LUT, POSITIVE_LUT, Scale, contrast, text_on

CSS = (Path(__file__).resolve().parents[1] / "static" / "app.css").read_text()


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The measured failures: white on these mid-tones.
    assert contrast("#ffffff", "#e18316") == pytest.approx(2.82, abs=0.01)
    assert contrast("#ffffff", "#4c99c6") == pytest.approx(3.14, abs=0.01)
    assert contrast("#f1a340", "#ffffff") == pytest.approx(2.09, abs=0.01)


def test_the_mid_tones_that_failed_now_get_black_text():
    assert text_on("#e18316") == "#000000"
    assert text_on("#4c99c6") == "#000000"
    assert text_on("#2166ac") == "#ffffff"


def test_every_palette_fill_contrasts_with_its_text():
    ratios = [contrast(fill, text) for lut in (POSITIVE_LUT, NEGATIVE_LUT)
              for fill, text in zip(*lut, strict=True)]
    assert len(ratios) == 2 * 201
    assert min(ratios) >= 4.5


@pytest.mark.parametrize("log", [False, True], ids=["linear", "log"])
def test_every_value_on_a_scale_gets_readable_text(log):
    """Values spread over the whole range of a scale (and beyond it, and tiny ones)."""
    vmax = 3.7
    values = np.concatenate([np.linspace(-vmax, vmax, 2001),
                             np.sign(np.linspace(-1, 1, 401)) * np.logspace(-8, 0.6, 401),
                             [0.0, 10 * vmax, -10 * vmax]])
    fills, texts = Scale(vmax, log).colors(values)
    assert len(set(fills)) > 200  # the whole palette is exercised
    worst = min(contrast(f, t) for f, t in zip(fills, texts, strict=True))
    assert worst >= 4.5, worst


def test_chart_series_and_class_colours_stand_out_on_white():
    # Lines and markers are graphics (3:1, WCAG 1.4.11); their names are printed in the ink.
    for colour in SERIES_COLORS:
        assert contrast(colour, "#ffffff") >= 3.0, colour
    for colour in CLASS_COLORS[:8]:
        assert contrast(colour, "#ffffff") >= 3.0, colour


def test_focus_ring_contrasts_with_the_page():
    ring = re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid var\(--focus\)", CSS)
    assert ring, "one focus ring for every control"
    focus = re.search(r"--focus:\s*(#[0-9a-f]{6})", CSS).group(1)
    for background in ("#ffffff", "#f3f5f8"):
        assert contrast(focus, background) >= 3.0
