"""The book's sources, without building it: the home page's overview and the bibliography.

* ``book/index.md`` links (``{doc}``) to every page of ``_toc.yml`` and names every part;
* every key cited in ``book/*.md`` is in ``book/references.bib``, and the paper the book
  accompanies is cited as the arXiv preprint it is (2025), not as a conference paper.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"


def _toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def _chapters(toc: dict) -> list[str]:
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_home_page_overview_lists_every_part_and_chapter():
    toc = _toc()
    index = (ROOT / f"{toc['root']}.md").read_text(encoding="utf-8")
    linked = {f"book/{d}" for d in re.findall(r"\{doc\}`([^`<>]+?)`", index)}
    linked |= {f"book/{d}" for d in re.findall(r"\{doc\}`[^`]*<([^`>]+)>`", index)}
    missing = [c for c in _chapters(toc) if c not in linked]
    assert not missing, f"book/index.md does not link to {missing}"
    parts = [p["caption"] for p in toc["parts"] if f"**{p['caption']}**" not in index]
    assert not parts, f"book/index.md does not name the parts {parts}"


def _bib_keys() -> dict[str, str]:
    text = (BOOK / "references.bib").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=@)", text)
    out = {}
    for e in entries:
        m = re.match(r"@\w+\{([^,]+),", e.strip())
        if m:
            out[m.group(1)] = e
    return out


def test_every_citation_has_an_entry():
    keys = _bib_keys()
    cited = set()
    for md in BOOK.glob("*.md"):
        for group in re.findall(r"\{cite:\w+\}`([^`]+)`", md.read_text(encoding="utf-8")):
            cited |= {k.strip() for k in group.split(",")}
    assert cited, "no citations found"
    assert not cited - keys.keys(), f"cited but not in references.bib: {cited - keys.keys()}"


def test_the_seed_paper_is_cited_as_the_arxiv_preprint_it_is():
    entry = _bib_keys()["wang2025emp"]
    assert entry.startswith("@misc")
    assert re.search(r"year\s*=\s*\{2025\}", entry)
    assert re.search(r"eprint\s*=\s*\{2509\.25606\}", entry)
    assert "Measure The Redundancy of Model Components" in entry  # the title of v3
    for path in [*BOOK.glob("*.md"), BOOK / "references.bib", ROOT / "README.md"]:
        assert "ICML" not in path.read_text(encoding="utf-8"), f"{path} cites a conference"


def test_stored_results_read_by_a_chapter_carry_their_digest():
    # the book's execution cache keys on a cell's code, not on the files it reads: a cell
    # that glues numbers from a stored result names the file's sha256, so re-recording the
    # result changes the cell and the chapter runs again (no stale numbers beside a new table)
    import hashlib

    found = 0
    for md in BOOK.glob("*.md"):
        text = md.read_text(encoding="utf-8")
        for rel, digest in re.findall(r"# stored: (\S+) sha256 ([0-9a-f]{64})", text):
            found += 1
            data = (md.parent / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{md.name}: {rel} changed"
    assert found >= 1
