"""#stage in parts: a page that names the parts it shows (X-Parts) gets only the changed ones,
as out-of-band swaps, and the stage's own attributes in X-Stage-State. Through real HTTP."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from app.views.stage_parts import ALWAYS, PARTS

IDS = {"statusbar": "statusbar", "controls": "controls", "timeline": "timeline-form",
       "messages": "stage-messages", "network_head": "network-head", "drawing": "drawing",
       "legends": "legends", "network_notes": "network-notes", "equation": "equation",
       "neuron": "neuron", "quiz": "stage-quiz"}


def held(html: BeautifulSoup) -> dict[str, str]:
    """{element id: data-pv} of the stage's parts on a page."""
    return {el["id"]: el["data-pv"] for el in html.select("#stage [data-pv]")}


def answer(client, sid: str, move: str, parts: dict[str, str], training: str):
    response = client.post(f"/ui/{sid}/{move}",
                           headers={"X-Parts": ",".join(parts.values()),
                                    "X-Training-Version": training})
    assert response.status_code == 200, response.text[:300]
    return response, BeautifulSoup(response.text, "html.parser")


def test_the_page_names_every_part_by_the_version_of_its_markup(client):
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    versions = held(page)
    assert sorted(versions) == sorted(IDS.values())  # every part, once
    assert all(len(v) == 12 for v in versions.values())
    assert len(PARTS) == len(IDS) and ALWAYS == ("share",)


def test_a_step_brings_only_the_parts_that_changed(client):
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    sid = page.select_one("#stage")["data-sid"]
    training = page.select_one("#training")["data-version"]
    parts = held(page)
    response, html = answer(client, sid, "next", parts, training)
    assert response.headers["HX-Reswap"] == "none"
    sent = [el["id"] for el in html.find_all(recursive=False)]
    # Z[1] computed: the status, the Back button, the timeline, the drawing, the equation; the
    # panel heads, the legends' words, the notes and the (empty) neuron panel stay as they are.
    assert sent == ["statusbar", "controls", "timeline-form", "drawing", "equation",
                    "share-box", "graph-panel"]
    assert all(el["hx-swap-oob"] == "true" for el in html.find_all(recursive=False))
    assert html.select_one("#btn-prev").get("disabled") is None
    assert "Z" in html.select_one("#equation .formula")["data-formula"]
    state = json.loads(response.headers["X-Stage-State"])
    assert state == {"sid": sid, "phase": "forward", "cursor": "1", "iteration": "1",
                     "step": "Z1", "announce": state["announce"]}
    assert state["announce"].startswith("Z[1] computed")
    # The next step: the controls did not change this time (Back was already enabled).
    for el in html.select("[data-pv]"):
        parts[el["id"]] = el["data-pv"]
    response, html = answer(client, sid, "next", parts, training)
    sent = [el["id"] for el in html.find_all(recursive=False)]
    assert sent == ["statusbar", "timeline-form", "drawing", "equation", "share-box",
                    "graph-panel"]
    assert json.loads(response.headers["X-Stage-State"])["step"] == "A1"


def test_a_page_without_parts_gets_the_whole_stage(client):
    client.get("/?lang=en")
    sid = client.cookies.get("bs_session")
    response = client.post(f"/ui/{sid}/next")
    html = BeautifulSoup(response.text, "html.parser")
    assert "HX-Reswap" not in response.headers
    stage = html.select_one("section#stage")
    assert stage["data-step"] == "Z1"
    assert sorted(el["id"] for el in stage.select("[data-pv]")) == sorted(IDS.values())
    assert html.select("[hx-swap-oob]") == [html.select_one("#training")]  # the panel only


