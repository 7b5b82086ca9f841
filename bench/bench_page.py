"""Step page cost: server render time, requests/s of the step fragment vs a bare route, and
browser time from click to painted swap.

    .venv/bin/python bench/bench_page.py [--quick]

1. In process (no HTTP): one `next` plus building the view-model plus rendering _stage.html, for
   every step of whole iterations, on 2-2-1 XOR, 2-8-8-1 on 200 circles and the largest network
   the engine allows (64-32-32-32-32-32-32-16 on 2000 examples); also the full page.
2. Over HTTP against the production start command (`python -m app`, one uvicorn worker, on a free
   port of 127.0.0.1): requests/s of POST /ui/{sid}/next on 2-8-8-1 next to GET /healthz of the
   same server, with wrk (Debian's package) when present, else a keep-alive httpx loop.
3. In Debian's Chromium (Playwright): from the click on "Next step" to the first frame painted
   after htmx swapped the fragment in.
Target (issue 3): fragment ≥ 40% of the bare route's requests/s on 2-8-8-1; a fragment renders in
under 20 ms on the largest network; click-to-paint under 100 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.schemas import SessionConfig  # noqa: E402
from app.views.page import page_context, stage_context, training_version  # noqa: E402

NETWORKS = {
    "2-2-1 xor (m=4)": {},
    "2-8-8-1 circles (m=200)": {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"],
                                "dataset": "circles", "samples": 200},
    "largest 64-32x6-16 (m=2000)": {
        "layers": [64, 32, 32, 32, 32, 32, 32, 16], "activations": ["relu"] * 6 + ["sigmoid"],
        "loss": "squared_error", "dataset": "random", "samples": 2000, "init": "he"},
}
CUSTOM_FORM = {"layers": "2,8,8,1", "activations": "tanh,tanh,sigmoid",
               "loss": "binary_cross_entropy", "init": "xavier", "dataset": "circles",
               "samples": "200", "learning_rate": "0.5"}


def ms(samples: list[float]) -> str:
    s = sorted(x * 1e3 for x in samples)
    return (f"mean {statistics.fmean(s):7.2f} ms  p50 {s[len(s) // 2]:7.2f} ms  "
            f"max {s[-1]:7.2f} ms")


def render_in_process(iterations: int) -> None:
    print("1. Server render, in process (next + view-model + _stage.html)")
    app = create_app()
    templates = app.state.templates
    for name, cfg in NETWORKS.items():
        session = app.state.store.create(SessionConfig(**cfg))
        stage = templates.get_template("_stage.html")
        full = templates.get_template("index.html")
        steps = session.stepper.steps_per_iteration
        for _ in range(steps):  # warm up one iteration
            session.stepper.next()
            stage.render(stage_context(session, "en", app.state.render_partial))
        samples, size = [], 0
        held = None  # the training panel the "page" holds, as a browser would say in a header
        for _ in range(iterations * steps):
            t0 = time.perf_counter()
            session.stepper.next()
            html = stage.render(stage_context(session, "en", app.state.render_partial,
                                              client_training=held))
            held = training_version(session, "en")
            samples.append(time.perf_counter() - t0)
            size = max(size, len(html))
        page = []
        for _ in range(20):
            t0 = time.perf_counter()
            full.render(page_context(session, "en", app.state.render_partial))
            page.append(time.perf_counter() - t0)
        print(f"   {name:30s} fragment {ms(samples)}  (≤{size / 1024:.0f} KiB)")
        print(f"   {'':30s} full page {ms(page)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    # The benchmark is one client hammering the server: lift the per-client rate limit, and
    # keep the store in a throwaway directory.
    env = {**os.environ, "BACKPROP_HOST": "127.0.0.1", "BACKPROP_PORT": str(port),
           "BACKPROP_RATE_LIMIT": "0", "BACKPROP_DATA_DIR": tempfile.mkdtemp(prefix="bench-")}
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/healthz", timeout=0.5)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("server did not start")


def new_session(url: str) -> str:
    with httpx.Client(base_url=url) as client:
        client.get("/")
        client.post("/ui/new", data=CUSTOM_FORM)
        return client.cookies["bs_session"]


WRK_POST = """\
wrk.method = "POST"
-- Like the page: send back the training panel's version (the panel comes only when it changed,
-- once per iteration) and, in X-Have, the versions of the edge groups on the page (unchanged
-- ones come back as hx-preserve placeholders). wrk builds its request once unless request()
-- makes a new one, so the headers are added here.
local version = nil
local edges = {}
request = function()
  local headers = {}
  if version then headers["X-Training-Version"] = version end
  local have = {}
  for _, v in pairs(edges) do have[#have + 1] = v end
  if #have > 0 then headers["X-Have"] = table.concat(have, ",") end
  return wrk.format(nil, nil, headers, nil)
end
response = function(status, headers, body)
  local v = body:match('data%-version="([^"]+)"')
  if v then version = v end
  for layer, ev in body:gmatch('id="edges%-(%d+)" data%-v="([^"]+)"') do edges[layer] = ev end
end
"""


def wrk(url: str, seconds: float, post: bool) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_POST)
    cmd = ["wrk", "-t1", "-c4", f"-d{seconds}s", url] + (["-s", script.name] if post else [])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def httpx_loop(url: str, seconds: float, post: bool) -> float:
    with httpx.Client() as client:
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            r = client.post(url) if post else client.get(url)
            r.raise_for_status()
            n += 1
    return n / seconds


def requests_per_second(seconds: int, rounds: int) -> None:
    tool = "wrk -t1 -c4" if shutil.which("wrk") else "httpx, one connection"
    print(f"2. Requests/s over HTTP, `python -m app`, 1 worker ({tool}; {rounds} rounds of "
          f"{seconds} s bare then {seconds} s fragment: this shared machine's speed drifts by up "
          "to 2× within minutes, so each round's ratio compares neighbouring seconds)")
    proc, url = start_server()
    try:
        sid = new_session(url)
        measure = wrk if shutil.which("wrk") else httpx_loop
        ratios = []
        for k in range(rounds):
            bare = measure(url + "/healthz", seconds, False)
            fragment = measure(f"{url}/ui/{sid}/next", seconds, True)
            ratios.append(fragment / bare)
            print(f"   round {k + 1}: GET /healthz {bare:6.0f} req/s   POST /ui/{{sid}}/next "
                  f"(2-8-8-1) {fragment:6.0f} req/s   = {100 * fragment / bare:3.0f}% of bare")
        print(f"   median {100 * statistics.median(ratios):.0f}% of bare, range "
              f"{100 * min(ratios):.0f}–{100 * max(ratios):.0f}% (target ≥ 40%)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CLICK_TO_PAINT = """
() => new Promise(resolve => {
  const t0 = performance.now();
  document.addEventListener('htmx:afterSettle', () => {
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  }, {once: true});
  document.getElementById('btn-next').click();
})
"""


def click_to_paint(clicks: int) -> None:
    print(f"3. Browser: click on Next step to painted swap, Chromium, {clicks} clicks")
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            for label, preset in (("2-2-1", None), ("2-8-8-1 (m=200)", CUSTOM_FORM)):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url + "/")
                if preset:
                    page.request.post(url + "/ui/new", form=preset)
                    page.goto(url + "/")
                times = [page.evaluate(CLICK_TO_PAINT) / 1e3 for _ in range(clicks)]
                print(f"   {label:16s} {ms(times)}  (target < 100 ms)")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--http-only", action="store_true", help="only part 2, requests/s")
    args = parser.parse_args()
    if not args.http_only:
        render_in_process(iterations=2 if args.quick else 6)
    requests_per_second(seconds=2 if args.quick else 3, rounds=3 if args.quick else 8)
    if not args.http_only:
        click_to_paint(clicks=15 if args.quick else 40)


if __name__ == "__main__":
    main()
