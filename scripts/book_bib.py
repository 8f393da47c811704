"""Sphinx extension: one author-year citation style for the text and the list.

Loaded by ``_config.yml`` (``sphinx.local_extensions: {book_bib: scripts/}``).
``bibtex_reference_style: author_year`` makes sphinxcontrib-bibtex cite in the text
as "Wang et al. [2025]" ({cite:t}) or "[Wang et al., 2025]" ({cite:p}), but the
bibliography's own labels come from the pybtex formatting style, whose built-in
styles label by number ("[1]") or by initials ("[WGAD25]"). This extension
registers the pybtex style ``emp_author_year`` (``bibtex_default_style``): the
``plain`` style (entries sorted by author, year and title) with labels in the same
author-year form as the in-text citations, "Wang et al., 2025":

* one author: the last name ("Simpson, 1949");
* two: both, joined by "and" ("Laakso and Taagepera, 1979");
* three or more: the first and "et al." ("Wang et al., 2025").

Works of the same authors and year are told apart by their ``year`` field
(``2023a``, ``2023b``), so that the text and the list agree.
"""

from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person) -> str:
    name = " ".join(person.prelast_names + person.last_names)
    return Text.from_latex(name).render_as("text")


def author_year_label(entry) -> str:
    """``"Wang et al., 2025"`` for an entry (its authors, else its editors)."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(p) for p in persons if str(p) != "others"]
    if not names:
        who = entry.fields.get("key", entry.key)
    elif len(persons) == 1:
        who = names[0]
    elif len(persons) == 2 and len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    year = entry.fields.get("year", "")
    return f"{who}, {year}" if year else who


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author, year"; a label shared by several entries gets a, b, ..."""

    def format_labels(self, sorted_entries):
        labels = [author_year_label(e) for e in sorted_entries]
        count = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield f"{label}{chr(ord('a') + seen[label])}"
                seen[label] += 1


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` style with author-year labels."""

    default_label_style = "emp_author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "emp_author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "emp_author_year", AuthorYearStyle)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
