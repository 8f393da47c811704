"""The built book in a real browser: offline, error-free, figures drawn, math typeset.

Needs the built site (``make book-build``) and Debian's Chromium
(``make browser-deps``); run with ``make browser-test``. Every page of ``_toc.yml``
is served from ``_build/html`` on 127.0.0.1 and opened in headless Chromium
(driven by playwright) with every request to another host aborted. Each page must

* request nothing outside 127.0.0.1, and get no HTTP error for what it requests;
* log no console error and raise no uncaught exception;
* draw every plotly figure its HTML contains (``.js-plotly-plot`` with a rendered
  ``.main-svg`` and drawn traces);
* typeset every math element with MathJax (``mjx-container``, no ``mjx-merror``);
* show no "Loading widget..." placeholder;

and on every page with a plotly slider, moving each slider by a click on its rail
must change the plotted data read back from the figure (``gd.data``). Full-page
screenshots go to ``artifacts/screenshots/``. Nothing is skipped: a missing build or
browser fails with a message saying what to run.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: The built site; EMP_BOOK_HTML may point elsewhere (e.g. a build in a scratch folder).
HTML = Path(os.environ.get("EMP_BOOK_HTML", ROOT / "_build" / "html"))
TOC = ROOT / "_toc.yml"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"


# ---------------------------------------------------------------------------
# The pages of the table of contents
# ---------------------------------------------------------------------------
def _toc_files(entry) -> list[str]:
    out = []
    if isinstance(entry, dict):
        if "file" in entry:
            out.append(entry["file"])
        for key in ("parts", "chapters", "sections"):
            for sub in entry.get(key, []) or []:
                out += _toc_files(sub)
    return out


def toc_pages() -> list[str]:
    """Document names (``book/intro``) of every page in ``_toc.yml``, root first."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    pages = [toc["root"], *_toc_files(toc)]
    return [re.sub(r"\.(md|ipynb|rst)$", "", p) for p in pages]


PAGES = toc_pages()


