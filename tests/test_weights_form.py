"""Weights typed on the page and the new-seed button: real HTTP through the page's routes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import soup

from app.messages import MESSAGES


def open_page(client, preset="xor", lang="en"):
    html = soup(client.get(f"/?preset={preset}&lang={lang}"))
    return html, client.cookies.get("bs_session")


def test_the_form_holds_this_networks_starting_weights(client, app):
    html, sid = open_page(client)
    params = app.state.store.get(sid).stepper.params_at(0)
    form = html.select_one("#weights-form")
    assert form["hx-post"] == f"/ui/{sid}/weights"
    w1 = [[float(v) for v in line.split()] for line in
          form.select_one("textarea[name=W1]").text.strip().splitlines()]
    assert np.allclose(w1, params["W1"], rtol=1e-5)
    assert form.select_one("input[name=b2]")["value"] == "0"


def test_given_weights_build_a_network_that_starts_from_them(client, app):
    _, sid = open_page(client)
    # The worked example's style: chosen numbers, not random ones.
    response = client.post(f"/ui/{sid}/weights", data={
        "W1": "0.15, 0.20\n0.25 0.30", "b1": "0.35 0.35", "W2": "0.40 −0.45", "b2": "0.6"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    new_sid = client.cookies.get("bs_session")
    assert new_sid != sid
    s = app.state.store.get(new_sid)
    start = s.stepper.params_at(0)
    assert start["W1"].tolist() == [[0.15, 0.20], [0.25, 0.30]]
    assert start["W2"].tolist() == [[0.40, -0.45]] and start["b2"].tolist() == [[0.6]]
    assert s.config.layers == [2, 2, 1] and s.config.activations == ["tanh", "sigmoid"]
    # The page shows them: the first forward step uses exactly these numbers.
    html = soup(client.post(f"/ui/{new_sid}/next"))
    assert html.select_one("#stage")["data-step"] == "Z1"
    v = app.state.store.get(new_sid).stepper.values
    expected = np.array([[0.15, 0.20], [0.25, 0.30]]) @ v["A0"] + 0.35
    assert np.array_equal(v["Z1"], expected)
    page = soup(client.get("/?lang=en"))
    assert page.select_one("textarea[name=W1]").text.strip() == "0.15  0.2\n0.25  0.3"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fields,code,words", [
    ({"W1": "1 2\n3 4\n5 6"}, "weights_rows", {"en": "W[1]: give 2 rows", "zh": "W[1]:需要 2 行"}),
    ({"W1": "1 2\n3"}, "weights_cols", {"en": "W[1], row 2: give 2 numbers",
                                        "zh": "W[1] 第 2 行:需要 2 个数"}),
    ({"W2": "1 x"}, "weights_not_a_number", {"en": "W[2]: 'x' is not a number",
                                             "zh": "W[2]:'x' 不是数字"}),
    ({"b2": "1 2"}, "bias_count", {"en": "b[2]: give 1 numbers", "zh": "b[2]:需要 1 个数"}),
    ({"b1": "1 1e9"}, "weights_out_of_range", {"en": "b[1]: '1e9' is not a finite",
                                               "zh": "b[1]:'1e9' 不是"}),
])
def test_mistakes_name_their_field_in_the_pages_language(client, fields, code, words, lang):
    _, sid = open_page(client, lang=lang)
    data = {"W1": "1 2\n3 4", "b1": "0 0", "W2": "1 1", "b2": "0", **fields}
    response = client.post(f"/ui/{sid}/weights", data=data)
    assert "HX-Redirect" not in response.headers and client.cookies.get("bs_session") == sid
    error = soup(response).select_one(".error").text
    assert words[lang] in error, error
    assert code in MESSAGES and set(MESSAGES[code]) == {"en", "zh"}


def test_new_seed_rebuilds_the_same_setup_with_other_weights(client, app):
    html, sid = open_page(client, "vanishing")
    button = html.select_one("#btn-reseed")
    assert button["hx-post"] == f"/ui/{sid}/reseed"
    old = app.state.store.get(sid)
    seeds = set()
    for _ in range(3):
        response = client.post(f"/ui/{sid}/reseed")
        assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
        new = app.state.store.get(client.cookies.get("bs_session"))
        assert new.id != sid and new.view.log_scale  # the preset's log scale is kept
        assert new.config.model_dump(exclude={"seed"}) == old.config.model_dump(exclude={"seed"})
        assert not np.array_equal(new.stepper.params_at(0)["W1"], old.stepper.params_at(0)["W1"])
        seeds.add(new.config.seed)
    assert len(seeds) == 3 and old.config.seed not in seeds
    page = soup(client.get("/?lang=zh"))
    assert page.select_one("#current-seed").text == str(new.config.seed)
    assert "换个随机种子" in page.select_one("#btn-reseed").text
