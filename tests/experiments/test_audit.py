"""Tests of emp_theory.experiments.audit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from emp_theory.experiments.audit import (
    GAUSSIAN_RATIO,
    beta_profile,
    criterion_sparsity,
    layer_weight_stats,
    quantile_rule_mask,
)

torch = pytest.importorskip("torch")


def hand_k(s, beta):
    a = np.abs(np.asarray(s, dtype=float))
    return min(max(math.floor(beta * math.floor(a.sum() ** 2 / (a * a).sum())), 1), a.size)


class TestQuantileRule:
    @pytest.mark.parametrize("beta", [0.5, 0.8, 1.0, 1.2, 1.5])
    def test_keeps_n_minus_k_largest(self, beta):
        s = np.random.default_rng(0).standard_t(3, 500)
        mask = quantile_rule_mask(s, beta)
        k = hand_k(s, beta)
        assert mask.sum() == s.size - k
        # every kept score is at least every pruned one
        assert np.abs(s[mask]).min() >= np.abs(s[~mask]).max()

    def test_sparsity_rises_with_beta_unlike_algorithm_1(self):
        s = np.random.default_rng(1).lognormal(0, 2, 2000)
        betas = [0.5, 0.8, 1.0, 1.2, 1.5, 2.0]
        q = [1 - quantile_rule_mask(s, b).mean() for b in betas]
        assert all(b > a for a, b in itertools.pairwise(q))
        assert q[2] == pytest.approx(hand_k(s, 1.0) / s.size)

    def test_nothing_kept_when_k_is_N(self):
        s = np.ones(10)  # N_eff = N
        assert not quantile_rule_mask(s, 1.0).any()

    def test_example(self):
        # N_eff of [4, 3, 2, 1] is floor(100/30) = 3: k = 3, keep the 1 largest
        assert quantile_rule_mask([4, 3, 2, 1]).tolist() == [True, False, False, False]

    @pytest.mark.parametrize(
        ("s", "beta", "exc", "word"),
        [
            ([], 1.0, ValueError, "`scores`"),
            ([0.0, 0.0], 1.0, ValueError, "`scores`"),
            ([1.0, np.nan], 1.0, ValueError, "`scores`"),
            ([1.0, 2.0], 0.0, ValueError, "`beta`"),
            ([1.0, 2.0], np.inf, ValueError, "`beta`"),
        ],
    )
    def test_bad_inputs(self, s, beta, exc, word):
        with pytest.raises(exc, match=word):
            quantile_rule_mask(s, beta)


def small_model():
    from emp_theory.pruning.models import build_model

    return build_model("cnn", (1, 8, 8), seed=0)


class TestLayerWeightStats:
    def test_ratio_equals_sample_moments_up_to_the_floor(self):
        model = small_model()
        stats = layer_weight_stats(model)
        assert [s["name"] for s in stats] == [
            "net.conv1.weight",
            "net.conv2.weight",
            "net.fc1.weight",
            "net.fc2.weight",
        ]
        for s, (_, p) in zip(
            stats, [(n, p) for n, p in model.named_parameters() if n.endswith("weight")],
            strict=True,
        ):  # fmt: skip
            w = p.detach().double().numpy().ravel()
            r = np.mean(np.abs(w)) ** 2 / np.mean(w**2)
            assert s["N"] == w.size
            assert s["moment_ratio"] == pytest.approx(r, rel=1e-12)
            assert 0 <= s["moment_ratio"] - s["ratio"] < 1 / w.size + 1e-12
            assert s["gap_to_gaussian"] == pytest.approx(r - 2 / math.pi)

    def test_uniform_init_is_near_three_quarters_and_platykurtic(self):
        # PyTorch initialises Linear/Conv2d weights uniformly on [-a, a]:
        # (E|w|)^2 / E w^2 = (a/2)^2 / (a^2/3) = 3/4, excess kurtosis -6/5.
        stats = layer_weight_stats(small_model())
        big = [s for s in stats if s["N"] >= 4000]
        for s in big:
            assert s["moment_ratio"] == pytest.approx(0.75, abs=0.02)
            assert s["excess_kurtosis"] == pytest.approx(-1.2, abs=0.1)
        assert GAUSSIAN_RATIO == pytest.approx(0.6366197723675814)

    def test_bad_model(self):
        with pytest.raises(TypeError, match="`model`"):
            layer_weight_stats([1, 2])
        with pytest.raises(ValueError, match="`model`"):
            layer_weight_stats(torch.nn.ReLU())


def tiny_dataset():
    from emp_theory.pruning.data import Dataset

    g = torch.Generator().manual_seed(0)
    return Dataset(
        "digits",
        torch.rand(64, 1, 8, 8, generator=g),
        torch.randint(0, 10, (64,), generator=g),
        torch.rand(32, 1, 8, 8, generator=g),
        torch.randint(0, 10, (32,), generator=g),
        "synthetic",
    )


class TestCriterionSparsity:
    def test_algorithm_1_falls_and_quantile_rule_rises(self):
        rows = criterion_sparsity(small_model(), tiny_dataset(), ("taylor",), (0.8, 1.0, 1.2))
        assert [r["beta"] for r in rows] == [0.8, 1.0, 1.2]
        for r in rows:
            assert r["emp_sparsity"] == pytest.approx(1 - r["k"] / r["N"])
            assert r["quantile_sparsity"] == pytest.approx(r["k"] / r["N"])
        e = [r["emp_sparsity"] for r in rows]
        q = [r["quantile_sparsity"] for r in rows]
        assert e[0] > e[1] > e[2] and q[0] < q[1] < q[2]

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="`criteria`"):
            criterion_sparsity(small_model(), tiny_dataset(), ("random",))
        with pytest.raises(ValueError, match="`betas`"):
            criterion_sparsity(small_model(), tiny_dataset(), betas=(-1.0,))
        with pytest.raises(ValueError, match="`n_batches`"):
            criterion_sparsity(small_model(), tiny_dataset(), n_batches=0)
        with pytest.raises(TypeError, match="`model`"):
            criterion_sparsity("m", tiny_dataset())


class TestBetaProfile:
    def test_reads_and_sorts_rows(self):
        from emp_theory.pruning.sweep_result import SweepResult, SweepRow

        def row(beta, acc, crit="magnitude"):
            return SweepRow(
                "fc2", "digits", crit, "global", "emp", beta, "", 0.9, acc, 0.3, 0.4, 10, 6,
                False, 1, 0, True, None, [],
            )  # fmt: skip

        res = SweepResult("fc2", "digits", 0.9, 0.3, {}, {}, [row(2.0, 0.9), row(0.5, 0.7)])
        prof = beta_profile(res)
        assert [p["beta"] for p in prof] == [0.5, 2.0]
        assert prof[0]["delta"] == pytest.approx(-0.2)
        with pytest.raises(ValueError, match="`result`"):
            beta_profile(res, criterion="taylor")
        with pytest.raises(TypeError, match="`result`"):
            beta_profile({})
