r"""The prune driver: :func:`prune_safetensors` and :func:`magnitude_histogram`.

:func:`prune_safetensors` reads the checkpoint folder (:mod:`.folder`: the shards of
the index, the other files), decides which tensors are pruned (:mod:`.rule`), takes the
output's lock (:mod:`.publish`), forms the groups (one over every pruned tensor with
``scope="global"``, one per tensor with ``scope="layer"``), analyses each group
(:func:`~emp_theory.streaming.passes.analyse`: :math:`N_{\mathrm{eff}}`, the kept count
:math:`k`, the threshold), writes one output shard per input shard
(:func:`~emp_theory.streaming.writer.write_shard`), copies the other files, writes the
JSON report (:func:`~emp_theory.streaming.report.build_report`) and publishes the
folder.

Publishing
    Everything is written into a partial folder beside ``OUT_DIR`` and published by
    one rename (:class:`~emp_theory.streaming.publish.Output`), so ``OUT_DIR`` is
    either a complete checkpoint of one run or absent (or the previous output,
    untouched), whatever interrupts the run: an exception, Ctrl-C, SIGKILL, a full
    disk or a file-size limit. Every file is ``fsync``-ed before the rename; a
    shard's ``fsync`` runs on a background thread
    (:class:`~emp_theory.streaming.writer.Flusher`) while the next shard is written,
    and the driver waits for all of them (raising the first error) before it writes
    the report.

Threads
    Torch runs with one intra-op thread while the driver works
    (``torch.set_num_threads(1)``, restored on return): ``torch.bincount`` on one
    thread is several times faster than on two busy cores, and the passes
    parallelize over blocks of pieces instead.

Paper symbols: ``beta`` = :math:`\beta`; report keys ``N`` = :math:`N`, ``n_eff`` =
:math:`N_{\mathrm{eff}}`, ``k`` = the kept count :math:`k` (Algorithm 1, line 3).

References
----------
.. [1] Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning",
       arXiv:2509.25606, eq. (2) and Algorithm 1.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import numpy as np

from .._cache import atomic_write
from .._kernels import jit
from .._validation import as_positive_finite
from .folder import open_checkpoint
from .group import Group, Seg
from .headers import BITS
from .keys import UINT, as_float
from .passes import analyse, pass_hist
from .publish import Output
from .reader import Reader
from .report import build_report
from .rule import PruneRule
from .writer import Flusher, copy_file, write_shard

#: From this many bytes of pruned tensors on, the compiled (numba) kernels of
#: :mod:`!emp_theory._kernels.jit` are loaded in the background for the histogram and
#: write passes (below it they are used only if already loaded: their load, numba's
#: import and cached code, would cost more CPU than they save; counts and masks are the
#: same either way).
JIT_MIN_BYTES = 8 << 30

__all__ = ["REPORT_NAME", "magnitude_histogram", "prune_safetensors"]

#: Default name of the JSON report in ``OUT_DIR``.
REPORT_NAME = "emp_report.json"


def _rule(include_1d, include, exclude) -> PruneRule:
    def patterns(p, what):
        if isinstance(p, str):
            raise TypeError(f"`{what}` must be a sequence of glob patterns, not one string")
        return tuple(p)

    return PruneRule(patterns(include, "include"), patterns(exclude, "exclude"), bool(include_1d))


def _segs(ck, rule: PruneRule) -> list[Seg]:
    segs = [Seg(sh, t, 0) for sh in ck.shards for t in sh.tensors if rule(t)]
    if not segs:
        raise ValueError(
            "`in_dir` has no prunable tensor (default: floating linear/conv weights, "
            "ndim >= 2, named *.weight, not embeddings/norms/pooler/lm_head); "
            "select tensors with include=[...] / --include PATTERN"
        )
    return segs


def magnitude_histogram(
    in_dir, *, include_1d: bool = False, include=(), exclude=(), progress: bool = False
) -> dict:
    r"""Exact histogram of the weight magnitudes of a checkpoint of 8- or 16-bit floats.

    One streamed pass (pass 1 of ``stats="exact"``): every magnitude :math:`|w_i|`
    of the tensors :func:`prune_safetensors` would prune (global scope) is counted
    by its bit pattern, so the histogram holds every distinct magnitude with its
    multiplicity. It determines Algorithm 1 completely: with :math:`c_k` entries of
    magnitude :math:`v_k`, :math:`\sum_i |w_i| = \sum_k c_k v_k`,
    :math:`\sum_i w_i^2 = \sum_k c_k v_k^2`, and the :math:`k`-th largest
    magnitude (:math:`k` the kept count) is the :math:`v_k` at which the count from
    the top reaches :math:`k`.

    Parameters
    ----------
    in_dir : str or path-like
        Checkpoint folder (:mod:`emp_theory.streaming.folder`) whose pruned tensors
        all have one 8- or 16-bit float dtype (BF16, F16, F8_E4M3, F8_E5M2).
    include_1d : bool, default False
        Count the biases too (:mod:`emp_theory.streaming.rule`).
    include, exclude : sequence of str, default ()
        ``fnmatch`` globs on tensor names (:mod:`emp_theory.streaming.rule`).
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``dtype``; ``values`` (float64, ascending) and ``counts`` (int64) of the
        magnitudes present; ``N`` (entries counted, ``counts.sum()``).

    Raises
    ------
    ValueError
        If `in_dir` is missing, empty or corrupt, has no prunable tensor, mixes
        float dtypes or holds wider floats (a 32-bit histogram would have
        :math:`2^{31}` bins), or the weights contain NaN/inf.
    """
    segs = _segs(open_checkpoint(in_dir), _rule(include_1d, include, exclude))
    dtypes = sorted({s.tensor.dtype for s in segs})
    if len(dtypes) > 1 or BITS[dtypes[0]] > 16:
        raise ValueError(
            f"`in_dir`: the histogram needs one 8- or 16-bit float dtype, found {dtypes}"
        )
    import torch
    from tqdm.auto import tqdm

    g = Group(segs, stats="exact")
    threads = torch.get_num_threads()
    bar = tqdm(
        total=g.nbytes, unit="B", unit_scale=True, desc="emp histogram", disable=not progress
    )
    reader = Reader(bar)
    try:
        torch.set_num_threads(1)
        pass_hist(g, reader)
    finally:
        torch.set_num_threads(threads)
        reader.close()
        bar.close()
    keys = np.flatnonzero(g.hist)
    values = as_float(keys.astype(UINT[g.bits]), g.key_dtype, np.float64)
    return {"dtype": g.key_dtype, "values": values, "counts": g.hist[keys], "N": g.N}


def _check_dirs(root: Path, out_dir: Path) -> None:
    """Refuse an output that is the input, inside it, or holds it."""
    out = Path(os.path.abspath(out_dir))
    out = out.parent.resolve() / out.name
    if out == root or (out.exists() and os.path.samefile(out, root)):
        raise ValueError(f"`out_dir` must differ from `in_dir` (refusing to overwrite {root})")
    if root in out.parents:
        raise ValueError(f"`out_dir` must not lie inside `in_dir` ({out} is in {root})")
    if out in root.parents:
        raise ValueError(f"`out_dir` must not contain `in_dir` ({root} is in {out})")


def prune_safetensors(
    in_dir,
    out_dir,
    *,
    scope: str = "global",
    beta: float = 1.0,
    criterion: str = "magnitude",
    include_1d: bool = False,
    include=(),
    exclude=(),
    stats: str = "exact",
    overwrite: bool = False,
    progress: bool = True,
    report_name: str = REPORT_NAME,
) -> dict:
    r"""EMP-prune a (sharded) ``.safetensors`` checkpoint folder without loading it (Algorithm 1).

    Keeps, of the scores :math:`s = w` of the pruned tensors, the
    :math:`k = \mathrm{clip}(\lfloor \beta N_{\mathrm{eff}} \rfloor, 1, N)` largest
    magnitudes, :math:`N_{\mathrm{eff}} = \lfloor 1/\sum_i \omega_i^2 \rfloor` with
    :math:`\omega = |s|/\|s\|_1` (eq. 2, Algorithm 1 lines 1-3), and writes the
    checkpoint with zeros elsewhere. The masks are exactly those of
    :func:`emp_theory.effective.emp_mask` on the concatenation of the pruned tensors
    in the global order of :mod:`emp_theory.streaming.folder` (``scope="global"``),
    or on each pruned tensor (``scope="layer"``): same :math:`N_{\mathrm{eff}}`
    arithmetic, same rounding of :math:`k`, ties kept lowest flat index first.

    Parameters
    ----------
    in_dir : str or path-like
        Checkpoint folder: ``*.safetensors`` shards (any float dtype, including bf16),
        listed by ``model.safetensors.index.json`` when there is one, and the other
        files of the model (:mod:`emp_theory.streaming.folder`).
    out_dir : str or path-like
        Output folder: must not exist, be empty, or (with `overwrite`) hold a previous
        output; must differ from `in_dir` and not contain it or lie in it. Gets a
        complete checkpoint: the pruned shards under the same names, dtypes and byte
        layout, the index and every other file copied byte for byte, and the report.
    scope : {"global", "layer"}, default "global"
        One score vector over all pruned tensors, or one per tensor.
    beta : float, default 1.0
        Coefficient :math:`\beta > 0` of Algorithm 1.
    criterion : {"magnitude"}, default "magnitude"
        Score of an entry: its weight (magnitude pruning). Activation-aware scores
        (Wanda) need calibration data and are not streamed here.
    include_1d : bool, default False
        Also prune the biases of the pruned layers (1-D ``*.bias``/``*.weight``;
        norms stay excluded).
    include, exclude : sequence of str, default ()
        ``fnmatch`` globs on tensor names: ``exclude`` never pruned, then ``include``
        always pruned (floating tensors), then the default rule: linear and
        convolution weights (:mod:`emp_theory.streaming.rule`).
    stats : {"exact", "core"}, default "exact"
        How :math:`N_{\mathrm{eff}}` is computed; both give the same
        :math:`N_{\mathrm{eff}}`, :math:`k`, threshold and masks as
        :func:`emp_theory.effective.emp_mask` (the floor of the exact ratio, the core
        deciding exactly near integers too). ``"exact"`` (8/16-bit floats; wider ones
        fall back to ``"core"``) computes
        :math:`\lfloor(\sum|w|)^2/\sum w^2\rfloor` in integer arithmetic from the
        histogram of the magnitudes, in one pass before the write pass (the report's
        ``sum_a``/``sum_a2`` are the exact sums, correctly rounded); ``"core"`` also
        reproduces the float64 sums of :func:`emp_theory.effective.n_eff` bit for bit
        (``sum_a``/``sum_a2``), in two passes (see
        :mod:`emp_theory.streaming.passes`).
    overwrite : bool, default False
        Replace a previous output in `out_dir` (the folder is swapped whole).
    progress : bool, default True
        Show a tqdm progress bar (bytes processed over all passes) on stderr.
    report_name : str, default "emp_report.json"
        File name of the JSON report inside `out_dir`.

    Returns
    -------
    dict
        The report: ``N`` (pruned entries), ``n_eff``, ``k``, ``threshold`` (the
        :math:`k`-th largest magnitude), ``max_abs`` :math:`m = \max_i |w_i|`,
        ``sum_a`` :math:`\sum_i a_i` and ``sum_a2`` :math:`\sum_i a_i^2` with
        :math:`a = |w|/c`, ``sum_scale`` :math:`c` (:math:`m` for float64 data and with
        ``stats="exact"``, 1 for narrower floats with ``stats="core"``, as the core's
        :func:`!emp_theory._kernels.stats`) (these seven are ``None`` with ``scope="layer"``, where
        ``n_eff``, ``k``, ``threshold`` and ``stats`` are given per tensor), ``stats``
        (the mode used), ``kept``, ``sparsity`` :math:`1-k/N` over the pruned
        entries, ``overall_sparsity`` (over every tensor entry), a ``tensors`` list
        (shard, name, dtype, shape, pruned, reason, N, kept, sparsity, and per tensor
        ``n_eff``/``k``/``threshold`` in layer scope), ``index`` (the index file or
        None), ``copied`` (the other files), ``ignored`` (files neither pruned nor
        copied, with why), ``cleaned`` (leftovers of killed runs handled), ``include``,
        ``exclude``, ``include_1d``, ``passes`` over the pruned data and ``timing``
        in seconds.

    Raises
    ------
    ValueError
        If `in_dir` is missing, has no shard, a missing or corrupt shard, a missing or
        duplicated tensor, or a name that leaves the folder; no tensor is prunable;
        the weights contain NaN/inf or are all zero (global scope); `out_dir` is
        `in_dir`, is locked by another run, holds something that is not a previous
        output, or holds one and not `overwrite`; the output does not fit on its file
        system or under the file-size limit; `scope`/`criterion`/`stats` are unknown,
        `report_name` is not a plain file name,
        or `beta` is not finite and > 0. Each message is one line.
    TypeError
        If `beta` is not a real number or `include`/`exclude` are not sequences of
        strings.

    Notes
    -----
    Runs torch with one intra-op thread (``torch.set_num_threads(1)``, restored
    on return) and parallelizes over blocks of pieces instead
    (:mod:`emp_theory.streaming.passes`, "Threads"). The bytes of unpruned tensors and
    the header (with its ``__metadata__``) are copied verbatim, so the output has the
    input's layout.

    References
    ----------
    .. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, eq. (2), Algorithm 1.
    """
    t0 = time.perf_counter()
    b = as_positive_finite(beta, "beta")
    if scope not in ("global", "layer"):
        raise ValueError(f"`scope` must be 'global' or 'layer', got {scope!r}")
    if criterion != "magnitude":
        raise ValueError(f"`criterion` must be 'magnitude', got {criterion!r}")
    if stats not in ("core", "exact"):
        raise ValueError(f"`stats` must be 'core' or 'exact', got {stats!r}")
    if (
        not isinstance(report_name, str)
        or report_name in ("", ".", "..")
        or "/" in report_name
        or "\0" in report_name
        or report_name.endswith(".safetensors")
    ):
        raise ValueError(f"`report_name` must be a plain file name, got {report_name!r}")
    rule = _rule(include_1d, include, exclude)
    ck = open_checkpoint(in_dir, report_name=report_name)
    _check_dirs(ck.root, Path(out_dir))
    segs = _segs(ck, rule)
    if sum(s.tensor.end - s.tensor.begin for s in segs) >= JIT_MIN_BYTES:
        jit.start_loading()  # pieces before the kernels are ready use torch and NumPy
    with Output(out_dir, overwrite=overwrite, report_name=report_name) as slot:
        sizes = [sh.path.stat().st_size for sh in ck.shards]
        sizes += [(ck.root / f).stat().st_size for f in ck.files]
        slot.check_space(sum(sizes), max(sizes))
        run = {"in_dir": in_dir, "out_dir": slot.out, "scope": scope, "beta": b}
        report = _run(ck, segs, rule, slot, run, stats, progress, report_name, t0)
        try:
            slot.publish()
        except OSError as exc:
            err = slot.wrap(exc)
            if err is None:
                raise
            raise err from None
    return report


def _run(ck, segs, rule, slot: Output, run, stats, progress, report_name, t0) -> dict:
    """Analyse the groups and write the whole output into the partial folder."""
    from tqdm.auto import tqdm

    scope, b = run["scope"], run["beta"]
    if scope == "global":
        planned = [Group(segs, stats=stats)]
    else:
        planned = [Group([s], stats=stats) for s in segs]
    bar = tqdm(
        total=sum(g.planned_passes * g.nbytes for g in planned) + ck.shard_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="emp prune",
        disable=not progress,
    )
    import torch

    threads = torch.get_num_threads()
    reader = Reader(bar)
    groups: list[Group] = []
    seg_of: dict[tuple[str, str], tuple[Seg, Group]] = {}
    t_analysis = 0.0
    try:
        # torch.bincount on one thread is several times faster than on two busy cores;
        # the caller's setting is restored in `finally`
        torch.set_num_threads(1)
        if scope == "global":
            (g,) = planned
            groups.append(g)
            bar.set_description("emp analyse")
            analyse(g, reader, b)
            if g.zero:
                raise ValueError(
                    "`in_dir`: the prunable weights are all zeros; ω = |w|/‖w‖₁ is undefined"
                )
            for s in segs:
                seg_of[(s.shard.name, s.tensor.name)] = (s, g)
            t_analysis = time.perf_counter() - t0
        try:
            tmp = slot.begin()
            # each shard's fsync runs on the flusher's thread, overlapping the next shard
            with Flusher() as flusher:
                for sh in ck.shards:
                    if scope == "layer":
                        ta = time.perf_counter()
                        bar.set_description(f"emp {sh.name}")
                        for g in (g for g in planned if g.segs[0].shard is sh):
                            groups.append(g)
                            analyse(g, reader, b)
                            seg_of[(sh.name, g.segs[0].tensor.name)] = (g.segs[0], g)
                        t_analysis += time.perf_counter() - ta
                    bar.set_description(f"emp write {sh.name}")
                    dst = tmp / sh.name
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    by_name = {n: v for (shn, n), v in seg_of.items() if shn == sh.name}
                    write_shard(sh, dst, by_name, reader, flusher)
                reader.close()
                for g in groups:
                    if not g.zero and g.ties != 0:  # pragma: no cover - internal invariant
                        raise RuntimeError("internal error: tie quota not exhausted")
                bar.set_description("emp copy files")
                for f in ck.files:
                    copy_file(ck.root / f, tmp / f, flusher)
                flusher.wait()  # every file on the disk before the report and the rename
            t_total = time.perf_counter() - t0
            report = build_report(run, ck, groups, seg_of, rule, slot.cleaned, t_analysis, t_total)
            path = atomic_write(tmp / report_name, json.dumps(report, indent=2) + "\n")
            # the mode of the other files (the temporary file was created 0600)
            os.chmod(path, stat.S_IMODE(os.stat(tmp / ck.shards[0].name).st_mode))
        except OSError as exc:
            err = slot.wrap(exc)
            if err is None:
                raise
            raise err from None
        return report
    finally:
        torch.set_num_threads(threads)
        bar.close()
        reader.close()
