r"""Static, paper-style figures (matplotlib, Agg): ``python -m emp_theory.viz.paper_figures --out figures``.

Writes, as PNG and SVG each (deterministic bytes for a given matplotlib version):

``figure1``
    Figure 1 of the paper: the balls :math:`B_\nu` (eq. 12, radius
    :math:`r_\nu = \sqrt{1/\nu - 1/N}` about :math:`\zeta_{[N]}`) and the simplex
    :math:`\Delta` (eq. 3) with its ordered part :math:`\tilde\Delta` (eq. 4) and
    vertices :math:`\zeta_{[k]}` (eq. 10); left :math:`N = 3` in the plane
    (:math:`B_1, B_2, B_3 = \{\zeta_{[3]}\}`), right :math:`N = 4` in 3-D
    (:math:`B_1, \dots, B_3` and :math:`B_4 = \{\zeta_{[4]}\}`, as in the paper).
``figure2_left``
    Figure 2 (left), :math:`N = 1000`: Theorem 2 (eq. 15, exact and
    :math:`\approx` forms; the exact form is Proposition 1, eq. 14), the trivial
    bound :math:`N_{\mathrm{eff}}/N` (eq. 13) and the exact certificate.
``figure2_right``
    Figure 2 (right), :math:`N = 1000`: the normalized loss bound
    :math:`\epsilon/(\|\theta^*\|_1^2\mathrm{Tr}(H))` of eq. 18 against
    :math:`\rho = N_{\mathrm{eff}}/N`, with the exact-form variant.

Every plotted value comes from :mod:`emp_theory.simplex`, :mod:`emp_theory.bounds`
or :mod:`emp_theory.certificate`.

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning", arXiv:2509.25606,
       Figures 1 and 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .._validation import as_int, check_N
from ..bounds import normalized_loss_bound, theorem2_approx, theorem2_bound, trivial_bound
from ..certificate import exact_infimum
from ..simplex import barycenter, plane_coords, radius, vertices

__all__ = ["FIGURES", "figure1", "figure2_left", "figure2_right", "main", "write_figures"]

#: Base names of the written figures (each as ``.png`` and ``.svg``).
FIGURES = ("figure1", "figure2_left", "figure2_right")

_RC = {
    "svg.hashsalt": "emp_theory",  # deterministic SVG element ids
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _ball_colors(n: int):
    plt = _plt()
    cmap = plt.get_cmap("viridis")
    return [cmap(0.1 + 0.8 * i / max(n - 2, 1)) for i in range(n - 1)]


def _figure1_plane(ax) -> None:
    n = 3
    eye = plane_coords(np.eye(n))
    z = plane_coords(vertices(n))
    tri = np.vstack([eye, eye[:1]])
    ax.plot(tri[:, 0], tri[:, 1], color="k", lw=1.5, label=r"$\Delta$")
    ax.fill(z[:, 0], z[:, 1], color="#1f77b4", alpha=0.2, label=r"$\tilde\Delta$")
    t = np.linspace(0, 2 * np.pi, 361)
    for nu, col in zip(range(1, n), _ball_colors(n), strict=True):
        r = float(radius(nu, n))
        ax.plot(
            r * np.cos(t), r * np.sin(t), color=col, lw=1.5, label=rf"$B_{nu}$, $r_{nu}={r:.3f}$"
        )
    ax.plot(0, 0, "o", color="#d62728", ms=5, label=rf"$B_{n} = \{{\zeta_{{[{n}]}}\}}$")
    for k in range(n):
        ax.annotate(
            rf"$\zeta_{{[{k + 1}]}}$" + (r" $= e_1$" if k == 0 else ""),
            z[k],
            textcoords="offset points",
            xytext=(6, -12) if k == n - 1 else (4, 5),
            fontsize=10,
            color="#1f77b4",
        )
    for k in range(1, n):
        off = (-16, 2) if eye[k, 0] < 0 else (2, -14)
        ax.annotate(rf"$e_{k + 1}$", eye[k], textcoords="offset points", xytext=off)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(r"$N = 3$ in the plane $\Pi$")
    ax.legend(loc="lower left", fontsize=8, frameon=False, bbox_to_anchor=(-0.05, -0.12))


def _figure1_space(ax) -> None:
    n = 4
    eye = plane_coords(np.eye(n))
    z = plane_coords(vertices(n))
    for i in range(n):
        for j in range(i + 1, n):
            ax.plot(*eye[[i, j]].T, color="k", lw=1.2)
    for i in range(n):
        for j in range(i + 1, n):
            ax.plot(*z[[i, j]].T, color="#1f77b4", lw=1.0, alpha=0.8)
    u = np.linspace(0, 2 * np.pi, 19)
    v = np.linspace(0, np.pi, 10)
    for nu, col in zip(range(1, n), _ball_colors(n), strict=True):
        r = float(radius(nu, n))
        ax.plot_wireframe(
            r * np.outer(np.cos(u), np.sin(v)),
            r * np.outer(np.sin(u), np.sin(v)),
            r * np.outer(np.ones_like(u), np.cos(v)),
            color=col,
            lw=0.4,
            alpha=0.5,
            label=rf"$B_{nu}$, $r_{nu}={r:.3f}$",
        )
    c = plane_coords(barycenter(n))
    ax.scatter(*c, color="#d62728", s=12, label=r"$B_4 = \{\zeta_{[4]}\}$")
    for k in range(n):
        label = rf"$\zeta_{{[{k + 1}]}}$" + (r" $= e_1$" if k == 0 else "")
        ax.text(*z[k], label, color="#1f77b4", fontsize=9)
    for k in range(1, n):
        ax.text(*(1.08 * eye[k]), rf"$e_{k + 1}$", fontsize=9)
    lim = float(radius(1, n))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_zlim(-lim, lim)
    ax.set_box_aspect((1, 1, 1), zoom=1.45)
    ax.view_init(elev=18, azim=-60)
    ax.set_axis_off()
    ax.set_title(r"$N = 4$ in 3-D (Figure 1 of the paper)")
    ax.legend(loc="lower left", fontsize=8, frameon=False)


def figure1():
    r"""Figure 1: the balls :math:`B_\nu` and the simplex, :math:`N = 3` (plane) and :math:`N = 4` (3-D).

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Section 4.1 and Figure 1.
    """
    plt = _plt()
    with plt.rc_context(_RC):
        fig = plt.figure(figsize=(10, 4.8))
        _figure1_plane(fig.add_subplot(1, 2, 1))
        _figure1_space(fig.add_subplot(1, 2, 2, projection="3d"))
        fig.suptitle(r"The balls $B_\nu$ (eq. 12) and the simplex $\Delta$ (eq. 3)")
    return fig


def figure2_left(N=1000):
    r"""Figure 2 (left): the lower bound on :math:`s_{\mathrm{eff}}` against :math:`N_{\mathrm{eff}}`.

    Draws :func:`~emp_theory.bounds.theorem2_bound` and
    :func:`~emp_theory.bounds.theorem2_approx` (eq. 15) and
    :func:`~emp_theory.bounds.trivial_bound` (eq. 13) at every integer
    :math:`N_{\mathrm{eff}} \in [1, N]` (at most 2000 of them), and
    :func:`~emp_theory.certificate.exact_infimum` at the points of
    :func:`emp_theory.viz.lower_bound_figs.certificate_points`.

    Parameters
    ----------
    N : int, default 1000
        ``N >= 3``.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Theorem 2 and Figure 2 (left).
    """
    from .lower_bound_figs import certificate_points, int_grid

    n = check_N(N)
    if n < 3:
        raise ValueError(f"`N` must be an integer >= 3, got {N!r}")
    plt = _plt()
    x = int_grid(n, 2000)
    xc = certificate_points(n, 24)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.plot(x, theorem2_bound(x, n), color="#1f77b4", lw=2, label="Theorem 2 (eq. 15) = eq. 14")
        ax.plot(
            x, theorem2_approx(x, n), "--", color="#ff7f0e", lw=1.2, label=r"eq. 15, $\approx$ form"
        )
        ax.plot(x, trivial_bound(x, n), ":", color="0.4", lw=1.2, label=r"$N_{\rm eff}/N$ (eq. 13)")
        ax.plot(
            xc,
            exact_infimum(xc, n),
            "o",
            mfc="none",
            color="#d62728",
            ms=5,
            label="exact certificate",
        )
        ax.set_xlim(0, n)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(r"$N_{\rm eff}$")
        ax.set_ylabel(r"lower bound on $s_{\rm eff}$")
        ax.set_title(rf"Lower bound on the effective mass, $N = {n}$")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        fig.tight_layout()
    return fig


def figure2_right(N=1000):
    r"""Figure 2 (right): the normalized loss bound of eq. 18 against :math:`\rho`.

    :func:`~emp_theory.bounds.normalized_loss_bound` (paper's form and
    ``exact=True``) on :math:`\rho \in [1/N, 1]`, a linear y-axis as in the paper,
    and a dotted line at :math:`\rho = 0.2` labelled with the computed value there.

    Parameters
    ----------
    N : int, default 1000
        ``N >= 2``.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. 18 and Figure 2 (right).
    """
    from .normalized_loss_figs import rho_grid

    n = check_N(N)
    plt = _plt()
    rho = rho_grid(n, 2000)
    at02 = float(normalized_loss_bound(0.2, n))
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.plot(rho, normalized_loss_bound(rho, n), color="#1f77b4", lw=2, label="eq. 18")
        ax.plot(
            rho,
            normalized_loss_bound(rho, n, exact=True),
            "--",
            color="#ff7f0e",
            lw=1.2,
            label="eq. 17 with exact eq. 15",
        )
        ax.axvline(0.2, color="0.5", ls=":", lw=1)
        ax.annotate(
            rf"$\rho = 0.2$: {at02:.3f}",
            (0.2, at02),
            textcoords="offset points",
            xytext=(8, 20),
            arrowprops={"arrowstyle": "-", "color": "0.5"},
            fontsize=8,
        )
        ax.set_xlim(0, 1)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(r"$\rho = N_{\rm eff}/N$")
        ax.set_ylabel(r"$\epsilon / (\|\theta^*\|_1^2\,\mathrm{Tr}(H))$")
        ax.set_title(rf"Normalized loss bound, $N = {n}$")
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
    return fig


def _check_out(out) -> Path:
    if not isinstance(out, str | Path):
        raise TypeError(f"`out` must be a path, got {type(out).__name__}")
    p = Path(out)
    if str(out) == "":
        raise ValueError("`out` must not be empty")
    if p.exists() and not p.is_dir():
        raise ValueError(f"`out` must be a directory, but {str(p)!r} is a file")
    return p


def write_figures(out="figures", N=1000, dpi=150) -> list[Path]:
    """Write Figure 1 and Figure 2 (left, right) to `out` as PNG and SVG; return the paths.

    Parameters
    ----------
    out : str or pathlib.Path, default "figures"
        Output directory; created (with parents) if missing. Must not be a file.
    N : int, default 1000
        Dimension of Figure 2 (the paper's value).
    dpi : int, default 150
        Resolution of the PNG files.

    Returns
    -------
    list of pathlib.Path
        The six files written, in the order of :data:`FIGURES`, PNG before SVG.

    Raises
    ------
    ValueError
        If `out` is an existing file, or `N` / `dpi` are invalid.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Figures 1 and 2.
    """
    p = _check_out(out)
    n = check_N(N)
    d = as_int(dpi, "dpi")
    if d < 10:
        raise ValueError(f"`dpi` must be an integer >= 10, got {dpi!r}")
    p.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    written = []
    makers = {
        "figure1": figure1,
        "figure2_left": lambda: figure2_left(n),
        "figure2_right": lambda: figure2_right(n),
    }
    for name in FIGURES:
        fig = makers[name]()
        with plt.rc_context(_RC):
            png = p / f"{name}.png"
            svg = p / f"{name}.svg"
            fig.savefig(png, dpi=d, metadata={"Software": None})
            fig.savefig(svg, metadata={"Date": None, "Creator": None})
        plt.close(fig)
        written += [png, svg]
    return written


def main(argv=None) -> int:
    """Command line: ``python -m emp_theory.viz.paper_figures [--out DIR] [--N 1000] [--dpi 150]``.

    Prints one line per written file. A bad ``--out`` (an existing file) or a bad
    number prints one line to stderr and exits with status 2.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Figures 1 and 2.
    """
    parser = argparse.ArgumentParser(
        prog="python -m emp_theory.viz.paper_figures",
        description="Write the paper-style Figures 1 and 2 (PNG and SVG).",
    )
    parser.add_argument("--out", default="figures", help="output directory (default: figures)")
    parser.add_argument("--N", type=int, default=1000, help="N of Figure 2 (default: 1000)")
    parser.add_argument("--dpi", type=int, default=150, help="PNG resolution (default: 150)")
    args = parser.parse_args(argv)
    try:
        paths = write_figures(args.out, N=args.N, dpi=args.dpi)
    except (ValueError, TypeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
