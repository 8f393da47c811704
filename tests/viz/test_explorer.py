"""The bounds explorer (emp_theory.viz.explorer): embedded data against the library, the page's JS port.

The browser test (tests/book/test_bounds_explorer.py) drives the built page; here the
fragment's JSON is parsed back and compared with :func:`point_values`, and the page
JavaScript's formulas are run in Node (when installed) against the library.
"""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import subprocess

import numpy as np
import pytest

from emp_theory import keep_count, normalized_loss_bound, theorem2_bound
from emp_theory.viz._explorer_page import SCRIPT
from emp_theory.viz._render import sig
from emp_theory.viz.explorer import (
    BETAS,
    NS,
    POINT_KEYS,
    bounds_explorer,
    explorer_data,
    kept_loss_bound,
    point_values,
)
from emp_theory.viz.lower_bound_figs import int_grid


def embedded(html: str, div_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{div_id}-data">(.*?)</script>', html, re.S)
    assert m, "no embedded JSON"
    return json.loads(m.group(1))


def check_grid(grid: dict, Ns, betas, max_points: int) -> int:
    """Every embedded value is sig(library value); returns the number of values checked."""
    assert grid["Ns"] == list(Ns) and grid["betas"] == [float(b) for b in betas]
    assert grid["max_points"] == max_points and len(grid["curves"]) == len(Ns)
    checked = 0
    for n, c in zip(Ns, grid["curves"], strict=True):
        x = int_grid(n, max_points)
        assert c["n_eff"] == x.tolist()
        assert len(c["by_beta"]) == len(betas)
        for j, b in enumerate(betas):
            pts = [point_values(n, int(v), b) for v in x]
            cb = c["by_beta"][j]
            assert cb["k"] == [p["k"] for p in pts]
            for key in ("guarantee", "trivial", "naive", "loss_beta"):
                assert cb[key] == sig([p[key] for p in pts]).tolist(), (n, b, key)
                checked += len(x)
            if j == 0:
                for key in ("rho", "theorem2", "loss_eq18", "loss_exact"):
                    assert c[key] == sig([p[key] for p in pts]).tolist(), (n, key)
                    checked += len(x)
    return checked


@pytest.fixture(scope="module")
def book_explorer():
    """The explorer exactly as the lower-bound chapter shows it."""
    return bounds_explorer()


class TestEmbeddedData:
    def test_book_explorer_data_is_the_library(self, book_explorer):
        data = embedded(book_explorer.html, "emp-bounds-explorer")
        assert data == json.loads(json.dumps(book_explorer.data))
        assert check_grid(data["grid"], NS, BETAS, 48) > 10_000
        assert data["active"] == {"N": 1000, "beta": 1.0, "n_eff": 200}
        assert data["keys"] == list(POINT_KEYS)

    def test_small_grid(self):
        ex = bounds_explorer(
            Ns=(10, 57, 1000), betas=(0.5, 1.0, 2.0), active_N=57, n_eff=5, max_points=12,
            div_id="x1",
        )  # fmt: skip
        data = embedded(ex.html, "x1")
        check_grid(data["grid"], (10, 57, 1000), (0.5, 1.0, 2.0), 12)
        assert data["active"] == {"N": 57, "beta": 1.0, "n_eff": 5}
        assert explorer_data((10, 57, 1000), (0.5, 1.0, 2.0), max_points=12) == data["grid"]

    def test_fragment(self, book_explorer):
        html = book_explorer.html
        assert book_explorer._repr_html_() == html
        # one plot div, counted by the book's browser test like every plotly figure
        assert html.count('class="plotly-graph-div"') == 1
        assert "__ID__" not in html and 'id="emp-bounds-explorer-plot"' in html
        assert html.count("<script") == 2 and "https://" not in html and "http://" not in html
        for key in POINT_KEYS:
            assert html.count(f'data-key="{key}"') == 1
        for role in ("n-slider", "beta-slider", "n-input", "neff-input", "beta-input", "form"):
            assert html.count(f'data-role="{role}"') == 1
        fig = book_explorer.data["figure"]
        assert len(fig["data"]) == 9 and fig["layout"]["yaxis2"]["type"] == "log"
        assert all(t.get("x", []) == [] for t in fig["data"])  # the page fills the traces

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="active_N"):
            bounds_explorer(Ns=(10, 100), active_N=1000, n_eff=2)
        with pytest.raises(ValueError, match="active_beta"):
            bounds_explorer(Ns=(10,), betas=(0.5,), active_N=10, n_eff=2)
        with pytest.raises(ValueError, match="n_eff"):
            bounds_explorer(Ns=(10,), betas=(1.0,), active_N=10, n_eff=11)
        with pytest.raises(ValueError, match="betas"):
            bounds_explorer(Ns=(10,), betas=(1.0, 1.0), active_N=10, n_eff=2)
        with pytest.raises(ValueError, match="Ns"):
            bounds_explorer(Ns=(1, 10), betas=(1.0,), active_N=10, n_eff=2)
        with pytest.raises(ValueError, match="height"):
            bounds_explorer(Ns=(10,), betas=(1.0,), active_N=10, n_eff=2, height=50)
        with pytest.raises(ValueError, match="div_id"):
            bounds_explorer(Ns=(10,), betas=(1.0,), active_N=10, n_eff=2, div_id='a"b')


