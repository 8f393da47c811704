"""Tests of the rendering helpers (emp_theory.viz._render): Markdown tables, sliders, rounding.

The tables are parsed back with the parser the book uses for ``text/markdown``
outputs (myst-parser's markdown-it with ``dollarmath``, as with
``nb_render_markdown_format: myst``), so the tests see the cells the reader sees.
"""

from __future__ import annotations

import numpy as np
import pytest

from emp_theory.viz import MarkdownTable, markdown_table
from emp_theory.viz._render import distinct_Ns, sig, slider, slider_active


@pytest.fixture(scope="module")
def md():
    pytest.importorskip("myst_parser")
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(
        MdParserConfig(enable_extensions={"dollarmath", "amsmath"}), RendererHTML
    )


def parse_table(md, text: str) -> list[list[list[tuple[str, str]]]]:
    """Rows of cells, each cell the (type, content) of its inline children."""
    toks = md.parse(text)
    assert toks[0].type == "table_open", [t.type for t in toks[:3]]
    rows, row = [], None
    for t in toks:
        if t.type == "tr_open":
            row = []
        elif t.type == "inline":
            row.append([(c.type, c.content) for c in t.children])
        elif t.type == "tr_close":
            rows.append(row)
    return rows


def plain(cell) -> str:
    return "".join(c for _, c in cell)


class TestMarkdownTable:
    def test_pipe_in_text_stays_one_cell(self, md):
        header = ["model", "eq. 17 / |ε|", "(mean|w|)²/mean(w²)"]
        t = markdown_table(header, [["fc2", "0.5", "0.64"]])
        assert "eq. 17 / \\|ε\\|" in t.text
        rows = parse_table(md, t.text)
        assert [len(r) for r in rows] == [3, 3]
        assert [plain(c) for c in rows[0]] == header
        # the unescaped join (the chapters' old helper) is no table at all: a wall of pipes
        naive = "| " + " | ".join(header) + " |\n|" + "---|" * 3 + "\n| a | b | c |"
        assert md.parse(naive)[0].type == "paragraph_open"

    def test_pipe_inside_math(self, md):
        t = markdown_table(["$|x|$", r"$\|x\|_1$"], [[r"$\left|\theta\right|$", "$a|b$"]])
        rows = parse_table(md, t.text)
        assert rows[0] == [[("math_inline", "|x|")], [("math_inline", r"\|x\|_1")]]
        assert rows[1] == [[("math_inline", r"\left|\theta\right|")], [("math_inline", "a|b")]]

    def test_pipe_inside_code(self, md):
        rows = parse_table(md, markdown_table(["code"], [["`a|b`"]]).text)
        assert rows[1] == [[("code_inline", "a|b")]]

    def test_lt_and_amp_are_shown_as_typed(self, md):
        cell = "1 < 2 & 3 > 0, R&D"
        t = markdown_table(["a & b", "x<y"], [[cell, "a <= b"]])
        html = md.render(t.text)
        assert "<th>a &amp; b</th>" in html and "<th>x&lt;y</th>" in html
        assert "<td>1 &lt; 2 &amp; 3 &gt; 0, R&amp;D</td>" in html
        assert "<td>a &lt;= b</td>" in html

    def test_numbers_and_markdown_cells(self, md):
        t = markdown_table(["n", "x", "what"], [[1000, 0.25, "**paper**"], [np.int64(3), 1e-9, ""]])
        rows = parse_table(md, t.text)
        assert [plain(c) for c in rows[1]] == ["1000", "0.25", "paper"]
        assert [ty for ty, _ in rows[1][2] if ty != "text"] == ["strong_open", "strong_close"]
        assert [plain(c) for c in rows[2]] == ["3", "1e-09", ""]

    def test_every_row_has_the_header_width(self, md):
        header = ["a", "|b|", "$|c|$", "d"]
        body = [["x|y", "$|1|$", "", "2"], ["|", "||", "\\|", "a\nb"]]
        t = markdown_table(header, body)
        lines = t.text.splitlines()
        assert len(lines) == 2 + len(body)  # a newline in a cell does not start a row
        rows = parse_table(md, t.text)
        assert [len(r) for r in rows] == [4, 4, 4]
        assert [plain(c) for c in rows[2]][:3] == ["|", "||", "|"]
        assert plain(rows[2][3]) == "a b"

    def test_latex_norm_written_escaped_stays_a_norm(self, md):
        rows = parse_table(md, markdown_table([r"$\|\theta^*\|_1$"], [["1"]]).text)
        assert rows[0] == [[("math_inline", r"\|\theta^*\|_1")]]

    def test_align(self):
        t = markdown_table(["a", "b", "c"], [], align="lcr")
        assert t.text.splitlines()[1] == "|:---|:---:|---:|"
        assert markdown_table(["a", "b"], [], align="r").text.splitlines()[1] == "|---:|---:|"
        assert markdown_table(["a", "b"], [], align=["-", "r"]).text.splitlines()[1] == "|---|---:|"
        assert markdown_table(["a", "b"], []).text.splitlines()[1] == "|---|---|"

    def test_same_source_as_the_old_chapter_helper(self):
        """Without a pipe in any cell the Markdown is byte-for-byte what the chapters wrote."""
        header, rows = ["ν", "r_ν (eq. 12)"], [["1", "0.866025"], ["2", "0.5"]]
        old = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        old += ["| " + " | ".join(r) + " |" for r in rows]
        assert markdown_table(header, rows).text == "\n".join(old)

    def test_errors(self):
        with pytest.raises(ValueError, match="row 1 has 1 cells, the header 2"):
            markdown_table(["a", "b"], [["1", "2"], ["3"]])
        with pytest.raises(ValueError, match="at least one cell"):
            markdown_table([], [])
        with pytest.raises(TypeError, match="not a string"):
            markdown_table("ab", [])
        with pytest.raises(ValueError, match="`align`"):
            markdown_table(["a", "b"], [], align="lrr")
        with pytest.raises(ValueError, match="`align`"):
            markdown_table(["a"], [], align="x")

    def test_display(self):
        t = markdown_table(["a"], [["1"]])
        assert isinstance(t, MarkdownTable)
        assert t._repr_markdown_() == str(t) == repr(t) == t.text
        assert t.header == ["a"] and t.rows == [["1"]]
        ipython = pytest.importorskip("IPython.core.formatters")
        data, _ = ipython.DisplayFormatter().format(t)
        assert data["text/markdown"] == t.text


