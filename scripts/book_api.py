"""Sphinx extension for the book's API page (``book/api.md``).

numpydoc turns the sections of function and class docstrings ("Parameters",
"References", ...) into field lists and rubrics, but leaves module docstrings as
they are, so their numpydoc-style headings ("References" underlined with dashes)
would become real section titles: headings inside the page, repeated once per
module, whose identical names clash. This extension rewrites those headings in
module docstrings as ``.. rubric::`` lines, which is how numpydoc renders the same
headings elsewhere.
"""

from __future__ import annotations

import re

_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


def _module_headings_to_rubrics(app, what, name, obj, options, lines) -> None:
    if what != "module":
        return
    out: list[str] = []
    i = 0
    while i < len(lines):
        title = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            title.strip()
            and not title.startswith(" ")
            and _UNDERLINE.match(nxt)
            and len(nxt.strip()) >= len(title.strip())
        ):
            out += [f".. rubric:: {title.strip()}", ""]
            i += 2
            continue
        out.append(title)
        i += 1
    lines[:] = out


def _skip_bare_fields(app, what, name, obj, skip, options):
    from sphinx.ext.autodoc import INSTANCEATTR, UNINITIALIZED_ATTR

    if what == "class" and (obj is INSTANCEATTR or obj is UNINITIALIZED_ATTR):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _module_headings_to_rubrics, priority=400)
    app.connect("autodoc-skip-member", _skip_bare_fields)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
