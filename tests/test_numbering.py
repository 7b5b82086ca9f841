"""One numbering everywhere: `iteration` is the iteration in progress or being viewed, from 1, as
the page shows it; `completed` the iterations whose update the history holds. And an export
imports back at that very iteration, its history (curves, α schedule) with it: through the API,
the page, the store and a share link."""

from __future__ import annotations

import re

import numpy as np
from bs4 import BeautifulSoup
from conftest import API, create


def post(client, sid: str, move: str, status: int = 200, **body) -> dict:
    response = client.post(f"{API}/{sid}/{move}", json=body or None)
    assert response.status_code == status, response.text[:2000]
    return response.json()


def page_stage(client, sid: str, move: str, **form) -> BeautifulSoup:
    response = client.post(f"/ui/{sid}/{move}", data=form)
    assert response.status_code == 200, response.text[:2000]
    return BeautifulSoup(response.text, "html.parser")


def test_the_api_the_page_the_check_and_the_export_name_the_same_iteration(client):
    client.get("/?lang=en")
    sid = client.cookies.get("bs_session")  # the page's own network, read through the API too
    state = post(client, sid, "train", iterations=50)
    # 50 iterations done: the one shown is the 50th, its update applied (the old API said 49).
    assert (state["iteration"], state["updates"], state["completed"]) == (50, 50, 50)
    html = page_stage(client, sid, "view")
    assert html.select_one("#stage")["data-iteration"] == "50"
    assert html.select_one(".statusbar .chip").text.split() == ["Iteration", "50"]
    state = post(client, sid, "next")  # Z1 of the next one
    assert (state["iteration"], state["updates"], state["completed"]) == (51, 50, 50)
    html = page_stage(client, sid, "view")
    assert html.select_one("#stage")["data-iteration"] == "51"
    # The chip's earlier loss names iteration 50, the one it belongs to.
    assert html.select_one("#previous-loss").text.endswith("(Iteration 50)")
    report = client.post(f"{API}/{sid}/gradcheck").json()
    assert report["iteration"] == 51
    gc = client.post(f"/ui/{sid}/gradcheck")
    assert "Iteration 51 · m = 4 examples" in BeautifulSoup(gc.text, "html.parser").text
    export = client.get(f"{API}/{sid}/export")
    assert export.json()["position"] == {"iteration": 51, "step": 1}
    assert 'filename="backprop-stepper-iteration-51.json"' in export.headers[
        "content-disposition"]
    script = client.get(f"{API}/{sid}/export.py")
    assert 'filename="backprop_iteration_51.py"' in script.headers["content-disposition"]
    assert "at iteration 51 " in script.text
    # goto k shows iteration k as it ended; goto 0 the start of iteration 1.
    state = post(client, sid, "goto", iteration=7)
    assert (state["iteration"], state["updates"], state["phase"]) == (7, 7, "update")
    state = post(client, sid, "goto", iteration=0)
    assert (state["iteration"], state["updates"], state["phase"]) == (1, 0, "start")


def history_of(client, sid: str) -> dict:
    return client.get(f"{API}/{sid}/export").json()["config"]["history"]


def test_import_goes_on_from_the_exported_iteration_with_its_history(client, app):
    sid = create(client, layers=[2, 3, 1], dataset="moons", samples=30, test_ratio=0.2,
                 learning_rate=0.4)["id"]
    post(client, sid, "train", iterations=6)
    post(client, sid, "learning-rate", learning_rate=0.9)  # α 0.9 from iteration 7 on
    post(client, sid, "train", iterations=4)
    for _ in range(3):
        post(client, sid, "next")  # 3 steps into iteration 11
    doc = client.get(f"{API}/{sid}/export").json()
    history = doc["config"]["history"]
    assert doc["position"] == {"iteration": 11, "step": 3}
    assert history["learning_rates"] == [[1, 0.4], [7, 0.9]]
    assert len(history["losses"]) == 10
    assert set(history["metrics"]) == {"grad_norms", "accuracy", "test_loss", "test_accuracy"}

    imported = client.post(f"{API}/import", json=doc)
    assert imported.status_code == 201, imported.text[:2000]
    new = imported.json()
    new_id = new["id"]
    assert (new["iteration"], new["cursor_index"], new["completed"]) == (11, 3, 10)
    assert new["earliest"] == 10 and new["learning_rate"] == 0.9
    # The curves of the page come from the same numbers: every one of them came along.
    original = app.state.store.get(sid).stepper
    copy = app.state.store.get(new_id).stepper
    assert copy.losses == original.losses[:10]
    assert copy.metrics == {k: v[:10] for k, v in original.metrics.items()}
    assert copy.lr_at(5) == 0.4 and copy.lr_at(10) == 0.9
    # Both go on identically: iteration 11's loss and update, then iteration 12.
    a, b = post(client, sid, "iterate"), post(client, new_id, "iterate")
    assert a["loss"] == b["loss"] and a["iteration"] == b["iteration"] == 11
    assert np.array_equal(np.array(a["layers"][0]["W"]), np.array(b["layers"][0]["W"]))
    a, b = post(client, sid, "iterate"), post(client, new_id, "iterate")
    assert a["loss"] == b["loss"] and (a["completed"], b["completed"]) == (12, 12)
    # It goes back to its first iteration's start, not before: the file has no earlier weights.
    state = post(client, new_id, "goto", iteration=10)
    assert (state["iteration"], state["phase"], state["completed"]) == (11, "start", 12)
    refused = post(client, new_id, "goto", status=409, iteration=9)
    assert "between 10 and 12" in str(refused)
    post(client, new_id, "prev", status=409)
    state = post(client, new_id, "reset")  # back to where it was imported, history kept
    assert (state["iteration"], state["completed"], state["earliest"]) == (11, 10, 10)
    assert history_of(client, new_id) == history


