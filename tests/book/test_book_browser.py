"""The built book in a real browser: offline, error-free, readable at 1366 and 390 px.

Needs the built site (``make book-build``) and Debian's Chromium
(``make browser-deps``); run with ``make browser-test``. Every page of ``_toc.yml``
is served from ``_build/html`` on 127.0.0.1 -- compressed with gzip, as GitHub Pages
serves it -- and opened in headless Chromium (driven by playwright) with a cold
cache, once at 1366x768 and once at 390x844, with every request to another host
aborted. At both widths each page must

* request nothing outside 127.0.0.1 (any such request fails the test), and get no
  HTTP error for what it requests;
* log no console error and raise no uncaught exception;
* render every table as a table: no paragraph that is a Markdown table left as text
  (starts with ``|`` and holds several), and the same number of cells (colspans
  counted) in every row of every table;
* not overflow horizontally: neither the page nor the main column is wider than the
  window; a code block or displayed equation wider than the column scrolls inside
  its own box (``overflow-x: auto``);
* show no "Loading widget..." placeholder.

At 1366 px each page must also

* draw every plotly figure its HTML contains (``.js-plotly-plot`` with a rendered
  ``.main-svg`` and drawn traces), each with a title;
* typeset every math element with MathJax (``mjx-container``, no ``mjx-merror``);
* on every page with a plotly slider, change the plotted data read back from the
  figure (``gd.data``) when each slider is moved by a click on its rail;

and at 390 px no figure's legend may overlap a plotting area of the figure, and no two
of its texts (the figure's title, axis titles, subplot titles and other annotations) may
overlap.

Navigation (the sidebar, the home page's overview, search) is tested in
``test_book_navigation.py``; the fixtures (the site, the server, the browser) are in
``conftest.py``.

Assets: plotly.js only on the pages that draw a figure (one bundle each), no
``fontawesome.js`` anywhere, the search index only on ``search.html``, nothing from
another host in any HTML or CSS file.

Page weight: the bytes each page transfers (sum of the ``transferSize`` of the page
and of everything it loads, from the browser's Resource Timing) and their size
uncompressed, with the time to first contentful paint, are written per page to
``artifacts/page_weights.md`` (and ``.json``); a page without a figure must stay
within ``LIGHT_PAGE_BYTES`` transferred. Full-page screenshots go to
``artifacts/screenshots/<page>@<width>.png``. Nothing is skipped: a missing build or
browser fails with a message saying what to run.
"""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SHOTS = ARTIFACTS / "screenshots"
WIDE = {"width": 1366, "height": 768}
NARROW = {"width": 390, "height": 844}
#: Most bytes a page without a plotly figure may transfer (page and everything it loads).
LIGHT_PAGE_BYTES = 1_000_000


#: Page weights measured by test_page, one JSON file per page (pytest-xdist workers
#: share nothing else); each session's end gathers them into one table.
WEIGHTS = ARTIFACTS / "page_weights"


@pytest.fixture(scope="session", autouse=True)
def weights_report(toc):
    yield
    weights = {}
    for p in toc.pages:
        f = WEIGHTS / f"{p.replace('/', '__')}.json"
        if f.is_file():
            weights[p] = json.loads(f.read_text(encoding="utf-8"))
    if weights:
        write_weights([weights[p] for p in toc.pages if p in weights], ARTIFACTS / "page_weights")


def _record_weight(name: str, row: dict) -> None:
    WEIGHTS.mkdir(parents=True, exist_ok=True)
    (WEIGHTS / f"{name.replace('/', '__')}.json").write_text(json.dumps(row), encoding="utf-8")


