"""Abuse: what one misbehaving client costs the other visitors, and the worker's memory.

    .venv/bin/python bench/bench_abuse.py [--quick] [--only flood,memory,...]

Loopback only and bounded: the script starts `python -m app` (default settings but the data
directory, one worker) on 127.0.0.1 and a free port, and stops it by its PID at the end. The
attacker sends from 127.0.0.1; another visitor, in its own process (so that the attacker's
threads do not slow its clock), from 127.0.0.2: it loads the page (GET /) and steps its own
network (POST /ui/{sid}/next) in turn, one request at a time, for as long as each attack lasts.
Each attack is bounded in count and time:

1. flood: 60 concurrent POST /ui/{sid}/train (10,000 iterations) on one session of the largest
   network (64-32×6-16, 2,000 examples);
2. memory: N sessions of the largest network (GET /?layers=…&seed=i, then one iterate), 8 at a
   time (N = 256; --quick 64);
3. cpu: 8 parallel loops of POST /ui/{sid}/train (1,000 iterations) on 8 large sessions, 20 s;
4. snapshots: 100 POST /api/sessions/{id}/snapshots of a session with 2000×64 uploaded data;
5. slow readers: 16 sockets that ask for the largest network's state and read nothing for 5 s.

Prints, per attack: the attacker's answers by status, the other visitor's p50/p99/max latency,
the worker's peak RSS during the attack (sampled every 50 ms from /proc) and what else the
attack is about (data directory growth, CPU used).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LARGEST = {"layers": [64, 32, 32, 32, 32, 32, 32, 16], "activations": ["relu"] * 6 + ["softmax"],
           "loss": "cross_entropy", "dataset": "random", "samples": 2000}
LARGEST_QUERY = ("layers=64,32,32,32,32,32,32,16&activations=relu,relu,relu,relu,relu,relu,"
                 "softmax&loss=cross_entropy&dataset=random&samples=2000")

VISITOR = """
import json, sys, time, httpx
url, stop = sys.argv[1], sys.argv[2]
out = []
transport = httpx.HTTPTransport(local_address="127.0.0.2")
with httpx.Client(base_url=url, transport=transport, timeout=60) as c:
    c.get("/")
    sid = c.cookies.get("bs_session")
    i = 0
    import os
    while not os.path.exists(stop):
        t0 = time.perf_counter()
        try:
            r = c.get("/") if i % 2 == 0 else c.post(f"/ui/{sid}/next")
            status = r.status_code
        except httpx.HTTPError:
            status = 0
        out.append([time.perf_counter() - t0, status])
        i += 1
        time.sleep(0.05)
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    """`python -m app` with one worker (uvicorn serves in the process it starts)."""

    def __init__(self, data_dir: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(self.port),
               "BACKPROP_DATA_DIR": str(data_dir), "OPENBLAS_NUM_THREADS": "1"}
        env.pop("REDIS_URL", None)
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "app"], env=env, cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("server did not start")
            time.sleep(0.1)

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines()
                        if line.startswith("VmRSS:"))) / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


class Watch:
    """The other visitor (its own process) and the worker's RSS, while an attack runs."""

    def __init__(self, worker: Worker, tmp: Path):
        self.worker, self.stop_file = worker, tmp / f"stop-{time.monotonic_ns()}"
        self.peak = worker.rss_mb()
        self.cpu0, self.t0 = worker.cpu_seconds(), time.monotonic()
        self.visitor = subprocess.Popen([sys.executable, "-c", VISITOR, worker.url,
                                         str(self.stop_file)], stdout=subprocess.PIPE, text=True)
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            try:
                self.peak = max(self.peak, self.worker.rss_mb())
            except (OSError, StopIteration):
                return

    def finish(self) -> dict:
        self.stop_file.touch()
        out, _ = self.visitor.communicate(timeout=120)
        self._done.set()
        self._sampler.join()
        samples = json.loads(out)
        latencies = sorted(s[0] for s in samples)

        def pct(p: float) -> float:
            return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

        return {"n": len(samples), "p50": pct(0.5), "p99": pct(0.99), "max": 1000 * latencies[-1],
                "visitor_errors": sum(1 for s in samples if s[1] != 200),
                "peak_mb": self.peak,
                "cpu": (self.worker.cpu_seconds() - self.cpu0) / (time.monotonic() - self.t0)}


def statuses(responses) -> str:
    counts = Counter(r if isinstance(r, int) else r.status_code for r in responses)
    return " ".join(f"{k}×{v}" for k, v in sorted(counts.items()))


def post(url: str, path: str, **kw) -> int:
    try:
        with httpx.Client(base_url=url, timeout=120) as c:
            return c.post(path, **kw).status_code
    except httpx.HTTPError:
        return 0


# -- the attacks -----------------------------------------------------------------------------
def attack_idle(url: str, args) -> tuple[str, str]:
    time.sleep(5)
    return "-", "no attack (5 s)"


def attack_flood(url: str, args) -> tuple[str, str]:
    sid = httpx.post(url + "/api/sessions", json=LARGEST, params={"include": "steps"},
                     timeout=60).json()["id"]
    t0 = time.monotonic()
    with ThreadPoolExecutor(60) as pool:
        answers = list(pool.map(lambda _: post(url, f"/ui/{sid}/train",
                                               data={"iterations": 10000}), range(60)))
    return statuses(answers), f"all answered in {time.monotonic() - t0:.1f} s"


