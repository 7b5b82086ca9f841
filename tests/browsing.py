"""Helpers of the browser tests: a visitor's page that fails on console errors, waits for
htmx's swaps, screenshots under tests/artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "artifacts"


@contextmanager
def visitor(browser, server: str, **context: object) -> Iterator:
    """A fresh visitor (own cookies) on `server`; console errors and uncaught exceptions fail
    the test (pg.errors: a test may take out the ones it caused)."""
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.server, pg.errors = server, errors
    yield pg
    ctx.close()
    assert errors == [], f"console errors: {errors}"


def settled(pg) -> None:
    """No htmx request or settling under way."""
    pg.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


QUIET = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() =>
  setTimeout(() => setTimeout(() =>
    resolve(!document.querySelector('.htmx-request, .htmx-settling')))))))"""


def swapped(pg, action) -> None:
    """Do `action` and wait until htmx has swapped its answer in (the changed parts of #stage,
    or a whole one) and settled."""
    pg.evaluate("""() => { window.__answered = false; document.addEventListener(
      'htmx:afterSettle', () => { window.__answered = true; }, {once: true}); }""")
    action()
    pg.wait_for_function("() => window.__answered")
    settled(pg)


def shot(pg, name: str) -> None:
    """A full-page screenshot in tests/artifacts, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def posts(pg, path_end: str) -> list[str]:
    """The URLs of the POST requests the page sends from now on whose path ends with
    `path_end` (e.g. "/next"), as they are sent."""
    sent: list[str] = []
    pg.on("request", lambda r: sent.append(r.url)
          if r.method == "POST" and r.url.split("?")[0].endswith(path_end) else None)
    return sent


def quiet(pg, ms: int = 2000) -> None:
    """Nothing under way and nothing scheduled. On a page whose clock the test installed
    (`pg.clock.install()` before loading it), the page's own timers and frames first run `ms`
    ahead at once: a run that went on or a press still queued shows itself with no real
    waiting. Then: no request, and none started after two animation frames and two turns of
    the timers (a queued key press goes one turn after the request before it; Play's next
    chunk a frame after the last one painted)."""
    if getattr(pg, "clock_installed", False):
        pg.clock.run_for(ms)
    while True:
        settled(pg)
        if pg.evaluate(QUIET):
            return


def install_clock(pg) -> None:
    """Fake the page's timers and frames (Playwright's clock), so quiet() can run them ahead."""
    pg.clock.install()
    pg.clock_installed = True
