"""Tests of the interactive figures (viz.geometry, viz.shell_geometry and the bound figures:
viz.lower_bound_figs, viz.beta_bound_figs, viz.normalized_loss_figs).

Reference values are the paper's closed forms, evaluated here independently of
the library: r_nu = sqrt(1/nu - 1/N) (eq. 12), |p_nu - zeta_[N]| = r_{nu+1}
(Proposition 1), eq. 14/15, eq. 13, eq. 18, and a grid count of the shell A_nu
straight from its definition (eq. 7).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("plotly")
from plotly.io.json import to_json_plotly

from emp_theory.certificate import beta_bound
from emp_theory.simplex import in_ordered_simplex, plane_basis, plane_coords
from emp_theory.viz import show
from emp_theory.viz.beta_bound_figs import beta_bound_figure
from emp_theory.viz.geometry import ordered_simplex_figure
from emp_theory.viz.lower_bound_figs import certificate_points, int_grid, lower_bound_figure
from emp_theory.viz.normalized_loss_figs import loss_bound_figure, rho_grid
from emp_theory.viz.shell_geometry import (
    ball_boundary,
    cone_directions,
    exit_distance,
    level_set_vertices,
)


# ---------------------------------------------------------------------------
# Independent closed forms (the paper's formulas, written out here)
# ---------------------------------------------------------------------------
def r_paper(nu, N):
    return np.sqrt(1.0 / nu - 1.0 / N)


def eq14(nu, N):
    nu = np.asarray(nu, dtype=float)
    val = nu / N + (N - nu) / N * np.sqrt(np.maximum(N - nu - 1, 0) / ((nu + 1) * (N - 1)))
    return np.where(nu == 1, 0.5, np.where(nu == N, 1.0, val))


def eq15_approx(n, N):
    n = np.asarray(n, dtype=float)
    return 1 - (N - n) / N * (1 - np.sqrt((N - n) / (N * n)))


def eq18(rho, N):
    rho = np.asarray(rho, dtype=float)
    return (1 - rho) ** 4 / (2 * rho) * (1 - np.sqrt((1 - rho) / (N * rho))) ** 2


def to_omega(xy):
    """Inverse of plane_coords: omega = 1/N + x U (U orthonormal rows)."""
    xy = np.asarray(xy, dtype=float)
    n = xy.shape[-1] + 1
    return 1.0 / n + xy @ plane_basis(n)


def frame_trace(frame, prefix):
    hits = [t for t in frame.data if t.name and t.name.startswith(prefix)]
    assert len(hits) == 1, [t.name for t in frame.data]
    return hits[0]


def frames_differ(fig):
    blobs = [to_json_plotly([t.to_plotly_json() for t in fr.data]) for fr in fig.frames]
    return len(set(blobs)) == len(blobs)


def check_slider(fig, labels):
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == [str(x) for x in labels]
    assert [fr.name for fr in fig.frames] == [str(x) for x in labels]
    for s, lab in zip(steps, labels, strict=True):
        assert s.method == "animate" and list(s.args[0]) == [str(lab)]


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------
class TestGeometryHelpers:
    @pytest.mark.parametrize("N", [3, 4])
    def test_exit_distance_is_the_boundary_of_the_ordered_simplex(self, N):
        d, _ = cone_directions(N, 7)
        R = exit_distance(d)
        c = np.full(N, 1.0 / N)
        assert np.all(in_ordered_simplex(c + (R * (1 - 1e-9))[:, None] * d, atol=1e-12))
        assert not np.any(in_ordered_simplex(c + (R * (1 + 1e-6))[:, None] * d, atol=1e-12))

    def test_exit_distance_at_vertices(self):
        # along zeta_[k] - zeta_[N] the exit point is the vertex zeta_[k]: R = r_k (eq. 12)
        N = 4
        d, _ = cone_directions(N, 1)  # the grid corners are the generators g_k
        R = np.sort(exit_distance(d))
        np.testing.assert_allclose(R, np.sort(r_paper(np.arange(1, N), N)), rtol=1e-12)

    @pytest.mark.parametrize("N,nu", [(3, 1), (3, 2), (4, 1), (4, 2), (4, 3)])
    def test_ball_boundary_lies_in_ball_and_ordered_simplex(self, N, nu):
        r = r_paper(nu, N)
        pts, _ = ball_boundary(r, N, 12)
        dist = np.linalg.norm(pts - 1.0 / N, axis=1)
        assert np.all(dist <= r + 1e-12)
        assert np.all(in_ordered_simplex(pts, atol=1e-12))
        # points strictly inside the ball are on a face of the ordered simplex
        lam = np.diff(-np.concatenate([pts, np.zeros((len(pts), 1))], axis=1), axis=1)
        inside = dist < r - 1e-9
        assert np.all(np.min(np.abs(lam[inside]), axis=1) < 1e-12)

    def test_level_set_rectangle_area(self):
        # {phi_2 = c} on Delta_4 is c*Delta_2 x (1-c)*Delta_2: a rectangle of area 2 c (1-c)
        c = 0.3
        v = level_set_vertices(2, 4, c)
        np.testing.assert_allclose(v[:, :2].sum(axis=1), c)
        q = plane_coords(v)  # an isometry onto R^3
        tri = [np.cross(q[i] - q[0], q[i + 1] - q[0]) for i in range(1, len(q) - 1)]
        area = 0.5 * np.linalg.norm(np.sum(tri, axis=0))
        assert area == pytest.approx(2 * c * (1 - c), rel=1e-12)

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`N`"):
            cone_directions(5)
        with pytest.raises(ValueError, match="`resolution`"):
            cone_directions(3, 0)
        with pytest.raises(ValueError, match="`r`"):
            ball_boundary(-0.1, 3)
        with pytest.raises(ValueError, match="`r`"):
            ball_boundary(np.nan, 3)
        with pytest.raises(ValueError, match="`value`"):
            level_set_vertices(1, 3, 1.5)
        with pytest.raises(ValueError, match="`nu`"):
            level_set_vertices(3, 3, 0.5)
        with pytest.raises(ValueError, match="`dirs`"):
            exit_distance(np.ones(3))


# ---------------------------------------------------------------------------
# Figure 1 (interactive)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fig3():
    return ordered_simplex_figure(3)


class TestOrderedSimplexFigure:
    def test_slider_one_step_per_nu_and_frames_differ(self, fig3):
        check_slider(fig3, [1, 2, 3])
        assert frames_differ(fig3)
        for fr in fig3.frames:
            assert f"ν = {fr.name}" in fr.layout.title.text

    def test_p_nu_marker(self, fig3):
        from emp_theory.bounds import p_nu

        for fr in fig3.frames:
            nu = int(fr.name)
            t = frame_trace(fr, "p<sub>ν</sub>")
            xy = np.array([t.x[0], t.y[0]])
            np.testing.assert_allclose(xy, plane_coords(p_nu(nu, 3)), atol=1e-5)
            # Proposition 1: p_nu is at distance r_{nu+1} from the barycenter
            expected = r_paper(nu + 1, 3) if nu < 3 else 0.0
            assert np.hypot(*xy) == pytest.approx(expected, abs=1e-5)

    def test_balls_have_radius_r_nu(self, fig3):
        for fr in fig3.frames:
            nu = int(fr.name)
            t = frame_trace(fr, "B<sub>ν</sub>,")
            rad = np.hypot(np.asarray(t.x, float), np.asarray(t.y, float))
            np.testing.assert_allclose(rad, r_paper(nu, 3), atol=2e-5)
            if nu < 3:
                t = frame_trace(fr, "B<sub>ν+1</sub>,")
                rad = np.hypot(np.asarray(t.x, float), np.asarray(t.y, float))
                np.testing.assert_allclose(rad, r_paper(nu + 1, 3), atol=2e-5)

    @pytest.mark.parametrize("nu", [1, 2])
    def test_shell_area_matches_definition(self, fig3, nu):
        """Shoelace area of the drawn shell vs a grid count of eq. 7 (A_nu in the ordered simplex)."""
        t = frame_trace(fig3.frames[nu - 1], "A<sub>ν</sub>")
        x, y = np.asarray(t.x, float), np.asarray(t.y, float)
        drawn = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        g = np.linspace(-0.85, 0.85, 701)
        X, Y = np.meshgrid(g, g)
        w = to_omega(np.stack([X.ravel(), Y.ravel()], axis=1))
        ordered = np.all(np.diff(w, axis=1) <= 0, axis=1) & (w[:, -1] >= 0)
        inv = 1.0 / np.sum(w * w, axis=1)
        in_shell = ordered & (inv >= nu) & (inv < nu + 1)
        counted = in_shell.sum() * (g[1] - g[0]) ** 2
        assert drawn == pytest.approx(counted, rel=0.02)

    def test_level_set_through_p_nu(self, fig3):
        from emp_theory.bounds import p_nu

        for fr in fig3.frames[:2]:
            nu = int(fr.name)
            t = frame_trace(fr, "φ<sub>ν</sub> =")
            w = to_omega(np.stack([np.asarray(t.x, float), np.asarray(t.y, float)], axis=1))
            c = p_nu(nu, 3)[:nu].sum()
            np.testing.assert_allclose(w[:, :nu].sum(axis=1), c, atol=1e-4)

    def test_3d_figure(self):
        fig = ordered_simplex_figure(4, nus=[2, 3], resolution=6)
        check_slider(fig, [2, 3])
        assert frames_differ(fig)
        for fr in fig.frames:
            nu = int(fr.name)
            cap = frame_trace(fr, "outer boundary of Δ̃ ∩ B<sub>ν</sub>")
            pts = np.stack([np.asarray(getattr(cap, a), float) for a in "xyz"], axis=1)
            assert np.all(np.linalg.norm(pts, axis=1) <= r_paper(nu, 4) + 1e-5)
            assert np.all(in_ordered_simplex(to_omega(pts), atol=1e-5))
            p = frame_trace(fr, "p<sub>ν</sub>")
            d = np.linalg.norm([p.x[0], p.y[0], p.z[0]])
            assert d == pytest.approx(r_paper(nu + 1, 4) if nu < 3 else 0.0, abs=1e-5)

    def test_html_is_small(self):
        html = show(ordered_simplex_figure(4)).html
        assert "<div" in html and len(html) < 3_000_000

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`N`"):
            ordered_simplex_figure(5)
        with pytest.raises(ValueError, match="`nu`"):
            ordered_simplex_figure(3, nus=[0, 1])
        with pytest.raises(ValueError, match="`nus`"):
            ordered_simplex_figure(3, nus=[1, 1])
        with pytest.raises(ValueError, match="`nus`"):
            ordered_simplex_figure(3, nus=[])
        with pytest.raises(ValueError, match="`active`"):
            ordered_simplex_figure(3, nus=[1, 2], active=3)
        with pytest.raises(TypeError, match="`level_set`"):
            ordered_simplex_figure(3, level_set="yes")


# ---------------------------------------------------------------------------
# Figure 2 (left), beta bound, Figure 2 (right)
# ---------------------------------------------------------------------------
class TestGrids:
    def test_int_grid(self):
        np.testing.assert_array_equal(int_grid(10, 50), np.arange(1, 11))
        g = int_grid(10_000, 100)
        assert g[0] == 1 and g[-1] == 10_000 and 2 in g and 9999 in g
        assert np.all(np.diff(g) > 0) and len(g) <= 104

    def test_certificate_points_respect_budget(self):
        x = certificate_points(10_000, 24, budget=5e7)
        assert np.sum(x * (10_000 - x)) <= 5e7 or len(x) <= 6
        assert x[0] == 1 and x[-1] == 10_000

    def test_rho_grid(self):
        r = rho_grid(1000, 40)
        assert r[0] == pytest.approx(1e-3) and r[-1] == 1.0 and 0.2 in r

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`max_points`"):
            int_grid(100, 2)
        with pytest.raises(ValueError, match="`N`"):
            int_grid(1, 10)
        with pytest.raises(ValueError, match="`budget`"):
            certificate_points(100, 10, budget=0)


@pytest.fixture(scope="module")
def lower_fig():
    return lower_bound_figure(Ns=(10, 50, 200), active=50, monte_carlo=False)


class TestLowerBoundFigure:
    def test_slider_and_frames(self, lower_fig):
        check_slider(lower_fig, [10, 50, 200])
        assert frames_differ(lower_fig)
        assert lower_fig.layout.sliders[0].active == 1
        for fr in lower_fig.frames:
            assert f"N = {fr.name}:" in fr.layout.title.text

    def test_curves_are_the_paper_formulas(self, lower_fig):
        for fr in lower_fig.frames:
            N = int(fr.name)
            t = frame_trace(fr, "Theorem 2 / Prop. 1")
            x = np.asarray(t.x)
            np.testing.assert_array_equal(x, int_grid(N, 400))
            np.testing.assert_allclose(t.y, eq14(x, N), rtol=1e-5)
            t = frame_trace(fr, "Theorem 2, ≈")
            np.testing.assert_allclose(t.y, eq15_approx(np.asarray(t.x), N), rtol=1e-5)
            t = frame_trace(fr, "trivial")
            np.testing.assert_allclose(t.y, np.asarray(t.x) / N, rtol=1e-5)

    def test_certificate_equals_proposition_1(self, lower_fig):
        for fr in lower_fig.frames:
            N = int(fr.name)
            t = frame_trace(fr, "exact certificate")
            assert len(t.x) >= 4
            np.testing.assert_allclose(t.y, eq14(np.asarray(t.x), N), rtol=1e-5)

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`active`"):
            lower_bound_figure(Ns=(10, 20), active=30, monte_carlo=False)
        with pytest.raises(ValueError, match="`Ns`"):
            lower_bound_figure(Ns=(), monte_carlo=False)
        with pytest.raises(ValueError, match="`Ns`"):
            lower_bound_figure(Ns=(10, 10), active=10, monte_carlo=False)
        with pytest.raises(ValueError, match="`Ns`"):
            lower_bound_figure(Ns=(2, 10), active=10, monte_carlo=False)
        with pytest.raises(ValueError, match="`n_certificate`"):
            lower_bound_figure(Ns=(10,), active=10, n_certificate=2, monte_carlo=False)
        with pytest.raises(ValueError, match="`n_samples`"):
            lower_bound_figure(Ns=(10,), active=10, n_samples=0)


@pytest.fixture(scope="module")
def beta_fig():
    return beta_bound_figure(N=60, betas=(0.5, 1.0, 2.0), n_points=14)


class TestBetaBoundFigure:
    def test_slider_and_frames(self, beta_fig):
        check_slider(beta_fig, ["0.5", "1", "2"])
        assert frames_differ(beta_fig)
        assert beta_fig.layout.sliders[0].active == 1
        for fr in beta_fig.frames:
            assert f"β = {fr.name}:" in fr.layout.title.text

    def test_values(self, beta_fig):
        N = 60
        base = beta_fig.data[0]
        np.testing.assert_allclose(base.y, eq14(np.asarray(base.x), N), rtol=1e-5)
        for fr in beta_fig.frames:
            beta = float(fr.name)
            g = frame_trace(fr, "guarantee")
            x = np.asarray(g.x)
            np.testing.assert_allclose(g.y, beta_bound(beta, x, N), rtol=1e-5)
            k = np.clip(np.floor(beta * x + 1e-9), 1, N).astype(int)
            np.testing.assert_array_equal(g.customdata, k)
            s = frame_trace(fr, "eq. 14 with ν := k")
            np.testing.assert_allclose(s.y, eq14(k, N), rtol=1e-5)
            over = np.asarray(s.y) - np.asarray(g.y)
            if beta == 1.0:  # the guarantee is Proposition 1 itself
                np.testing.assert_allclose(g.y, eq14(x, N), rtol=1e-5)
                assert "coincides" in fr.layout.title.text
            elif beta < 1:  # substituting k overstates the guarantee somewhere
                assert over.max() > 1e-3 and "overstates" in fr.layout.title.text
            else:
                assert over.max() <= 1e-5

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`betas`"):
            beta_bound_figure(N=20, betas=(0.0, 1.0))
        with pytest.raises(ValueError, match="`betas`"):
            beta_bound_figure(N=20, betas=(1.0, 1.0))
        with pytest.raises(ValueError, match="`active`"):
            beta_bound_figure(N=20, betas=(0.5, 2.0), active=1.0)
        with pytest.raises(ValueError, match="`N`"):
            beta_bound_figure(N=2, betas=(1.0,))


@pytest.fixture(scope="module")
def loss_fig():
    return loss_bound_figure(Ns=(100, 1000, 10_000), active=1000, max_points=60)


class TestLossBoundFigure:
    def test_slider_and_frames(self, loss_fig):
        check_slider(loss_fig, [100, 1000, 10_000])
        assert frames_differ(loss_fig)
        assert loss_fig.layout.yaxis2.type == "log" and loss_fig.layout.yaxis.type != "log"

    def test_values_and_title(self, loss_fig):
        for fr in loss_fig.frames:
            N = int(fr.name)
            curves = [t for t in fr.data if t.name.startswith("eq. 18")]
            assert len(curves) == 2  # linear and log panel
            for t in curves:
                x = np.asarray(t.x, float)
                assert x[0] == pytest.approx(1.0 / N, rel=1e-5) and x[-1] == 1.0
                np.testing.assert_allclose(t.y, eq18(x, N), rtol=1e-5, atol=1e-300)
            exact = [t for t in fr.data if t.name.startswith("eq. 17")]
            assert len(exact) == 2
            assert f"{eq18(0.2, N):.3g}" in fr.layout.title.text
            # linear panel: the frame's y-range covers the curves
            assert fr.layout.yaxis.range[1] >= max(np.max(t.y) for t in fr.data)

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`Ns`"):
            loss_bound_figure(Ns=(1, 10), active=10)
        with pytest.raises(ValueError, match="`active`"):
            loss_bound_figure(Ns=(10, 100), active=1000)
        with pytest.raises(ValueError, match="`max_points`"):
            loss_bound_figure(Ns=(10,), active=10, max_points=3)


class TestLowerBoundMonteCarlo:
    def test_samples_respect_proposition_1_and_targeted_reach_it(self):
        from emp_theory import montecarlo

        N = 30
        fig = lower_bound_figure(
            Ns=(N,), active=N, n_samples=400, n_targeted=30, max_cloud=150, seed=3
        )
        fr = fig.frames[0]
        uni = frame_trace(fr, "uniform samples")
        tgt = frame_trace(fr, "targeted samples")
        umin = frame_trace(fr, "min over uniform samples")
        assert len(uni.x) == 150 and len(tgt.x) > 0
        for t in (uni, tgt, umin):
            x = np.asarray(t.x)
            assert np.all((x >= 1) & (x <= N))
            # Proposition 1 (eq. 14, written out here): no sample keeps less than the infimum
            # (up to the 6 significant digits the figure keeps)
            assert np.all(np.asarray(t.y) >= eq14(x, N) * (1 - 1e-6))
        # the targeted samples come (numerically) as close to the bound as it gets
        gap = np.asarray(tgt.y) - eq14(np.asarray(tgt.x), N)
        assert gap.min() < 1e-6
        # the per-shell minimum is montecarlo.run's, and uniform stays clearly above the bound
        reports = [
            r
            for r in montecarlo.run(N, n_samples=400, method="uniform", seed=3)
            if r.n_in_shell > 0
        ]
        np.testing.assert_array_equal(umin.x, [r.nu for r in reports])
        np.testing.assert_allclose(umin.y, [r.min_kept_mass for r in reports], rtol=1e-5)
        assert min(r.gap for r in reports) > 0.01
        assert "uniform samples" in fr.layout.title.text