def attack_memory(url: str, args) -> tuple[str, str]:
    count = 64 if args.quick else 256
    deadline = time.monotonic() + args.seconds

    def one(seed: int) -> list[int]:
        if time.monotonic() > deadline:
            return [-1]
        with httpx.Client(base_url=url, timeout=120) as c:
            try:
                r = c.get(f"/?{LARGEST_QUERY}&seed={seed}", follow_redirects=False)
                sid = c.cookies.get("bs_session")
                if r.status_code != 303 or not sid:
                    return [r.status_code]
                return [r.status_code, c.post(f"/ui/{sid}/iterate").status_code]
            except httpx.HTTPError:
                return [0]

    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = [s for pair in pool.map(one, range(count)) for s in pair]
    return statuses(answers), f"{count} sessions in {time.monotonic() - t0:.1f} s"


def attack_cpu(url: str, args) -> tuple[str, str]:
    sids = [httpx.post(url + "/api/sessions", json={**LARGEST, "seed": i},
                       params={"include": "steps"}, timeout=60).json()["id"] for i in range(8)]
    deadline = time.monotonic() + (10 if args.quick else 20)

    def loop(sid: str) -> list[int]:
        out = []
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.monotonic() < deadline:
                try:
                    r = c.post(f"/ui/{sid}/train", data={"iterations": 1000})
                    out.append(r.status_code)
                    if r.status_code == 429:  # as the page does: wait, then ask again
                        time.sleep(min(float(r.headers.get("retry-after", 1)),
                                       max(0.0, deadline - time.monotonic())))
                except httpx.HTTPError:
                    out.append(0)
        return out

    with ThreadPoolExecutor(8) as pool:
        answers = [s for run in pool.map(loop, sids) for s in run]
    return statuses(answers), "8 loops"


def attack_snapshots(url: str, args) -> tuple[str, str]:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 64)).round(6).tolist()
    Y = (rng.random((2000, 1)) > 0.5).astype(float).tolist()
    with httpx.Client(base_url=url, timeout=120) as c:
        sid = c.post("/api/sessions", params={"include": "steps"}, json={
            "layers": [64, 4, 1], "activations": ["tanh", "sigmoid"],
            "data": {"X": X, "Y": Y}}).json()["id"]
        data_dir = args.data_dir
        before = sum(f.stat().st_size for f in data_dir.iterdir())
        t0 = time.monotonic()
        answers = []
        for i in range(100):
            if i % 10 == 9:  # now and then a new state: a new snapshot, the data stored once
                c.post(f"/api/sessions/{sid}/next", params={"include": "steps"})
            answers.append(c.post(f"/api/sessions/{sid}/snapshots").status_code)
        took = time.monotonic() - t0
        grown = sum(f.stat().st_size for f in data_dir.iterdir()) - before
    return statuses(answers), f"data dir +{grown / 1e6:.1f} MB in {took:.1f} s"


def attack_slow_readers(url: str, args) -> tuple[str, str]:
    with httpx.Client(base_url=url, timeout=60) as c:
        sid = c.post("/api/sessions", json=LARGEST, params={"include": "steps"}).json()["id"]
        c.post(f"/api/sessions/{sid}/iterate", params={"include": "steps"})
        full = c.get(f"/api/sessions/{sid}")
        size = len(full.content)
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(16):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, int(port)))
        s.sendall(f"GET /api/sessions/{sid} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        sockets.append(s)
    time.sleep(5)
    got = []
    for s in sockets:
        s.settimeout(1)
        try:
            got.append(s.recv(12).decode(errors="replace")[9:12])
        except OSError:
            got.append("?")
        s.close()
    return " ".join(f"{k}×{v}" for k, v in Counter(got).items()), \
        f"default state: {size / 1e6:.1f} MB"


ATTACKS = {"idle": attack_idle, "flood": attack_flood, "memory": attack_memory,
           "cpu": attack_cpu, "snapshots": attack_snapshots, "slow": attack_slow_readers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=120, help="bound per attack")
    parser.add_argument("--only", default=",".join(ATTACKS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        args.data_dir = tmp_path / "data"
        worker = Worker(args.data_dir, tmp_path / "server.log")
        rows = []
        try:
            for name in args.only.split(","):
                watch = Watch(worker, tmp_path)
                attacker, note = ATTACKS[name](worker.url, args)
                seen = watch.finish()
                rows.append((name, attacker, seen, note))
                print(f"{name:<10} attacker: {attacker:<28} visitor ({seen['n']} requests, "
                      f"{seen['visitor_errors']} not 200): p50 {seen['p50']:.0f} ms, "
                      f"p99 {seen['p99']:.0f} ms, max {seen['max']:.0f} ms; worker peak "
                      f"{seen['peak_mb']:.0f} MB, CPU {seen['cpu']:.2f} cores; {note}",
                      flush=True)
        finally:
            worker.stop()
        print("\n| attack | attacker's answers | visitor p50 | visitor p99 | visitor max | "
              "worker peak RSS | worker CPU | note |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for name, attacker, seen, note in rows:
            print(f"| {name} | {attacker} | {seen['p50']:.0f} ms | {seen['p99']:.0f} ms | "
                  f"{seen['max']:.0f} ms | {seen['peak_mb']:.0f} MB | {seen['cpu']:.2f} | "
                  f"{note} |")


if __name__ == "__main__":
    main()
