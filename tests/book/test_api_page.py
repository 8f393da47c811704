"""The API page documents every public module, once, and nothing that does not exist."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("api_page", ROOT / "scripts" / "api_page.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_page_lists_every_public_module_once():
    page = (ROOT / "book" / "api.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\.\. automodule:: (\S+)$", page, flags=re.M)
    assert len(listed) == len(set(listed))
    assert set(listed) == _script().all_public_modules()


def test_page_is_what_the_script_writes():
    assert (ROOT / "book" / "api.md").read_text(encoding="utf-8") == _script().render()
