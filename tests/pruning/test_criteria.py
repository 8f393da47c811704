"""Tests of emp_theory.pruning.criteria against independent computations on tiny models.

* Taylor |theta_i g_i| vs a central finite difference of the loss along theta_i e_i,
  d/dt L(theta + t theta_i e_i) at t = 0 (float64, h = 1e-6: error O(h^2));
* saliency |g_i| and the batch average vs central finite differences per batch;
* Hutchinson diag(H) vs the exact Hessian diagonal from torch.autograd.functional.hessian,
  within 5 standard deviations of the estimator, sigma_i^2 = sum_{j != i} H_ij^2 / n
  (the exact variance of z_i (Hz)_i for Rademacher z), plus a small absolute slack;
* OBD = 1/2 theta^2 diag(H) against the exact diagonal with the same tolerance;
* Wanda |W_ij| ||X_j||_2 vs activations recomputed by hand (Linear: the previous layers
  applied explicitly; Conv2d: the patch norms by explicit loops over the kernel offsets
  of the zero-padded input, not F.unfold).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.func import functional_call
from torch.nn import functional as F

from emp_theory.pruning.criteria import (
    CRITERIA,
    compute_scores,
    hutchinson_diag_hessian,
    magnitude,
    obd,
    saliency,
    taylor,
    wanda,
)
from emp_theory.pruning.models import FCNet, SmallCNN


def tiny(seed=0):
    torch.manual_seed(seed)
    return FCNet(5, (6, 3)).double()


def batch(n=12, seed=1, d=5):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (n,), generator=g)
    return x, y


def loss_at(model, name, new_value, x, y):
    params = dict(model.named_parameters())
    params = {k: v.detach() for k, v in params.items()}
    params[name] = new_value
    with torch.no_grad():
        return float(F.cross_entropy(functional_call(model, params, (x,)), y))


NAMES = ["net.fc1.weight", "net.fc2.weight", "net.fc1.bias"]


class TestMagnitude:
    def test_abs(self):
        m = tiny()
        s = magnitude(m, "fc1.weight")
        assert torch.equal(s, m.net.fc1.weight.detach().abs())
        s2 = magnitude(m, [m.net.fc2.weight, "fc2.bias"])
        assert torch.equal(s2[1], m.net.fc2.bias.detach().abs())


class TestTaylor:
    @pytest.mark.parametrize("name", NAMES)
    def test_vs_finite_difference(self, name):
        m = tiny()
        x, y = batch()
        s = taylor(m, name, (x, y))
        theta = dict(m.named_parameters())[name].detach()
        h = 1e-6
        fd = torch.empty_like(theta)
        for i in range(theta.numel()):
            e = torch.zeros_like(theta).view(-1)
            e[i] = theta.view(-1)[i]
            e = e.view_as(theta)
            fd.view(-1)[i] = (
                loss_at(m, name, theta + h * e, x, y) - loss_at(m, name, theta - h * e, x, y)
            ) / (2 * h)
        assert torch.allclose(s, fd.abs(), rtol=1e-6, atol=1e-9)

    def test_first_order_loss_change(self):
        # removing a tiny weight: the actual loss change is the Taylor term up to O(theta^2)
        m = tiny()
        x, y = batch()
        name = "net.fc1.weight"
        theta = dict(m.named_parameters())[name].detach().clone()
        theta.view(-1)[0] = 1e-4
        with torch.no_grad():
            m.net.fc1.weight.copy_(theta)
        s = taylor(m, name, (x, y))
        zeroed = theta.clone()
        zeroed.view(-1)[0] = 0.0
        dl = abs(loss_at(m, name, zeroed, x, y) - loss_at(m, name, theta, x, y))
        assert dl == pytest.approx(float(s.view(-1)[0]), rel=1e-3)

    def test_requires_data(self):
        with pytest.raises(ValueError, match="`data`"):
            taylor(tiny(), "fc1.weight", None)


class TestSaliency:
    def test_batch_average_vs_finite_differences(self):
        m = tiny()
        b1, b2, b3 = batch(seed=1), batch(seed=2), batch(seed=3)
        s = saliency(m, "fc2.weight", [b1, b2, b3], n_batches=2)  # only the first two
        theta = m.net.fc2.weight.detach()
        h = 1e-6
        ref = torch.zeros_like(theta)
        for x, y in (b1, b2):
            for i in range(theta.numel()):
                e = torch.zeros_like(theta).view(-1)
                e[i] = h
                e = e.view_as(theta)
                ref.view(-1)[i] += (
                    loss_at(m, "net.fc2.weight", theta + e, x, y)
                    - loss_at(m, "net.fc2.weight", theta - e, x, y)
                ) / (2 * h)
        assert torch.allclose(s, (ref / 2).abs(), rtol=1e-6, atol=1e-9)

    def test_eval_mode_restored(self):
        m = tiny()
        m.train()
        saliency(m, "fc1.weight", batch())
        assert m.training


def exact_hessian_diag_and_offdiag(model, names, x, y):
    params = {k: v.detach() for k, v in model.named_parameters()}
    shapes = [params[n].shape for n in names]
    sizes = [params[n].numel() for n in names]

    def f(flat):
        p = dict(params)
        chunks = torch.split(flat, sizes)
        for n, c, shp in zip(names, chunks, shapes, strict=True):
            p[n] = c.view(shp)
        return F.cross_entropy(functional_call(model, p, (x,)), y)

    flat = torch.cat([params[n].reshape(-1) for n in names])
    H = torch.autograd.functional.hessian(f, flat)
    diag = torch.diagonal(H).clone()
    off = (H**2).sum(1) - diag**2
    return diag, off, sizes, shapes


class TestHutchinson:
    def test_vs_exact_hessian_diagonal(self):
        m = tiny()
        x, y = batch()
        names = ["net.fc1.weight", "net.fc2.weight"]
        diag, off, _, _ = exact_hessian_diag_and_offdiag(m, names, x, y)
        n_probes = 2000
        est = hutchinson_diag_hessian(m, names, (x, y), n_batches=1, n_probes=n_probes, seed=7)
        est = torch.cat([e.reshape(-1) for e in est])
        sigma = (off / n_probes).sqrt()
        # 5 sigma of the Rademacher estimator (sigma_i^2 = sum_{j!=i} H_ij^2 / n) + round-off
        assert torch.all((est - diag).abs() <= 5 * sigma + 1e-10)
        # the estimate is informative: correlation with the exact diagonal is high
        assert float(np.corrcoef(est.numpy(), diag.numpy())[0, 1]) > 0.95

    def test_obd_vs_exact(self):
        m = tiny()
        x, y = batch()
        names = ["net.fc1.weight"]
        diag, off, _, shapes = exact_hessian_diag_and_offdiag(m, names, x, y)
        n_probes = 3000
        s = obd(m, names[0], (x, y), n_batches=1, n_probes=n_probes, seed=3)
        theta = m.net.fc1.weight.detach()
        ref = 0.5 * theta**2 * diag.view(shapes[0])
        tol = 0.5 * theta**2 * 5 * (off / n_probes).sqrt().view(shapes[0]) + 1e-10
        assert torch.all((s - ref).abs() <= tol)

    def test_seeded(self):
        m = tiny()
        a = hutchinson_diag_hessian(m, "fc1.weight", batch(), n_probes=4, seed=1)
        b = hutchinson_diag_hessian(m, "fc1.weight", batch(), n_probes=4, seed=1)
        assert torch.equal(a, b)

    def test_bad_probes(self):
        with pytest.raises(ValueError, match="`n_probes`"):
            hutchinson_diag_hessian(tiny(), "fc1.weight", batch(), n_probes=0)


class TestWanda:
    def test_linear_vs_manual_activations(self):
        torch.manual_seed(0)
        m = FCNet(5, (7, 4, 3)).double()
        b1, b2 = batch(n=9, seed=1), batch(n=6, seed=2)
        s1, s2, s3 = wanda(m, ["fc1.weight", "fc2.weight", "fc3.weight"], [b1, b2], n_batches=2)
        x = torch.cat([b1[0], b2[0]])
        with torch.no_grad():
            a1 = x
            a2 = torch.relu(a1 @ m.net.fc1.weight.T + m.net.fc1.bias)
            a3 = torch.relu(a2 @ m.net.fc2.weight.T + m.net.fc2.bias)
        for s, a, w in (
            (s1, a1, m.net.fc1.weight),
            (s2, a2, m.net.fc2.weight),
            (s3, a3, m.net.fc3.weight),
        ):
            norms = np.sqrt((a.numpy() ** 2).sum(0))
            ref = np.abs(w.detach().numpy()) * norms[None, :]
            np.testing.assert_allclose(s.numpy(), ref, rtol=1e-12, atol=0)

    def test_conv_vs_explicit_patches(self):
        torch.manual_seed(0)
        m = SmallCNN((1, 8, 8)).double()
        g = torch.Generator().manual_seed(4)
        x = torch.rand(5, 1, 8, 8, generator=g, dtype=torch.float64)
        y = torch.randint(0, 10, (5,), generator=g)
        s = wanda(m, "conv2.weight", (x, y))
        with torch.no_grad():
            inp = m.net.pool1(torch.relu(m.net.conv1(x))).numpy()  # (5, 16, 4, 4)
        conv = m.net.conv2
        kh, kw = conv.kernel_size
        p = conv.padding[0]
        xp = np.pad(inp, ((0, 0), (0, 0), (p, p), (p, p)))
        H = inp.shape[2] + 2 * p - kh + 1
        W = inp.shape[3] + 2 * p - kw + 1
        sq = np.zeros((inp.shape[1], kh, kw))
        for c in range(inp.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    sq[c, u, v] = (xp[:, c, u : u + H, v : v + W] ** 2).sum()
        ref = np.abs(conv.weight.detach().numpy()) * np.sqrt(sq)[None]
        np.testing.assert_allclose(s.numpy(), ref, rtol=1e-12, atol=1e-15)

    def test_rejects_bias(self):
        with pytest.raises(ValueError, match="`param`"):
            wanda(tiny(), "fc1.bias", batch())

    def test_hooks_removed(self):
        m = tiny()
        wanda(m, "fc1.weight", batch())
        assert not m.net.fc1._forward_pre_hooks


class TestResolution:
    def test_unknown_and_ambiguous_names(self):
        m = tiny()
        with pytest.raises(ValueError, match="`param`"):
            magnitude(m, "fc9.weight")
        with pytest.raises(ValueError, match="`param`"):
            magnitude(m, "weight")  # ambiguous suffix
        with pytest.raises(TypeError, match="`model`"):
            magnitude("model", "fc1.weight")

    def test_compute_scores_all_criteria(self):
        m = tiny()
        params = [m.net.fc1.weight, m.net.fc2.weight]
        for name in CRITERIA:
            out = compute_scores(
                m, name, params, batch(), **({"n_probes": 2} if name == "obd" else {})
            )
            assert [o.shape for o in out] == [p.shape for p in params]
        with pytest.raises(ValueError, match="`criterion`"):
            compute_scores(m, "random", params, batch())


def test_criteria_restore_each_submodules_mode():
    """A wrapper in train mode around a submodule in eval mode comes back exactly as it was."""
    import torch

    from emp_theory.pruning.calibration import EvalMode

    inner = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.5)).eval()
    outer = torch.nn.Sequential(inner, torch.nn.Linear(3, 2))
    outer.training = True
    with EvalMode(outer):
        assert not any(m.training for m in outer.modules())
    assert outer.training is True
    assert not any(m.training for m in inner.modules())