class TestPointValues:
    @pytest.mark.parametrize("N", [2, 3, 10, 1000, 10**6])
    def test_beta_one_is_theorem_2(self, N):
        for v in sorted({1, 2, N // 3 or 1, N - 1, N}):
            p = point_values(N, v, 1.0)
            assert p["k"] == v and p["trivial"] == v / N
            assert p["guarantee"] == pytest.approx(p["theorem2"], abs=1e-15)
            assert p["naive"] == p["theorem2"] and abs(p["naive_excess"]) <= 1e-15
            if v >= 2:  # kept_loss_bound with Theorem 2 is eq. 17 with exact eq. 15; the
                # latter takes sqrt(N(1 - rho) - 1), so a rounding error of rho N shows as
                # sqrt(eps) ~ 1e-8 at N_eff = N - 1
                assert p["loss_beta"] == pytest.approx(p["loss_exact"], rel=1e-7, abs=1e-300)

    def test_naive_overstates_for_beta_below_one(self):
        for beta in (0.25, 0.5, 0.75):
            ex = [point_values(200, v, beta)["naive_excess"] for v in range(1, 201)]
            assert min(ex) >= -1e-12 and max(ex) > 0.05
        for beta in (1.5, 2.0):
            ex = [point_values(200, v, beta)["naive_excess"] for v in range(1, 201)]
            assert max(ex) <= 1e-12 and min(ex) < -0.01

    def test_keys_and_library_functions(self):
        p = point_values(1000, 37, 0.29)
        assert tuple(p) == POINT_KEYS
        assert p["k"] == keep_count(beta=0.29, n_eff=37, N=1000) == 10
        assert p["theorem2"] == theorem2_bound(37, 1000)
        assert p["loss_eq18"] == normalized_loss_bound(0.037, 1000)
        assert p["loss_beta"] == kept_loss_bound(p["guarantee"], 10, 1000)

    def test_kept_loss_bound(self):
        # (1 - rho)/(2 N rho) (1 - m)^2 (N - k), rho = k/N
        assert kept_loss_bound(0.5, 10, 100) == pytest.approx(0.9 / 20 * 0.25 * 90)
        assert kept_loss_bound(1.0, 7, 100) == 0.0 and kept_loss_bound(0.3, 100, 100) == 0.0
        with pytest.raises(ValueError, match="`k`"):
            kept_loss_bound(0.5, 0, 100)
        with pytest.raises(ValueError):
            kept_loss_bound(1.5, 10, 100)
        with pytest.raises(ValueError, match="beta"):
            point_values(100, 5, 0.0)
        with pytest.raises(ValueError, match="n_eff"):
            point_values(100, 101, 1.0)


# ---------------------------------------------------------------------------
# The page's formulas, run in Node against the library
# ---------------------------------------------------------------------------
def _js_formulas() -> str:
    a = SCRIPT.index("// ---- the library's formulas")
    b = SCRIPT.index("// ---- grid lookup")
    return (
        "var EPS = 2.220446049250313e-16, TOL = 1e-15, LEAF = 4096, BUDGET = 5e7;\n" + SCRIPT[a:b]
    )


def random_points(n: int, seed: int) -> list[tuple[int, int, float]]:
    """(N, N_eff, beta) from 2 to 2**53, N_eff anywhere in [1, N], beta from 0.03 to 10."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.3:
            N = rng.choice([2, 3, 5, 10, 37, 100, 1000, 12_345, 10**6, 10**9, 2**53])
        else:
            N = int(10 ** rng.uniform(math.log10(2), 12))
        if rng.random() < 0.5:
            v = rng.randint(1, N)
        else:
            v = min(N, max(1, int(10 ** rng.uniform(0, math.log10(N)))))
        if rng.random() < 0.4:
            beta = rng.choice([0.25, 0.29, 0.5, 1.0, 1.5, 2.0, 3.0])
        else:
            beta = 10 ** rng.uniform(-1.5, 1)
        out.append((N, v, beta))
    return out


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_page_formulas_match_the_library(tmp_path):
    pts = random_points(300, seed=15)
    src = _js_formulas() + (
        f"\nvar P = {json.dumps(pts)};\n"
        "console.log(JSON.stringify(P.map(function (p) { return point(p[0], p[1], p[2]); })));\n"
    )
    path = tmp_path / "formulas.js"
    path.write_text(src, encoding="utf-8")
    out = json.loads(
        subprocess.run(["node", str(path)], capture_output=True, text=True, check=True).stdout
    )
    # The page evaluates the closed forms as written; the library compensates the
    # cancellation in N(1 - rho) - 1 and 1 - sqrt(x) (emp_theory.bounds), which moves a
    # value by up to ~sqrt(eps) relative where it is tiny (e.g. N = 3, N_eff = 2:
    # 8e-11). Agreement: 1e-9 absolute below 1, relative above.
    for (N, v, beta), got in zip(pts, out, strict=True):
        want = point_values(N, v, beta)
        for key in POINT_KEYS:
            assert got[key] is not None, (N, v, beta, key)
            err = abs(got[key] - want[key]) / max(1.0, abs(want[key]))
            assert err <= 1e-9, (N, v, beta, key, got[key], want[key])
        assert got["k"] == want["k"]


def test_script_is_plain_es5_offline():
    # no module syntax, no network, no template literals (the page has no bundler)
    assert "import " not in SCRIPT and "fetch(" not in SCRIPT and "`" not in SCRIPT
    assert "XMLHttpRequest" not in SCRIPT and "http" not in SCRIPT
    assert np.isclose(float(re.search(r"TOL = ([0-9e.-]+)", SCRIPT).group(1)), 1e-15)
