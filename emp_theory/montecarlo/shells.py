"""Monte Carlo over the shells A_nu (eq. 7): per-shell minimum of the kept mass vs eq. 14.

Part of :mod:`emp_theory.montecarlo` (which re-exports the public names); ``nu`` is the
shell index (= N_eff), ``N`` the dimension.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np

from .._validation import (
    INT64_MAX,
    as_int,
    as_positive_finite,
    as_rng,
    as_str,
    check_alloc,
    check_N,
    int_array,
)
from ..bounds import prop1_infimum
from ..simplex import shell_index
from .samplers import (
    METHODS,
    _chunk_rows,
    _cumsum_columns,
    _EdgeStream,
    _TargetedStream,
    _UniformStream,
)


# ---------------------------------------------------------------------------
# Shell statistics
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ShellReport:
    r"""Smallest kept mass found in one shell :math:`A_\nu` by :func:`run`.

    Attributes
    ----------
    N, nu : int
        Dimension and shell.
    method : str
        ``"uniform"``, ``"targeted"``, ``"edges"`` or ``"both"``.
    n_samples : int
        Samples drawn in the run (all shells together).
    n_in_shell : int
        Samples that fell in :math:`A_\nu`.
    min_kept_mass : float
        :math:`\min \varphi_\nu(\omega)` over those samples (``nan`` if none).
    infimum : float
        :func:`emp_theory.bounds.prop1_infimum` ``(nu, N)`` (eq. 14).
    gap : float
        ``min_kept_mass - infimum`` (``nan`` if no sample fell in the shell);
        Proposition 1 says it is :math:`\ge 0`.
    samples_per_second : float
        Throughput of the whole run (sampling and bookkeeping).
    argmin : numpy.ndarray or None
        The sample attaining ``min_kept_mass``.
    """

    N: int
    nu: int
    method: str
    n_samples: int
    n_in_shell: int
    min_kept_mass: float
    infimum: float
    gap: float
    samples_per_second: float
    argmin: np.ndarray | None

    def as_dict(self) -> dict:
        """Plain ``dict`` (JSON-safe: ``nan`` becomes ``None``, ``argmin`` a list)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, float) and math.isnan(v):
                v = None
            out[f.name] = v
        return out


class _Accumulator:
    """Per-shell minima of the kept mass, counts and argmins, updated chunk by chunk."""

    def __init__(self, N: int) -> None:
        self.N = N
        self.min = np.full(N + 1, np.inf)
        self.count = np.zeros(N + 1, dtype=np.int64)
        self.arg: dict[int, np.ndarray] = {}
        self.n = 0

    def add(self, w: np.ndarray) -> None:
        m = w.shape[0]
        self.n += m
        nu = shell_index(w)
        csum = _cumsum_columns(w, np.empty_like(w))
        kept = csum[np.arange(m), nu - 1]  # phi_nu(w) = sum_{i <= nu} w_i, eq. (9)
        self.count += np.bincount(nu, minlength=self.N + 1)
        cmin = np.full(self.N + 1, np.inf)
        np.minimum.at(cmin, nu, kept)
        improved = cmin < self.min
        if not improved.any():
            return
        rows = np.flatnonzero((kept == cmin[nu]) & improved[nu])
        shells, first = np.unique(nu[rows], return_index=True)
        for v, r in zip(shells.tolist(), rows[first].tolist(), strict=True):
            self.min[v] = kept[r]
            self.arg[v] = w[r].copy()


