"""The README's Python examples run as written (pasted into a fresh interpreter)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_block_runs(code, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr


def test_cli_lines_that_need_no_data_run(tmp_path):
    """The first lines of the README's command block (scores file, neff, bounds)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    block = next(b for b in blocks if b.startswith(". .venv/bin/activate"))
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert lines[0] == ". .venv/bin/activate"
    exe = Path(sys.executable).parent
    for ln in lines[1:4]:
        cmd = ln.replace("emp-theory ", f"{exe}/emp-theory ", 1).replace(
            "python ", f"{sys.executable} ", 1
        )
        proc = subprocess.run(
            cmd, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, (ln, proc.stderr)
