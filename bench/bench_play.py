"""Play and stepping in Chromium: chart updates per second while Play runs, click-to-paint of
Next step, and where a step's time goes (server, parse, swap, style and layout, paint).

    .venv/bin/python bench/bench_play.py [--rounds 3] [--seconds 6] [--clicks 30] [--quick]

Against the production start command (`python -m app`, one worker, a free port of 127.0.0.1,
rate limit off), Debian's Chromium driven by Playwright, three networks: 2-2-1 XOR (m = 4),
2-8-8-1 circles (m = 200) and the largest the setup allows, 2-32×6-2 on a 2000-example spiral.

1. Play: the speed set (1 or 100 iterations per request), Play pressed, then for `--seconds`
   the number of distinct iteration counts the training panel showed at an animation frame
   (chart updates painted per second), iterations per second, bytes per tick, and the
   server's time per tick (request sent to first byte, Resource Timing) next to the engine's
   own time for the same iterations of the same network (in process, same seed).
2. Next step: click to the second animation frame after the answer was swapped and settled,
   `--clicks` clicks (p50, p90); then ten more clicks under a Chrome trace, split into server
   (request sent to first byte), HTML parse, script (htmx's swap and the page script), style
   and layout, paint (pre-paint, paint, layerize, commit).
Goals (issue 16): Play ≥ 30 updates/s on 2-8-8-1 and ≥ 5/s on the largest; Next p50 < 25 ms and
p90 < 40 ms on 2-8-8-1, p50 < 50 ms on the largest.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_page import start_server  # noqa: E402

NETWORKS = {
    "2-2-1 xor": {"preset": "xor"},
    "2-8-8-1 circles": {"layers": "2,8,8,1", "activations": "tanh,tanh,sigmoid",
                        "loss": "binary_cross_entropy", "init": "xavier", "dataset": "circles",
                        "samples": "200", "learning_rate": "0.5"},
    "2-32x6-2 spiral 2000": {"layers": "2,32,32,32,32,32,32,2",
                             "activations": "relu,relu,relu,relu,relu,relu,softmax",
                             "loss": "cross_entropy", "init": "he", "dataset": "spiral",
                             "samples": "2000", "learning_rate": "0.05"},
}

# Counts the training panel's iteration count at every animation frame: a change seen at a
# frame is a chart update the learner saw painted.
WATCH = """
() => { window.__seen = {n: 0, last: null, first: null, t0: performance.now()};
  const look = () => { const panel = document.getElementById('training');
    const c = panel ? panel.dataset.completed : null;
    if (c !== window.__seen.last) { window.__seen.n += 1; window.__seen.last = c;
      if (window.__seen.first === null) window.__seen.first = c; }
    if (!window.__stopWatch) requestAnimationFrame(look); };
  window.__stopWatch = false; requestAnimationFrame(look); }
"""

# From the click to the second animation frame after the request's swaps settled: the first
# frame after settling is the one that paints them.
CLICK_TO_PAINT = """
() => new Promise(resolve => {
  const t0 = performance.now();
  document.addEventListener('htmx:afterRequest', () => setTimeout(() =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)))),
    {once: true});
  document.getElementById('btn-next').click();
})
"""

# Per request: [sent to first byte, download, bytes on the wire, bytes, {Server-Timing}]
SERVER_TIMES = """
(part) => performance.getEntriesByType('resource').filter(e => e.name.includes(part))
  .map(e => [e.responseStart - e.requestStart, e.responseEnd - e.responseStart,
             e.encodedBodySize, e.decodedBodySize,
             Object.fromEntries((e.serverTiming || []).map(t => [t.name, t.duration]))])