def write_weights(rows: list[dict], stem: Path) -> None:
    """Write the per-page weights as ``<stem>.json`` and a Markdown table ``<stem>.md``."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    lines = [
        "| page | figures | plotly bundle | requests | transferred (kB) "
        "| uncompressed (kB) | first contentful paint (ms) |",
        "|---|--:|---|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['figures']} | {r['plotly'] or '-'} | {r['requests']} "
            f"| {r['transferred'] / 1000:.0f} | {r['decoded'] / 1000:.0f} "
            f"| {r['fcp_ms']:.0f} |"
        )
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# JavaScript run in the page
# ---------------------------------------------------------------------------
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
  // gd.layout: plotly fills _fullLayout's empty title with a "Click to enter" placeholder
  title: (t => (typeof t === 'string' ? t : (t && t.text) || '').trim())(gd.layout.title),
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

TABLES = """() => {
  const main = document.querySelector('main') || document.body;
  const pipes = Array.from(main.querySelectorAll('p'))
    .map(p => p.textContent.trim())
    .filter(t => t.startsWith('|') && (t.match(/\\|/g) || []).length >= 3)
    .map(t => t.slice(0, 100));
  const ragged = [];
  main.querySelectorAll('table').forEach((table, k) => {
    const widths = Array.from(table.rows).map(row =>
      Array.from(row.cells).reduce((n, c) => n + (c.colSpan || 1), 0));
    if (new Set(widths).size > 1) {
      const head = (table.rows[0] ? table.rows[0].textContent : '').trim().replace(/\\s+/g, ' ');
      ragged.push(`table ${k + 1} (${head.slice(0, 60)}): cells per row ${widths.join(',')}`);
    }
  });
  return {tables: main.querySelectorAll('table').length, pipes, ragged};
}"""

OVERFLOW = """() => {
  const win = window.innerWidth;
  const doc = document.documentElement.scrollWidth;
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const box = article.getBoundingClientRect();
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const clipped = [];
  // wide code blocks and displayed equations must scroll inside their own box
  article.querySelectorAll('pre, mjx-container[display="true"]').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1) {
      let ok = false;
      for (let e = el; e && e !== article; e = e.parentElement) {
        if (scrolls(e) && e.clientWidth <= box.width + 1) { ok = true; break; }
      }
      if (!ok) clipped.push(`${el.tagName.toLowerCase()}: ${el.textContent.trim().slice(0, 60)}`);
    }
  });
  return {
    window: win, document: doc,
    article: {scroll: article.scrollWidth, client: article.clientWidth, right: box.right},
    clipped,
  };
}"""

PAGE_WEIGHT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const all = [nav, ...res];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    requests: all.length,
    transferred: all.reduce((n, e) => n + (e.transferSize || 0), 0),
    decoded: all.reduce((n, e) => n + (e.decodedBodySize || 0), 0),
    fcp_ms: paint ? paint.startTime : -1,
    plotly: res.map(e => e.name).filter(n => /\\/plotly[^/]*\\.js/.test(n))
              .map(n => n.split('/').pop().split('?')[0]),
  };
}"""

