"""The files under static/, read once at start-up and served from memory under fingerprinted
names: /static/app.css is also /static/app.<hash>.css, where <hash> is the first 10 hex digits
of the SHA-256 of the bytes served. A fingerprinted URL never changes meaning, so it is cached
for a year (`immutable`); the plain name still works, with a short cache and an ETag. Text files
are gzipped once here, and sent gzipped to clients that accept it.

Stylesheets' url(...) references to other static files are rewritten to their fingerprinted
names before hashing (KaTeX's fonts), and so are ES modules' relative imports (static/js/:
`import { x } from "./dom.js"` becomes "./dom.<hash>.js", each module after the ones it
imports), so a page's whole chain of assets is long-cached and one release never mixes with
another's modules.

Python files (static/vendor/update.py, the script that fetches the vendored assets) and hidden
files are not served.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.types import Receive, Scope, Send

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"  # plain names: the same file may change with the next release
NOT_SERVED_SUFFIXES = frozenset({".py", ".pyc"})
COMPRESSIBLE = frozenset({".css", ".js", ".json", ".svg", ".txt", ".html", ".map"})
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff",
         ".ttf": "font/ttf", ".json": "application/json", ".png": "image/png"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^)'"]+)\1\s*\)""")
# A static import of a module by relative path: `from "./x.js"`, `import "../y.js"`.
MODULES = "js/"  # the page script's ES modules (vendored scripts are left as they are)
JS_IMPORT = re.compile(r"""\b(from|import)(\s*)(["'])(\.\.?/[^"'\s]+)\3""")


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, gzipped bytes (None when not worth it) and headers."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    digest: str  # the first HASH_LENGTH hex digits of sha256(body)

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def fingerprinted(rel: str, digest: str) -> str:
    """'vendor/katex/katex.min.css' -> 'vendor/katex/katex.min.<digest>.css'."""
    head, dot, ext = rel.rpartition(".")
    if not dot or "/" in ext:
        return f"{rel}.{digest}"
    return f"{head}.{digest}.{ext}"


def _servable(rel: Path) -> bool:
    return (rel.suffix not in NOT_SERVED_SUFFIXES and "__pycache__" not in rel.parts
            and not any(part.startswith(".") for part in rel.parts))


def _make_asset(body: bytes, suffix: str) -> Asset:
    gzipped = None
    if suffix in COMPRESSIBLE and len(body) > 256:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) * 0.9 else None
    media_type = TYPES.get(suffix) or mimetypes.guess_type("x" + suffix)[0] or \
        "application/octet-stream"
    return Asset(body, gzipped, media_type, hashlib.sha256(body).hexdigest()[:HASH_LENGTH])


