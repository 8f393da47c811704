r"""Global EMP across ``torch.distributed`` ranks: the one-process mask, without gathering scores.

A model sharded over processes (plain layer split, FSDP2 / ``DTensor`` shards) gets the
*global* EMP mask of Algorithm 1 with every rank passing only the parameters (or local
shards) it holds. The result on every rank is its part of the mask that one process
would compute on the concatenated scores, bit for bit. Global order (for ties): rank
order, then the order of the rank's ``parameters``, then flat index; for a ``DTensor``
its local shard is what the rank holds.

EMP needs three global things of the candidate scores :math:`s` (the unpruned entries):
:math:`N`, :math:`N_{\mathrm{eff}} = \lfloor (\sum|s_i|)^2/\sum s_i^2 \rfloor` and the
:math:`k`-th largest :math:`|s_i|`, :math:`k = \mathrm{clip}(\lfloor\beta
N_{\mathrm{eff}}\rfloor, 1, N)` (Algorithm 1, lines 2-3; ``beta`` is :math:`\beta`,
``k`` the number of KEPT entries). All come from collectives of a few numbers:

1. ``all_gather`` of (count, dtype, failed) per rank: :math:`N`, the common dtype
   (torch's promotion, as ``torch.cat`` of all scores in one process would give), and an
   error on every rank at once when one rank failed to prepare its scores;
2. ``all_gather`` of (:math:`\max|s_i|`, non-finite, working dtype, failed) after the
   scores are promoted and ``score_fn`` applied (as one process applies it, to the
   promoted scores): the exact global maximum :math:`m`;
3. ``all_gather`` of each rank's float64 sums of :math:`|s_i|/m` and :math:`(s_i/m)^2`,
   added in rank order (every rank gets the same floats) with a rigorous error bound
   for any order (:func:`!emp_theory._torch_kernels.ratio_rel_error`); when the ratio is
   within it of an integer, ``all_reduce(SUM)`` of the EXACT integer sums as 32-bit limbs
   in int64 (:class:`!emp_theory._torch_kernels.ExactTotals`) decides: :math:`N_{\mathrm{eff}}`
   is the floor of the exact ratio, the same on every rank and in one process;
4. the threshold by a distributed radix select over the magnitudes' bit patterns:
   ``all_reduce(SUM)`` of 256-bin int64 histograms of the next 8-bit digit (2 KiB a
   round; 4 rounds for fp32, 2 for fp16/bf16, 8 for fp64), for :math:`k` and, when it
   differs, for :math:`N_{\mathrm{eff}}` (only for :math:`s_{\mathrm{eff}}` in the record);
5. one ``all_gather`` of each rank's kept sums and number of ties at the threshold:
   ties are kept lowest global index first (ranks before this one take theirs first).

No score leaves its rank: for fp32 scores about 8 KiB per rank per call (8 collectives;
16 KiB and 12 collectives when :math:`k \ne N_{\mathrm{eff}}`), against ``4 N`` bytes to
gather the scores on one rank (``benchmarks/bench_distributed.py``). Each collective runs
on the given group (default: the world); a rank that fails while preparing its scores
makes every rank raise at the next collective, and a rank that dies later makes the
others raise a clear :class:`RuntimeError` when the backend reports the broken
connection or the group's ``timeout`` (``init_process_group(timeout=...)``) passes —
nobody waits forever. gloo (CPU tensors) is tested; with NCCL the small collective
tensors live on the current CUDA device (``torch.cuda.set_device`` per rank).

The block (layer) scope needs no communication: every layer's EMP is local. The
module is kept whole (about 470 lines): the collectives, the algorithm over them and
the parameter / ``DTensor`` glue are one idea, and the glue is short.

Symbols: ``N`` number of candidates over all ranks, ``n_eff`` :math:`N_{\mathrm{eff}}`,
``k`` kept entries, ``beta`` :math:`\beta`, ``s_eff`` :math:`s_{\mathrm{eff}}` (eq. 5).

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Algorithm 1, eqs. (2), (5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch.nn.utils import prune

from .._torch_kernels import (
    ExactTotals,
    count_equal,
    exact_sums,
    key_value,
    mask_from_threshold,
    max_abs,
    n_eff_decision,
    scaled_sums,
    select_kth,
    sum_above,
    working_dtype,
)
from .._validation import as_positive_finite
from ..bounds import theorem2_bound
from ..effective import keep_count
from .records import EMPRecord, register_records
from .torch_method import check_target

__all__ = ["Comm", "distributed_active", "emp_select", "global_emp_distributed"]

#: Digit width of the distributed radix select: 256-bin histograms, 2 KiB a round.
DIGIT = 8
_CODES = (
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
)


def distributed_active(process_group=None) -> bool:
    """Whether a global prune spans ranks: a group is given, or the world has > 1 rank."""
    if process_group is not None:
        return True
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


@dataclass
class Comm:
    """The collectives of one call on `group`, the bytes each sends counted, errors made clear.

    ``log`` lists ``(op, what, bytes)`` of every collective this rank joined (``op``
    ``"all_reduce"`` or ``"all_gather"``, ``bytes`` the size of the tensor it contributed).
    """

    group: object = None
    log: list = field(default_factory=list)

    def __post_init__(self):
        self.rank = dist.get_rank(self.group)
        self.size = dist.get_world_size(self.group)
        on_gpu = dist.get_backend(self.group) == "nccl"
        self.device = torch.device("cuda", torch.cuda.current_device()) if on_gpu else None
        self.device = self.device or torch.device("cpu")

    @property
    def bytes_sent(self) -> int:
        return sum(b for _, _, b in self.log)

    def _run(self, what: str, fn) -> None:
        try:
            fn()
        except Exception as err:  # backend errors: a peer left, a timeout passed
            raise RuntimeError(
                f"global EMP over {self.size} ranks: the collective {what!r} failed on rank "
                f"{self.rank} — another rank failed or left, or the process group's timeout "
                f"passed ({type(err).__name__}: {err})"
            ) from err

    def all_reduce(self, t: torch.Tensor, op, what: str) -> torch.Tensor:
        x = t.to(self.device, copy=True).contiguous()
        self.log.append(("all_reduce", what, x.numel() * x.element_size()))
        self._run(what, lambda: dist.all_reduce(x, op=op, group=self.group))
        return x.to(t.device)

    def all_gather(self, t: torch.Tensor, what: str) -> torch.Tensor:
        """``(size, *t.shape)``: every rank's `t`, in rank order."""
        x = t.to(self.device).contiguous()
        out = [torch.empty_like(x) for _ in range(self.size)]
        self.log.append(("all_gather", what, x.numel() * x.element_size()))
        self._run(what, lambda: dist.all_gather(out, x, group=self.group))
        return torch.stack(out).to(t.device)