# Plotting areas, legend and text boxes (title, annotations) of each figure, in page
# coordinates; 3-D scenes have no plotting-area rectangle and are left out.
FIGURE_BOXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const r = e => { const b = e.getBoundingClientRect();
                   return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const real = b => b.r > b.l && b.b > b.t;
  const fl = gd._fullLayout || {};
  const legend = gd.querySelector('.infolayer .legend');
  const texts = Array.from(gd.querySelectorAll(
      '.infolayer > g[class^="g-"][class$="title"], .annotation'))
    .filter(e => e.textContent.trim())
    .map(e => ({box: r(e), text: e.textContent.trim().slice(0, 40)}))
    .filter(t => real(t.box));
  return {
    id: gd.id,
    plots: Array.from(gd.querySelectorAll('.bglayer .bg')).map(r).filter(real),
    legend: legend && fl.showlegend !== false && real(r(legend)) ? r(legend) : null,
    texts,
  };
})"""


def _overlap(a: dict, b: dict, tol: float = 1.0) -> bool:
    return min(a["r"], b["r"]) - max(a["l"], b["l"]) > tol and (
        min(a["b"], b["b"]) - max(a["t"], b["t"]) > tol
    )


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
# Tests of the files
# ---------------------------------------------------------------------------
def test_toc_pages_are_built(site, toc):
    missing = [p for p in toc.pages if not (site / f"{p}.html").is_file()]
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


def test_plotly_only_where_a_figure_is(site, toc):
    """Pages without a figure load no plotly.js; pages with one load exactly one bundle."""
    wrong = []
    for name in toc.pages:
        raw = (site / f"{name}.html").read_text("utf-8")
        bundles = re.findall(r'<script[^>]+src="[^"]*/(plotly[^"/]*\.js)', raw)
        has_figure = 'class="plotly-graph-div"' in raw
        if has_figure != (len(bundles) == 1) or len(bundles) > 1:
            wrong.append(f"{name}: figures={has_figure}, plotly scripts={bundles}")
    assert not wrong, "plotly.js loaded where it should not be:\n" + "\n".join(wrong)


def test_no_page_loads_what_it_does_not_use(site):
    """fontawesome.js on no page; the search index and its scripts only on search.html."""
    wrong = []
    for f in sorted(site.rglob("*.html")):
        scripts = re.findall(r'<script[^>]+src="([^"?]+)', f.read_text("utf-8"))
        names = {s.rsplit("/", 1)[-1] for s in scripts}
        if "fontawesome.js" in names:
            wrong.append(f"{f.relative_to(site)}: fontawesome.js")
        search = {"searchindex.js", "searchtools.js", "language_data.js"} & names
        if search and f.name != "search.html":
            wrong.append(f"{f.relative_to(site)}: {sorted(search)}")
    assert not wrong, "scripts a page does not need:\n" + "\n".join(wrong[:20])


# ---------------------------------------------------------------------------
# Every page, at both widths
# ---------------------------------------------------------------------------
def _check_layout(page, name: str, width: int) -> list[str]:
    """Tables, horizontal overflow and widget placeholders (any width)."""
    problems = []
    tables = page.evaluate(TABLES)
    problems += [f"Markdown table left as text: {t!r}" for t in tables["pipes"]]
    problems += [f"ragged {t}" for t in tables["ragged"]]
    ov = page.evaluate(OVERFLOW)
    if ov["document"] > ov["window"] + 1:
        problems.append(f"page wider than the window: {ov['document']} > {ov['window']} px")
    art = ov["article"]
    if art["scroll"] > art["client"] + 1:
        problems.append(f"main column overflows: {art['scroll']} > {art['client']} px")
    if art["right"] > ov["window"] + 1:
        problems.append(f"main column ends past the window: {art['right']:.0f} px")
    problems += [f"cut off (does not scroll): {c}" for c in ov["clipped"]]
    if "Loading widget" in page.inner_text("body"):
        problems.append("a 'Loading widget...' placeholder is shown")
    return [f"[{width} px] {p}" for p in problems]


#: Screenshots stop this far down the page (the API page is ~50,000 px tall at 390 px).
SHOT_MAX_HEIGHT = 16_000


def _screenshot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(SHOTS / f"{name.replace('/', '__')}@{width}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        timeout=120_000,
    )


def test_page(toc_page, site, server, open_page):
    name = toc_page
    path = site / f"{name}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make book-build`", pytrace=False)
    raw = path.read_text("utf-8")
    expected_figures = raw.count('class="plotly-graph-div"')
    expected_sliders = raw.count('"sliders":')  # in the figures' JSON
    problems: list[str] = []

    # -- 1366 px: the full checks, the page weight ------------------------------------
    context, page, log = open_page(f"{server}/{name}.html", WIDE)
    try:
        weight = page.evaluate(PAGE_WEIGHT)
        math = page.evaluate(MATH_STATE)
        figures = page.evaluate(FIGURES)
        _record_weight(
            name,
            {
                "page": name,
                "figures": expected_figures,
                "plotly": ", ".join(weight["plotly"]),
                "requests": weight["requests"],
                "transferred": weight["transferred"],
                "decoded": weight["decoded"],
                "fcp_ms": weight["fcp_ms"],
            },
        )

        assert len(figures) == expected_figures
        for fig in figures:
            assert fig["plotted"], f"figure {fig['id']} was not plotted by plotly.js"
            assert fig["svgs"] > 0, f"figure {fig['id']} has no rendered .main-svg"
            assert fig["traces"] > 0 and fig["drawn"] > 0, f"figure {fig['id']} draws no trace"
            if not fig["title"]:
                problems.append(f"figure {fig['id']} has no title")

        if math["math"]:
            assert log.mathjax == "ready", "the page has math but no MathJax"
        assert not math["untypeset"], f"math not typeset by MathJax: {math['untypeset'][:5]}"
        assert not math["errors"], f"MathJax errors: {math['errors'][:5]}"
        if math["math"]:
            assert math["containers"] >= math["math"]

        problems += _check_layout(page, name, WIDE["width"])

        moved = []
        for fig in figures:
            for k, slider in enumerate(fig["sliders"]):
                if slider["steps"] < 2:
                    continue
                moved.append(_move_slider(page, fig["id"], k, slider))
        if expected_sliders:
            assert moved, f"{name} has slider figures but no slider was found to move"
        problems += [
            f"moving slider {m['slider']} of {m['id']} changed no data"
            for m in moved
            if not m["changed"]
        ]
        page.evaluate("window.scrollTo(0, 0)")
        _screenshot(page, name, WIDE["width"])
        problems += [f"[{WIDE['width']} px] {p}" for p in log.problems()]
    finally:
        context.close()

    if not expected_figures and weight["transferred"] > LIGHT_PAGE_BYTES:
        problems.append(
            f"a page without figures transfers {weight['transferred']:,} bytes "
            f"(> {LIGHT_PAGE_BYTES:,})"
        )

    # -- 390 px: layout, legends, subplot titles -------------------------------------
    context, page, log = open_page(f"{server}/{name}.html", NARROW)
    try:
        # book/_static/emp.js relayouts the figures for narrow screens
        page.evaluate("async () => { await window.empFiguresAdapted; }")
        problems += _check_layout(page, name, NARROW["width"])
        for fig in page.evaluate(FIGURE_BOXES):
            if fig["legend"] and any(_overlap(fig["legend"], p) for p in fig["plots"]):
                problems.append(f"[390 px] the legend of {fig['id']} covers its plot")
            texts = fig["texts"]
            for i, a in enumerate(texts):
                for b in texts[i + 1 :]:
                    if _overlap(a["box"], b["box"]):
                        problems.append(
                            f"[390 px] titles of {fig['id']} collide: {a['text']!r} / {b['text']!r}"
                        )
        _screenshot(page, name, NARROW["width"])
        problems += [f"[{NARROW['width']} px] {p}" for p in log.problems()]
    finally:
        context.close()

    assert not problems, f"{name}:\n" + "\n".join(problems)


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
