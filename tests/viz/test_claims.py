"""The book's qualitative sentences (emp_theory.viz.claims) on the data the chapters show.

Each test computes, with the same function and on the same data as the chapter's hidden
cell, the word the prose uses: "above", "below", "falls", "rises", "not flat". The
Figure 3 test re-runs the chapter's (cached) sweep and is marked slow.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import emp_theory
from emp_theory.viz.beta_bound_figs import beta_bound_figure
from emp_theory.viz.claims import beta_accuracy, relation, substitution_excess, trend
from emp_theory.viz.normalized_loss_figs import _loss_frame


class TestRelationAndTrend:
    def test_relation(self):
        assert relation([1, 2], [1, 1]) == "above"
        assert relation([1, 0], [1, 1]) == "below"
        assert relation([1, 1 + 1e-13], [1, 1]) == "equal"
        assert relation([0, 2], [1, 1]) == "crosses"
        assert relation([1.0, 1.05], [1, 1], tol=0.1) == "equal"
        with pytest.raises(ValueError, match="same shape"):
            relation([1, 2], [1])
        with pytest.raises(ValueError, match="tol"):
            relation([1], [1], tol=-1)

    def test_trend(self):
        assert trend([3, 2, 2, 1]) == "falls"
        assert trend([1, 1, 2]) == "rises"
        assert trend([1, 1]) == "flat" and trend([1, 1.1, 1.0], tol=0.2) == "flat"
        assert trend([1, 3, 2]) == "mixed"
        assert trend([1, 2, 1.95, 3], tol=0.1) == "rises"
        with pytest.raises(ValueError, match="1-D"):
            trend([])


class TestLowerBoundChapter:
    """book/lower_bound.md: Theorem 2's shape and the substituted formula, N = 1000."""

    def test_substitution_excess_over_every_n_eff(self):
        x, d = substitution_excess(0.5, 1000)
        assert x.tolist() == list(range(1, 1001))
        assert float(d.max()) == pytest.approx(0.25, abs=1e-15) and int(x[d.argmax()]) == 3
        # the text's old grid (steps of 7 from 2) misses the maximum
        assert float(d[np.arange(1, 999, 7)].max()) < 0.2

    @pytest.mark.parametrize(
        ("beta", "word"),
        [(0.25, "above"), (0.5, "above"), (0.75, "above"), (1.0, "equal"), (1.25, "below"),
         (1.5, "below"), (2.0, "below")],
    )  # fmt: skip
    def test_substitution_lies_above_below_or_on(self, beta, word):
        _, d = substitution_excess(beta, 1000)
        assert relation(d, np.zeros(1000)) == word

    def test_figure_title_quotes_the_same_maximum(self):
        fig = beta_bound_figure(N=1000, betas=(0.25, 0.5, 1.0, 2.0))
        for b in (0.25, 0.5):
            x, d = substitution_excess(b, 1000)
            title = next(f.layout.title.text for f in fig.frames if f.name == f"{b:g}")
            assert f"{d.max():.3f} (at N<sub>eff</sub> = {x[d.argmax()]}," in title
        title2 = next(f.layout.title.text for f in fig.frames if f.name == "2")
        x, d = substitution_excess(2.0, 1000)
        assert (
            f"understates it by up to {-d.min():.3f} (at N<sub>eff</sub> = {x[d.argmin()]}"
            in title2
        )

    def test_theorem2_shape(self):
        k = np.arange(1, 1001)
        b = emp_theory.theorem2_bound(k, 1000)
        j = int(b.argmin())
        assert b[0] == 0.5 < b[1] and b[-1] == 1.0 and k[j] == 66
        assert trend(b[1 : j + 1]) == "falls" and trend(b[j:]) == "rises"
        assert relation(b, emp_theory.trivial_bound(k, 1000)) == "above"
        minima = [emp_theory.theorem2_bound(np.arange(1, n + 1), n).min() for n in (10, 100, 10**4)]
        assert trend(minima) == "falls"

    def test_approximate_form_overstates_everywhere(self):
        inner = np.arange(2, 1000)
        over = emp_theory.theorem2_approx(inner, 1000) - emp_theory.theorem2_bound(inner, 1000)
        assert over.min() > 0 and relation(over, 0 * over, tol=0) == "above"


