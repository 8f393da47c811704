"""Tests of the figures of streamed EMP (emp_theory.viz.stream_figs) on real streamed results."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import streaming as S  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory, header_order, load_dir, pruned_keys, make_model):
    d = tmp_path_factory.mktemp("figs")
    src = make_model(d / "in", torch.bfloat16, seed=41)
    hist = S.magnitude_histogram(src)
    rep_g = S.prune_safetensors(src, d / "g", progress=False)
    rep_l = S.prune_safetensors(src, d / "l", scope="layer", progress=False)
    ins = load_dir(src)
    cat = torch.cat(
        [ins[f][k].reshape(-1).double() for f, k in pruned_keys(ins, header_order(src))]
    )
    return hist, rep_g, rep_l, cat


class TestStreamFigures:
    def test_kept_fraction_curves(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import kept_fraction_figure

        hist, rep, _, cat = run
        fig = kept_fraction_figure(hist, rep)
        k, m, cut = fig.data
        a = cat.abs()
        for i in (0, len(k.x) // 3, len(k.x) - 1):  # straight from the weights
            t = k.x[i]
            assert np.isclose(k.y[i], 100.0 * float((a >= t).double().mean()), rtol=1e-12)
            assert np.isclose(
                m.y[i], 100.0 * float(a[a >= t].sum() / a.sum()), rtol=1e-9, atol=1e-12
            )
        assert cut.x[0] == rep["threshold"] and np.isclose(cut.y[0], 100 * rep["k"] / rep["N"])
        # the cut lies on the K(t) curve up to the ties kept at the threshold
        j = int(np.flatnonzero(np.asarray(k.x) == rep["threshold"])[0])
        assert k.y[j] >= cut.y[0] and (j + 1 == len(k.x) or k.y[j + 1] < cut.y[0])

    def test_tensor_sparsity_bars(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import tensor_sparsity_figure

        _, rep_g, rep_l, _ = run
        fig = tensor_sparsity_figure({"global": rep_g, "layer": rep_l})
        for bar, rep in zip(fig.data, (rep_g, rep_l), strict=True):
            rows = [r for r in rep["tensors"] if r["pruned"]]
            assert list(bar.x) == [r["name"] for r in rows]
            assert np.allclose(bar.y, [100 * (1 - r["kept"] / r["N"]) for r in rows])

    def test_bad_inputs(self, run):
        pytest.importorskip("plotly")
        from emp_theory.viz.stream_figs import kept_fraction_figure, tensor_sparsity_figure

        hist, rep_g, rep_l, _ = run
        with pytest.raises(ValueError, match="`hist`"):
            kept_fraction_figure({"values": [1.0]}, rep_g)
        with pytest.raises(ValueError, match="`report`"):
            kept_fraction_figure(hist, rep_l)
        with pytest.raises(ValueError, match="`report`"):
            kept_fraction_figure(hist, {**rep_g, "N": rep_g["N"] + 1})
        with pytest.raises(ValueError, match="`reports`"):
            tensor_sparsity_figure({})