"""


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def engine_ms(form: dict, iterations: int, repeats: int = 5) -> float:
    """The engine alone: `iterations` whole iterations of the same network (same seed), ms."""
    from app.api.routes.pages import _config_from_fields
    from app.sessions import build_stepper

    config, _ = _config_from_fields(form)
    stepper, _ = build_stepper(config)
    stepper.train(2)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        stepper.train(iterations)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def open_network(browser, url: str, form: dict):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "/?lang=en")
    page.request.post(url + "/ui/new", form=form)
    page.goto(url + "/?lang=en")
    page.wait_for_function("() => window.htmx && document.getElementById('btn-next')")
    return page


def idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')"
                           " && !document.querySelector('#btn-play.running')", timeout=60_000)


def play(page, speed: int, seconds: float) -> dict:
    page.select_option("#speed", str(speed))
    page.evaluate("performance.clearResourceTimings();"
                  " performance.setResourceTimingBufferSize(5000)")
    start = int(page.get_attribute("#training", "data-completed"))
    page.click("#btn-play")
    page.wait_for_function("() => +document.getElementById('training').dataset.completed"
                           f" > {start}", timeout=60_000)
    page.evaluate(WATCH)
    t0 = time.perf_counter()
    first = int(page.get_attribute("#training", "data-completed"))
    page.wait_for_timeout(seconds * 1000)  # a benchmark's measuring window, not a test's wait
    seen = page.evaluate("() => { window.__stopWatch = true; return window.__seen; }")
    last = int(page.get_attribute("#training", "data-completed"))
    elapsed = time.perf_counter() - t0
    page.click("#btn-play")
    idle(page)
    ticks = page.evaluate(SERVER_TIMES, "/train")[1:]

    def median(values) -> float:
        values = list(values)
        return statistics.median(values) if values else float("nan")

    # Server-Timing (the route's own split): the move (training), the view-model, the HTML.
    split = {k: median(t[4][k] for t in ticks if k in t[4]) for k in ("move", "view", "html")}
    return {"updates": (seen["n"] - 1) / elapsed, "its": (last - first) / elapsed,
            "server": median(t[0] for t in ticks), "kib": median(t[3] for t in ticks) / 1024,
            **split}


def clicks(page, n: int) -> list[float]:
    times = []
    for _ in range(n):
        times.append(page.evaluate(CLICK_TO_PAINT))
    return times


PAINT = {"PrePaint", "Paint", "Layerize"}
STYLE_LAYOUT = {"UpdateLayoutTree", "Layout"}
PARSE = {"ParseHTML"}
SCRIPT = {"FunctionCall", "EventDispatch", "TimerFire", "FireAnimationFrame", "XHRLoad",
          "XHRReadyStateChange", "EvaluateScript", "v8.callFunction", "RunMicrotasks"}


def outermost(events: list[dict], names: set[str]) -> list[tuple[float, float]]:
    """The intervals (µs) of the events named, those nested in another one left out."""
    spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in events if e["name"] in names)
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def kinds_of(events: list[dict]) -> dict[str, float]:
    """Time (ms) on the renderer's main thread: HTML parse, style and layout, paint, and script
    (the script events' time without the parse, style and layout they forced)."""
    def total(spans):
        return sum(b - a for a, b in spans) / 1e3

    script = outermost(events, SCRIPT)

    def inside_script(names: set[str]) -> float:
        return sum(b - a for a, b in outermost(events, names)
                   if any(s <= a and b <= e for s, e in script)) / 1e3

    forced = inside_script(STYLE_LAYOUT)  # style and layout the script asked for at once
    return {"parse": total(outermost(events, PARSE)),
            "script": total(script) - forced - inside_script(PARSE),
            "style/layout": total(outermost(events, STYLE_LAYOUT)),
            "forced": forced,
            "paint": total(outermost(events, PAINT))}


def traced(browser, page, n: int) -> dict[str, float]:
    page.evaluate("performance.clearResourceTimings()")
    browser.start_tracing(page=page, categories=["devtools.timeline", "blink",
                                                 "disabled-by-default-devtools.timeline"])
    clicks(page, n)
    data = json.loads(browser.stop_tracing())
    events = data["traceEvents"] if isinstance(data, dict) else data
    main = {(e["pid"], e["tid"]) for e in events if e.get("name") == "thread_name"
            and e.get("args", {}).get("name") == "CrRendererMain"}
    kinds = kinds_of([e for e in events if (e.get("pid"), e.get("tid")) in main
                      and e.get("ph") == "X" and "dur" in e])
    server = page.evaluate(SERVER_TIMES, "/next")
    out = {"server": sum(t[0] for t in server) / n, **{k: v / n for k, v in kinds.items()},
           "KiB": sum(t[3] for t in server) / n / 1024}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="1 round, 3 s, 15 clicks")
    parser.add_argument("--only", default="", help="comma list of network name prefixes")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.clicks = 1, 3, 15
    nets = {k: v for k, v in NETWORKS.items()
            if not args.only or any(k.startswith(p) for p in args.only.split(","))}
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            for r in range(args.rounds):
                print(f"round {r + 1}")
                for name, form in nets.items():
                    page = open_network(browser, url, form)
                    for speed in (1, 100):
                        res = play(page, speed, args.seconds)
                        eng = engine_ms(form, speed)
                        print(f"  {name:22s} Play {speed:3d}/tick: {res['updates']:5.1f} updates/s "
                              f"{res['its']:7.0f} it/s  tick {res['kib']:6.0f} KiB  server "
                              f"{res['server']:6.1f} ms  engine alone {eng:6.1f} ms "
                              f"(server/engine {res['server'] / eng:4.2f}×)  in the route: "
                              f"move {res['move']:.1f}, view {res['view']:.1f}, html "
                              f"{res['html']:.1f} ms (server/move "
                              f"{res['server'] / res['move']:4.2f}×)", flush=True)
                    page.close()
                    page = open_network(browser, url, form)
                    times = clicks(page, args.clicks)
                    print(f"  {name:22s} Next click-to-paint p50 {pct(times, 0.5):5.1f} ms  "
                          f"p90 {pct(times, 0.9):5.1f} ms  max {max(times):5.1f} ms", flush=True)
                    parts = traced(browser, page, 10)
                    print(f"  {name:22s} Next per click: " + "  ".join(
                        f"{k} {v:.1f}" + ("" if k == "KiB" else " ms") for k, v in parts.items()),
                        flush=True)
                    page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
