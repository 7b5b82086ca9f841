"""The tools panel in a real headless Chromium on a live server: check gradients, download the
exports, import a CSV (and see a bad one refused).

Needs the page to include the partial: `{% include "_tools.html" %}` in templates/index.html.
The live server and the browser come from tests/conftest.py (`python -m app`, Debian's chromium).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from browsing import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page):
    """conftest's visitor, on the page with its tools."""
    page.goto(page.server + "/?lang=en")
    assert page.query_selector("#tools #gradcheck") is not None, (
        'the page does not include the tools partial: add {% include "_tools.html" %} to '
        "templates/index.html")
    return page



def sid_of(pg) -> str:
    return pg.eval_on_selector("#stage", "el => el.dataset.sid")


def test_check_gradients_button_shows_a_verdict_per_parameter(page):
    page.click("#btn-gradcheck")
    page.wait_for_selector("#gradcheck table.gc-table")
    rows = page.query_selector_all("#gradcheck table.gc-table tbody tr")
    assert [r.get_attribute("data-param") for r in rows] == ["W1", "b1", "W2", "b2"]  # XOR 2-2-1
    for row in rows:
        assert row.query_selector("td.gc-verdict").inner_text().strip().endswith("ok")
        assert float(row.query_selector("td.gc-error").get_attribute("data-value")) < 1e-7
    # Green, from app.css, on the cells that say "ok"; every grid cell carries a glyph too.
    colour = page.eval_on_selector("#gradcheck td.gc-verdict",
                                   "el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(230, 244, 234)"
    glyphs = page.eval_on_selector_all("#gradcheck .gc-grid td",
                                       "els => els.map(e => e.textContent)")
    assert len(glyphs) == 4 + 2 + 2 + 1 and set(glyphs) == {"✓"}
    page.locator("#gradcheck").scroll_into_view_if_needed()
    shot(page, "tools-gradcheck")


def test_export_links_download_json_and_script(page, tmp_path):
    with page.expect_download() as info:
        page.click("#export-py")
    script = info.value
    assert script.suggested_filename.endswith(".py")
    path = tmp_path / script.suggested_filename
    script.save_as(path)
    source = path.read_text(encoding="utf-8")
    assert "import numpy as np" in source and "Z1 = W1 @ X + b1" in source
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60, check=True)
    assert set(json.loads(done.stdout)) == {"loss", "gradients", "updated"}

    with page.expect_download() as info:
        page.click("#export-json")
    doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert doc["format"] == "backprop-stepper/2" and doc["config"]["layers"] == [2, 2, 1]
    assert info.value.suggested_filename == "backprop-stepper-iteration-1.json"


def test_import_csv_builds_a_new_network(page, tmp_path):
    before = sid_of(page)
    csv_path = tmp_path / "and.csv"
    csv_path.write_text("x1,x2,y\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n", encoding="utf-8")
    page.set_input_files("#import-file", str(csv_path))
    page.fill('.import-form input[name="layers"]', "2, 4, 1")
    page.fill('.import-form input[name="activations"]', "relu, sigmoid")
    page.select_option('.import-form select[name="loss"]', "binary_cross_entropy")
    with page.expect_navigation():  # HX-Redirect: / reloads the page on the new session
        page.click("#btn-import")
    page.wait_for_selector("#stage")
    assert sid_of(page) != before
    assert "2-4-1" in page.inner_text("#setup summary")
    assert len(page.query_selector_all("svg.network g.neuron")) == 2 + 4 + 1


def test_import_of_a_bad_csv_shows_the_row_and_column(page, tmp_path):
    before = sid_of(page)
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("x1,x2,y\n0,0,0\n0,oops,1\n", encoding="utf-8")
    page.set_input_files("#import-file", str(csv_path))
    page.fill('.import-form input[name="layers"]', "2, 2, 1")
    page.fill('.import-form input[name="activations"]', "tanh, sigmoid")
    page.click("#btn-import")
    alert = page.wait_for_selector('#import-error p.error[role="alert"]')
    assert "row 3, column 2 (x2): 'oops' is not a number" in alert.inner_text()
    assert sid_of(page) == before  # nothing was replaced
    shot(page, "tools-import-error")
