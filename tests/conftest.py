"""Fixtures shared by several test folders.

torch and the pruning path are imported inside the fixtures only, so collecting a
torch-free folder (tests/core, tests/symbolic) does not import torch.

* ``one_torch_thread`` — ``torch.set_num_threads(1)`` for a test module, restored
  afterwards (the models in the tests are small and run fastest single-threaded; the
  test machine is shared). It is not autouse here: tests/pruning/conftest.py turns it
  on for that folder; a module elsewhere asks for it with
  ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
* ``digits`` — the bundled scikit-learn digits split
  (:func:`emp_theory.pruning.data.load_digits_split`), loaded once per session.
  Treat it as read-only.
* ``emp_cache`` — one temporary cache folder (checkpoints, sweeps) per session, so
  a model trained by one test module is loaded from it by the next.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    torch = pytest.importorskip("torch")
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


@pytest.fixture(scope="session")
def digits():
    pytest.importorskip("torch")
    from emp_theory.pruning.data import load_digits_split

    return load_digits_split()


@pytest.fixture(scope="session")
def emp_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("emp_cache")
