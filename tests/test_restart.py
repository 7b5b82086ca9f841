"""A real server (`python -m app`, the production command) restarted on the same data directory
loses no session and no snapshot, and goes on exactly where it stopped."""

from __future__ import annotations

import signal

import httpx
import orjson
from live import Server

from app.api.json import dumps
from app.api.routes.pages import SESSION_COOKIE
from app.schemas import SessionConfig
from app.sessions import Session, build_stepper, session_state

CONFIG = {"layers": [2, 5, 3, 1], "activations": ["tanh", "relu", "sigmoid"],
          "dataset": "moons", "samples": 48, "noise": 0.1, "batch_size": 12, "test_ratio": 0.25,
          "learning_rate": 0.3, "seed": 11}
MOVES = [("train", {"iterations": 23}), ("next", None), ("next", None), ("next", None),
         ("goto", {"iteration": 9}), ("next", None), ("learning-rate", {"learning_rate": 0.9}),
         ("forward", None)]
MORE = [("next", None)] * 15 + [("train", {"iterations": 3}), ("prev", None),
                               ("goto", {"iteration": 11}), ("next", None)]


def play(client: httpx.Client, sid: str, moves) -> None:
    for name, body in moves:
        r = client.post(f"/api/sessions/{sid}/{name}", json=body)
        assert r.status_code == 200, r.text


def reference(sid: str, moves) -> bytes:
    """The state the same moves give in process, without any store: JSON bytes."""
    config = SessionConfig(**CONFIG)
    stepper, dataset = build_stepper(config)
    for name, body in moves:
        if name == "train":
            stepper.train(body["iterations"])
        elif name == "goto":
            stepper.goto(body["iteration"])
        elif name == "learning-rate":
            stepper.set_learning_rate(body["learning_rate"])
        else:
            getattr(stepper, name)()
    return dumps(session_state(Session(sid, config, stepper, dataset)))


def test_sessions_and_snapshots_survive_restarts(tmp_path):
    server = Server(tmp_path, BACKPROP_DATA_DIR=str(tmp_path / "data"))
    with server, httpx.Client(base_url=server.url) as c:
        sid = c.post("/api/sessions", json=CONFIG).json()["id"]
        play(c, sid, MOVES)
        before = c.get(f"/api/sessions/{sid}").content
        assert before == reference(sid, MOVES)
        snap = c.post(f"/api/sessions/{sid}/snapshots").json()
        page = c.get("/")
        page_sid = page.cookies[SESSION_COOKIE]
        for _ in range(3):
            assert c.post(f"/ui/{page_sid}/next").status_code == 200
        page_state = c.get(f"/api/sessions/{page_sid}").content

    # SIGTERM, a fresh process on the same directory: every byte of the state is back.
    with server, httpx.Client(base_url=server.url) as c:
        assert c.get(f"/api/sessions/{sid}").content == before
        play(c, sid, MORE)
        after = c.get(f"/api/sessions/{sid}").content
        assert after == reference(sid, MOVES + MORE)
        assert c.get(f"/api/sessions/{page_sid}").content == page_state
        # The share link opens at the shared state, as a new session.
        assert snap["url"].endswith("/s/" + snap["id"])
        r = c.get(f"/s/{snap['id']}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        copy_sid = r.cookies[SESSION_COOKIE]
        copy = orjson.loads(c.get(f"/api/sessions/{copy_sid}").content)
        assert copy_sid != sid and {**copy, "id": sid} == orjson.loads(before)
        # The page session comes back through its cookie, at its step.
        c.cookies.set(SESSION_COOKIE, page_sid)
        assert f'data-sid="{page_sid}"' in c.get("/").text
        # Behind a TLS proxy (trusted: loopback), the cookie is Secure.
        r = httpx.get(server.url + "/", headers={"x-forwarded-proto": "https"})
        assert all("; Secure" in v for v in r.headers.get_list("set-cookie"))
        r = httpx.get(server.url + "/")
        assert all("Secure" not in v for v in r.headers.get_list("set-cookie"))

    # Killed outright (no shutdown at all): committed changes are still there.
    server.start()
    with httpx.Client(base_url=server.url) as c:
        c.post(f"/api/sessions/{sid}/next")
        killed_state = c.get(f"/api/sessions/{sid}").content
    server.stop(signal.SIGKILL)
    with server, httpx.Client(base_url=server.url) as c:
        assert c.get(f"/api/sessions/{sid}").content == killed_state
        assert c.post(f"/api/snapshots/{snap['id']}/sessions").status_code == 201
    assert server.errors() == ""


def test_the_store_file_is_in_the_data_dir(tmp_path):
    data = tmp_path / "somewhere" / "data"
    with Server(tmp_path, BACKPROP_DATA_DIR=str(data)) as server:
        httpx.post(server.url + "/api/sessions", json={})
    assert (data / "sessions.sqlite3").exists()