def _promote(dtypes):
    out = None
    for d in dtypes:
        out = d if out is None else torch.promote_types(out, d)
    return out


def _raise_shared(local_error, failed, comm) -> None:
    """After a collective that shared every rank's failure flag: raise on all ranks."""
    if local_error is not None:
        raise local_error
    if failed:
        raise RuntimeError(
            f"global EMP: rank(s) {failed} of {comm.size} failed while preparing their scores "
            "(their own error says why); no rank pruned anything"
        )


def _local_code(cands) -> int:
    """The code of the promoted dtype of this rank's candidates (-1: none)."""
    for c in cands:
        if c.is_complex():
            raise TypeError("`importance_scores` must be real-valued")
        if c.dtype not in _CODES:
            raise TypeError(f"`importance_scores` must be numeric scores, got dtype {c.dtype}")
    if not cands:
        return -1
    if len({c.device for c in cands}) > 1:
        raise ValueError("a rank's `parameters` must all be on one device")
    return _CODES.index(_promote([c.dtype for c in cands]))


def emp_select(
    cands,
    beta: float = 1.0,
    group=None,
    on_all_zero: str = "raise",
    *,
    score_fn=None,
    local_error=None,
):
    """Algorithm 1 on the concatenation of every rank's candidate vectors `cands`.

    Parameters
    ----------
    cands : list of 1-D torch.Tensor
        This rank's candidate scores (may be empty), in its global order.
    beta : float
        :math:`\\beta`.
    group : ProcessGroup, optional
        Default: the world.
    on_all_zero : {"raise", "keep"}
        All candidates zero on every rank: raise, or keep everything (``all_zero``).
    score_fn : callable, optional
        Elementwise map of the scores, applied (as in one process) to the scores
        promoted to the common dtype.
    local_error : Exception, optional
        This rank failed to prepare its candidates: every rank raises at the first
        collective (this one re-raises `local_error`).

    Returns
    -------
    (list of torch.Tensor, EMPRecord, Comm)
        A boolean selection per candidate vector (the union over ranks keeps exactly
        ``k``), the record (``tensor="global"``, equal on every rank) and the log of
        collectives.
    """
    comm = Comm(group)
    cands = list(cands)
    code = None
    if local_error is None:
        try:
            b = as_positive_finite(beta, "beta")
            code = _local_code(cands)
        except Exception as err:  # shared with the other ranks below, then re-raised
            local_error = err
    n_loc = sum(int(c.numel()) for c in cands) if local_error is None else 0
    meta = torch.tensor([n_loc, code, int(local_error is not None)], dtype=torch.int64)
    rows = comm.all_gather(meta, "counts and dtypes").tolist()
    _raise_shared(local_error, [r for r, row in enumerate(rows) if row[2]], comm)
    N = sum(row[0] for row in rows)
    if N == 0:
        raise ValueError(f"`parameters` have no unpruned entries left on any of {comm.size} ranks")
    common = _promote([_CODES[row[1]] for row in rows if row[1] >= 0])
    dev = cands[0].device if cands else comm.device
    sizes = [int(c.numel()) for c in cands]
    # this rank's scores as one process would see them: promoted to the common dtype,
    # then score_fn (elementwise), then the working dtype
    x, bad, wcode, m_loc = None, False, -1, 0.0
    try:
        if cands:
            x = torch.cat([c.reshape(-1).to(common) for c in cands])
            if score_fn is not None:
                y = score_fn(x)
                if not isinstance(y, torch.Tensor) or y.shape != x.shape or y.is_complex():
                    raise ValueError("`score_fn` must return a real tensor of the input's shape")
                x = y.detach()
            x = x.to(working_dtype(x.dtype))
            wcode = _CODES.index(x.dtype)
            m_loc = float(max_abs(x)[2])  # NaN and inf propagate into the maximum
            bad = not math.isfinite(m_loc)
    except Exception as err:
        local_error = err
    row = torch.tensor(
        [m_loc, float(bad), float(wcode), float(local_error is not None)], dtype=torch.float64
    )
    rows = comm.all_gather(row, "max |s|").tolist()
    _raise_shared(local_error, [r for r, row in enumerate(rows) if row[3]], comm)
    nonfinite = [r for r, row in enumerate(rows) if row[1]]
    if nonfinite:
        raise ValueError(
            f"`importance_scores` must be finite (found NaN or inf on rank(s) {nonfinite})"
        )
    wcodes = {int(row[2]) for row in rows if row[2] >= 0}
    if len(wcodes) != 1:
        raise TypeError(f"`score_fn` returned different dtypes on different ranks: {wcodes}")
    w = _CODES[wcodes.pop()]
    x = torch.zeros(0, dtype=w, device=dev) if x is None else x
    m = max(row[0] for row in rows)  # exact
    if m == 0.0:
        if on_all_zero == "raise":
            raise ValueError(
                f"`importance_scores` are all zero on the {N} unpruned candidates of "
                f"{comm.size} ranks: EMP's weights ω = |s|/‖s‖₁ are undefined (pass "
                "on_all_zero='keep' to leave them unpruned)"
            )
        rec = EMPRecord("global", "global", N, None, b, N, None, None, None, False, True)
        ones = torch.ones(x.numel(), dtype=torch.bool, device=dev)
        return list(torch.split(ones, sizes)), rec, comm

    mt = torch.tensor(m, dtype=torch.float64, device=dev)
    l1_t, l2_t, depth_loc = scaled_sums(x, mt)
    mine = torch.stack([l1_t, l2_t, torch.tensor(float(depth_loc), dtype=torch.float64)])
    sums = comm.all_gather(mine, "float64 sums").tolist()
    l1 = l2 = 0.0
    for a, c, _ in sums:  # rank order: the same floats on every rank
        l1 += a
        l2 += c
    depth = max(int(r[2]) for r in sums) + comm.size - 1

    def exact() -> ExactTotals:
        limbs = torch.tensor(exact_sums(x).limbs(), dtype=torch.int64)
        return ExactTotals.from_limbs(comm.all_reduce(limbs, dist.ReduceOp.SUM, "exact sums"))

    n = n_eff_decision(l1, l2, N, depth, exact)
    k = keep_count(beta=b, n_eff=n, N=N)

    def reduce(hist):
        return comm.all_reduce(hist, dist.ReduceOp.SUM, "radix histogram")

    th_k = select_kth(x, k, reduce, w, digit=DIGIT) if k < N else None
    th_n = th_k if n == k else (select_kth(x, n, reduce, w, digit=DIGIT) if n < N else None)

    def above(th):
        return sum_above(x, None if th is None else th.key, m)[0]

    ties = count_equal(x, th_k.key) if th_k is not None else torch.zeros((), dtype=torch.int64)
    loc = torch.stack([above(th_n), above(th_k), ties.to(device=dev, dtype=torch.float64)])
    parts = comm.all_gather(loc, "kept sums and ties").tolist()

    def total(th, col: int) -> float:
        t = 0.0
        for row in parts:
            t += row[col]
        if th is None:
            return t
        return t + int(th.need) * (key_value(int(th.key), w) / m)

    s_eff = min(total(th_n, 0) / l1, 1.0)
    kept = s_eff if k == n else min(total(th_k, 1) / l1, 1.0)
    if th_k is None:
        sel = torch.ones(x.numel(), dtype=torch.bool, device=dev)
    else:
        before = sum(int(row[2]) for row in parts[: comm.rank])
        have = int(parts[comm.rank][2])
        take = min(max(int(th_k.need) - before, 0), have)
        sel = mask_from_threshold(x, th_k.key, take, have)
    rec = EMPRecord(
        tensor="global",
        scope="global",
        N=N,
        n_eff=n,
        beta=b,
        k=k,
        s_eff=s_eff,
        kept_mass=kept,
        bound=float(theorem2_bound(n, N)) if N >= 2 else 1.0,
        saturated=k == N,
    )
    return list(torch.split(sel, sizes)), rec, comm


