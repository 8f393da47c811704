"""Finding one's way in the built book: the sidebar on every screen, the home page, search.

Run with the other browser tests (``make browser-test``; fixtures in ``conftest.py``):

* at 390 px the sidebar is hidden, its toggle opens it (pydata-sphinx-theme's dialog)
  with the chapter list, and a link in it leads to the chapter; at 1366 px the same
  toggle hides the sidebar and shows it again (the themes bind only the first of two
  ``.primary-toggle`` buttons, pydata-sphinx-theme issue #2451;
  ``book/_static/emp.js`` forwards the visible one's clicks);
* the home page's overview links to every page of ``_toc.yml`` and names every part;
* search results (titles and summaries) show no raw TeX such as ``\\(A_\\nu\\)``.

Each page is opened with every request to another host aborted; any such request,
HTTP error or console error fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
NARROW = {"width": 390, "height": 844}


VISIBLE_TOGGLE = """() => {
  const all = Array.from(document.querySelectorAll('.primary-toggle'));
  const shown = all.filter(b => b.offsetParent !== null && b.getBoundingClientRect().width > 0);
  shown.forEach((b, k) => b.setAttribute('data-emp-test-toggle', String(k)));
  return {all: all.length, shown: shown.length};
}"""


def _click_visible_toggle(page) -> None:
    state = page.evaluate(VISIBLE_TOGGLE)
    assert state["shown"] >= 1, f"no visible sidebar toggle (of {state['all']} .primary-toggle)"
    page.locator('[data-emp-test-toggle="0"]').click()


@pytest.mark.parametrize("start", ["home page", "book/lower_bound"])
def test_sidebar_opens_on_a_phone_and_its_links_work(start, server, open_page, toc):
    start = toc.root if start == "home page" else start
    target = "book/proofs"
    context, page, log = open_page(f"{server}/{start}.html", NARROW)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert not sidebar.is_visible(), "the sidebar is shown at 390 px before any click"
        _click_visible_toggle(page)
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.wait_for(state="visible", timeout=5_000)
        assert dialog.evaluate("d => d.open"), "the toggle did not open the sidebar dialog"
        links = dialog.locator("nav.bd-links a.reference")
        assert links.count() >= len(toc.pages) - 1, "the opened sidebar does not list the chapters"
        link = dialog.locator(f'nav.bd-links a.reference[href$="{target.split("/")[-1]}.html"]')
        assert link.count() == 1 and link.is_visible(), f"no visible link to {target}"
        with page.expect_navigation(timeout=30_000):
            link.click()
        assert urlsplit(page.url).path.endswith(f"/{target}.html"), page.url
        assert not log.problems(), log.problems()
    finally:
        context.close()


SIDEBAR_SHOWN = """() => {
  const sb = document.querySelector('#pst-primary-sidebar');
  const cs = getComputedStyle(sb), box = sb.getBoundingClientRect();
  return cs.display !== 'none' && cs.visibility !== 'hidden' && Number(cs.opacity) > 0.5
         && box.width > 5 && box.right > 5;
}"""


def test_sidebar_toggle_hides_and_shows_it_on_a_wide_screen(server, open_page):
    context, page, log = open_page(f"{server}/book/lower_bound.html", WIDE)
    try:
        assert page.evaluate(SIDEBAR_SHOWN), "the sidebar is not shown at 1366 px"
        _click_visible_toggle(page)
        page.wait_for_function(f"() => !({SIDEBAR_SHOWN})()", timeout=5_000)
        assert not page.locator("#pst-primary-sidebar-modal").evaluate("d => d.open")
        _click_visible_toggle(page)
        page.wait_for_function(SIDEBAR_SHOWN, timeout=5_000)
        assert not log.problems(), log.problems()
    finally:
        context.close()


def test_home_page_overview_lists_every_part_and_chapter(server, open_page, toc):
    context, page, _log = open_page(f"{server}/{toc.root}.html", WIDE)
    try:
        hrefs = page.evaluate(
            "() => Array.from(document.querySelectorAll('article.bd-article a.internal'))"
            ".map(a => new URL(a.href).pathname)"
        )
        text = page.inner_text("article.bd-article")
    finally:
        context.close()
    linked = {h.lstrip("/").removesuffix(".html") for h in hrefs}
    missing = [p for p in toc.pages[1:] if p not in linked]
    assert not missing, f"the home page's overview does not link to {missing}"
    parts = [c for c in toc.parts if c not in text]
    assert not parts, f"the home page's overview does not name the parts {parts}"


@pytest.mark.parametrize("query", ["shell", "effective mass"])
def test_search_results_show_no_raw_tex(query, server, open_page):
    context, page, log = open_page(f"{server}/search.html?q={query}", WIDE)
    try:
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results li p.context').length > 0",
            timeout=30_000,
        )
        page.wait_for_load_state("networkidle")
        shown = page.inner_text("#search-results")
        assert not log.problems(), log.problems()
    finally:
        context.close()
    tex = re.findall(r".{0,30}(?:\\[()\[\]]|\\[A-Za-z]{2,}).{0,30}", shown)
    assert not tex, f"search results for {unquote(query)!r} show raw TeX: {tex[:5]}"
