"""The training panel's charts as markup: the array-built text and PNGs say exactly what a
point-by-point build would, and the rendered panel holds one element per example, vertex and map."""

from __future__ import annotations

import base64
import json
import math
import struct
import zlib

import numpy as np
import orjson
import pytest
from bs4 import BeautifulSoup

from app.engine.evaluate import forward, grid, predicted_classes
from app.schemas import SessionConfig
from app.sessions import build_stepper
from app.views.cache import RenderCache
from app.views.charts import (
    CLASS_COLORS,
    MAX_POINTS,
    _downsample,
    _hover_json,
    boundary_view,
    diverging_image,
    format_pairs,
    line_chart,
    polyline_points,
    regression_view,
)
from app.views.i18n import strings, translator
from app.views.palette import Scale
from app.views.training import training_view


def stepper_for(**config):
    stepper, _ = build_stepper(SessionConfig(**config))
    return stepper


def png(uri: str) -> np.ndarray:
    """A data: URI PNG (8-bit RGB, filter 0 rows) decoded to an (h, w, 3) array, chunk by
    chunk with their lengths and CRCs."""
    data = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (size,) = struct.unpack(">I", data[at:at + 4])
        body = data[at + 4:at + 8 + size]
        assert struct.unpack(">I", data[at + 8 + size:at + 12 + size])[0] == zlib.crc32(body)
        chunks.append((body[:4], body[4:]))
        at += 12 + size
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, kind = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (depth, kind) == (8, 2)
    rows = np.frombuffer(zlib.decompress(chunks[1][1]), np.uint8).reshape(height, 1 + 3 * width)
    assert not rows[:, 0].any()  # every row unfiltered
    return rows[:, 1:].reshape(height, width, 3)


def palette_image(values: np.ndarray, scale: Scale) -> np.ndarray:
    """The colours the palette's own lookup (Scale.colors) gives, as an (…, 3) array."""
    fills, _ = scale.colors(values)
    return np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in fills],
                    np.uint8).reshape(*np.shape(values), 3)


def render_panel(stepper) -> BeautifulSoup:
    from app.main import create_app

    templates = create_app().state.templates
    html = templates.get_template("_training.html").render(
        training=training_view(stepper, RenderCache()), sid="x", T=strings("en"),
        t=translator("en"), version="v")
    return BeautifulSoup(html, "html.parser")


# -- number text ---------------------------------------------------------------------------
def test_format_pairs_writes_what_an_f_string_writes():
    def reference(xs, ys):
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))

    rng = np.random.default_rng(3)
    tricky = [0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.75, 1.05, 2.675, 12.25, 47.95, 99.95,
              159.99999999999997, 312.05, 9.95, 999.85, 999.8999, 5e-324, 0.04999999999999999]
    values = np.concatenate([tricky, rng.uniform(0, 999.9, 5000),
                             np.round(rng.uniform(0, 400, 2000), 2),
                             np.round(rng.uniform(0, 400, 2000), 1) + 0.05])
    ys = values[::-1].copy()
    assert format_pairs(values, ys) == reference(values, ys)
    for m in range(1, 70):  # short and long paths, every length
        assert format_pairs(values[:m], ys[:m]) == reference(values[:m], ys[:m])
    # Outside the range of the table (negative, large, not finite): Python writes it all.
    for odd in (-0.04, 999.95, 123456.78, math.nan, math.inf, -0.0):
        xs = values[:40].copy()
        xs[7] = odd
        assert format_pairs(xs, ys[:40]) == reference(xs, ys[:40])
    assert format_pairs([], []) == ""


@pytest.mark.parametrize("counts", [[40, 0, 25, 1], [0, 40, 0], [3, 4], [0], [100, 100, 100]])
def test_polyline_points_splits_runs_as_drawn(counts):
    rng = np.random.default_rng(sum(counts))
    xs, ys = rng.uniform(0, 320, sum(counts)), rng.uniform(0, 180, sum(counts))
    bounds = np.cumsum([0, *counts])
    assert polyline_points(xs, ys, counts) == [
        " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[a:b], ys[a:b], strict=True))
        for a, b in zip(bounds, bounds[1:], strict=False)]


# -- line charts ---------------------------------------------------------------------------
def downsample_reference(first: list[float]) -> list[int]:
    """The bucket extremes picked one bucket at a time (the rule _downsample follows)."""
    n = len(first)
    if n <= MAX_POINTS:
        return list(range(n))
    rows = []
    step = n / (MAX_POINTS / 2)
    for b in range(int(MAX_POINTS / 2)):
        lo, hi = int(b * step), min(n, int((b + 1) * step))
        part = first[lo:hi]
        rows += sorted({lo + int(np.argmin(part)), lo + int(np.argmax(part))})
    return rows


