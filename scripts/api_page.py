"""Write (or check) ``book/api.md``: one ``automodule`` per public module, by package folder.

Run ``python scripts/api_page.py`` after adding a module; ``tests/book/test_api_page.py``
fails when the page and the package disagree. Re-export modules kept at old paths
(:data:`SHIMS`) and private modules are left out.

Every object is documented once, in the module that defines it: a name that a module
re-exports in its ``__all__`` (a package's ``__init__``, or ``pruning.data`` re-exporting
``IDXError``) is excluded there (``:exclude-members:``) when its defining module is on the
page, so cross-references name the defining module (``emp_theory.streaming.rule.PruneRule``).
A name re-exported from a private module (``viz._render``, ``cli._args``, ``_cache``) is
documented at the first public module that exports it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "api.md"

#: Re-exports left at the paths modules had before the re-layout.
SHIMS = {
    "emp_theory.audit",
    "emp_theory.features",
    "emp_theory.figures",
    "emp_theory.kan",
    "emp_theory.lossbound",
    "emp_theory.transformer",
    "emp_theory.pruning.method",
    "emp_theory.viz.bound_figs",
}

SECTIONS = [
    (
        "The theory core (torch-free)",
        [
            "emp_theory.effective",
            "emp_theory.simplex",
            "emp_theory.bounds",
            "emp_theory.certificate",
            "emp_theory.limits",
            "emp_theory.montecarlo",
            "emp_theory.search",
            "emp_theory.paper",
        ],
    ),
    ("Proofs", ["emp_theory.symbolic"]),
    ("Images", ["emp_theory.images"]),
    ("The PyTorch pruning path", ["emp_theory.pruning"]),
    ("Experiments", ["emp_theory.experiments"]),
    ("Streaming over checkpoints", ["emp_theory.streaming"]),
    ("Command line", ["emp_theory.cli"]),
    ("Figures", ["emp_theory.viz"]),
]

HEAD = """# API reference

The public modules of `emp_theory`, generated from their docstrings and grouped by the
package's folders. Each docstring names the equation of {cite:t}`wang2025emp` it implements
and gives the formula it computes; the tests in `tests/` (one folder per package) check each
one against an independent reference.

The theory core is re-exported at the top level (`import emp_theory; emp_theory.n_eff(s)`).
Modules that moved keep a re-export at their old path (`emp_theory.kan`, `emp_theory.features`,
...), which this page does not repeat.

```{eval-rst}
.. py:module:: emp_theory
   :synopsis: Effective Model Pruning: N_eff, EMP masks, bounds, proofs and checks.
```
"""


def modules(name: str) -> list[str]:
    """`name` and its public sub-modules, in file order."""
    mod = importlib.import_module(name)
    out = [name]
    if hasattr(mod, "__path__"):
        for info in pkgutil.walk_packages(mod.__path__, name + "."):
            leaf = info.name.rsplit(".", 1)[1]
            if not leaf.startswith("_") and info.name not in SHIMS:
                out.append(info.name)
    return out


def all_public_modules() -> set[str]:
    """Every module under ``emp_theory`` that the page must document."""
    import emp_theory

    found = set()
    for info in pkgutil.walk_packages(emp_theory.__path__, "emp_theory."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]) or info.name in SHIMS:
            continue
        found.add(info.name)
    return found


def reexports(name: str, documented: set[str], seen: set[int]) -> list[str]:
    """Names in ``name.__all__`` documented elsewhere on the page, sorted.

    Those defined in a module of ``documented``, and those defined in a private module
    but already documented at an earlier public module (their ids are in ``seen``; the
    others are added to it).
    """
    mod = importlib.import_module(name)
    out = []
    for attr in getattr(mod, "__all__", ()):
        obj = getattr(mod, attr)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        home = getattr(obj, "__module__", name)
        if home == name:
            continue
        if home in documented or id(obj) in seen:
            out.append(attr)
        else:
            seen.add(id(obj))
    return sorted(out)


def render() -> str:
    documented = all_public_modules()
    seen: set[int] = set()
    lines = [HEAD]
    for title, pkgs in SECTIONS:
        lines += [f"## {title}", ""]
        for p in pkgs:
            for m in modules(p):
                lines += [f"### `{m}`", "", "```{eval-rst}", f".. automodule:: {m}"]
                lines += ["   :members:"]
                skip = reexports(m, documented, seen)
                if skip:
                    lines += ["   :exclude-members: " + ", ".join(skip)]
                lines += ["```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
