"""The vendored front-end assets under static/vendor match static/vendor/manifest.json.

Standard library only: these checks must not depend on the app's own packages.
Regenerate the files and the manifest with `python static/vendor/update.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"
OWN_FILES = {"manifest.json", "update.py"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^)'"]+)\1\s*\)""")


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _entries() -> list[tuple[str, str]]:
    return [
        (entry["path"], entry["sha256"])
        for pkg in _manifest()["packages"]
        for entry in pkg["files"]
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_shape() -> None:
    manifest = _manifest()
    names = {pkg["name"] for pkg in manifest["packages"]}
    assert {"htmx.org", "katex"} <= names
    for pkg in manifest["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", pkg["version"]), pkg
        assert pkg["integrity"].startswith("sha512-"), pkg
        assert pkg["files"], pkg
        for entry in pkg["files"]:
            assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry
            # Relative, forward slashes, no escaping static/vendor.
            assert not entry["path"].startswith("/") and ".." not in entry["path"].split("/")


def test_expected_assets_are_listed() -> None:
    paths = {path for path, _ in _entries()}
    assert {"htmx/htmx.min.js", "katex/katex.min.js", "katex/katex.min.css"} <= paths
    assert any(p.startswith("katex/fonts/") and p.endswith(".woff2") for p in paths)


@pytest.mark.parametrize("rel,sha256", _entries(), ids=[p for p, _ in _entries()])
def test_vendored_file_matches_manifest(rel: str, sha256: str) -> None:
    path = VENDOR / rel
    assert path.is_file(), f"{rel} is listed in manifest.json but missing"
    assert _sha256(path) == sha256, f"{rel}: sha256 differs from manifest.json"


def test_no_unlisted_files() -> None:
    listed = {path for path, _ in _entries()}
    on_disk = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    unlisted = sorted(on_disk - listed - OWN_FILES)
    assert not unlisted, f"files under static/vendor missing from manifest.json: {unlisted}"


def test_katex_css_woff2_fonts_exist() -> None:
    css_path = VENDOR / "katex" / "katex.min.css"
    urls = {m.group(2) for m in CSS_URL.finditer(css_path.read_text(encoding="utf-8"))}
    woff2 = sorted(u for u in urls if u.split("?")[0].split("#")[0].endswith(".woff2"))
    assert woff2, "katex.min.css references no .woff2 font"
    missing = [u for u in woff2 if not (css_path.parent / u.split("?")[0].split("#")[0]).is_file()]
    assert not missing, f"katex.min.css references missing fonts: {missing}"
    # Only the font directory next to the css is referenced (the .woff/.ttf are not vendored).
    assert all(u.startswith("fonts/") for u in urls), sorted(urls)