class TestSliderHelpers:
    def test_slider_steps_name_the_frames(self):
        s = slider([0.5, 1, 2], 1, "β = ", redraw=False)
        assert s["active"] == 1 and s["currentvalue"]["prefix"] == "β = "
        assert [st["args"][0] for st in s["steps"]] == [["0.5"], ["1"], ["2"]]
        assert all(st["args"][1]["frame"]["redraw"] is False for st in s["steps"])

    def test_slider_active(self):
        assert slider_active(None, [3, 4]) == 3
        assert slider_active(1.0, [0.5, 1.0]) == 1.0
        with pytest.raises(ValueError, match="`active` must be one of"):
            slider_active(7, [3, 4])

    def test_distinct_Ns(self):
        assert distinct_Ns([3, 10], low=3) == [3, 10]
        for bad in ([], "10", [10, 10], [2, 10]):
            with pytest.raises(ValueError, match="`Ns`"):
                distinct_Ns(bad, low=3)

    def test_sig(self):
        a = np.array([1.23456789e-12, -9.87654321e5, 0.0, np.inf, np.nan])
        out = sig(a, 3)
        np.testing.assert_array_equal(out[:4], [1.23e-12, -9.88e5, 0.0, np.inf])
        assert np.isnan(out[4])
        x = np.geomspace(1e-9, 1, 50)
        np.testing.assert_allclose(sig(x), x, rtol=5e-6)
