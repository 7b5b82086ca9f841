"""Share links: an immutable snapshot that every visitor opens as their own copy; and the
isolation of sessions between visitors (separate cookie jars)."""

from __future__ import annotations

import re
import secrets

import orjson
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.api.routes.pages import SESSION_COOKIE


def without_id(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "id"}


def stage(html: str) -> dict:
    node = BeautifulSoup(html, "html.parser").select_one("#stage")
    return {k[5:]: v for k, v in node.attrs.items() if k.startswith("data-")}


@pytest.fixture
def visitor(app):
    """A second visitor: the same server, a separate cookie jar."""
    with TestClient(app) as other:
        yield other


def test_api_snapshot_is_frozen_and_opens_as_new_sessions(client):
    sid = client.post("/api/sessions", json={"dataset": "circles", "layers": [2, 4, 1],
                                              "samples": 40, "batch_size": 10}).json()["id"]
    for _ in range(3):
        client.post(f"/api/sessions/{sid}/iterate")
    for _ in range(4):
        client.post(f"/api/sessions/{sid}/next")
    shared = client.get(f"/api/sessions/{sid}").json()
    r = client.post(f"/api/sessions/{sid}/snapshots")
    assert r.status_code == 201, r.text
    snap = r.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{11}", snap["id"])
    assert snap["url"] == f"http://testserver/s/{snap['id']}"
    assert sid not in snap["url"]
    # The sharer goes on; the snapshot does not follow.
    client.post(f"/api/sessions/{sid}/train", json={"iterations": 5})
    client.post(f"/api/sessions/{sid}/learning-rate", json={"learning_rate": 2.0})
    opened = client.post(f"/api/snapshots/{snap['id']}/sessions")
    assert opened.status_code == 201
    copy = opened.json()
    assert copy["id"] != sid and len(copy["id"]) == 22
    assert without_id(copy) == without_id(shared)
    # The copy moves on its own: the sharer's session and the snapshot stay as they were.
    sharer_now = client.get(f"/api/sessions/{sid}").json()
    client.post(f"/api/sessions/{copy['id']}/train", json={"iterations": 7})
    client.post(f"/api/sessions/{copy['id']}/reset")
    assert client.get(f"/api/sessions/{sid}").json() == sharer_now
    again = client.post(f"/api/snapshots/{snap['id']}/sessions").json()
    assert without_id(again) == without_id(shared) and again["id"] != copy["id"]


def test_unknown_snapshots_and_sessions_are_404(client):
    for bad in (secrets.token_urlsafe(8), "short", "x" * 200, "%2e%2e"):
        r = client.post(f"/api/snapshots/{bad}/sessions")
        assert r.status_code == 404 and "no snapshot" in r.json()["detail"]
        page = client.get(f"/s/{bad}", follow_redirects=False)
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert SESSION_COOKIE not in page.headers.get("set-cookie", "")
    r = client.post(f"/api/sessions/{secrets.token_urlsafe(16)}/snapshots")
    assert r.status_code == 404
    r = client.post(f"/ui/{secrets.token_urlsafe(16)}/share")
    assert r.status_code == 404 and r.headers["HX-Refresh"] == "true"


def test_page_share_link_gives_each_visitor_their_own_copy(client, visitor):
    client.get("/?lang=en")
    sid = client.cookies.get(SESSION_COOKIE)
    for _ in range(5):
        client.post(f"/ui/{sid}/next")
    client.post(f"/ui/{sid}/view", data={"notation": "rows"})
    before = stage(client.get("/?lang=en").text)
    shared = client.get(f"/api/sessions/{sid}").json()
    fragment = client.post(f"/ui/{sid}/share")
    assert fragment.status_code == 200
    html = BeautifulSoup(fragment.text, "html.parser")
    field = html.select_one("input#share-url")
    assert field.has_attr("readonly")
    url = field["value"]
    assert re.fullmatch(r"http://testserver/s/[A-Za-z0-9_-]{11}", url)
    assert sid not in fragment.text
    assert html.select_one("button[data-copy='#share-url']")
    assert not html.select("script"), "no script in the fragment"
    path = url.removeprefix("http://testserver")

    # The other visitor opens it: a new session at the same step, their own cookie.
    r = visitor.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")
    theirs = visitor.cookies.get(SESSION_COOKIE)
    assert theirs and theirs != sid
    page = visitor.get("/?lang=en")
    assert stage(page.text) == {**before, "sid": theirs}
    assert without_id(visitor.get(f"/api/sessions/{theirs}").json()) == without_id(shared)
    assert BeautifulSoup(page.text, "html.parser").select_one("#notation-select option[selected]"
                                                             )["value"] == "rows"
    # They step on; the sharer's page does not change.
    for _ in range(7):
        visitor.post(f"/ui/{theirs}/next")
    visitor.post(f"/ui/{theirs}/reset")
    assert stage(client.get("/?lang=en").text) == before
    assert client.get(f"/api/sessions/{sid}").json() == shared
    # And the link still opens at the shared step.
    third = TestClient(client.app)
    third.get(path)
    assert stage(third.get("/?lang=en").text)["cursor"] == before["cursor"]


def test_a_second_visitor_never_sees_or_changes_the_first(client, visitor):
    client.get("/")
    first = client.cookies.get(SESSION_COOKIE)
    for _ in range(3):
        client.post(f"/ui/{first}/next")
    mine = stage(client.get("/").text)
    visitor.get("/")
    second = visitor.cookies.get(SESSION_COOKIE)
    assert second != first
    theirs = stage(visitor.get("/").text)
    assert theirs["cursor"] == "0"
    for _ in range(6):
        visitor.post(f"/ui/{second}/next")
    visitor.post("/ui/new", data={"preset": "ufldl"})
    assert stage(client.get("/").text) == mine
    # A guessed id is a 404 everywhere (the page asks htmx to reload).
    guess = secrets.token_urlsafe(16)
    assert visitor.post(f"/ui/{guess}/next").status_code == 404
    assert visitor.get(f"/api/sessions/{guess}").status_code == 404
    assert visitor.post(f"/api/sessions/{guess}/next").status_code == 404
    assert visitor.delete(f"/api/sessions/{guess}").status_code == 404
    # A forged cookie gets a fresh session, never someone else's.
    forged = TestClient(client.app, cookies={SESSION_COOKIE: guess})
    r = forged.get("/")
    given = re.search(rf"{SESSION_COOKIE}=([^;]+)", r.headers["set-cookie"]).group(1)
    assert given not in (guess, first, second) and len(given) == 22


def test_no_route_lists_sessions_or_snapshots(client):
    client.post("/api/sessions", json={})
    assert client.get("/api/sessions").status_code == 405
    assert client.get("/api/snapshots").status_code == 404
    paths = orjson.loads(client.get("/openapi.json").content)["paths"]
    assert "get" not in paths["/api/sessions"]
    listing = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    assert listing == ["/api/presets", "/healthz"], listing  # presets are public, not sessions
