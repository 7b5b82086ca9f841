"""Static files under fingerprinted names (app/static_files.py): long-cached, gzipped when asked,
their names naming their content; plain names still answer with a short cache; the vendoring
script is never served. Pages and fragments are gzipped too (GZipMiddleware)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.static_files import IMMUTABLE, SHORT, StaticAssets, fingerprinted

HASHED = re.compile(r"^/static/(.+)\.([0-9a-f]{10})(\.[a-z0-9]+)$")
IDENTITY = {"Accept-Encoding": "identity"}


def _asset_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [el.get("href") or el.get("src") for el in soup.select("link[href], script[src]")]


def test_the_page_names_every_asset_by_its_fingerprint(client):
    urls = _asset_urls(client.get("/?lang=en").text)
    plain = sorted(HASHED.sub(r"\1\3", u) for u in urls)
    assert plain == sorted(["app.css", "favicon.svg", "js/main.js", "theme.js",
                            "vendor/htmx/htmx.min.js", "vendor/katex/katex.min.css",
                            "vendor/katex/katex.min.js"])
    for url in urls:
        name, digest, _ = HASHED.match(url).groups()
        r = client.get(url, headers=IDENTITY)
        assert r.status_code == 200, url
        assert r.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert "content-encoding" not in r.headers
        # The name's hash is the hash of the bytes served.
        assert hashlib.sha256(r.content).hexdigest()[:10] == digest, url


def test_fingerprinted_text_files_come_gzipped_when_asked(client):
    url = next(u for u in _asset_urls(client.get("/").text) if "htmx.min" in u)
    plain = client.get(url, headers=IDENTITY)
    r = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) < len(plain.content) / 2  # 52 KB of JS: ~16 KB
    assert r.content == plain.content  # httpx undid the gzip: the same file
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers


def test_plain_names_still_answer_with_a_short_cache_and_revalidate(client):
    r = client.get("/static/app.css", headers=IDENTITY)
    assert r.status_code == 200 and r.headers["cache-control"] == SHORT
    assert r.headers["content-type"] == "text/css; charset=utf-8"
    etag = r.headers["etag"]
    assert etag == f'"{hashlib.sha256(r.content).hexdigest()[:10]}"'
    again = client.get("/static/app.css", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/static/app.css", headers=IDENTITY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(r.content)
    assert client.post("/static/app.css").status_code == 405


@pytest.mark.parametrize("path", ["/static/vendor/update.py", "/static/../app/main.py",
                                  "/static/vendor/nothing.js", "/static/app.0000000000.css"])
def test_the_vendoring_script_and_unknown_files_are_not_served(client, app, path):
    assert client.get(path).status_code == 404
    assert not any(name.endswith(".py") for name in app.state.static.assets)


def test_katex_fonts_are_named_by_fingerprint_inside_its_stylesheet(client):
    url = next(u for u in _asset_urls(client.get("/").text) if u.endswith(".css")
               and "katex" in u)
    css = client.get(url).text
    fonts = re.findall(r"url\((fonts/KaTeX_Main-Regular\.[0-9a-f]{10}\.woff2)\)", css)
    assert fonts, "the stylesheet still names an unhashed font"
    font = client.get(url.rsplit("/", 1)[0] + "/" + fonts[0], headers=IDENTITY)
    assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
    assert font.headers["cache-control"] == IMMUTABLE
    assert "content-encoding" not in client.get(url.rsplit("/", 1)[0] + "/" + fonts[0]).headers


def test_css_rewriting_keeps_data_and_unknown_urls(tmp_path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG-ish")
    (tmp_path / "s.css").write_text(
        'a{background:url(a.png)} b{background:url("data:image/png;base64,AAAA")} '
        "c{background:url(missing.png)} d{background:url('a.png#x')}")
    assets = StaticAssets(tmp_path)
    digest = assets.assets["a.png"].digest
    css = assets.assets["s.css"].body.decode()
    assert f"url(a.{digest}.png)" in css and f"url('a.{digest}.png#x')" in css
    assert 'url("data:image/png;base64,AAAA")' in css and "url(missing.png)" in css
    assert assets.url("s.css") == f"/static/{fingerprinted('s.css', assets.assets['s.css'].digest)}"


def test_pages_and_fragments_are_gzipped_when_asked(client):
    r = client.get("/?lang=en", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    raw = client.get("/?lang=en", headers=IDENTITY)
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 3
    sid = client.cookies["bs_session"]
    step = client.post(f"/ui/{sid}/forward", headers={"Accept-Encoding": "gzip"})
    assert step.status_code == 200 and step.headers["content-encoding"] == "gzip"
    assert 'id="stage"' in step.text


def test_the_docs_page_has_a_language_a_description_and_its_overrides(client):
    r = client.get("/docs")
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one('meta[name="description"]')["content"]
    css = [link["href"] for link in soup.select('link[rel="stylesheet"]')]
    assert [HASHED.sub(r"\1\3", u) for u in css] == ["vendor/swagger-ui/swagger-ui.css",
                                                     "docs.css"]
    assert '"deepLinking": false' in r.text  # no link inside each operation's button
    scripts = [HASHED.sub(r"\1\3", s["src"]) for s in soup.select("script[src]")]
    assert scripts == ["vendor/swagger-ui/swagger-ui-bundle.js", "docs.js"]


@pytest.mark.parametrize("lang,words", [("en", "forward pass"), ("zh", "前向传播")])
def test_the_page_describes_itself_in_its_language(client, lang, words):
    soup = BeautifulSoup(client.get(f"/?lang={lang}").text, "html.parser")
    description = soup.select_one('meta[name="description"]')["content"]
    assert words in description and 20 < len(description) < 160


def test_the_page_script_modules_import_each_other_by_fingerprint(client):
    """static/js/main.js names its imports by their fingerprinted names (and they theirs), so
    the whole module graph is long-cached and a release never mixes with another's."""
    main = next(u for u in _asset_urls(client.get("/").text) if "/js/main." in u)
    seen, todo = set(), [main]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url, headers=IDENTITY)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url
        assert hashlib.sha256(r.content).hexdigest()[:10] == HASHED.match(url).group(2)
        imports = re.findall(r"""from\s*"(\./[^"]+)"|import\s*"(\./[^"]+)\"""", r.text)
        for ref in (a or b for a, b in imports):
            assert HASHED.match("/static/js/" + ref[2:]), (url, ref)  # never a plain name
            todo.append("/static/js/" + ref[2:])
    served = sorted(HASHED.sub(r"\1\3", u) for u in seen)
    on_disk = sorted(f"js/{p.name}" for p in (Path(__file__).parents[1] / "static/js").glob("*.js"))
    assert served == on_disk  # every module is reached, by its fingerprint


def test_modules_that_import_each_other_are_refused_at_start(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js/a.js").write_text('import { b } from "./b.js";\nexport const a = 1;\n')
    (tmp_path / "js/b.js").write_text('import { a } from "./a.js";\nexport const b = 2;\n')
    with pytest.raises(ValueError, match="import each other"):
        StaticAssets(tmp_path)
