"""Tests of the static paper-style figures (python -m emp_theory.viz.paper_figures)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from emp_theory.viz.paper_figures import (
    FIGURES,
    figure1,
    figure2_left,
    figure2_right,
    main,
    write_figures,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs") / "nested" / "figures"  # created with parents
    return out, write_figures(out)


def test_writes_six_valid_files(written):
    out, paths = written
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{b}.{e}" for b in FIGURES for e in ("png", "svg"))
    assert [p.name for p in paths] == [f"{b}.{e}" for b in FIGURES for e in ("png", "svg")]
    for p in paths:
        data = p.read_bytes()
        assert len(data) > 1000
        if p.suffix == ".png":
            assert data.startswith(PNG_MAGIC)
        else:
            head = data[:400].decode()
            assert head.startswith("<?xml") and "<svg" in data.decode()


def test_main_prints_the_files_and_is_deterministic(written, tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / f"{b}.{e}") for b in FIGURES for e in ("png", "svg")]
    _, first = written
    for a in first:  # a second run writes the same bytes
        assert (tmp_path / a.name).read_bytes() == a.read_bytes(), a.name


@pytest.mark.parametrize("module", ["emp_theory.viz.paper_figures", "emp_theory.figures"])
def test_out_is_a_file_gives_a_clear_error(tmp_path, module):
    """Also through the old path ``python -m emp_theory.figures`` (a thin re-export)."""
    f = tmp_path / "not_a_dir"
    f.write_text("x")
    res = subprocess.run(
        [sys.executable, "-m", module, "--out", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "`out`" in res.stderr and "is a file" in res.stderr
    assert "Traceback" not in res.stderr
    assert f.read_text() == "x"


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="`N`"):
        write_figures(tmp_path, N=1)
    with pytest.raises(ValueError, match="`dpi`"):
        write_figures(tmp_path, dpi=0)
    with pytest.raises(TypeError, match="`out`"):
        write_figures(3)
    with pytest.raises(ValueError, match="`N`"):
        figure2_left(2)


def test_figure1_circles_are_the_balls():
    """N = 3 panel: B_1 and B_2 have radius sqrt(1/nu - 1/3) (eq. 12) about the barycenter."""
    import matplotlib.pyplot as plt

    fig = figure1()
    ax = fig.axes[0]
    circles = [
        ln for ln in ax.lines if ln.get_label().startswith("$B_") and len(ln.get_xdata()) > 1
    ]
    assert len(circles) == 2
    for nu, ln in zip((1, 2), circles, strict=True):
        rad = np.hypot(ln.get_xdata(), ln.get_ydata())
        np.testing.assert_allclose(rad, np.sqrt(1 / nu - 1 / 3), rtol=1e-12)
    plt.close(fig)


def test_figure2_curves_are_the_paper_formulas():
    import matplotlib.pyplot as plt

    N = 1000
    fig = figure2_left(N)
    bound = fig.axes[0].lines[0]
    n = np.asarray(bound.get_xdata(), float)
    inner = (n >= 2) & (n <= N - 1)
    ref = 1 - (N - n[inner]) / N * (1 - np.sqrt((N - n[inner] - 1) / ((n[inner] + 1) * (N - 1))))
    np.testing.assert_allclose(bound.get_ydata()[inner], ref, rtol=1e-12)
    plt.close(fig)

    fig = figure2_right(N)
    ln = fig.axes[0].lines[0]
    rho = np.asarray(ln.get_xdata(), float)
    ref = (1 - rho) ** 4 / (2 * rho) * (1 - np.sqrt((1 - rho) / (N * rho))) ** 2
    np.testing.assert_allclose(ln.get_ydata(), ref, rtol=1e-12)
    plt.close(fig)
