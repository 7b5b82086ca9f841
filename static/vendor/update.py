#!/usr/bin/env python3
"""Vendor the front-end assets (htmx, KaTeX, Swagger UI, axe-core) from the npm registry,
with checksums.

Usage (from anywhere; paths are resolved from this file's location):

    python static/vendor/update.py           # npm pack, verify, extract, rewrite manifest.json
    python static/vendor/update.py --check   # verify files on disk against manifest.json

To bump a version, edit PACKAGES below and run the script without --check.

Update mode needs `npm` on PATH (only `npm pack` and `npm view` are used, so nothing
is installed). Every tarball is checked against the registry's `dist.integrity`
(sha512, Subresource-Integrity format) before anything is extracted. Only the files
matched by each package's patterns are written; the package's vendor directory is
emptied first so that files dropped by a new version do not linger.

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

VENDOR_DIR = Path(__file__).resolve().parent
MANIFEST = VENDOR_DIR / "manifest.json"
# Files in VENDOR_DIR that belong to the tooling, not to any package.
OWN_FILES = frozenset({"manifest.json", "update.py"})

# name: npm package name; version: exact version; dest: directory under static/vendor;
# files: (glob matched against the path inside the tarball, destination sub-directory
# relative to dest). Globs use fnmatch, where "*" does not stop at "/", so keep them
# anchored to one directory (e.g. "package/dist/fonts/*.woff2").
PACKAGES: list[dict] = [
    {
        "name": "htmx.org",
        "version": "2.0.11",
        "dest": "htmx",
        "files": [
            ("package/dist/htmx.min.js", ""),
        ],
    },
    {
        "name": "katex",
        "version": "0.19.1",
        "dest": "katex",
        "files": [
            ("package/dist/katex.min.js", ""),
            ("package/dist/katex.min.css", ""),
            # katex.min.css refers to url(fonts/NAME.woff2): keep fonts/ next to the css.
            ("package/dist/fonts/*.woff2", "fonts"),
        ],
    },
    {
        # The API's interactive documentation at /docs (FastAPI's page, pointed here).
        "name": "swagger-ui-dist",
        "version": "5.35.0",
        "dest": "swagger-ui",
        "files": [
            ("package/swagger-ui-bundle.js", ""),
            ("package/swagger-ui.css", ""),
        ],
    },
    {
        # The accessibility checker the browser tests inject (tests/test_a11y_browser.py);
        # never loaded by the page itself.
        "name": "axe-core",
        "version": "4.14.1",
        "dest": "axe-core",
        "files": [
            ("package/axe.min.js", ""),
        ],
    },
]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def sri_of(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return f"{algo}-{base64.b64encode(h.digest()).decode('ascii')}"


def run_npm(args: list[str], cwd: Path) -> str:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "update.py: npm is not on PATH (needed to fetch packages; --check does not need it)"
        )
    proc = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(f"update.py: `npm {' '.join(args)}` failed with exit code {proc.returncode}")
    return proc.stdout


def registry_integrity(spec: str, cwd: Path) -> str:
    out = run_npm(["view", spec, "dist.integrity", "--json"], cwd).strip()
    value = json.loads(out) if out else None
    if isinstance(value, list):  # a range resolving to several versions
        sys.exit(f"update.py: {spec} matches several versions; pin an exact version")
    if not isinstance(value, str) or not value.startswith("sha512-"):
        sys.exit(f"update.py: registry gave no sha512 dist.integrity for {spec}: {out!r}")
    return value


def npm_pack(spec: str, cwd: Path) -> Path:
    out = run_npm(["pack", spec, "--json", "--silent"], cwd)
    info = json.loads(out)
    filename = info[0]["filename"]
    # npm writes scoped names as scope-name-ver.tgz; the filename is given relative to cwd.
    tarball = cwd / filename
    if not tarball.is_file():
        sys.exit(f"update.py: npm pack did not produce {tarball}")
    return tarball


def extract(tarball: Path, pkg: dict, dest: Path) -> list[Path]:
    """Extract only the files matched by pkg['files'] into dest; return the written paths."""
    written: list[Path] = []
    with tarfile.open(tarball, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        for pattern, subdir in pkg["files"]:
            matched = [m for m in members if fnmatch.fnmatchcase(m.name, pattern)]
            if not matched:
                sys.exit(f"update.py: {pkg['name']}@{pkg['version']}: nothing matches {pattern}")
            for member in matched:
                name = PurePosixPath(member.name).name
                if name in ("", ".", "..") or "/" in name:
                    sys.exit(f"update.py: refusing odd member name {member.name!r}")
                target = dest / subdir / name if subdir else dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with src, target.open("wb") as out:
                    shutil.copyfileobj(src, out)
                target.chmod(0o644)
                written.append(target)
    return written


def update() -> int:
    manifest: dict = {
        "comment": "Generated by static/vendor/update.py; do not edit by hand.",
        "packages": [],
    }
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        tmpdir = Path(tmp)
        for pkg in PACKAGES:
            spec = f"{pkg['name']}@{pkg['version']}"
            expected = registry_integrity(spec, tmpdir)
            tarball = npm_pack(spec, tmpdir)
            actual = sri_of(tarball, "sha512")
            if actual != expected:
                sys.exit(
                    f"update.py: integrity mismatch for {spec}:\n"
                    f"  registry {expected}\n  tarball  {actual}"
                )
            print(f"{spec}: integrity ok ({expected[:23]}...)")

            dest = VENDOR_DIR / pkg["dest"]
            if dest.resolve().parent != VENDOR_DIR:
                sys.exit(f"update.py: dest {pkg['dest']!r} must be a direct subdirectory")
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            written = extract(tarball, pkg, dest)

            files = []
            for path in sorted(written):
                rel = path.relative_to(VENDOR_DIR).as_posix()
                files.append(
                    {"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size}
                )
                print(f"  {rel} ({path.stat().st_size} bytes)")
            manifest["packages"].append(
                {
                    "name": pkg["name"],
                    "version": pkg["version"],
                    "integrity": expected,
                    "files": files,
                }
            )
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MANIFEST.relative_to(VENDOR_DIR.parent.parent)}")
    return check()


def check() -> int:
    try:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"update.py --check: cannot read {MANIFEST}: {exc}", file=sys.stderr)
        return 1
    problems: list[str] = []
    listed: set[str] = set()
    count = 0
    for pkg in manifest.get("packages", []):
        for entry in pkg.get("files", []):
            rel = entry["path"]
            listed.add(rel)
            count += 1
            path = VENDOR_DIR / rel
            if not path.is_file():
                problems.append(f"missing: {rel} ({pkg['name']}@{pkg['version']})")
            elif sha256_file(path) != entry["sha256"]:
                problems.append(f"sha256 mismatch: {rel} ({pkg['name']}@{pkg['version']})")
    for path in sorted(VENDOR_DIR.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(VENDOR_DIR).as_posix()
        if rel not in listed and rel not in OWN_FILES:
            problems.append(f"not in manifest: {rel}")
    if problems:
        for p in problems:
            print(f"update.py --check: {p}", file=sys.stderr)
        return 1
    print(f"update.py --check: {count} vendored files match manifest.json")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the files on disk against manifest.json and exit non-zero on mismatch",
    )
    args = parser.parse_args(argv)
    return check() if args.check else update()


if __name__ == "__main__":
    sys.exit(main())
