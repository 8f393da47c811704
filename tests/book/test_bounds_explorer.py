"""The bounds explorer of the lower-bound chapter in a real browser, against the library.

Needs the built site (``make book-build``) and Debian's Chromium (``make browser-deps``).
``_build/html`` is served on 127.0.0.1 and ``book/lower_bound.html`` opened in headless
Chromium (playwright) with every request to another host aborted. The test

* moves each slider (keyboard, as a reader would) with the other at several positions
  and checks that the plot's data changed and equal the library's precomputed curves;
* types (N, N_eff, beta) into the boxes at 60 random points -- on the grid, off it in N,
  in beta and in both, N up to 2**53 -- and checks every printed number and the marked
  point against :func:`emp_theory.viz.explorer.point_values`, computed here, to 1e-9
  (absolute below 1, relative above; the page prints 12 significant digits);
* evaluates the page's own formulas at every abscissa of the embedded grid and compares
  them with the library values embedded there (6 significant digits);
* types invalid values and checks the message; checks the explorer fits a 390 px screen;
* fails on any console error, uncaught exception, failed load or request off 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest

from emp_theory.viz.explorer import BETAS, NS, POINT_KEYS, point_values

pytestmark = pytest.mark.browser

PAGE = "book/lower_bound.html"
EXPLORER = "emp-bounds-explorer"
PLOT = f"{EXPLORER}-plot"
TOL = 1e-9


# ---------------------------------------------------------------------------
# Fixtures: the built page, a local server, the browser, one page for all tests
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def explorer_site(site) -> Path:
    """The built book (tests/book/conftest.py's `site`), checked to hold the explorer."""
    if not (site / PAGE).is_file():
        pytest.fail(f"{site / PAGE} is missing: run `make book-build`", pytrace=False)
    if f'id="{EXPLORER}"' not in (site / PAGE).read_text("utf-8"):
        pytest.fail(f"{PAGE} has no bounds explorer: rebuild the book", pytrace=False)
    return site


# `open_page`: the session's Chromium page opener of tests/book/conftest.py (playwright's
# sync API allows one running instance per process, shared by every browser test module)


def open_explorer(open_page, server, width=1280, height=900):
    """The page through tests/book/conftest.py's `open_page` (requests off 127.0.0.1
    aborted and logged, console errors, exceptions, failed loads), once the plot is drawn."""
    context, page, log = open_page(f"{server}/{PAGE}", {"width": width, "height": height})
    page.wait_for_function(
        f"""() => {{
            const gd = document.getElementById("{PLOT}");
            return gd && gd.classList.contains("js-plotly-plot") && gd.data && gd.data[0].x.length > 0;
        }}""",
        timeout=30_000,
    )
    return context, page, log


@pytest.fixture(scope="module")
def opened(open_page, server, explorer_site):
    context, page, log = open_explorer(open_page, server)
    try:
        yield page, log
    finally:
        context.close()


@pytest.fixture(scope="module")
def grid(explorer_site) -> dict:
    text = (explorer_site / PAGE).read_text("utf-8")
    m = re.search(
        rf'<script type="application/json" id="{EXPLORER}-data">(.*?)</script>', text, re.S
    )
    assert m, "the explorer's data are not in the page"
    return json.loads(m.group(1))["grid"]


# ---------------------------------------------------------------------------
# Helpers run in the page
# ---------------------------------------------------------------------------
SNAPSHOT = f"""() => JSON.stringify(document.getElementById("{PLOT}").data.map(t => [t.x, t.y]))"""
TRACES = f"""() => document.getElementById("{PLOT}").data.map(t => ({{x: t.x, y: t.y}}))"""
STATE = f"""() => Object.assign({{}}, document.getElementById("{EXPLORER}").empExplorer.state)"""
READOUT = f"""() => Object.fromEntries(Array.from(
    document.querySelectorAll('#{EXPLORER} td[data-key]')).map(td => [td.dataset.key, td.textContent]))"""
STATUS = f"""() => document.querySelector('#{EXPLORER} [data-role="status"]').textContent"""


def slider(page, role: str):
    return page.locator(f'#{EXPLORER} [data-role="{role}"]')


def put_slider(page, role: str, index: int):
    """Set a slider to an index (playwright's fill: value + input/change events)."""
    slider(page, role).fill(str(index))
    page.wait_for_function(
        f"""() => document.querySelector('#{EXPLORER} [data-role="{role}"]').value === "{index}" """
    )


def nudge(page, role: str, key: str) -> None:
    """Move a slider one step with the keyboard, as a reader does."""
    slider(page, role).focus()
    page.keyboard.press(key)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


def expected_curves(grid: dict, i_n: int, i_b: int) -> list:
    c, b = grid["curves"][i_n], grid["curves"][i_n]["by_beta"][i_b]
    return [b["guarantee"], c["theorem2"], b["trivial"], b["naive"], None, c["loss_eq18"],
            c["loss_exact"], b["loss_beta"], None]  # fmt: skip


def assert_plot_is_grid(page, grid, i_n, i_b):
    traces = page.evaluate(TRACES)
    rho = grid["curves"][i_n]["rho"]
    for t, want in zip(traces, expected_curves(grid, i_n, i_b), strict=True):
        if want is not None:
            assert t["x"] == rho and t["y"] == want, (NS[i_n], BETAS[i_b])


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
def test_grid_is_the_books(grid):
    assert grid["Ns"] == list(NS) and grid["betas"] == list(BETAS)


def test_each_slider_moves_the_plot_with_the_other_anywhere(opened, grid):
    page, log = opened
    moved = 0
    # the N slider, with beta at its first, a middle and its last position
    for i_b in (0, 3, len(BETAS) - 1):
        put_slider(page, "beta-slider", i_b)
        put_slider(page, "n-slider", 0)
        assert_plot_is_grid(page, grid, 0, i_b)
        for i_n in range(1, len(NS)):
            before = page.evaluate(SNAPSHOT)
            nudge(page, "n-slider", "ArrowRight")
            page.wait_for_function(f"(b) => ({SNAPSHOT})() !== b", arg=before, timeout=10_000)
            assert page.evaluate(STATE)["N"] == NS[i_n]
            assert_plot_is_grid(page, grid, i_n, i_b)
            moved += 1
    # the beta slider, with N at its first, the paper's and its last position
    for i_n in (0, NS.index(1000), len(NS) - 1):
        put_slider(page, "n-slider", i_n)
        put_slider(page, "beta-slider", len(BETAS) - 1)
        assert_plot_is_grid(page, grid, i_n, len(BETAS) - 1)
        for i_b in range(len(BETAS) - 2, -1, -1):
            before = page.evaluate(SNAPSHOT)
            nudge(page, "beta-slider", "ArrowLeft")
            page.wait_for_function(f"(b) => ({SNAPSHOT})() !== b", arg=before, timeout=10_000)
            assert page.evaluate(STATE)["beta"] == BETAS[i_b]
            assert_plot_is_grid(page, grid, i_n, i_b)
            # both panels follow beta: the guarantee and the loss bound with it
            moved += 1
    assert moved == 3 * (len(NS) - 1) + 3 * (len(BETAS) - 1)
    log.check()


def test_beta_moves_both_panels(opened, grid):
    page, log = opened
    put_slider(page, "n-slider", NS.index(1000))
    put_slider(page, "beta-slider", BETAS.index(1.0))
    a = page.evaluate(TRACES)
    nudge(page, "beta-slider", "ArrowLeft")  # beta = 0.75
    page.wait_for_function(f"() => ({STATE})().beta === 0.75")
    b = page.evaluate(TRACES)
    assert a[0]["y"] != b[0]["y"] and a[3]["y"] != b[3]["y"]  # top: guarantee, substitution
    assert a[7]["y"] != b[7]["y"]  # bottom: eq. 17 with the beta guarantee
    assert a[1]["y"] == b[1]["y"] and a[5]["y"] == b[5]["y"]  # Theorem 2 and eq. 18 stay
    log.check()


def random_points(n: int, seed: int = 2026) -> list[tuple[int, int, float]]:
    """On the grid, off it in N, in beta and in both; N_eff anywhere in [1, N]."""
    rng = random.Random(seed)
    pts = []
    for i in range(n):
        kind = i % 4
        if kind in (0, 2):
            N = rng.choice(NS)
        elif rng.random() < 0.2:
            N = rng.choice([2, 3, 7, 12_345, 10**9, 2**53])
        else:
            N = int(10 ** rng.uniform(math.log10(2), 12))
        beta = rng.choice(BETAS) if kind in (0, 1) else 10 ** rng.uniform(-1.4, 0.8)
        if rng.random() < 0.5:
            v = rng.randint(1, N)
        else:
            v = min(N, max(1, int(10 ** rng.uniform(0, math.log10(N)))))
        pts.append((N, v, beta))
    return pts


def type_point(page, N, v, beta):
    page.locator(f'#{EXPLORER} [data-role="n-input"]').fill(str(N))
    page.locator(f'#{EXPLORER} [data-role="neff-input"]').fill(str(v))
    box = page.locator(f'#{EXPLORER} [data-role="beta-input"]')
    box.fill(repr(beta))
    box.press("Enter")
    page.wait_for_function(
        f"""([N, v, b]) => {{
            const s = ({STATE})();
            return s.N === N && s.nEff === v && s.beta === b;
        }}""",
        arg=[N, v, beta],
        timeout=20_000,
    )


def test_typed_values_match_the_library(opened):
    page, log = opened
    pts = random_points(60)
    off = 0
    for N, v, beta in pts:
        type_point(page, N, v, beta)
        want = point_values(N, v, beta)
        shown = page.evaluate(READOUT)
        assert set(shown) == set(POINT_KEYS)
        assert int(shown["k"]) == want["k"], (N, v, beta)
        for key in POINT_KEYS:
            got = float(shown[key])
            assert close(got, want[key]), (N, v, beta, key, shown[key], want[key])
        # the point is marked on the curves of both panels
        tr = page.evaluate(TRACES)
        assert all(close(x, want["rho"]) for x in tr[4]["x"] + tr[8]["x"])
        top = [want[k] for k in ("guarantee", "theorem2", "trivial", "naive")]
        bottom = [want[k] for k in ("loss_eq18", "loss_exact", "loss_beta")]
        assert all(close(a, b) for a, b in zip(tr[4]["y"], top, strict=True)), (N, v, beta)
        assert all(close(a, b) for a, b in zip(tr[8]["y"], bottom, strict=True)), (N, v, beta)
        on_grid = N in NS and any(abs(beta - b) <= 1e-12 for b in BETAS)
        status = page.evaluate(STATUS)
        if not on_grid:
            off += 1
            assert "outside the precomputed grid" in status, (N, beta, status)
            assert len(tr[0]["x"]) > 0  # curves computed in the page
        else:
            assert status == ""
    assert off >= 30
    log.check()


def test_page_formulas_reproduce_the_embedded_library_values(opened, grid):
    page, log = opened
    worst = page.evaluate(
        f"""(G) => {{
            const E = document.getElementById("{EXPLORER}").empExplorer;
            let worst = 0, where = null, count = 0;
            G.curves.forEach((c, i) => c.n_eff.forEach((v, j) => G.betas.forEach((b, l) => {{
                const p = E.point(G.Ns[i], v, b), q = c.by_beta[l];
                const pairs = [[p.guarantee, q.guarantee[j]], [p.trivial, q.trivial[j]],
                    [p.naive, q.naive[j]], [p.loss_beta, q.loss_beta[j]], [p.rho, c.rho[j]],
                    [p.theorem2, c.theorem2[j]], [p.loss_eq18, c.loss_eq18[j]],
                    [p.loss_exact, c.loss_exact[j]], [p.k, q.k[j]]];
                pairs.forEach(([a, e]) => {{
                    const err = Math.abs(a - e) / Math.max(Math.abs(e), 1e-300);
                    count += 1;
                    if (err > worst) {{ worst = err; where = [G.Ns[i], v, b, a, e]; }}
                }});
            }})));
            return {{worst: worst, where: where, count: count}};
        }}""",
        grid,
    )
    assert worst["count"] > 25_000
    # the grid holds the library's values to 6 significant digits
    assert worst["worst"] <= 6e-6, worst
    log.check()


def test_log_axis_toggle_keeps_the_data(opened):
    page, log = opened
    type_point(page, 1000, 66, 0.75)
    before = page.evaluate(SNAPSHOT)
    box = page.locator(f'#{EXPLORER} [data-role="xlog"]')
    for checked, kind in ((True, "log"), (False, "linear")):
        box.set_checked(checked)
        page.wait_for_function(
            f'(t) => document.getElementById("{PLOT}").layout.xaxis.type === t', arg=kind
        )
        assert page.evaluate(f'() => document.getElementById("{PLOT}").layout.xaxis2.type') == kind
        assert page.evaluate(SNAPSHOT) == before
    log.check()


def test_invalid_values_are_refused(opened):
    page, log = opened
    type_point(page, 1000, 200, 1.0)
    before = page.evaluate(SNAPSHOT)
    for n, v, b, words in [
        ("abc", "2", "1", "N must be an integer"),
        ("1", "1", "1", "N must be an integer"),
        ("100", "101", "1", "N_eff must be an integer in [1, N]"),
        ("100", "2.5", "1", "N_eff must be an integer in [1, N]"),
        ("100", "2", "0", "β must be a finite positive number"),
        ("100", "2", "-1", "β must be a finite positive number"),
    ]:
        page.locator(f'#{EXPLORER} [data-role="n-input"]').fill(n)
        page.locator(f'#{EXPLORER} [data-role="neff-input"]').fill(v)
        box = page.locator(f'#{EXPLORER} [data-role="beta-input"]')
        box.fill(b)
        box.press("Enter")
        assert words in page.evaluate(STATUS)
        assert page.evaluate(STATE) == {"N": 1000, "nEff": 200, "beta": 1.0}
        assert page.evaluate(SNAPSHOT) == before
    log.check()


def test_fits_a_phone(open_page, server):
    context, page, log = open_explorer(open_page, server, width=390, height=844)
    try:
        sizes = page.evaluate(
            f"""() => {{
                const el = document.getElementById("{EXPLORER}");
                const main = el.closest("main") || document.body;
                return {{el: el.scrollWidth, box: el.clientWidth, main: main.clientWidth,
                         right: el.getBoundingClientRect().right, vw: window.innerWidth}};
            }}"""
        )
        assert sizes["el"] <= sizes["box"] + 1, sizes
        assert sizes["right"] <= sizes["vw"] + 1, sizes
        type_point(page, 500, 7, 0.5)
        assert float(page.evaluate(READOUT)["guarantee"]) == pytest.approx(
            point_values(500, 7, 0.5)["guarantee"], abs=TOL
        )
        log.check()
    finally:
        context.close()