class StaticAssets:
    """An ASGI app for the mount at /static, and `url()` for templates."""

    def __init__(self, directory: Path, prefix: str = "/static"):
        self.prefix = prefix
        self.assets: dict[str, Asset] = {}  # by plain relative path
        self.hashed: dict[str, str] = {}  # fingerprinted relative path -> plain one
        files = sorted(p.relative_to(directory) for p in Path(directory).rglob("*")
                       if p.is_file())
        self._raw = {p.as_posix(): (directory / p).read_bytes() for p in files if _servable(p)}
        # Stylesheets last: their url(...)s name the other files' fingerprinted names; a
        # module after the modules it imports (_add recurses).
        for rel in sorted(self._raw, key=lambda r: r.endswith(".css")):
            self._add(rel, ())

    def _add(self, rel: str, importers: tuple[str, ...]) -> None:
        if rel in self.assets:
            return
        if rel in importers:
            raise ValueError(f"static/{rel}: modules that import each other cannot be "
                             "fingerprinted (" + " -> ".join((*importers, rel)) + ")")
        body = self._raw[rel]
        if rel.endswith(".css"):
            body = self._rewrite_css(rel, body)
        elif rel.startswith(MODULES) and rel.endswith(".js"):
            body = self._rewrite_imports(rel, body, (*importers, rel))
        asset = _make_asset(body, posixpath.splitext(rel)[1].lower())
        self.assets[rel] = asset
        self.hashed[fingerprinted(rel, asset.digest)] = rel

    def _rewrite_imports(self, rel: str, body: bytes, chain: tuple[str, ...]) -> bytes:
        text = body.decode("utf-8")
        if "import" not in text:
            return body
        base = posixpath.dirname(rel)

        def swap(match: re.Match) -> str:
            keyword, space, quote, ref = match.groups()
            target = posixpath.normpath(posixpath.join(base, ref))
            if target not in self._raw:
                raise ValueError(f"static/{rel} imports {ref}: no such file")
            self._add(target, chain)
            new = posixpath.relpath(fingerprinted(target, self.assets[target].digest),
                                    base or ".")
            return f"{keyword}{space}{quote}./{new}{quote}" if not new.startswith(".") else \
                f"{keyword}{space}{quote}{new}{quote}"

        return JS_IMPORT.sub(swap, text).encode("utf-8")

    def _rewrite_css(self, rel: str, body: bytes) -> bytes:
        base = posixpath.dirname(rel)

        def swap(match: re.Match) -> str:
            quote, ref = match.group(1), match.group(2)
            if ":" in ref or ref.startswith(("/", "#")):
                return match.group(0)  # data:, absolute and fragment URLs stay
            path, sep, tail = ref.partition("?") if "?" in ref else ref.partition("#")
            target = posixpath.normpath(posixpath.join(base, path))
            asset = self.assets.get(target)
            if asset is None:
                return match.group(0)
            new = posixpath.relpath(fingerprinted(target, asset.digest), base or ".")
            return f"url({quote}{new}{sep}{tail}{quote})"

        return CSS_URL.sub(swap, body.decode("utf-8")).encode("utf-8")

    def url(self, rel: str) -> str:
        """The fingerprinted URL of static/<rel>; an unknown file is an error (a typo in a
        template should fail the first render, not 404 in a browser)."""
        asset = self.assets[rel]
        return f"{self.prefix}/{fingerprinted(rel, asset.digest)}"

    def lookup(self, rel: str) -> tuple[Asset, bool] | None:
        """The asset at a requested relative path and whether the path was fingerprinted."""
        plain = self.hashed.get(rel)
        if plain is not None:
            return self.assets[plain], True
        asset = self.assets.get(rel)
        return (asset, False) if asset is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path, root = scope["path"], scope.get("root_path", "")
        rel = path[len(root):] if root and path.startswith(root) else path
        found = self.lookup(rel.lstrip("/"))
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")])
            return
        if found is None:
            await _plain(send, 404, b"Not Found")
            return
        asset, immutable = found
        request_headers = dict(scope.get("headers", []))
        headers = [(b"cache-control", (IMMUTABLE if immutable else SHORT).encode()),
                   (b"etag", asset.etag.encode())]
        if asset.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if asset.etag.encode() in _tags(request_headers.get(b"if-none-match", b"")):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body
        if asset.gzipped is not None and _accepts_gzip(request_headers.get(b"accept-encoding",
                                                                          b"")):
            body = asset.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers += [(b"content-type", asset.media_type.encode()),
                    (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


def _tags(header: bytes) -> set[bytes]:
    return {t.strip().removeprefix(b"W/") for t in header.split(b",")}


def _accepts_gzip(header: bytes) -> bool:
    """Whether Accept-Encoding allows gzip (named without q=0, or * without q=0)."""
    for part in header.lower().split(b","):
        name, _, params = part.strip().partition(b";")
        q = params.strip()
        try:
            refused = q.startswith(b"q=") and float(q[2:] or 0) == 0
        except ValueError:
            refused = True
        if name.strip() in (b"gzip", b"*") and not refused:
            return True
    return False


async def _plain(send: Send, status: int, body: bytes,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