def test_an_imported_session_survives_the_store_and_a_share_link(tmp_path):
    """Restored from SQLite in a new app, and opened from a snapshot: the same iteration, the
    same history, the same numbers."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", rate_limit=0, store="sqlite")
    first = create_app(settings)
    with TestClient(first) as client:
        sid = create(client, dataset="xor", batch_size=2, seed=3)["id"]
        post(client, sid, "train", iterations=15)
        doc = client.get(f"{API}/{sid}/export").json()
        new_id = client.post(f"{API}/import", json=doc).json()["id"]
        post(client, new_id, "train", iterations=5)
        post(client, new_id, "goto", iteration=17)
        before = client.get(f"{API}/{new_id}").json()
        history = history_of(client, new_id)
        snap = client.post(f"{API}/{new_id}/snapshots").json()["id"]
    first.state.store.close()
    second = create_app(settings)
    with TestClient(second) as client:
        after = client.get(f"{API}/{new_id}").json()
        for key in ("iteration", "completed", "earliest", "loss", "layers", "X", "cursor"):
            assert after[key] == before[key], key
        assert (after["iteration"], after["completed"], after["earliest"]) == (17, 20, 14)
        assert history_of(client, new_id) == history
        opened = client.post(f"/api/snapshots/{snap}/sessions")
        assert opened.status_code == 201
        shared = opened.json()
        assert (shared["iteration"], shared["completed"], shared["earliest"]) == (17, 20, 14)
        assert history_of(client, shared["id"]) == history
    second.state.store.close()


def test_page_import_shows_the_iteration_its_curves_and_where_history_starts(client):
    client.get("/?lang=zh")
    sid = client.cookies.get("bs_session")
    post(client, sid, "train", iterations=30)
    exported = client.get(f"{API}/{sid}/export").content
    response = client.post("/ui/import", files={"file": ("run.json", exported,
                                                         "application/json")})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    html = BeautifulSoup(client.get("/").text, "html.parser")
    assert html.select_one("#stage")["data-sid"] != sid
    assert html.select_one("#stage")["data-iteration"] == "30"
    assert html.select_one("#stage")["data-phase"] == "update"
    assert html.select_one("#training")["data-completed"] == "30"
    assert html.select_one("#scrub")["min"] == "29" and html.select_one("#scrub")["max"] == "30"
    # The loss curve holds all 30 iterations (its x axis ends at 30), the marker at 30.
    assert html.select_one("#loss-chart g.viewed")["data-iteration"] == "30"
    assert "30" in [t.text for t in html.select("#loss-chart text")]
    note = html.select_one("#imported-note").text
    assert note.startswith("在第 30 次迭代导入") and not re.search(r"[A-Za-z]{3}", note)
    # The header shows iteration 30's loss, the same as the original's.
    original = client.get(f"{API}/{sid}").json()
    header = html.select_one("#header-loss")
    assert header["data-iteration"] == "30"
    assert header.select_one("b").text == f"{original['loss']:.4g}"


def test_old_format_documents_still_import_at_their_step(client):
    sid = create(client)["id"]
    post(client, sid, "train", iterations=3)
    post(client, sid, "next")
    doc = client.get(f"{API}/{sid}/export").json()
    old = {**doc, "format": "backprop-stepper/1", "position": {"iteration": 3, "step": 1},
           "config": {k: v for k, v in doc["config"].items() if k != "history"}}
    state = client.post(f"{API}/import", json=old).json()
    # The old format carried no history: the counter starts again, at the same step.
    assert (state["iteration"], state["cursor_index"], state["completed"]) == (1, 1, 0)
    assert state["X"] == client.get(f"{API}/{sid}").json()["X"]