# ---------------------------------------------------------------------------
# Fixtures: the built site, a local server, the browser
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def site() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail(
            f"the book is not built ({HTML / 'index.html'} is missing): run `make book-build`",
            pytrace=False,
        )
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class signature
        pass


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: run `make browser-deps`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class PageLog:
    """What a page did: external requests, failed loads, console errors."""

    def __init__(self):
        self.external: list[str] = []
        self.http_errors: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = PageLog()

    def route(r):
        if urlsplit(r.request.url).hostname == LOCAL_HOST:
            r.continue_()
        else:
            log.external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on(
        "response",
        lambda resp: resp.status >= 400 and log.http_errors.append(f"{resp.status} {resp.url}"),
    )
    page.on(
        "requestfailed",
        lambda req: (
            urlsplit(req.url).hostname == LOCAL_HOST
            and log.failed.append(f"{req.url}: {req.failure}")
        ),
    )
    page.goto(url, wait_until="load", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    return context, page, log


# ---------------------------------------------------------------------------
# JavaScript run in the page
# ---------------------------------------------------------------------------
WAIT_MATHJAX = """async () => {
  if (!window.MathJax) return 'absent';
  if (MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  return 'ready';
}"""

MATH_STATE = """() => {
  const els = Array.from(document.querySelectorAll('span.math, div.math'));
  return {
    math: els.length,
    untypeset: els.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    containers: document.querySelectorAll('mjx-container').length,
    errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80)),
  };
}"""

FIGURES = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(gd => ({
  id: gd.id,
  plotted: gd.classList.contains('js-plotly-plot'),
  svgs: gd.querySelectorAll('.main-svg').length,
  traces: (gd._fullData || []).length,
  drawn: gd.querySelectorAll('g.trace, .point, .js-line, .bars path, .heatmaplayer image, canvas').length,
  sliders: ((gd.layout && gd.layout.sliders) || []).map(s => ({
    active: s.active || 0, steps: (s.steps || []).length })),
}))"""

SNAPSHOT = """(id) => {
  const gd = document.getElementById(id);
  const plain = (k, v) => (v && ArrayBuffer.isView(v)) ? Array.from(v) : v;
  return JSON.stringify({
    data: gd.data,
    shapes: gd.layout.shapes || [],
    annotations: gd.layout.annotations || [],
    images: gd.layout.images || [],
  }, plain);
}"""
"""What a slider may change: every trace attribute (coordinates, visibility, opacity,
colours, ...) and the drawn shapes, annotations and images of the layout -- not the
slider's own ``active`` index, which moves whether or not anything is redrawn."""


def _external_asset_refs(html_text: str) -> list[str]:
    """src/href of scripts, stylesheets, images, media and frames that point off-site."""

    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.bad: list[str] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            refs = []
            if tag in ("script", "img", "source", "video", "audio", "iframe", "embed", "track"):
                refs.append(a.get("src"))
            if tag == "link" and a.get("rel", "") != "canonical":
                refs.append(a.get("href"))
            if tag == "img":
                refs += re.split(r"\s*,\s*", a.get("srcset") or "")
            for r in refs:
                if r and re.match(r"^\s*(https?:)?//", r):
                    self.bad.append(f"<{tag}> {r}")

    p = P()
    p.feed(html_text)
    return p.bad


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
def test_toc_pages_are_built(site):
    missing = [p for p in PAGES if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from {site}: {missing} (run `make book-build`)"


def test_no_remote_assets_in_any_file(site):
    """No generated page or stylesheet loads a script, style, font or image from a host."""
    bad = []
    for f in sorted(site.rglob("*.html")):
        bad += [f"{f.relative_to(site)}: {r}" for r in _external_asset_refs(f.read_text("utf-8"))]
    for f in sorted(site.rglob("*.css")):
        text = f.read_text("utf-8", errors="replace")
        for m in re.finditer(
            r"(url\(\s*['\"]?\s*(https?:)?//[^)]*\)|@import\s+['\"]https?:[^;]*)", text
        ):
            bad.append(f"{f.relative_to(site)}: {m.group(0)[:120]}")
    assert not bad, "remote assets referenced:\n" + "\n".join(bad[:50])


@pytest.mark.parametrize("name", PAGES)
def test_page(name, site, server, browser):
    path = site / f"{name}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make book-build`", pytrace=False)
    raw = path.read_text("utf-8")
    expected_figures = raw.count('class="plotly-graph-div"')
    expected_sliders = raw.count('"sliders":')  # in the figures' JSON

    context, page, log = _open(browser, f"{server}/{name}.html")
    try:
        mathjax = page.evaluate(WAIT_MATHJAX)
        math = page.evaluate(MATH_STATE)
        figures = page.evaluate(FIGURES)

        # -- plotly: every figure of the HTML is drawn -------------------------------
        assert len(figures) == expected_figures
        for fig in figures:
            assert fig["plotted"], f"figure {fig['id']} was not plotted by plotly.js"
            assert fig["svgs"] > 0, f"figure {fig['id']} has no rendered .main-svg"
            assert fig["traces"] > 0 and fig["drawn"] > 0, f"figure {fig['id']} draws no trace"

        # -- MathJax: every math element typeset, no TeX error -----------------------
        if math["math"]:
            assert mathjax == "ready", "the page has math but MathJax is not loaded"
        assert not math["untypeset"], f"math not typeset by MathJax: {math['untypeset'][:5]}"
        assert not math["errors"], f"MathJax errors: {math['errors'][:5]}"
        if math["math"]:
            assert math["containers"] >= math["math"]

        # -- widgets: a static fallback, not a broken placeholder --------------------
        assert "Loading widget" not in page.inner_text("body")

        # -- sliders: moving one through its own UI changes the plotted data ---------
        moved = []
        for fig in figures:
            for k, slider in enumerate(fig["sliders"]):
                if slider["steps"] < 2:
                    continue
                moved.append(_move_slider(page, fig["id"], k, slider))

        if expected_sliders:
            assert moved, f"{name} has slider figures but no slider was found to move"

        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = name.replace("/", "__")
        page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True)
        summary = {
            "page": name,
            "figures": len(figures),
            "math": math["math"],
            "sliders_moved": [f"{m['id']}#{m['slider']}" for m in moved],
            "sliders_changed_data": [m["changed"] for m in moved],
        }
        (SHOTS / f"{stem}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")

        # -- offline and error-free (checked last: sliders may load data) ------------
        assert not log.external, f"requests to other hosts were attempted: {log.external}"
        assert not log.http_errors, f"HTTP errors: {log.http_errors}"
        assert not log.failed, f"failed requests: {log.failed}"
        assert not log.page_errors, f"uncaught exceptions: {log.page_errors}"
        assert not log.console_errors, f"console errors: {log.console_errors}"
        for m in moved:
            assert m["changed"], f"moving slider {m['slider']} of {m['id']} changed no data"
    finally:
        context.close()


def _move_slider(page, fig_id: str, k: int, slider: dict) -> dict:
    """Click the rail of slider ``k`` of figure ``fig_id`` at its far end (or start)."""
    n, active = slider["steps"], slider["active"]
    target = n - 1 if active != n - 1 else 0
    before = page.evaluate(SNAPSHOT, fig_id)
    rail = page.locator(f"#{fig_id} .slider-container .slider-group").nth(k)
    touch = rail.locator(".slider-rail-touch-rect")
    touch.scroll_into_view_if_needed()
    box = touch.bounding_box()
    assert box is not None, f"slider {k} of {fig_id} is not visible"
    frac = 0.995 if target == n - 1 else 0.005
    page.mouse.click(box["x"] + frac * box["width"], box["y"] + box["height"] / 2)
    try:
        page.wait_for_function(
            """([id, k, target]) => {
                const s = document.getElementById(id).layout.sliders[k];
                return (s.active || 0) === target;
            }""",
            arg=[fig_id, k, target],
            timeout=10_000,
        )
        page.wait_for_function(
            "([id, before]) => (" + SNAPSHOT + ")(id) !== before",
            arg=[fig_id, before],
            timeout=10_000,
        )
        changed = True
    except Exception:  # playwright TimeoutError: reported by the caller's assertion
        changed = False
    after = page.evaluate(SNAPSHOT, fig_id)
    return {"id": fig_id, "slider": k, "changed": changed and after != before}
