"""A live server for tests: `python -m app` (the production command) on a free port of
127.0.0.1, stopped by its PID; and the Chromium the browser tests drive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's package (.ci/setup installs it)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m app` on a free port of 127.0.0.1 with extra environment; stopped by PID."""

    def __init__(self, tmp_path: Path, **env: str):
        self.tmp_path, self.env = tmp_path, env
        self.proc: subprocess.Popen | None = None
        self.log = tmp_path / "server.log"
        self.out = tmp_path / "server.out"  # stdout: uvicorn's access log

    def start(self) -> Server:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        inherited = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env = {**inherited, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(self.port),
               "BACKPROP_RATE_LIMIT": "0", **self.env}
        with open(self.log, "ab") as log, open(self.out, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, cwd=ROOT,
                                         stdout=out, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def errors(self) -> str:
        text = self.log.read_text() if self.log.exists() else ""
        return "\n".join(line for line in text.splitlines()
                         if "Traceback" in line or "Error" in line)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