# ---------------------------------------------------------------------------
# Parameters, DTensor shards and torch's reparametrization
# ---------------------------------------------------------------------------
def _dtensor_type():
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:  # pragma: no cover - torch without DTensor
        return None
    return DTensor


def _local(t, group):
    """The rank's own part of `t`: itself, or the local shard of a row-sharded ``DTensor``."""
    dt = _dtensor_type()
    if dt is None or not isinstance(t, dt):
        return t
    mesh = t.device_mesh
    ranks = dist.get_process_group_ranks(group or dist.group.WORLD)
    if mesh.ndim != 1 or mesh.mesh.tolist() != ranks:
        raise NotImplementedError(
            "a DTensor parameter must live on a 1-D device mesh over the process group's "
            f"ranks in order ({ranks}), got mesh {mesh.mesh.tolist()}"
        )
    if not all(p.is_shard() for p in t.placements):
        raise NotImplementedError(
            f"a DTensor parameter must be sharded (Shard placements), got {t.placements}: a "
            "replicated tensor would be counted once per rank"
        )
    return t.to_local()


@dataclass
class _Target:
    module: object
    name: str
    slc: torch.Tensor | None  # candidates: mask == 1 (None: all)
    cand: torch.Tensor


def _prepare(params, importance_scores, group) -> list[_Target]:
    out = []
    for module, name in params:
        check_target(module, name)
        t = getattr(module, name)
        if t.is_meta:
            raise NotImplementedError("`parameters` are on the meta device")
        s = t if importance_scores is None else importance_scores.get((module, name), t)
        s_loc, t_loc = _local(s, group), _local(t, group)
        if tuple(s_loc.shape) != tuple(t_loc.shape):
            raise ValueError(
                f"`importance_scores` for {name!r} must have the (local) shape "
                f"{tuple(t_loc.shape)}, got {tuple(s_loc.shape)}"
            )
        flat = s_loc.detach().reshape(-1)
        mask = getattr(module, name + "_mask", None)
        slc = None if mask is None else (_local(mask, group).reshape(-1) == 1)
        cand = flat if slc is None or bool(slc.all()) else flat[slc]
        out.append(_Target(module, name, slc, cand))
    return out


