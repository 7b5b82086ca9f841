"""Derived features and the L1 penalty from the page: the setup form's controls, plain links,
the note under the drawing, both languages."""

from __future__ import annotations

import re

import pytest
from conftest import soup

LINK = ("/?layers=2,1&activations=sigmoid&dataset=circles&samples=40&learning_rate=1"
        "&features=x1_squared,x2_squared&regularization=l1&weight_decay=0.001")


@pytest.mark.parametrize("lang,note", [
    ("en", "Input units, in order: x₁², x₂² (features of each point (x₁, x₂); the plane is "
           "drawn over x₁, x₂)."),
    ("zh", "输入单元依次为:x₁², x₂²(每个点 (x₁, x₂) 的特征;输出平面按 x₁、x₂ 绘制)。"),
])
def test_a_link_builds_features_and_l1_and_the_page_says_so(client, lang, note):
    assert client.get(LINK, follow_redirects=False).status_code == 303
    html = soup(client.get(f"/?lang={lang}"))
    assert html.select_one("#features-note").get_text() == note
    ticked = [box["value"] for box in html.select("fieldset.features input[checked]")]
    assert ticked == ["x1_squared", "x2_squared"]
    assert html.select_one("select[name=regularization] option[selected]")["value"] == "l1"
    assert html.select_one("input[name=layers]")["value"] == "2, 1"
    # the loss step's formula has the L1 term, the state the derived rows
    sid = html.select_one("#stage")["data-sid"]
    state = client.get(f"/api/sessions/{sid}").json()
    assert state["config"]["features"] == ["x1_squared", "x2_squared"]
    assert all(v >= 0 for row in state["X"] for v in row)  # squares
    steps = client.post(f"/api/sessions/{sid}/forward").json()["steps"]
    assert r"\lvert W^{[l]}_{jk}\rvert" in steps[-1]["formula"]


def test_the_form_builds_from_ticked_features(client):
    client.get("/")
    response = client.post("/ui/new", data={
        "layers": "2, 3, 1", "activations": "tanh, sigmoid", "loss": "binary_cross_entropy",
        "dataset": "moons", "features": ["x1", "x2", "x1_x2"], "regularization": "l2"})
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/"
    html = soup(client.get("/?lang=en"))
    assert html.select_one("input[name=layers]")["value"] == "3, 3, 1"  # n[0] follows
    assert "x₁, x₂, x₁x₂" in html.select_one("#features-note").get_text()


def test_features_on_a_1d_dataset_are_refused_in_the_pages_language(client):
    client.get("/")
    response = client.post("/ui/new?lang=zh", data={
        "layers": "1, 4, 1", "activations": "tanh, linear", "loss": "squared_error",
        "dataset": "sine", "features": ["x1_squared"]})
    text = soup(response).get_text()
    assert "派生特征需要二维数据点" in text and re.search(r"[一-龥]", text)