def run(
    N,
    nus=None,
    *,
    n_samples=200_000,
    method="uniform",
    seed=0,
    chunk=None,
    alpha=0.05,
) -> list[ShellReport]:
    r"""Sample :math:`\tilde\Delta` and report, per shell, the smallest kept mass against Proposition 1.

    Each sample :math:`\omega` falls in the shell :math:`A_\nu` with
    :math:`\nu = \lfloor\|\omega\|^{-2}\rfloor` (eqs. 7-8) and keeps the mass
    :math:`\varphi_\nu(\omega) = \sum_{i\le\nu}\omega_i` (eq. 9); the minimum over
    the samples of each shell is compared with
    :math:`\inf_{A_\nu}\varphi_\nu` of eq. (14) (:func:`~emp_theory.bounds.prop1_infimum`).
    Proposition 1 predicts ``gap >= 0``; targeted sampling drives it to ~0.

    Parameters
    ----------
    N : int
        ``N >= 2``.
    nus : int or sequence of int, optional
        Shells to report (default all ``1..N``); targeted sampling aims at each.
    n_samples : int
        Samples per method: ``"uniform"`` and ``"edges"`` draw `n_samples`;
        ``"targeted"`` draws ``max(1, n_samples // len(nus))`` per shell;
        ``"both"`` draws all three.
    method : {"uniform", "targeted", "edges", "both"}
    seed : None, int or numpy.random.Generator
        The root generator ``g`` (``default_rng(seed)`` for an int) is split by
        ``g.spawn(2 + len(nus))``: child 0 feeds :func:`.sample_uniform`, child 1
        :func:`.sample_edges`, child ``2 + i`` :func:`.sample_targeted` for ``nus[i]``.
    chunk : int, optional
        Rows per chunk (memory bound); default ``2**20 // N``. The result does not
        depend on it.
    alpha : float
        Dirichlet concentration of the edge samples.

    Returns
    -------
    list of ShellReport
        One per shell in `nus`, in increasing order.

    References
    ----------
    .. [1] Wang et al., arXiv:2509.25606, eqs. (7)-(9), (14), Proposition 1.
    """
    N = check_N(N)
    check_alloc(4 * (N + 1), "N", what="the per-shell tables")
    shells = np.arange(1, N + 1) if nus is None else np.unique(int_array(nus, "nus", 1, N))
    n_samples = as_int(n_samples, "n_samples", low=1, high=INT64_MAX)
    if as_str(method, "method") not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    rows = _chunk_rows(chunk, N)
    check_alloc(min(rows, n_samples) * N, "chunk", what=f"a chunk of {rows} rows of length {N}")
    alpha = as_positive_finite(alpha, "alpha")
    kids = as_rng(seed).spawn(2 + shells.size)

    plan: list[tuple[object, int]] = []
    if method in ("uniform", "both"):
        plan.append((_UniformStream(N, kids[0]), n_samples))
    if method in ("edges", "both"):
        plan.append((_EdgeStream(N, alpha, kids[1]), n_samples))
    if method in ("targeted", "both"):
        per = max(1, n_samples // shells.size)
        plan += [(_TargetedStream(N, int(v), kids[2 + i]), per) for i, v in enumerate(shells)]

    acc = _Accumulator(N)
    buf = np.empty((min(rows, max(n for _, n in plan)), N))  # reused by the uniform stream
    t0 = time.perf_counter()
    for stream, n in plan:
        for s in range(0, n, rows):
            acc.add(stream.draw(min(rows, n - s), buf))
    rate = acc.n / max(time.perf_counter() - t0, 1e-12)

    inf = np.atleast_1d(prop1_infimum(shells, N))
    out = []
    for v, lo in zip(shells.tolist(), inf.tolist(), strict=True):
        found = acc.count[v] > 0
        mk = float(acc.min[v]) if found else math.nan
        out.append(
            ShellReport(
                N=N,
                nu=v,
                method=method,
                n_samples=acc.n,
                n_in_shell=int(acc.count[v]),
                min_kept_mass=mk,
                infimum=float(lo),
                gap=mk - lo if found else math.nan,
                samples_per_second=rate,
                argmin=acc.arg.get(v),
            )
        )
    return out


def summary_table(reports: Iterable[ShellReport]) -> list[dict]:
    """Rows for the book's Monte Carlo table: one ``dict`` per report, without ``argmin``.

    Keys: ``N, nu, method, n_samples, n_in_shell, min_kept_mass, infimum, gap,
    samples_per_second``; ``nan`` becomes ``None``.

    Raises
    ------
    TypeError
        If `reports` is not an iterable of :class:`ShellReport`.
    """
    if isinstance(reports, ShellReport):
        reports = [reports]
    try:
        items = list(reports)
    except TypeError:
        raise TypeError(
            f"`reports` must be an iterable of ShellReport, got {type(reports).__name__}"
        ) from None
    rows = []
    for r in items:
        if not isinstance(r, ShellReport):
            raise TypeError(f"`reports` must contain ShellReport objects, got {type(r).__name__}")
        d = r.as_dict()
        d.pop("argmin")
        rows.append(d)
    return rows
