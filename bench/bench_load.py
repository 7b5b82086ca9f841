"""Load: 64 concurrent clients, each stepping its own session, against the production command.

    .venv/bin/python bench/bench_load.py [--seconds 30] [--clients 64] [--workers 1] [--ui]

Loopback only and bounded: the script starts `python -m app` (what `backprop-stepper` and the
Docker image run) on 127.0.0.1 and a free port with a fresh data directory (the embedded SQLite
store), creates one session per client, then runs wrk (/usr/bin/wrk, Debian's package) twice for
`--seconds` each with `--clients` connections:

1. the floor: GET /healthz, a trivial endpoint (the framework and transport alone);
2. the steps: POST /api/sessions/{id}/next (the JSON state back) on the pre-created sessions,
   as many as connections, dealt out in turn by a Lua script (so each session has about one
   request in flight at a time); with --ui,
   POST /ui/{id}/next (the HTML fragment the page swaps in) instead.

Prints requests/s, p50/p99 latency and errors (non-2xx and socket errors: must be 0) for both,
and the ratio of the p50s (target: step ≤ 3× floor). The rate limit and the per-client
concurrency limit are lifted for the run (every request comes from one address); the server is
stopped by its PID at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WRK = "/usr/bin/wrk"

LUA = """
-- Each wrk thread owns clients/2 sessions and as many connections, and deals its sessions out
-- to its requests in turn: with one request in flight per connection, each session has about
-- one request at a time (two on one session just wait for its lock, which only costs latency).
local sessions = {%(sessions)s}
local per_thread = %(per_thread)d
local counter = 1
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("offset", next_id * per_thread)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function request()
  local sid = sessions[offset + ((counter - 1) %% per_thread) + 1]
  counter = counter + 1
  return wrk.format("POST", "%(prefix)s" .. sid .. "/next")
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("STATUS_ERRORS %%d\\n", errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(port),
           "BACKPROP_DATA_DIR": str(data_dir), "BACKPROP_RATE_LIMIT": "0",
           "BACKPROP_CLIENT_CONCURRENCY": "64",
           "BACKPROP_WORKERS": str(workers), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.1)


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def run_wrk(url: str, clients: int, seconds: int, script: Path | None) -> dict:
    threads = 2
    cmd = [WRK, "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=False,
                         timeout=seconds + 60)
    if out.returncode != 0 or "Latency Distribution" not in out.stdout:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    out = out.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "99" not in latency:
        raise SystemExit(f"cannot read the latency of:\n{out}")
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(latency["50"]),
        "p99": to_ms(latency["99"]),
        "errors": errors,
        "raw": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--ui", action="store_true", help="step through the HTML fragments")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if args.clients % 2:
        raise SystemExit("--clients must be even (two wrk threads)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    proc, url = start_server(tmp / "data", args.workers)
    try:
        with httpx.Client(base_url=url) as client:
            sessions = [client.post("/api/sessions", json={}).json()["id"]
                        for _ in range(args.clients)]
        script = tmp / "step.lua"
        script.write_text(LUA % {
            "sessions": ", ".join(f'"{s}"' for s in sessions),
            "per_thread": args.clients // 2,
            "prefix": "/ui/" if args.ui else "/api/sessions/",
        })
        floor = run_wrk(url + "/healthz", args.clients, args.seconds, None)
        steps = run_wrk(url, args.clients, args.seconds, script)
        with httpx.Client(base_url=url) as client:
            states = [client.get(f"/api/sessions/{s}").json() for s in sessions]
        # `iteration` counts from 1; its update done, `updates` equals it (cursor_index is 0).
        total_steps = sum((s["iteration"] - 1) * s["steps_per_iteration"] + s["cursor_index"]
                          + (s["updates"] == s["iteration"]) * s["steps_per_iteration"]
                          for s in states)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    size = sum(f.stat().st_size for f in (tmp / "data").glob("sessions.sqlite3*"))
    shutil.rmtree(tmp, ignore_errors=True)
    if args.verbose:
        print(floor["raw"], steps["raw"])
    what = "POST /ui/{id}/next (HTML)" if args.ui else "POST /api/sessions/{id}/next (JSON)"
    print(f"{args.clients} clients, {args.seconds} s each, {args.workers} worker(s), "
          f"SQLite store, loopback")
    print("| request | requests | req/s | p50 | p99 | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in (("GET /healthz (floor)", floor), (what, steps)):
        print(f"| {name} | {r['requests']:,} | {r['rps']:,.0f} | {r['p50']:.2f} ms | "
              f"{r['p99']:.2f} ms | {r['errors']} |")
    print(f"p50 step / p50 floor: {steps['p50'] / floor['p50']:.2f}× (target ≤ 3×)")
    print(f"steps stored: {total_steps:,} over {len(sessions)} sessions "
          f"(wrk counted {steps['requests']:,} responses); store file {size / 1e6:.1f} MB")
    if steps["errors"] or floor["errors"]:
        raise SystemExit("errors during the run")


if __name__ == "__main__":
    main()
