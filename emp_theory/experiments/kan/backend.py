r"""``pykan`` as a well-behaved dependency: its import, its global side effects, safe copies.

``pykan`` 0.2.8 reseeds Python's, NumPy's and torch's global random generators whenever
it builds a model, prints a tqdm bar in ``fit``, and keeps non-leaf tensors in its
activation caches (which ``copy.deepcopy`` refuses). :func:`quiet_and_seeded` runs
``pykan`` with torch's deterministic algorithms on and restores the caller's generators
and flags afterwards; :func:`clone` deep-copies a model without its caches
(``MultKAN.copy()`` writes ``copy_temp*`` files into the working directory and is never
called). No paper symbol is involved.

``torch`` and ``pykan`` are optional (``pip install pykan==0.2.8``): :func:`import_kan`
imports them or raises an ImportError that says how to install them.
"""

from __future__ import annotations

import contextlib
import copy
import random

import numpy as np

__all__ = ["ACT_CACHES", "clone", "import_kan", "quiet_and_seeded"]


def import_kan():
    """Import ``torch`` and ``pykan``'s ``MultKAN`` or raise a helpful ImportError."""
    try:
        import torch
        from kan.MultKAN import MultKAN
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "emp_theory.experiments.kan needs torch and pykan: pip install 'pykan==0.2.8' 'torch==2.13.0' "
            f"pandas pyyaml ({exc})"
        ) from exc
    return torch, MultKAN


@contextlib.contextmanager
def quiet_and_seeded(progress: bool = False):
    """Run pykan reproducibly and quietly, leaving no global state behind.

    Restores the global RNGs that ``pykan`` reseeds, switches on
    ``torch.use_deterministic_algorithms`` (without it two identical ``fit`` runs differ
    in the last bits, which grow to ~1e-4 in 30 steps) and silences ``fit``'s tqdm bar
    and ``torch.std``'s warning on single-row batches; all restored on exit.
    """
    import sys
    import warnings
    from functools import partial
    from unittest import mock

    import torch

    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 - pykan uses the legacy global RNG
    det = torch.are_deterministic_algorithms_enabled()
    det_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    mod = sys.modules["kan.MultKAN"]
    patch = (
        contextlib.nullcontext()
        if progress
        else mock.patch.object(mod, "tqdm", partial(mod.tqdm, disable=True))
    )
    try:
        with torch.random.fork_rng(devices=[]), patch, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"std\(\): degrees of freedom")
            torch.use_deterministic_algorithms(True)
            yield
    finally:
        torch.use_deterministic_algorithms(det, warn_only=det_warn)
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002


#: Activation caches pykan keeps on a model after a forward pass or ``attribute()``.
ACT_CACHES = (
    "acts",
    "acts_premult",
    "spline_preacts",
    "spline_postsplines",
    "spline_postacts",
    "acts_scale",
    "acts_scale_spline",
    "subnode_actscale",
    "edge_actscale",
    "cache_data",
    "node_scores",
    "edge_scores",
    "subnode_scores",
    "node_scores_all",
    "edge_scores_all",
    "subnode_scores_all",
)


def clone(model):
    """Deep copy of a pykan model without its activation caches.

    After ``fit`` the caches hold non-leaf tensors (``acts_scale_spline``), which
    ``copy.deepcopy`` refuses; the copy gets ``None`` in their place (a forward pass
    with ``get_act`` fills them again) and the original keeps its caches.
    """
    saved = {name: model.__dict__[name] for name in ACT_CACHES if name in model.__dict__}
    try:
        for name in saved:
            model.__dict__[name] = None
        return copy.deepcopy(model)
    finally:
        model.__dict__.update(saved)
