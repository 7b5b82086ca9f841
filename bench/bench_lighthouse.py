"""Lighthouse 12.2.3 scores of the page: performance, accessibility, best practices, SEO and the
largest contentful paint, on the start page and on a page mid-step, mobile and desktop.

    .venv/bin/python bench/bench_lighthouse.py [--runs 3] [--keep DIR]

Lighthouse comes from npm, installed on first use into bench/.lighthouse (ignored by git, never
committed): `npm install --prefix bench/.lighthouse lighthouse@12.2.3`. It drives Debian's
Chromium (CHROME_PATH=/usr/bin/chromium, headless, no sandbox) against the production start
command (`python -m app`, one worker, on a free port of 127.0.0.1), which this script starts and
stops by its PID.

- start page: GET / in a fresh browser profile (a new session each run).
- mid-step: a session created and moved into the backward pass beforehand (forward pass, then
  two steps: dZ[2] shown), opened with its session cookie (Lighthouse's --extra-headers).

Mobile is Lighthouse's default (Moto G Power, 4× CPU slowdown, simulated slow 4G); desktop is
`--preset=desktop`. Each configuration runs `--runs` times; the median run (by performance) is
printed, with the audits that cost points in any category.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE_VERSION = "12.2.3"
LH_DIR = ROOT / "bench" / ".lighthouse"
LH_BIN = LH_DIR / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def ensure_lighthouse() -> None:
    """Install Lighthouse into bench/.lighthouse unless that exact version is there."""
    package = LH_DIR / "node_modules" / "lighthouse" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == LIGHTHOUSE_VERSION:
        return
    if shutil.which("npm") is None:
        sys.exit("npm is needed to install Lighthouse (Debian: apt-get install npm)")
    LH_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(LH_DIR),
                    f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m app` on a free port, with its own data directory; stopped by PID."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(self.port),
               "BACKPROP_DATA_DIR": str(data_dir), "BACKPROP_RATE_LIMIT": "0"}
        env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit("the server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def mid_step_cookie(url: str) -> str:
    """A page session moved into the backward pass; its cookie."""
    with httpx.Client(base_url=url) as client:
        client.get("/?lang=en").raise_for_status()
        sid = client.cookies["bs_session"]
        for move in ("forward", "next", "next"):
            client.post(f"/ui/{sid}/{move}").raise_for_status()
        return f"bs_session={sid}; bs_lang=en"


def lighthouse(url: str, out: Path, desktop: bool, cookie: str | None) -> dict:
    args = [str(LH_BIN), url, "--output=json", f"--output-path={out}", "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}"]
    if desktop:
        args.append("--preset=desktop")
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    for attempt in range(3):  # a loaded machine now and then loses the trace (NO_NAVSTART)
        done = subprocess.run(args, env={**os.environ, "CHROME_PATH": CHROME})
        if done.returncode == 0:
            report = json.loads(out.read_text())
            if report["categories"]["performance"]["score"] is not None:
                return report
        print(f"    (run failed, attempt {attempt + 1} of 3)", flush=True)
    sys.exit("Lighthouse failed three times in a row")


def summary(report: dict) -> dict:
    cats = report["categories"]
    audits = report["audits"]
    lost = []
    for key in CATEGORIES:
        for ref in cats[key]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
                shown = audit.get("displayValue", "")
                lost.append(f"{key}: {ref['id']} {audit['score']:.2f} {shown}".rstrip())
    return {
        **{key: round(100 * cats[key]["score"]) for key in CATEGORIES},
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        # Lighthouse's own measure of the CPU it had (higher: faster); it scales the simulated
        # 4× mobile slowdown's main-thread times, so a loaded machine shows in TBT.
        "benchmark": report["environment"]["benchmarkIndex"],
        "lost": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per configuration (median)")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this directory")
    parser.add_argument("--pages", default="start,mid-step", help="start, mid-step or both")
    parser.add_argument("--forms", default="mobile,desktop", help="mobile, desktop or both")
    options = parser.parse_args()
    ensure_lighthouse()
    work = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    reports = options.keep or work
    reports.mkdir(parents=True, exist_ok=True)
    server = Server(work / "data")
    try:
        print(f"Lighthouse {LIGHTHOUSE_VERSION}, {CHROME} ({CHROME_FLAGS}), server {server.url}")
        print(f"{'page':<10} {'form':<8} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5} "
              f"{'LCP ms':>8} {'FCP ms':>8} {'TBT ms':>7} {'CLS':>6} {'KiB':>6}  perf of runs "
              "(CPU benchmark index of each run)")
        for page in options.pages.split(","):
            for form in options.forms.split(","):
                runs = []
                for k in range(options.runs):
                    cookie = mid_step_cookie(server.url) if page == "mid-step" else None
                    out = reports / f"{page}-{form}-{k + 1}.json"
                    runs.append(summary(lighthouse(server.url + "/", out, form == "desktop",
                                                   cookie)))
                perfs = [r["performance"] for r in runs]
                median = sorted(runs, key=lambda r: (r["performance"], -r["lcp_ms"]))[
                    len(runs) // 2]
                print(f"{page:<10} {form:<8} {median['performance']:>5} "
                      f"{median['accessibility']:>5} {median['best-practices']:>5} "
                      f"{median['seo']:>5} {median['lcp_ms']:>8.0f} {median['fcp_ms']:>8.0f} "
                      f"{median['tbt_ms']:>7.0f} {median['cls']:>6.3f} "
                      f"{median['bytes'] / 1024:>6.0f}  {perfs} (median "
                      f"{statistics.median(perfs):g}; "
                      f"{[round(r['benchmark']) for r in runs]})", flush=True)
                for line in sorted({x for r in runs for x in r["lost"]}):
                    print(f"    {line}")
    finally:
        server.stop()
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
