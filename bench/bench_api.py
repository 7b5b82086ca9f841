"""API cost: one POST /api/sessions/{id}/next (and /prev), in process and over real HTTP.

    .venv/bin/python bench/bench_api.py [--quick] [--no-server]

1. In process: the ASGI app through Starlette's TestClient (no sockets), for 2-2-1 XOR and
   2-8-8-1 on 200 circles. Requests walk whole iterations forward with `next` and back with
   `prev`, so every position of the plan is measured equally. Prints mean, p50 and p99 in µs.
2. The JSON size of a state (at the start, after the forward pass, after a whole iteration) and
   how the time of one response splits between building the state and encoding it.
3. Over HTTP: a real uvicorn started with `python -m app` on 127.0.0.1 and a free port
   (BACKPROP_PORT), measured with httpx (keep-alive) for a bounded number of requests; the
   server is stopped by its PID at the end.
One BLAS thread, as for the engine benchmark.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
# One client sends every request: lift the per-client rate limit. The sessions go to a
# throwaway store.
os.environ["BACKPROP_RATE_LIMIT"] = "0"
os.environ.setdefault("BACKPROP_DATA_DIR", __import__("tempfile").mkdtemp(prefix="bench-api-"))

import argparse  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient  # noqa: E402

from app.api.json import dumps  # noqa: E402
from app.main import create_app  # noqa: E402
from app.schemas import SessionConfig  # noqa: E402
from app.sessions import session_state  # noqa: E402
from app.store import MemoryStore  # noqa: E402

NETWORKS = {
    "2-2-1 xor (m=4)": {},
    "2-8-8-1 circles (m=200)": {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"],
                                "dataset": "circles"},
}


def summary(samples_s: list[float]) -> str:
    us = sorted(s * 1e6 for s in samples_s)
    p50 = us[len(us) // 2]
    p99 = us[min(len(us) - 1, int(len(us) * 0.99))]
    return (f"n={len(us):5d}  mean {statistics.fmean(us):9.0f} µs  p50 {p50:9.0f} µs  "
            f"p99 {p99:9.0f} µs")


def walk(client, base: str, sid: str, steps_per_iteration: int, rounds: int) -> dict:
    """`rounds` × (one iteration of `next`, then the same number of `prev`), each timed."""
    times: dict[str, list[float]] = {"next": [], "prev": []}
    for _ in range(rounds):
        for move in ("next", "prev"):
            for _ in range(steps_per_iteration):
                start = time.perf_counter()
                response = client.post(f"{base}/api/sessions/{sid}/{move}")
                times[move].append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{move}: {response.status_code} {response.text[:200]}")
    return times


def floor(client, base: str, n: int) -> None:
    """GET /healthz: a trivial sync endpoint, the framework's own cost per request."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(f"{base}/healthz")
        times.append(time.perf_counter() - start)
    print(f"  {'GET /healthz (floor)':26}            {summary(times)}")


def in_process(requests_per_move: dict[str, int]) -> None:
    print("== in process (TestClient over the ASGI app) ==")
    with TestClient(create_app()) as client:
        floor(client, "", max(requests_per_move.values()))
        for name, config in NETWORKS.items():
            state = client.post("/api/sessions", json=config).json()
            n = state["steps_per_iteration"]
            walk(client, "", state["id"], n, 1)  # warm-up
            rounds = max(1, requests_per_move[name] // n)
            times = walk(client, "", state["id"], n, rounds)
            for move, samples in times.items():
                print(f"  {name:26} POST {move:4}  {summary(samples)}")


def state_sizes() -> None:
    print("== state JSON ==")
    store = MemoryStore(10)
    for name, config in NETWORKS.items():
        session = store.create(SessionConfig(**config))
        stepper = session.stepper
        sizes = []
        for label, move in (("start", None), ("after forward", stepper.forward),
                            ("after an iteration", stepper.iterate)):
            if move:
                move()
            sizes.append(f"{label} {len(dumps(session_state(session))) / 1024:7.1f} KiB")
        print(f"  {name:26} " + ", ".join(sizes))
        # Where the time of the largest response goes.
        start = time.perf_counter()
        for _ in range(20):
            state = session_state(session)
        build = (time.perf_counter() - start) / 20
        start = time.perf_counter()
        for _ in range(20):
            body = dumps(state)
        encode = (time.perf_counter() - start) / 20
        without_values = len(dumps(session_state(session, with_steps=False)))
        print(f"  {'':26} full state: build {build * 1e3:.1f} ms, orjson {encode * 1e3:.1f} ms"
              f" for {len(body) / 1024:.0f} KiB; without the steps list {without_values / 1024:.0f}"
              " KiB")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(requests_per_move: dict[str, int]) -> None:
    port = free_port()
    env = {**os.environ, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    print(f"== over HTTP (uvicorn via `python -m app`, pid {server.pid}, {base}) ==")
    try:
        with httpx.Client(timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start: "
                                     + server.stderr.read().decode(errors="replace")[-2000:])
                time.sleep(0.1)
            floor(client, base, max(requests_per_move.values()))
            for name, config in NETWORKS.items():
                state = client.post(f"{base}/api/sessions", json=config).json()
                n = state["steps_per_iteration"]
                walk(client, base, state["id"], n, 1)
                rounds = max(1, requests_per_move[name] // n)
                times = walk(client, base, state["id"], n, rounds)
                for move, samples in times.items():
                    print(f"  {name:26} POST {move:4}  {summary(samples)}")
    finally:
        server.terminate()  # only the process started above, by its PID
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(f"  server {server.pid} stopped (exit code {server.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few requests only")
    parser.add_argument("--no-server", action="store_true", help="skip the uvicorn part")
    args = parser.parse_args()
    names = list(NETWORKS)
    if args.quick:
        local = http = {names[0]: 100, names[1]: 40}
    else:
        local = {names[0]: 3000, names[1]: 400}
        http = {names[0]: 2000, names[1]: 400}
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    in_process(local)
    state_sizes()
    if not args.no_server:
        over_http(http)


if __name__ == "__main__":
    main()
