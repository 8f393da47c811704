"""The experiments package: old module paths re-export the new ones; importing stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MOVED = ("lossbound", "audit", "kan", "transformer")


@pytest.mark.parametrize("name", MOVED)
def test_old_path_reexports_the_new_module(name):
    old = importlib.import_module(f"emp_theory.{name}")
    new = importlib.import_module(f"emp_theory.experiments.{name}")
    assert old.__all__ == new.__all__
    assert len(set(new.__all__)) == len(new.__all__)
    for attr in new.__all__:
        assert getattr(old, attr) is getattr(new, attr), attr


def test_importing_the_experiments_imports_no_torch_or_model_library():
    code = (
        "import sys\n"
        "import emp_theory.experiments, emp_theory.experiments.lossbound\n"
        "import emp_theory.experiments.audit, emp_theory.experiments.kan\n"
        "import emp_theory.experiments.transformer, emp_theory.experiments.hutchinson\n"
        "heavy = [m for m in ('torch', 'kan', 'transformers', 'sentence_transformers', 'plotly')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_paper_numbers_come_from_emp_theory_paper():
    from emp_theory import paper
    from emp_theory.experiments.kan import PAPER_KAN_MNIST
    from emp_theory.experiments.lossbound import PAPER_TABLE1
    from emp_theory.experiments.transformer import PAPER_TABLE2

    assert PAPER_TABLE1 is paper.TABLE1
    assert PAPER_TABLE2 is paper.TABLE2
    assert PAPER_KAN_MNIST is paper.KAN_MNIST
