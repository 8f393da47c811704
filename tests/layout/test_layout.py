"""The package's layout rules (issue: one house, visible from its folders).

* no private name (``_x``) is imported from a module in another package folder;
* no module runs past about 400 lines, except the few listed here with the reason
  their own docstring gives for reading better whole;
* no import loop among the package's modules (static graph of top-level imports).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "emp_theory"

#: Modules allowed past LIMIT lines, each with the reason its docstring states.
LONG_OK = {
    "symbolic/reduction.py": "checks 11-14 of the proof share their exact-grid helpers",
    "search.py": "the four search methods share the shell's geometry",
    "viz/geometry.py": "2-D and 3-D trace builders share colours, rounding and trace order",
    "viz/_explorer_page.py": "template, CSS, layout and script refer to each other's keys",
    "pruning/torch_method.py": "the three torch.nn.utils.prune methods are one idea",
    "pruning/criteria.py": "the five criteria share one calling convention",
    "_torch_kernels.py": "statistics, exact sums and radix select share the device plumbing",
    "pruning/distributed.py": "the collectives of one distributed selection, in order",
}
LIMIT = 420


def modules():
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def rel(p: Path) -> str:
    return p.relative_to(PKG).as_posix()


def resolve(p: Path, node: ast.ImportFrom) -> Path:
    base = p.parent
    for _ in range(node.level - 1):
        base = base.parent
    return base.joinpath(*node.module.split(".")) if node.module else base


def test_no_private_name_crosses_a_package_folder():
    bad = []
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0:
                if not (node.module or "").startswith("emp_theory"):
                    continue
                target = PKG.parent.joinpath(*node.module.split("."))
            else:
                target = resolve(p, node)
            folder = target if target.is_dir() else target.parent
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and folder.resolve() != p.parent.resolve():
                    bad.append(f"{rel(p)}: from {node.module} import {alias.name}")
    assert not bad, bad


@pytest.mark.parametrize("path", [rel(p) for p in modules()])
def test_module_size(path):
    n = len((PKG / path).read_text(encoding="utf-8").splitlines())
    assert n <= LIMIT or path in LONG_OK, f"{path} has {n} lines"


def _module_name(p: Path) -> str:
    parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_import_loop_at_module_level():
    names = {_module_name(p): p for p in modules()}
    graph: dict[str, set[str]] = {n: set() for n in names}
    for name, p in names.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        pkg = name if p.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in tree.body:  # top level only: imports inside functions are deferred
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets.append(mod)
                targets += [f"{mod}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            for t in targets:
                if t in names and t != name:
                    graph[name].add(t)
    # a package importing its own submodules is expected; a submodule importing its
    # package back while the package imports it is a loop
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph[n]:
            if state.get(m) == 1:
                cycle = [*stack[stack.index(m) :], m]
                if not all(c.startswith(cycle[0] + ".") or c == cycle[0] for c in cycle):
                    raise AssertionError(" -> ".join(cycle))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