def _apply(tg: _Target, sel: torch.Tensor, group) -> None:
    """torch's reparametrization with the new local mask (``custom_from_mask``, as torch's
    ``global_unstructured`` does); only candidates can become 0."""
    t = getattr(tg.module, tg.name)
    t_loc = _local(t, group)
    mask = getattr(tg.module, tg.name + "_mask", None)
    new = (torch.ones_like(t_loc) if mask is None else _local(mask, group)).reshape(-1).clone()
    if tg.slc is None:
        new.mul_(sel.to(new.dtype))
    else:
        sub = new[tg.slc]
        sub[~sel] = 0
        new[tg.slc] = sub
    new = new.view(t_loc.shape)
    dt = _dtensor_type()
    if dt is not None and isinstance(t, dt):
        new = dt.from_local(new, t.device_mesh, t.placements, shape=t.shape, stride=t.stride())
    prune.custom_from_mask(tg.module, tg.name, new)


def global_emp_distributed(
    parameters,
    beta: float = 1.0,
    importance_scores=None,
    *,
    process_group=None,
    score_fn=None,
    report=None,
    on_all_zero: str = "raise",
) -> EMPRecord:
    """:func:`~emp_theory.pruning.functional.global_emp_unstructured` across ranks.

    Every rank of `process_group` (default: the world) must call it, each with the
    ``(module, name)`` pairs it holds (possibly none) — disjoint parts of one model. The
    union of the masks equals the one-process global mask on the concatenated scores
    (rank order, then parameter order) bit for bit; every rank gets the same
    :class:`.EMPRecord`. Arguments as the one-process function; ``importance_scores``
    for a ``DTensor`` parameter is a ``DTensor`` of the same placements or a tensor of
    the local shard's shape.
    """
    params = list(parameters)
    err = None
    targets: list[_Target] = []
    try:
        if on_all_zero not in ("raise", "keep"):
            raise ValueError(f"`on_all_zero` must be one of ('raise', 'keep'), got {on_all_zero!r}")
        targets = _prepare(params, importance_scores, process_group)
    except Exception as e:  # reported to every rank by emp_select's first collective
        err = e
    sels, rec, _ = emp_select(
        [tg.cand for tg in targets],
        beta,
        process_group,
        on_all_zero,
        score_fn=score_fn,
        local_error=err,
    )
    for tg, sel in zip(targets, sels, strict=True):
        _apply(tg, sel, process_group)
    for module, name in params:
        register_records(module, name, [rec])
    if report is not None:
        report.append(rec)
    return rec
