"""Neuron labels stay inside their circles, clear of the edges that end on the border."""

from __future__ import annotations

import math
import re

import numpy as np
from bs4 import BeautifulSoup

from app.presets import PRESETS
from app.sessions import ViewSettings, build_stepper
from app.views.i18n import translator
from app.views.network import (
    LABEL_FONT_PX,
    RADIUS,
    label_font_px,
    label_width_px,
    network_view,
    neuron_label,
)


def test_every_label_fits_inside_a_circle():
    values = [0.0, 1.0, -1.0, 0.5, -0.126, 12.3, -999.0, -5.4e-5, 5.4e-5, -1.2e-10, 3.3e100,
              -3.3e-100, -0.02, float("inf"), float("-inf"), float("nan")]
    values += list(np.geomspace(1e-12, 1e12, 97) * np.resize([1, -1], 97))
    for v in values:
        label = neuron_label(v)
        font = label_font_px(label)
        # The text box (about 1.2 em tall) must lie inside the circle: its corners too.
        half_w, half_h = label_width_px(label) / 2, 0.6 * font
        assert math.hypot(half_w, half_h) <= RADIUS - 1, (v, label, font)
        assert font >= 7, (v, label, font)  # still readable


def test_short_labels_keep_the_usual_font_and_long_ones_get_a_smaller_one():
    assert label_font_px("0.126") == LABEL_FONT_PX
    assert label_font_px("−5.4e−5") < LABEL_FONT_PX
    assert label_width_px("−5.4e−5") <= 2 * RADIUS - 6


def test_the_deep_networks_deltas_are_drawn_with_the_font_that_fits():
    stepper, _ = build_stepper(PRESETS["vanishing"].session_config())
    stepper.forward()
    stepper.backward()
    view = network_view(stepper, ViewSettings(), translator("en"))
    assert view["delta_mode"]
    html = BeautifulSoup(str(view["svg"]), "html.parser")
    texts = html.select("g.neuron text")
    assert texts
    small = 0
    for text in texts:
        label = text.text
        style = text.get("style", "")
        font = float(re.search(r"font-size:([\d.]+)px", style).group(1)) if style else LABEL_FONT_PX
        assert font == label_font_px(label)
        assert len(label) * 0.62 * font <= 2 * RADIUS - 6
        small += bool(style)
    assert small  # tiny deltas (…e−5) are there, and got the smaller font