class TestLossBoundChapter:
    """book/loss_bound.md: the normalized bound rises with N towards (1-rho)^4/(2 rho)."""

    def test_rises_with_n_and_falls_with_rho(self):
        fixed = [0.01, 0.1, 0.2, 0.5, 0.9]
        for r in fixed:
            vals = [emp_theory.normalized_loss_bound(r, n) for n in (10**3, 10**5, 10**7, 10**9)]
            assert trend(vals) == "rises" and vals[-1] < (1 - r) ** 4 / (2 * r)
        assert trend([(1 - r) ** 4 / (2 * r) for r in fixed]) == "falls"

    @pytest.mark.parametrize("N", [10, 100, 1000, 10**4, 10**5, 10**6])
    def test_figure_title_numbers(self, N):
        title = _loss_frame(N, 400)[1]
        assert "e+" not in title  # was "1e+02%" at N = 10
        m = re.search(
            r"at ρ = 0\.2: ([0-9.]+) = ([0-9.,]+)% of the plotted maximum ([0-9.,]+)", title
        )
        assert m, title
        at02 = emp_theory.normalized_loss_bound(0.2, N)
        peak = float(m.group(3).replace(",", ""))
        assert float(m.group(1)) == pytest.approx(at02, rel=5e-3)
        assert float(m.group(2).replace(",", "")) == pytest.approx(100 * at02 / peak, rel=1e-2)
        assert float(m.group(2).replace(",", "")) <= 100


class TestBetaAccuracy:
    def profile(self, accs, dense=0.9, last_no_pruning=True):
        betas = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
        return [
            {"beta": b, "acc": a, "dense_acc": dense, "no_pruning": last_no_pruning and b == 2.0}
            for b, a in zip(betas, accs, strict=True)
        ]

    def test_rises_back_to_dense(self):
        c = beta_accuracy(self.profile([0.63, 0.82, 0.853, 0.905, 0.9, 0.9]), tol=1 / 450)
        assert c["falls_below_one"] and c["above_one"] == "mixed" and not c["flat_above_one"]
        assert c["ends_dense"] and c["rise_above_one"] == pytest.approx(0.052)
        c = beta_accuracy(self.profile([0.63, 0.82, 0.853, 0.89, 0.9, 0.9]), tol=1 / 450)
        assert c["above_one"] == "rises"

    def test_flat_within_one_image(self):
        c = beta_accuracy(self.profile([0.9669, 0.9667, 0.9667, 0.9671, 0.9671, 0.9671]), 1 / 450)
        assert not c["falls_below_one"] and c["flat_above_one"] and c["above_one"] == "flat"

    def test_bad_profiles(self):
        with pytest.raises(ValueError, match="beta = 1"):
            beta_accuracy([{"beta": 0.5, "acc": 0.5, "dense_acc": 1, "no_pruning": False}], 0.01)
        with pytest.raises(ValueError, match="below and above"):
            beta_accuracy(self.profile([0.5] * 6)[2:], 0.01)


@pytest.mark.slow
def test_figure3_sentences_on_the_books_sweep():
    """The exact assertions of book/pruning_small_models.md, on the same (cached) sweep."""
    torch = pytest.importorskip("torch")
    from emp_theory.experiments import audit
    from emp_theory.pruning.data import load_digits_split
    from emp_theory.pruning.names import CRITERIA
    from emp_theory.pruning.sweep import cached_sweep

    torch.set_num_threads(1)
    digits = load_digits_split()
    one_image = 1 / len(digits.y_test)
    shape = {}
    for m in ("fc2", "fc5", "fc12"):
        res = cached_sweep(
            m,
            digits,
            betas=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
            scopes=("global", "block"),
            criteria=CRITERIA,
            criterion_options={"obd": {"n_probes": 4}},
            baseline=False,
        )
        for s in ("global", "block"):
            shape[m, s] = beta_accuracy(audit.beta_profile(res, "magnitude", s), one_image)
    falls = [p for p, c in shape.items() if c["falls_below_one"]]
    drop = {p: c["drop_below_one"] for p, c in shape.items()}
    rise = {p: c["rise_above_one"] for p, c in shape.items()}
    assert [p for p in shape if p not in falls] == [("fc5", "global")]
    assert abs(drop["fc5", "global"]) <= one_image + 1e-12
    assert max(drop, key=drop.get) == ("fc12", "block") == max(rise, key=rise.get)
    assert not any(c["flat_above_one"] for c in shape.values())  # "not flat": the fixed bug
    assert all(c["ends_dense"] for c in shape.values())
    assert all(shape[p]["above_one"] == "rises" for p in shape if p[0] != "fc2")
    assert all(shape["fc2", s]["above_one"] == "falls" for s in ("global", "block"))
