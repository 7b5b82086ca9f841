"""Hosting, at the HTTP edge: cross-site page requests, what /static serves, caching of
responses that set a cookie, the share link's base URL, a deeply nested upload, sessions made
while the store is full, the access log, and the notice on a page whose session is gone."""

from __future__ import annotations

import logging
import re
import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from live import Server
from test_store import config

from app.main import create_app
from app.settings import Settings
from app.store.sqlite import SQLiteStore

SESSION_COOKIE = "bs_session"


def make_client(tmp_path, **settings) -> TestClient:
    settings.setdefault("rate_limit", 0)
    return TestClient(create_app(Settings(data_dir=tmp_path / "data", store="sqlite",
                                          **settings)))


def new_api_session(client: TestClient) -> str:
    r = client.post("/api/sessions", json={})
    assert r.status_code == 201
    return r.json()["id"]


# -- cross-site requests -------------------------------------------------------------------------
def test_a_foreign_origin_cannot_swap_the_visitors_session(tmp_path):
    client = make_client(tmp_path)
    client.get("/")
    mine = client.cookies[SESSION_COOKIE]
    attackers = new_api_session(client)  # a session the attacker can watch through the API
    for headers in ({"Origin": "https://evil.example"},
                    {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
                    {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.testserver"},
                    {"Origin": "http://testserver.evil.example"}):
        r = client.post("/ui/adopt", data={"sid": attackers}, headers=headers)
        assert r.status_code == 403, headers
        assert r.json()["error"] == "cross_site"
        assert "another site" in r.json()["message"]
        assert "set-cookie" not in r.headers
        r = client.post("/ui/new", data={"preset": "xor"}, headers=headers)
        assert r.status_code == 403 and "set-cookie" not in r.headers
        r = client.post(f"/ui/{mine}/next", headers=headers)
        assert r.status_code == 403
    assert client.cookies[SESSION_COOKIE] == mine
    # In the page's language, for the page's flash.
    r = client.post("/ui/adopt?lang=zh", data={"sid": attackers},
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "来自其他网站" in r.json()["message"]
    # The page itself (same origin), and clients that send neither header (curl), go ahead.
    for headers in ({"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"},
                    {"Sec-Fetch-Site": "none"}, {}):
        r = client.post(f"/ui/{mine}/next", headers=headers)
        assert r.status_code == 200, headers
    r = client.post("/ui/adopt", data={"sid": attackers},
                    headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and client.cookies[SESSION_COOKIE] == attackers
    # The JSON API uses no cookie: a cross-site call cannot act for a visitor, so it is not
    # checked.
    r = client.post(f"/api/sessions/{attackers}/next", headers={"Origin": "https://x.example"})
    assert r.status_code == 200


def test_the_public_url_is_a_same_origin_too(tmp_path):
    client = make_client(tmp_path, public_url="https://demo.example.org/")
    client.get("/")
    sid = client.cookies[SESSION_COOKIE]
    r = client.post(f"/ui/{sid}/next", headers={"Origin": "https://demo.example.org"})
    assert r.status_code == 200


# -- static files, caching ---------------------------------------------------------------------
def test_only_asset_files_are_served_from_static(client):
    assert client.get("/static/vendor/update.py").status_code == 404
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200


def test_a_response_that_sets_a_cookie_is_private_and_never_stored(client):
    r = client.get("/")
    assert r.headers.get_list("set-cookie")
    assert r.headers["cache-control"] == "private, no-store"
    r = client.get("/?preset=xor", follow_redirects=False)
    assert r.status_code == 303 and r.headers["cache-control"] == "private, no-store"
    assert "private" not in client.get("/static/app.css").headers.get("cache-control", "")


# -- share links -------------------------------------------------------------------------------
def test_share_links_use_the_public_url_not_the_host_header(tmp_path):
    client = make_client(tmp_path, public_url="https://demo.example.org/")
    sid = new_api_session(client)
    r = client.post(f"/api/sessions/{sid}/snapshots", headers={"Host": "evil.example"})
    assert r.status_code == 201
    assert r.json()["url"] == f"https://demo.example.org/s/{r.json()['id']}"
    # Without the setting, the request's own base (as before).
    plain = make_client(tmp_path / "b")
    sid = new_api_session(plain)
    url = plain.post(f"/api/sessions/{sid}/snapshots").json()["url"]
    assert url.startswith("http://testserver/s/")


def test_the_public_url_must_be_absolute():
    with pytest.raises(ValueError, match="absolute"):
        Settings(public_url="demo.example.org")


# -- uploads -----------------------------------------------------------------------------------
@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_a_deeply_nested_json_upload_is_refused_clearly(client, opening, closing):
    client.get("/")
    deep = (opening * 999 + "1" + closing * 999).encode()
    r = client.post("/ui/import", files={"file": ("deep.json", deep, "application/json")})
    assert r.status_code < 500
    assert "nested too deeply" in r.text or "not valid JSON" in r.text
    r = client.post("/api/sessions/import", content=deep,
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


# -- a store smaller than the sessions being made ----------------------------------------------
def test_a_session_just_created_is_not_evicted_before_it_is_read(tmp_path):
    store = SQLiteStore(tmp_path, capacity=1, ttl=3600)
    a = store.create(config("xor"))
    b = store.create(config("xor"))  # over capacity: `a` is the oldest, but was just made
    with store.checkout(a.id) as held:
        assert held is not None
    with store.checkout(b.id) as held:
        assert held is not None
    store.close()


def test_concurrent_creations_over_the_cap_all_answer(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", store="sqlite", rate_limit=0,
                              max_sessions=2))
    answers: list[str] = []

    def make(client: TestClient, kind: str) -> None:
        if kind == "api":
            r = client.post("/api/sessions", json={})
            answers.append(f"{r.status_code}")
            if r.status_code == 201:
                r = client.get(f"/api/sessions/{r.json()['id']}")
                answers.append(f"{r.status_code}")
            return
        r = client.get("/?preset=xor", follow_redirects=False)  # a link that builds a network
        sid = re.search(r"bs_session=([^;]+)", r.headers["set-cookie"]).group(1)
        page = client.get("/", headers={"cookie": f"bs_session={sid}"})
        mine = f'data-sid="{sid}"' in page.text  # this very network, not a fresh one
        answers.append(f"{r.status_code} {page.status_code} {mine}")

    with TestClient(app) as client:
        threads = [threading.Thread(target=make, args=(client, "api" if i % 2 else "page"))
                   for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(set(answers)) == ["200", "201", "303 200 True"], answers


# -- the access log --------------------------------------------------------------------------
def test_the_access_log_filter_redacts_session_ids():
    from app.logs import RedactSessionIds

    sid = "AbCdEfGhIjKlMnOpQrStUv"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "POST", f"/ui/{sid}/next?lang=zh", "1.1", 200),
                               None)
    assert RedactSessionIds().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "POST /ui/{sid}/next?lang=zh HTTP/1.1" 200'


def test_session_ids_never_reach_the_access_log(tmp_path):
    with (Server(tmp_path, BACKPROP_DATA_DIR=str(tmp_path / "data")) as srv,
          httpx.Client(base_url=srv.url) as http):
        sid = http.post("/api/sessions", json={}).json()["id"]
        assert http.get(f"/api/sessions/{sid}").status_code == 200
        assert http.post(f"/api/sessions/{sid}/next").status_code == 200
        assert http.get("/").status_code == 200
        page_sid = http.cookies[SESSION_COOKIE]
        assert http.post(f"/ui/{page_sid}/next").status_code == 200
    log = srv.out.read_text() + srv.log.read_text()
    assert '"POST /api/sessions/{sid}/next HTTP/1.1" 200' in log
    assert '"POST /ui/{sid}/next HTTP/1.1" 200' in log
    assert sid not in log and page_sid not in log


# -- a page whose session is gone ------------------------------------------------------------
@pytest.mark.parametrize("lang, words", [("en", "Your previous network is no longer kept"),
                                         ("zh", "之前的网络已不再保存")])
def test_a_page_whose_session_is_gone_says_so(client, lang, words):
    r = client.get(f"/?lang={lang}")
    first = client.cookies[SESSION_COOKIE]
    assert words not in r.text  # a first visit: nothing to say
    flash = re.search(r'<div id="flash"[^>]*>', r.text).group(0)
    assert " hidden" in flash
    assert client.app.state.store.delete(first)  # expired or evicted meanwhile
    r = client.get("/")
    flash = re.search(r'<div id="flash"[^>]*>', r.text).group(0)
    assert " hidden" not in flash
    assert words in r.text
    assert client.cookies[SESSION_COOKIE] != first  # a fresh network
    assert words not in client.get("/").text  # said once


# -- documentation and proxies -------------------------------------------------------------------
def test_every_setting_is_in_the_readme_with_its_default():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        if name in ("templates_dir", "static_dir", "redis_url", "max_examples"):
            continue  # paths of the app itself; REDIS_URL has no prefix; max_examples: schema
        row = re.search(rf"^\| `BACKPROP_{name.upper()}` \| ([^|]*) \|", readme, re.M)
        assert row, name
        default = field.default
        if isinstance(default, int | float) and not isinstance(default, bool):
            stated = re.match(r"`([\d.,]+)`", row.group(1))
            assert stated and float(stated.group(1).replace(",", "")) == float(default), name


def test_forwarded_for_counts_only_from_the_trusted_proxy(tmp_path):
    """The README's advice: FORWARDED_ALLOW_IPS names the proxy. A client elsewhere that writes
    its own X-Forwarded-For is still counted by its own address."""
    env = {"BACKPROP_DATA_DIR": str(tmp_path / "data"), "BACKPROP_RATE_LIMIT": "5"}
    with Server(tmp_path, **env) as srv:
        outside = httpx.Client(base_url=srv.url,
                               transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        statuses = [outside.get("/api/sessions/x", headers={
            "X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(8)]
        assert statuses[:5] == [404] * 5 and statuses[5:] == [429] * 3
        # Through the trusted proxy (127.0.0.1, the default), each client its own bucket.
        proxy = httpx.Client(base_url=srv.url)
        statuses = [proxy.get("/api/sessions/x", headers={
            "X-Forwarded-For": f"10.0.1.{i}"}).status_code for i in range(8)]
        assert statuses == [404] * 8
        outside.close()
        proxy.close()
