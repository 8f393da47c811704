"""``import emp_theory`` stays light: the theory core imports NumPy only.

Checked in a fresh interpreter, so that modules other tests imported do not count.
"""

import json
import subprocess
import sys

import pytest

HEAVY = (
    "torch",
    "plotly",
    "sympy",
    "scipy.linalg",
    "matplotlib",
    "pandas",
    "safetensors",
    "numba",
)


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_emp_theory_loads_no_heavy_module():
    mods = set(_loaded_after("import emp_theory"))
    assert not [m for m in HEAVY if m in mods]


@pytest.mark.parametrize(
    "module", ["emp_theory.cli", "emp_theory.pruning", "emp_theory.streaming", "emp_theory.viz"]
)
def test_subpackages_defer_torch(module):
    """The CLI and the package front doors do not pull torch in until a command runs."""
    mods = set(_loaded_after(f"import {module}"))
    assert "torch" not in mods


def test_public_api_resolves():
    import emp_theory

    for name in emp_theory.__all__:
        assert getattr(emp_theory, name) is not None, name
