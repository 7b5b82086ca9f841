"""The gradient-check fragment and the tools partial (_tools.html), checked by CSS selector."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import soup

from app.views.i18n import TEXT, strings

VERDICT_WORDS = {lang: {TEXT[f"gc_{v}"][lang] for v in ("ok", "check", "wrong")}
                 for lang in ("en", "zh")}


def new_session(client, **config) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text[:500]
    return response.json()["id"]


def gradcheck_fragment(client, sid: str, lang: str = "en") -> BeautifulSoup:
    client.cookies.set("bs_lang", lang)
    return soup(client.post(f"/ui/{sid}/gradcheck"))


def test_gradcheck_table_has_a_row_per_parameter_with_verdict_text(client):
    sid = new_session(client, layers=[2, 3, 3, 1], activations=["tanh", "relu", "sigmoid"],
                      dataset="moons", samples=20, seed=3)
    html = gradcheck_fragment(client, sid)
    rows = html.select("table.gc-table tbody tr")
    assert [r["data-param"] for r in rows] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    shapes = {"W1": "3×2", "b1": "3×1", "W2": "3×3", "b2": "3×1", "W3": "1×3", "b3": "1×1"}
    for row in rows:
        name = row["data-param"]
        assert row.select_one("th .sym").get_text() == name
        assert shapes[name] in row.select_one("th .shape").get_text()
        error = row.select_one("td.gc-error")
        assert "e−" in error.get_text() or error.get_text() == "0"  # scientific notation
        assert float(error["data-value"]) < 1e-7
        verdict = row.select_one("td.gc-verdict")
        # Colour and text together: the class says ok/check/wrong, and so does the cell's text.
        assert "gc-ok" in verdict["class"] and "gc-ok" in error["class"]
        assert verdict.get_text(strip=True).endswith("ok")
        assert verdict.get_text(strip=True).split()[-1] in VERDICT_WORDS["en"]
    total = html.select_one("table.gc-table tfoot tr.gc-total")
    assert total.select_one("td.gc-verdict").get_text(strip=True).endswith("ok")
    assert html.select_one(".gc-badge.gc-ok").get_text(strip=True).endswith("ok")
    # The sentence saying what is compared.
    assert "(J(θ+h) − J(θ−h)) / 2h" in html.select_one(".gc-explain").get_text()
    # One grid per parameter, one cell per entry, each with a glyph and a title.
    grids = html.select("figure.gc-grid")
    assert [g["data-param"] for g in grids] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    w1_cells = grids[0].select("td")
    assert len(grids[0].select("tr")) == 3 and len(w1_cells) == 6
    for cell in w1_cells:
        assert cell.get_text() == "✓" and "gc-ok" in cell["class"]
        assert cell["title"].startswith("W1[") and "backprop" in cell["title"]


def test_grids_are_capped_at_16_by_16(client):
    sid = new_session(client, layers=[20, 18, 1], activations=["tanh", "sigmoid"],
                      dataset="random", samples=4)
    html = gradcheck_fragment(client, sid)
    w1 = html.select_one('figure.gc-grid[data-param="W1"]')  # 18×20
    assert len(w1.select("tr")) == 16
    assert all(len(tr.select("td")) == 16 for tr in w1.select("tr"))
    assert "16×16 of 18×20" in w1.select_one("figcaption").get_text()
    b1 = html.select_one('figure.gc-grid[data-param="b1"]')  # 18×1
    assert len(b1.select("td")) == 16
    w2 = html.select_one('figure.gc-grid[data-param="W2"]')  # 1×18
    assert len(w2.select("td")) == 16


def test_zero_gradient_entries_are_ok_with_their_reason(client):
    sid = new_session(client, layers=[2, 3, 1], activations=["sigmoid", "sigmoid"],
                      init="zeros", dataset="xor")
    html = gradcheck_fragment(client, sid)
    w2 = html.select_one('tr[data-param="W2"]')
    assert float(w2.select_one("td.gc-error")["data-value"]) > 0.5  # |g − n| / (|g| + |n|) = 1
    assert w2["data-verdict"] == "ok"  # …but g = 0 and |n| is below the resolution
    assert "rounding noise" in html.select_one(".gc-legend").get_text()


def test_gradcheck_fragment_in_chinese(client):
    sid = new_session(client, dataset="xor")
    html = gradcheck_fragment(client, sid, "zh")
    assert html.select_one("table.gc-table thead th").get_text() == "参数"
    cells = html.select("table.gc-table tbody td.gc-verdict")
    assert len(cells) == 4  # W1, b1, W2, b2
    for cell in cells:
        assert cell.get_text(strip=True).split()[-1] in VERDICT_WORDS["zh"]
    assert "数值梯度" in html.select_one(".gc-explain").get_text()


def test_gradcheck_fragment_over_the_limit_is_an_alert(client):
    sid = new_session(client, layers=[64, 32, 32, 32, 32, 32, 32, 16],
                      activations=["tanh"] * 6 + ["softmax"], loss="cross_entropy",
                      dataset="random", samples=300)
    html = gradcheck_fragment(client, sid)
    alert = html.select_one('p.error[role="alert"]')
    assert alert is not None and "limit of 2 s" in alert.get_text()
    assert html.select_one("table.gc-table") is None


def test_gradcheck_fragment_of_an_expired_session(client):
    response = client.post("/ui/gone/gradcheck")
    assert response.status_code == 404 and response.headers.get("HX-Refresh") == "true"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tools_partial_renders(app, lang):
    T = strings(lang)
    html = BeautifulSoup(app.state.templates.get_template("_tools.html").render(
        sid="abc123", T=T, lang=lang), "html.parser")
    tools = html.select_one("section#tools.panel.tools")
    assert tools is not None and tools.select_one("h2").get_text() == T["tools_title"]

    button = html.select_one("#btn-gradcheck")
    assert button.get_text(strip=True) == T["gc_button"]
    assert button["hx-post"] == "/ui/abc123/gradcheck"
    assert button["hx-target"] == "#gradcheck" and button["hx-swap"] == "innerHTML"
    target = html.select_one("div#gradcheck")
    assert target is not None and target.get_text(strip=True) == ""

    json_link, py_link = html.select_one("a#export-json"), html.select_one("a#export-py")
    assert json_link["href"] == "/api/sessions/abc123/export" and json_link.has_attr("download")
    assert py_link["href"] == "/api/sessions/abc123/export.py" and py_link.has_attr("download")
    assert py_link["download"].endswith(".py") and json_link["download"].endswith(".json")

    form = html.select_one("form.import-form")
    assert form["hx-post"] == "/ui/import" and form["hx-encoding"] == "multipart/form-data"
    assert form["hx-target"] == "#import-error" and html.select_one("div#import-error")
    file_input = form.select_one('input[type="file"][name="file"]')
    assert {".json", ".csv"} <= set(file_input["accept"].split(","))
    assert form.select_one('input[name="layers"]') and form.select_one('input[name="activations"]')
    options = [o["value"] for o in form.select('select[name="loss"] option')]
    assert set(options) == {"binary_cross_entropy", "cross_entropy", "squared_error"}
    assert form.select_one('button[type="submit"]').get_text(strip=True) == T["import_button"]
    assert not html.select("script"), "no inline script"


def test_tools_partial_actions_work_for_a_real_session(client, app):
    """Every URL in the partial answers for a real session."""
    sid = new_session(client, dataset="xor")
    html = BeautifulSoup(app.state.templates.get_template("_tools.html").render(
        sid=sid, T=strings("en"), lang="en"), "html.parser")
    # The button's fragment: a row per parameter with the API's own numbers and verdicts, a
    # grid cell per entry of W1 with its verdict's glyph.
    fragment = soup(client.post(html.select_one("#btn-gradcheck")["hx-post"]))
    report = client.post(f"/api/sessions/{sid}/gradcheck").json()
    rows = fragment.select("table.gc-table tbody tr")
    assert [r["data-param"] for r in rows] == list(report["parameters"]) == [
        "W1", "b1", "W2", "b2"]
    for row in rows:
        p = report["parameters"][row["data-param"]]
        assert float(row.select_one("td.gc-error")["data-value"]) == p["relative_error"] < 1e-7
        assert row["data-verdict"] == p["verdict"] == "ok"
    overall = fragment.select_one(".gc-overall-error")
    assert float(overall["data-value"]) == report["relative_error"]
    cells = fragment.select('figure.gc-grid[data-param="W1"] td')
    verdicts = report["parameters"]["W1"]["entry_verdicts"]
    assert len(cells) == 4 and [c.get_text() for c in cells] == [
        {"ok": "✓", "check": "!", "wrong": "✗"}[v] for line in verdicts for v in line]
    assert "iteration 1" in fragment.select_one(".gc-meta").get_text().lower()
    links = html.select(".export-links a")
    assert [a["id"] for a in links] == ["export-json", "export-py"]
    for link in links:
        assert client.get(link["href"]).status_code == 200


def test_new_texts_exist_in_both_languages():
    for key, entry in TEXT.items():
        if key.startswith(("gc_", "tools_", "export_", "import_")):
            assert entry.get("en") and entry.get("zh"), key
