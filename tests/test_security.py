"""Hardening: security headers on every response, the body-size limit (413), the rate limit
(429), Secure cookies over HTTPS, escaping of user text, unguessable ids."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.api.routes.pages import SESSION_COOKIE
from app.main import create_app
from app.security import CSP, RateLimiter
from app.settings import Settings


def make_client(tmp_path, **settings) -> TestClient:
    settings.setdefault("rate_limit", 0)
    settings.setdefault("store", "sqlite")
    return TestClient(create_app(Settings(data_dir=tmp_path / "data", **settings)))


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def assert_secured(response) -> None:
    h = response.headers
    assert h["content-security-policy"] == CSP, response.request.url
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"


def test_the_policy_forbids_inline_script_and_eval():
    d = csp_directives(CSP)
    assert d["default-src"] == ["'self'"] and d["script-src"] == ["'self'"]
    assert d["style-src"] == ["'self'", "'unsafe-inline'"]
    assert d["img-src"] == ["'self'", "data:"]
    assert d["frame-ancestors"] == ["'none'"] and d["base-uri"] == ["'none'"]
    assert d["form-action"] == ["'self'"] and d["connect-src"] == ["'self'"]
    assert d["font-src"] == ["'self'"]
    assert "'unsafe-eval'" not in CSP and "unsafe-inline" not in " ".join(d["script-src"])


def test_every_kind_of_response_carries_the_headers(client):
    page = client.get("/")
    assert_secured(page)
    html = BeautifulSoup(page.text, "html.parser")
    assert not html.select("script:not([src])"), "inline script would be blocked"
    assert not [el for el in html.find_all(True)
                if any(a.lower().startswith("on") for a in el.attrs)], "inline handlers"
    config = html.select_one("meta[name='htmx-config']")["content"]
    assert '"allowEval": false' in config
    sid = client.cookies.get(SESSION_COOKIE)
    created = client.post("/api/sessions", json={})
    assert_secured(created)
    assert_secured(client.get(f"/api/sessions/{created.json()['id']}"))
    assert_secured(client.post(f"/ui/{sid}/next"))
    assert_secured(client.get("/api/sessions/nope"))  # 404
    assert_secured(client.post("/api/sessions", json={"layers": [0]}))  # 422
    assert_secured(client.get("/static/app.css"))
    assert_secured(client.get("/healthz"))
    assert_secured(client.get("/openapi.json"))


def test_the_docs_page_gets_its_own_policy_naming_its_inline_script(client):
    r = client.get("/docs")
    policy = csp_directives(r.headers["content-security-policy"])
    inline = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert r.headers["x-content-type-options"] == "nosniff"



def test_the_docs_page_loads_nothing_from_another_site(client):
    """Swagger UI is vendored (npm, checksummed) and served from /static: the page names no
    other host, its policy allows none, and both files are there."""
    r = client.get("/docs")
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text
    assert "https:" not in r.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/static/vendor/swagger-ui/[^"]+)"', r.text)
    # Fingerprinted names (app/static_files.py): swagger-ui-bundle.<hash>.js
    assert [re.sub(r"\.[0-9a-f]{10}\.", ".", a) for a in sorted(assets)] == [
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css"]
    for path in assets:
        assert client.get(path).status_code == 200
    assert client.get("/redoc").status_code == 404


def test_a_body_over_the_limit_is_413_naming_the_limit(tmp_path):
    client = make_client(tmp_path)  # the default: 8 MiB
    limit = 8 * 1024 * 1024
    big = b'{"layers": [2, 2, 1], "data": {"X": [' + b"[0, 0]," * (limit // 7) + b"[0, 0]]}}"
    assert len(big) > limit
    r = client.post("/api/sessions", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    body = r.json()
    assert body["limit"] == limit and str(limit) in body["message"]
    assert "BACKPROP_MAX_BODY_BYTES" in body["message"]
    assert_secured(r)
    # Without Content-Length (chunked): counted while read.
    client = make_client(tmp_path, max_body_bytes=4096)

    def chunks():
        yield b'{"layers": [2, 2, 1], "data": {"X": ['
        for _ in range(100):
            yield b"[0.5, 0.25]," * 10
        yield b"[0, 0]]}}"

    r = client.post("/api/sessions", content=chunks(), headers={"content-type":
                                                                 "application/json"})
    assert r.status_code == 413 and r.json()["limit"] == 4096
    r = client.post("/ui/new", content=chunks(), headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    # Under the limit all is as before.
    assert client.post("/api/sessions", json={}).status_code == 201


def test_too_many_requests_is_429_with_retry_after(tmp_path):
    client = make_client(tmp_path, rate_limit=5)
    statuses = [client.get("/api/sessions/x").status_code for _ in range(5)]
    assert statuses == [404] * 5
    r = client.post("/api/sessions", json={})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert "at most 5 requests a minute" in r.json()["message"]
    assert_secured(r)
    # Health checks and static files are not counted.
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_the_token_bucket_refills_and_counts_clients_apart():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.hit("a") == 0 for _ in range(60))
    assert limiter.hit("a") == pytest.approx(1.0)
    assert limiter.hit("b") == 0  # another client has its own bucket
    now[0] += 2.5
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("a") > 0


def test_cookies_are_secure_over_https_only(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", rate_limit=0, store="sqlite"))
    https = TestClient(app, base_url="https://testserver")
    cookies = https.get("/").headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "; Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    assert all("; Secure" in c for c in cookies)
    plain = TestClient(app).get("/").headers.get_list("set-cookie")
    assert plain and all("Secure" not in c for c in plain)


def test_user_text_is_escaped(client):
    evil = "<script>alert(1)</script>"
    r = client.post("/ui/new", data={"layers": f"2,{evil},1", "activations": evil,
                                     "dataset": evil})
    assert r.status_code == 200 and "<script>" not in r.text
    r = client.post("/ui/new", data={"preset": evil})  # echoed back in the message
    assert r.status_code == 200 and "unknown preset" in r.text
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    page = client.get(f"/?lang={evil}")
    assert evil not in page.text
    r = client.get(f"/s/{evil}")
    assert r.status_code == 404 and evil not in r.text


def test_ids_are_long_random_and_never_in_share_links(client):
    ids = {client.post("/api/sessions", json={}).json()["id"] for _ in range(20)}
    assert len(ids) == 20 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)
    sid = next(iter(ids))
    snap = client.post(f"/api/sessions/{sid}/snapshots").json()
    assert sid not in snap["url"] and len(snap["id"]) == 11