@pytest.mark.parametrize("n", [1, 400, 401, 997, 3001, 10_000, 12_345])
def test_downsampling_keeps_each_buckets_first_extremes(n):
    rng = np.random.default_rng(n)
    values = rng.normal(size=n).round(1)  # rounded: ties, whose first one must be kept
    values[rng.integers(0, n, size=max(1, n // 50))] = math.nan  # NaN wins, as in argmin
    values[rng.integers(0, n, size=3)] = math.inf
    assert _downsample(values).tolist() == downsample_reference(values.tolist())


def test_loss_path_has_a_vertex_per_iteration_and_hover_gives_the_recorded_values():
    s = stepper_for(layers=[2, 5, 1], activations=["tanh", "sigmoid"], dataset="moons",
                    samples=80, test_ratio=0.25)
    s.train(37)
    chart = line_chart({"train": s.losses, "test": s.metrics["test_loss"]})
    hover = json.loads(chart["hover"])
    assert hover["n"] == 37 and hover["names"] == ["train", "test"]
    assert [r[0] for r in hover["rows"]] == list(range(1, 38))
    assert [r[1] for r in hover["rows"]] == s.losses
    assert [r[2] for r in hover["rows"]] == s.metrics["test_loss"]
    for line in chart["lines"]:
        vertices = [tuple(map(float, p.split(","))) for p in line["points"].split(" ")]
        assert len(vertices) == 37
        xs = [x for x, _ in vertices]
        assert xs[0] == 48.0 and xs[-1] == 312.0 and xs == sorted(xs)
        assert all(8.0 <= y <= 158.0 for _, y in vertices)


def test_each_series_ends_in_a_dot_so_one_iteration_is_visible():
    """After one iteration a loss curve is a single point: a polyline draws nothing there, so
    each series' latest point is marked with a dot at that point's place."""
    one = BeautifulSoup(str(line_chart({"train": [0.7], "test": [0.9]})["svg"]), "html.parser")
    dots = one.select(".end")
    assert [d["class"] for d in dots] == [["end", "s0"], ["end", "s1"]]
    # Told apart by shape as well as colour: a circle, then a square (x, y its corner).
    assert [d.name for d in dots] == ["circle", "rect"]
    assert float(dots[0]["cx"]) == 48.0 and float(dots[1]["x"]) + 3 == 48.0  # iteration 1
    assert float(dots[0]["cy"]) > float(dots[1]["y"]) + 3  # 0.7 drawn below 0.9
    many = line_chart({"train": [3.0, 2.0, 1.0]})
    last = many["lines"][0]["points"].split(" ")[-1]
    dot = BeautifulSoup(str(many["svg"]), "html.parser").select_one("circle.end")
    assert f'{dot["cx"]},{dot["cy"]}' == last


@pytest.mark.parametrize("n", [10, 100, 1000, 12345])
def test_axis_labels_stay_inside_the_chart(n):
    """A label centred on the right edge would be cut off: it ends there instead (~7 px a digit
    at the charts' 11.5 px)."""
    chart = line_chart({"loss": [1.0 / k for k in range(1, n + 1)]})
    texts = BeautifulSoup(str(chart["svg"]), "html.parser").select("text[text-anchor]")
    assert len(texts) >= 6 and {t["text-anchor"] for t in texts} == {"middle", "end"}
    for text in texts:
        x, half = float(text["x"]), 3.5 * len(text.text)
        if text["text-anchor"] == "middle":
            assert half <= x <= chart["width"] - half, text
        elif text["text-anchor"] == "end":
            assert x <= chart["width"] and x - 2 * half >= 0, text
    last = BeautifulSoup(str(chart["svg"]), "html.parser").select("text[text-anchor]")[-1]
    assert last.text == str(n) or int(last.text) < n


@pytest.mark.parametrize(("k", "r"), [(1, 1), (2, 5), (7, 400)])
def test_hover_json_is_the_rows_written_one_by_one(k, r):
    rng = np.random.default_rng(k * r)
    values = rng.normal(size=(k, r)) * 10.0 ** rng.integers(-20, 20, size=(k, r))
    values[rng.random((k, r)) < 0.1] = math.nan
    iterations = np.sort(rng.choice(10_000, r, replace=False)) + 1
    names = [f"dW[{j}]" for j in range(k - 1)] + ['a "quoted" <name> & \'more\'']
    text = _hover_json(names, iterations, values, 48, 264, 10_000)
    assert text == orjson.dumps({"names": names, "rows": [
        [i, *(None if math.isnan(v) else v for v in row)]
        for i, row in zip(iterations.tolist(), values.T.tolist(), strict=True)],
        "x0": 48, "xw": 264, "n": 10_000}).decode()
    # In the markup the attribute reads back as exactly that text, quotes and all.
    chart = line_chart({name: values[j] for j, name in enumerate(names)})
    svg = BeautifulSoup(str(chart["svg"]), "html.parser").select_one("svg")
    assert svg["data-hover"] == chart["hover"]


def test_long_history_is_drawn_from_its_bucket_extremes():
    losses = list(np.exp(-np.arange(5000) / 700.0) + 0.01 * np.sin(np.arange(5000)))
    losses[2222] = 3.0  # a spike
    chart = line_chart({"train": losses})
    hover = json.loads(chart["hover"])
    vertices = chart["lines"][0]["points"].split(" ")
    assert len(vertices) == len(hover["rows"]) <= MAX_POINTS
    rows = [r[0] - 1 for r in hover["rows"]]
    assert rows == downsample_reference(losses)
    assert 2222 in rows and all(r[1] == losses[r[0] - 1] for r in hover["rows"])
    top = min(float(v.split(",")[1]) for v in vertices)
    assert top == 8.0  # the spike is the highest point of the plot


def test_log_chart_leaves_out_zero_gradients_and_hovers_them_as_null():
    norms = [[0.5, 0.0], [0.25, 0.0], [0.125, 1e-3], [0.0625, math.inf]]
    chart = line_chart({"dW[1]": [g[0] for g in norms], "dW[2]": np.array(norms)[:, 1]},
                       log=True)
    hover = json.loads(chart["hover"])
    assert hover["rows"] == [[1, 0.5, None], [2, 0.25, None], [3, 0.125, 1e-3],
                             [4, 0.0625, None]]
    assert len(chart["lines"][0]["points"].split(" ")) == 4
    assert len(chart["lines"][1]["points"].split(" ")) == 1  # only the finite, positive one
    assert chart["lines"][1]["last"] == "∞"
    assert line_chart({"dW[1]": [0.0, 0.0]}, log=True) is None


# -- the boundary and the maps -------------------------------------------------------------
def test_diverging_image_gives_the_palette_colours():
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.normal(0, 2, 3000), [0.0, -0.0, 5e-324, -5e-324, 3.0, -3.0,
                                                      2.0, -2.0, math.nan, math.inf, -math.inf]])
    for scale in (Scale(1.0), Scale(2.0), Scale(1e-300), Scale.for_values(values)):
        image = diverging_image(values.reshape(1, -1), scale)
        assert image.shape == (1, values.size, 3)
        assert np.array_equal(image[0], palette_image(values, scale))


def test_boundary_images_hold_the_palette_colours_of_the_outputs():
    s = stepper_for(layers=[2, 5, 3, 1], activations=["tanh", "relu", "sigmoid"],
                    dataset="circles", samples=90)
    s.train(20)
    params = s.current_params()
    view = boundary_view(s, params, s.X, predicted_classes(s.Y))
    points, _ = grid(s.X, 56)
    acts = forward(s.spec, params, points)
    main = png(view["src"])
    assert main.shape == (56, 56, 3)
    assert np.array_equal(main, palette_image(2 * acts[-1][0].reshape(56, 56) - 1, Scale(1.0)))
    units = [(1, j) for j in range(5)] + [(2, j) for j in range(3)]
    assert [(h["layer"], h["index"]) for h in view["hidden"]] == units
    for h, (l, j) in zip(view["hidden"], units, strict=True):
        a = acts[l][j].reshape(56, 56)[::2, ::2]  # each map on its own scale
        assert np.array_equal(png(h["src"]), palette_image(a, Scale.for_values(a)))
    maps = BeautifulSoup(str(view["hidden_html"]), "html.parser").select("img")
    assert [m["src"] for m in maps] == [h["src"] for h in view["hidden"]]
    assert [m["title"] for m in maps] == [f"a[{l}]_{j + 1}" for l, j in units]
    assert [m["alt"] for m in maps] == [f"[{l}] #{j + 1}" for l, j in units]


def test_dead_units_get_a_white_map_and_classes_their_colours():
    s = stepper_for(layers=[2, 4, 3], activations=["relu", "softmax"], loss="cross_entropy",
                    dataset="spiral", samples=60, init="he")
    params = dict(s.current_params())
    params["W1"] = params["W1"].copy()
    params["W1"][0] = 0.0
    params["b1"] = params["b1"].copy()
    params["b1"][0] = -1.0  # unit 1 of layer 1: relu(−1) = 0 everywhere
    view = boundary_view(s, params, s.X, predicted_classes(s.Y))
    assert (png(view["hidden"][0]["src"]) == 0xF7).all()
    out = forward(s.spec, params, grid(s.X, 56)[0])[-1]
    image = png(view["src"]).reshape(-1, 3).astype(float)
    for k in (0, 500, 3135):  # a pixel: its class colour, paler the less confident
        c = CLASS_COLORS[int(out[:, k].argmax())]
        base = np.array([int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)], float)
        strength = (out[:, k].max() - 1 / 3) / (1 - 1 / 3)
        assert np.array_equal(image[k], np.floor(247 + (base - 247) * (0.25 + 0.55 * strength)))


