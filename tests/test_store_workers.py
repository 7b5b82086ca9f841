"""Two uvicorn workers (BACKPROP_WORKERS=2) on one SQLite file: requests on one session alternate
between the processes, and concurrent ones never interleave or get lost.

Which worker served a connection is read from /proc (the worker process holding the server side
of that TCP connection), so the test knows the requests really crossed processes."""

from __future__ import annotations

import http.client
import os
import threading
from pathlib import Path

import orjson
import pytest
from live import Server

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists()
    or not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="needs Linux /proc (net/tcp, task children)")


def children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        text = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        out += [int(p) for p in text]
    return out


def serving_pid(conn: http.client.HTTPConnection, server_port: int, pids: list[int]) -> int:
    """The worker holding the server end of this keep-alive connection."""
    client_port = conn.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port):
            inode = fields[9]
    assert inode is not None
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


def request(conn, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    data = None if body is None else orjson.dumps(body)
    conn.request(method, path, body=data, headers={"content-type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def one_connection_per_worker(server: Server) -> list[http.client.HTTPConnection]:
    workers = children(server.proc.pid)
    found: dict[int, http.client.HTTPConnection] = {}
    spare = []
    for _ in range(60):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert request(conn, "GET", "/healthz")[0] == 200
        pid = serving_pid(conn, server.port, workers)
        if pid in found:
            spare.append(conn)
        else:
            found[pid] = conn
        if len(found) == 2:
            break
    for conn in spare:
        conn.close()
    assert len(found) == 2, "the kernel never handed a connection to the second worker"
    return list(found.values())


def position(state: dict) -> tuple[int, int, int]:
    return state["iteration"], state["updates"], state["cursor_index"]


def expected(steps: int, n: int) -> tuple[int, int, int]:
    """(iteration, updates, cursor index) after `steps` single steps from the start; the
    iteration numbered from 1, as the API and the page number it."""
    t = (steps - 1) // n
    c = steps - n * t
    return t + 1, t + (c == n), c % n


def test_two_workers_share_one_session_and_never_interleave(tmp_path):
    with Server(tmp_path, BACKPROP_DATA_DIR=str(tmp_path / "data"),
                BACKPROP_WORKERS="2") as server:
        a, b = one_connection_per_worker(server)
        status, body = request(a, "POST", "/api/sessions", {"dataset": "xor"})
        assert status == 201
        sid = orjson.loads(body)["id"]
        n = orjson.loads(body)["steps_per_iteration"]

        # Alternate: every step is served by the other process than the one before.
        steps = 0
        for i in range(40):
            status, body = request((a, b)[i % 2], "POST", f"/api/sessions/{sid}/next")
            assert status == 200, body
            steps += 1
            assert position(orjson.loads(body)) == expected(steps, n)
        # Both see the same state, to the byte.
        assert request(a, "GET", f"/api/sessions/{sid}") == request(b, "GET",
                                                                    f"/api/sessions/{sid}")

        # Concurrent: two threads per worker hammer the same session; none is lost.
        statuses: list[int] = []

        def hammer(conn_factory, count):
            conn = conn_factory()
            for _ in range(count):
                status, _ = request(conn, "POST", f"/api/sessions/{sid}/next")
                statuses.append(status)

        threads = [threading.Thread(target=hammer, args=(lambda c=c: c, 25)) for c in (a, b)]
        extra = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                 for _ in range(2)]
        threads += [threading.Thread(target=hammer, args=(lambda c=c: c, 25)) for c in extra]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert statuses == [200] * 100
        steps += 100
        status, body = request(a, "GET", f"/api/sessions/{sid}")
        state = orjson.loads(body)
        assert position(state) == expected(steps, n)
        assert state["completed"] == steps // n
        assert request(b, "GET", f"/api/sessions/{sid}") == (200, body)
        for conn in (a, b, *extra):
            conn.close()
    assert server.errors() == ""
