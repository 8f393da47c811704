"""Tests of emp_theory.experiments.lossbound (and .hutchinson): Hutchinson's trace and the measured loss bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from emp_theory.experiments.lossbound import (  # noqa: E402
    LossBoundMeasurement,
    TraceEstimate,
    hutchinson_trace,
    measure_loss_bound,
    prunable_weights,
)
from emp_theory.pruning.data import Dataset  # noqa: E402
from emp_theory.pruning.models import FCNet  # noqa: E402


def tiny_net(widths=(2, 2), n_in=2, seed=0):
    torch.manual_seed(seed)
    net = FCNet(n_in, widths).double()
    # a smooth activation so that the Hessian is not piecewise trivial
    net.net.relu1 = nn.Tanh()
    return net


def tiny_data(n=20, n_in=2, n_classes=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_in, generator=g, dtype=torch.float64)
    y = torch.randint(0, n_classes, (n,), generator=g)
    return x, y


def exact_trace_and_hessian(model, x, y):
    """Hessian of the mean cross-entropy over the flattened prunable weights (torch.func)."""
    params = prunable_weights(model)
    names = {id(p): n for n, p in model.named_parameters()}
    keys = [names[id(p)] for p in params]
    sizes = [p.numel() for p in params]
    shapes = [p.shape for p in params]
    flat0 = torch.cat([p.detach().reshape(-1) for p in params])

    def loss(flat):
        parts = flat.split(sizes)
        state = {k: v.reshape(s) for k, v, s in zip(keys, parts, shapes, strict=True)}
        out = torch.func.functional_call(model, state, (x,))
        return F.cross_entropy(out, y)

    H = torch.autograd.functional.hessian(loss, flat0)
    return float(torch.trace(H)), H.numpy()


class TestHutchinsonTrace:
    def test_all_sign_vectors_give_the_exact_trace(self):
        # E[z^T H z] = Tr(H) for Rademacher z; averaging over all 2^N sign vectors is
        # that expectation exactly.
        model = tiny_net()
        x, y = tiny_data()
        exact, _ = exact_trace_and_hessian(model, x, y)
        N = sum(p.numel() for p in prunable_weights(model))
        assert N == 8
        probes = np.array(list(itertools.product((-1.0, 1.0), repeat=N)))
        est = hutchinson_trace(model, (x, y), probes=probes)
        assert est.n_probes == 2**N
        assert est.estimate == pytest.approx(exact, rel=1e-10, abs=1e-12)

    def test_random_probes_within_four_standard_errors(self):
        model = tiny_net(widths=(3, 2), n_in=3)
        x, y = tiny_data(n_in=3)
        exact, H = exact_trace_and_hessian(model, x, y)
        est = hutchinson_trace(model, (x, y), n_probes=2000, seed=3)
        assert isinstance(est, TraceEstimate)
        assert abs(est.estimate - exact) <= 4 * est.stderr
        # Var(z^T H z) = 2 * sum_{i != j} H_ij^2 for Rademacher z (symmetric H)
        var = 2.0 * (np.sum(H * H) - np.sum(np.diag(H) ** 2))
        assert est.stderr == pytest.approx(math.sqrt(var / 2000), rel=0.15)

    def test_one_probe_has_no_standard_error(self):
        model = tiny_net()
        est = hutchinson_trace(model, tiny_data(), n_probes=1)
        assert math.isnan(est.stderr) and len(est.samples) == 1

    def test_same_seed_same_estimate(self):
        model = tiny_net()
        data = tiny_data()
        a = hutchinson_trace(model, data, n_probes=5, seed=7)
        b = hutchinson_trace(model, data, n_probes=5, seed=7)
        assert a.samples == b.samples

    @pytest.mark.parametrize(
        ("kwargs", "exc", "word"),
        [
            ({"n_probes": 0}, ValueError, "`n_probes`"),
            ({"n_probes": 2.5}, ValueError, "`n_probes`"),
            ({"probes": np.ones((3, 5))}, ValueError, "`probes`"),
            ({"probes": np.full((2, 8), np.nan)}, ValueError, "`probes`"),
            ({"params": []}, ValueError, "`params`"),
            ({"params": [nn.Parameter(torch.ones(2))]}, ValueError, "`params`"),
        ],
    )
    def test_bad_inputs(self, kwargs, exc, word):
        with pytest.raises(exc, match=word):
            hutchinson_trace(tiny_net(), tiny_data(), **kwargs)

    def test_bad_model_and_data(self):
        with pytest.raises(TypeError, match="`model`"):
            hutchinson_trace("net", tiny_data())
        with pytest.raises(TypeError, match="`data`"):
            hutchinson_trace(tiny_net(), torch.ones(3, 2))
        x, y = tiny_data()
        with pytest.raises(ValueError, match="`data`"):
            hutchinson_trace(tiny_net(), (x, y[:-1]))


def small_dataset(seed=0):
    g = torch.Generator().manual_seed(seed)
    xtr = torch.rand(60, 1, 4, 4, generator=g)
    xte = torch.rand(40, 1, 4, 4, generator=g)
    ytr = torch.randint(0, 10, (60,), generator=g)
    yte = torch.randint(0, 10, (40,), generator=g)
    return Dataset("digits", xtr, ytr, xte, yte, "synthetic")


def small_model(seed=0):
    torch.manual_seed(seed)
    return FCNet(16, (12, 10))


def direct_prune(model, beta):
    """EMP-magnitude by hand: N_eff from the moments, keep the k largest |theta| by argsort."""
    ws = [model.net.fc1.weight.detach(), model.net.fc2.weight.detach()]
    theta = torch.cat([w.reshape(-1) for w in ws]).double().numpy()
    a = np.abs(theta)
    N = a.size
    n_eff = math.floor(a.sum() ** 2 / (a * a).sum())
    k = min(max(math.floor(beta * n_eff), 1), N)
    keep = np.zeros(N, dtype=bool)
    keep[np.argsort(-a, kind="stable")[:k]] = True
    return theta, keep, n_eff, k


class TestMeasureLossBound:
    @pytest.mark.parametrize("beta", [0.5, 1.0, 1.25])
    def test_eps_and_bounds_from_a_direct_recomputation(self, beta):
        data = small_dataset()
        model = small_model()
        # a given positive trace (the random model's Hutchinson trace may be negative)
        m = measure_loss_bound(model, data, beta, trace=TraceEstimate(2.5, 0.1, 1, (2.5,)))
        assert isinstance(m, LossBoundMeasurement)
        assert m.trace_h == 2.5
        theta, keep, n_eff, k = direct_prune(model, beta)
        assert (m.N, m.n_eff, m.k) == (theta.size, n_eff, k)
        # eps: the test cross-entropy of the hand-pruned weights minus the dense one
        w1 = torch.from_numpy(np.where(keep, theta, 0.0)[:192].reshape(12, 16)).float()
        w2 = torch.from_numpy(np.where(keep, theta, 0.0)[192:].reshape(10, 12)).float()
        x = data.x_test.reshape(40, 16)
        net = model.net
        with torch.no_grad():
            dense = F.cross_entropy(net.fc2(torch.relu(net.fc1(x))), data.y_test)
            h = torch.relu(F.linear(x, w1, net.fc1.bias))
            pruned = F.cross_entropy(F.linear(h, w2, net.fc2.bias), data.y_test)
        assert m.eps == pytest.approx(float(pruned - dense), abs=1e-5)
        # eq. 17 uses exactly the measured distance, the sum of squares of the pruned weights
        dist = float(np.sum(theta[~keep] ** 2))
        assert m.dist_sq == pytest.approx(dist, rel=1e-9)
        rho = k / theta.size
        assert m.rho == rho
        assert m.eq17 == pytest.approx((1 - rho) / (2 * theta.size * rho) * m.trace_h * dist)
        # the distance bound before eq. 18 holds, and eq. 18 is the paper's formula at N_eff/N
        assert m.dist_sq <= m.dist_bound
        re, N = n_eff / theta.size, theta.size
        eq18 = (
            np.abs(theta).sum() ** 2
            * m.trace_h
            * (1 - re) ** 4
            / (2 * re)
            * (1 - math.sqrt((1 - re) / (N * re))) ** 2
        )
        assert m.eq18 == pytest.approx(eq18, rel=1e-9)
        assert m.ratio("eq17") == pytest.approx(m.eq17 / abs(m.eps))

    def test_model_is_not_modified_and_trace_reused(self):
        data = small_dataset()
        model = small_model()
        before = [p.detach().clone() for p in model.parameters()]
        tr = hutchinson_trace(model, (data.x_test, data.y_test), n_probes=3)
        m = measure_loss_bound(model, data, 1.0, trace=tr)
        assert m.trace_h == tr.estimate and m.trace_se == tr.stderr
        for a, b in zip(before, model.parameters(), strict=True):
            assert torch.equal(a, b)

    def test_nonpositive_trace_gives_nan_bounds(self):
        tr = TraceEstimate(-1.0, 0.5, 2, (-1.5, -0.5))
        m = measure_loss_bound(small_model(), small_dataset(), 1.0, trace=tr)
        assert math.isnan(m.eq17) and math.isnan(m.eq18) and math.isnan(m.eq17_dist_bound)
        assert m.dist_sq > 0  # the measured quantities are still reported

    def test_nothing_pruned_gives_zero(self):
        tr = TraceEstimate(1.0, 0.0, 1, (1.0,))
        m = measure_loss_bound(small_model(), small_dataset(), 100.0, trace=tr)
        assert m.k == m.N and m.eps == 0 and m.dist_sq == 0 and m.eq17 == 0

    @pytest.mark.parametrize(
        ("kwargs", "exc", "word"),
        [
            ({"beta": 0.0}, ValueError, "`beta`"),
            ({"beta": float("nan")}, ValueError, "`beta`"),
            ({"trace_split": "val"}, ValueError, "`trace_split`"),
            ({"trace": 3.0}, TypeError, "`trace`"),
        ],
    )
    def test_bad_inputs(self, kwargs, exc, word):
        with pytest.raises(exc, match=word):
            measure_loss_bound(small_model(), small_dataset(), **kwargs)

    def test_bad_model_and_dataset(self):
        with pytest.raises(TypeError, match="`model`"):
            measure_loss_bound(None, small_dataset())
        with pytest.raises(TypeError, match="`dataset`"):
            measure_loss_bound(small_model(), (1, 2))
        with pytest.raises(ValueError, match="`which`"):
            measure_loss_bound(small_model(), small_dataset(), n_probes=2).ratio("eq19")