def test_panel_draws_every_example_and_a_map_per_shown_unit():
    s = stepper_for(layers=[2, 12, 3, 1], activations=["tanh", "tanh", "sigmoid"],
                    dataset="circles", samples=200, test_ratio=0.2)
    s.train(3)
    html = render_panel(s)
    circles = html.select("#boundary use")
    assert len(circles) == s.X.shape[1] + s.X_test.shape[1] == 200
    train, test = html.select("#boundary use.train"), html.select("#boundary use.test")
    assert len(train) == s.X.shape[1] and len(test) == s.X_test.shape[1]
    labels = predicted_classes(s.Y)
    assert [c["fill"] for c in train] == [CLASS_COLORS[k] for k in labels]
    # The class is a marker shape too (circle, square, …), not only a colour.
    assert [c["href"] for c in train] == [f"#mark-{k % 4}" for k in labels]
    assert {c["href"] for c in train} == {"#mark-0", "#mark-1"}
    assert all(c["fill"] == "none" and c["stroke"] in CLASS_COLORS for c in test)
    assert all(0 <= float(c["x"]) <= 260 for c in circles)
    assert len(html.select("#boundary defs #mark-0, #boundary defs #mark-1")) == 2
    assert len(html.select("#hidden-maps img")) == 8 + 3  # at most 8 per layer
    loss = html.select_one("#loss-chart polyline.series")
    assert len(loss["points"].split(" ")) == 3
    hover = json.loads(html.select_one("#loss-chart svg.line-chart")["data-hover"])
    assert [r[1] for r in hover["rows"]] == s.losses
    assert [p["data-name"] for p in html.select("#grad-chart polyline.series")] == [
        "dW[1]", "dW[2]", "dW[3]"]
    hover = json.loads(html.select_one("#grad-chart svg.line-chart")["data-hover"])
    assert [r[1:] for r in hover["rows"]] == s.metrics["grad_norms"]


