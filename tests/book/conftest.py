"""What the browser tests of the built book share: the site, a local server, Chromium.

* ``site`` -- the built site (``_build/html``, or ``$EMP_BOOK_HTML``); a missing build
  fails with a message saying what to run;
* ``server`` -- the site on 127.0.0.1, text assets gzip-compressed on request as GitHub
  Pages serves them (so that the bytes a page transfers are those of the published book);
* ``browser`` -- Debian's Chromium (``/usr/bin/chromium``) driven by playwright;
* ``open_page`` -- ``open_page(url, viewport)``: a fresh browser context (a cold cache)
  of ``viewport`` (``{"width": ..., "height": ...}``) with every request to another
  host aborted and recorded, the page loaded, idle and its math typeset; returns
  ``(context, page, log)``, ``log`` a :class:`PageLog`;
* ``toc`` -- the pages (``toc.pages``, root first), part captions and root of
  ``_toc.yml``.

Test modules that need the table of contents at collection time (``parametrize``) ask
for the argument ``toc_page``, which :func:`pytest_generate_tests` fills with every page.
"""

from __future__ import annotations

import email.utils
import functools
import gzip
import http.server
import os
import re
import threading
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
#: The built site; EMP_BOOK_HTML may point elsewhere (e.g. a build in a scratch folder).
HTML = Path(os.environ.get("EMP_BOOK_HTML", ROOT / "_build" / "html"))
TOC = ROOT / "_toc.yml"
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


def _strip_suffix(name: str) -> str:
    return re.sub(r"\.(md|ipynb|rst)$", "", name)


def toc_pages() -> list[str]:
    """Document names (``book/intro``) of every page in ``_toc.yml``, root first."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    return [_strip_suffix(p) for p in [toc["root"], *_toc_files(toc)]]


def toc_parts() -> list[str]:
    """Captions of the parts of ``_toc.yml``."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    return [p["caption"] for p in toc.get("parts", []) if p.get("caption")]


def pytest_generate_tests(metafunc):
    if "toc_page" in metafunc.fixturenames:
        metafunc.parametrize("toc_page", toc_pages())


@pytest.fixture(scope="session")
def toc():
    pages = toc_pages()
    return SimpleNamespace(pages=pages, root=pages[0], parts=toc_parts())


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


_COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".xml", ".ttf")
_GZ_CACHE: dict[tuple[str, float], bytes] = {}
_GZ_LOCK = threading.Lock()


class _PagesLikeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site like GitHub Pages: text assets gzip-compressed on request."""

    def log_message(self, format, *args):  # the base class signature
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in _COMPRESSIBLE and path.is_file()):
            return super().do_GET()
        stat = path.stat()
        key = (str(path), stat.st_mtime)
        with _GZ_LOCK:
            body = _GZ_CACHE.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            with _GZ_LOCK:
                _GZ_CACHE[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_PagesLikeHandler, directory=str(site))
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
        self.mathjax = "absent"  # "ready" once MathJax has typeset the page

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {u}" for u in self.external]
            + [f"HTTP error: {e}" for e in self.http_errors]
            + [f"failed request: {e}" for e in self.failed]
            + [f"uncaught exception: {e}" for e in self.page_errors]
            + [f"console error: {e}" for e in self.console_errors]
        )

    def check(self) -> None:
        """Fail with every problem the page had (none expected)."""
        problems = self.problems()
        assert not problems, "\n".join(problems)


def _open(browser, url: str, viewport: dict):
    """A fresh context (cold cache) at ``viewport``, with ``url`` loaded and idle."""
    context = browser.new_context(viewport=viewport)
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
    log.mathjax = page.evaluate(WAIT_MATHJAX)
    return context, page, log


@pytest.fixture(scope="session")
def open_page(browser):
    def open_(url: str, viewport: dict):
        return _open(browser, url, viewport)

    return open_


WAIT_MATHJAX = """async () => {
  if (!window.MathJax) return 'absent';
  if (MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  return 'ready';
}"""