def test_a_training_chunk_in_parts_sends_the_panel_and_what_training_changed(client):
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    sid = page.select_one("#stage")["data-sid"]
    training = page.select_one("#training")["data-version"]
    parts = held(page)
    response = client.post(f"/ui/{sid}/train", data={"iterations": 3},
                           headers={"X-Parts": ",".join(parts.values()),
                                    "X-Training-Version": training})
    html = BeautifulSoup(response.text, "html.parser")
    for el in html.select("[data-pv]"):
        parts[el["id"]] = el["data-pv"]
    response = client.post(f"/ui/{sid}/train", data={"iterations": 3},
                           headers={"X-Parts": ",".join(parts.values()),
                                    "X-Training-Version": training})
    html = BeautifulSoup(response.text, "html.parser")
    sent = [el["id"] for el in html.find_all(recursive=False)]
    # The legends' ranges follow the values; the controls, the timeline (the update still
    # done last), the heads, notes and the empty neuron panel are not sent again.
    assert [p for p in sent if p != "legends"] == ["statusbar", "drawing", "equation",
                                                   "share-box", "graph-panel", "training"]
    assert html.select_one("#training")["data-completed"] == "6"
    state = json.loads(response.headers["X-Stage-State"])
    assert (state["iteration"], state["step"]) == ("6", "update")  # iteration 6, done
    timing = response.headers["Server-Timing"]
    assert [p.split(";")[0] for p in timing.split(", ")] == ["move", "view", "html"]


def test_a_notice_on_the_page_goes_with_the_next_step(client):
    """The page says the network it named had expired; its version of the messages part
    includes that notice, so the next step (which has none) replaces it."""
    client.cookies.set("bs_session", "A" * 22)  # a well-formed id the store never held
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    assert page.select_one("#stage-messages #stage-notice") is not None
    sid = page.select_one("#stage")["data-sid"]
    _, html = answer(client, sid, "next", held(page),
                     page.select_one("#training")["data-version"])
    messages = html.select_one("#stage-messages")
    assert messages is not None and messages.select("p") == []


def test_a_training_chunk_keeps_the_pages_run_controls_and_other_answers_do_not(client):
    """During a run the page keeps its own Play button, Train buttons, speed and α form
    (hx-preserve): a press landing between two chunks, or a value being typed, is not lost."""
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    sid = page.select_one("#stage")["data-sid"]
    assert not page.select_one("#run-controls").has_attr("hx-preserve")
    assert not page.select_one("#lr-form").has_attr("hx-preserve")
    html = BeautifulSoup(client.post(f"/ui/{sid}/train", data={"iterations": 2}).text,
                         "html.parser")
    kept = html.select("#training [hx-preserve]")
    assert [el["id"] for el in kept] == ["run-controls", "lr-form"]
    assert kept[0].select_one("#btn-play") and kept[0].select_one("#speed")
    assert html.select_one("#training")["data-completed"] == "2"
    for move in ("next", "iterate", "prev"):
        html = BeautifulSoup(client.post(f"/ui/{sid}/{move}").text, "html.parser")
        assert html.select_one("#training") is not None, move
        assert html.select("#training [hx-preserve]") == [], move


def test_during_a_run_the_equation_and_neuron_panels_wait_and_come_back_at_its_end(client):
    """A chunk with more to follow (`running`) puts a short note in place of the equation and
    the worked neuron, in parts only once (its version does not change from chunk to chunk);
    the last chunk, or the page's ask when Play pauses (/view), brings them back."""
    page = BeautifulSoup(client.get("/?lang=zh").text, "html.parser")
    sid = page.select_one("#stage")["data-sid"]
    parts = held(page)
    first = client.post(f"/ui/{sid}/train", data={"iterations": 1, "running": "true"},
                        headers={"X-Parts": ",".join(parts.values())})
    html = BeautifulSoup(first.text, "html.parser")
    equation = html.select_one("#equation")
    assert equation is not None and equation.select_one(".formula") is None
    assert equation.select_one("#equation-brief").get_text(strip=True).startswith("正在训练")
    for el in html.select("[data-pv]"):
        parts[el["id"]] = el["data-pv"]
    second = BeautifulSoup(client.post(
        f"/ui/{sid}/train", data={"iterations": 1, "running": "true"},
        headers={"X-Parts": ",".join(parts.values())}).text, "html.parser")
    assert second.select_one("#equation") is None  # the same note: not sent again
    assert second.select_one("#training")["data-completed"] == "2"
    back = BeautifulSoup(client.post(f"/ui/{sid}/view",
                                     headers={"X-Parts": ",".join(parts.values())}).text,
                         "html.parser")
    assert back.select_one("#equation .formula") is not None
    assert back.select_one("#equation-brief") is None
    last = BeautifulSoup(client.post(f"/ui/{sid}/train", data={"iterations": 1}).text,
                         "html.parser")
    assert last.select_one("#equation .formula") is not None