def test_data_points_are_made_once_per_data_set():
    s = stepper_for(layers=[2, 4, 1], activations=["tanh", "sigmoid"], dataset="xor")
    cache = RenderCache()
    first = training_view(s, cache)["plot"]
    s.iterate()
    second = training_view(s, cache)["plot"]
    assert second["src"] != first["src"]  # new parameters, new picture…
    assert second["points_svg"] is first["points_svg"]  # …over the same, unchanged data
    assert len(BeautifulSoup(str(first["points_svg"]), "html.parser").select("use")) == 4


def test_regression_panel_draws_its_examples_and_the_fit():
    s = stepper_for(layers=[1, 8, 1], activations=["tanh", "linear"], loss="squared_error",
                    dataset="sine", samples=40, test_ratio=0.25, learning_rate=0.1)
    s.train(5)
    view = regression_view(s, s.current_params(), s.X, s.Y, s.X_test, s.Y_test)
    html = render_panel(s)
    circles = html.select("#fit circle")
    assert len(circles) == len(view["points"]) == 40
    assert [(float(c["cx"]), float(c["cy"])) for c in circles] == [
        (p["x"], p["y"]) for p in view["points"]]
    assert len(html.select("#fit circle.test")) == s.X_test.shape[1]
    assert len(html.select_one("#fit polyline")["points"].split(" ")) == 120
