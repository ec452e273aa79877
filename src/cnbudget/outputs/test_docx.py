"""The DOCX, reopened with python-docx: every amount of every table, headings, page setup."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from cnbudget.example import build_example
from cnbudget.layouts import TableSpec
from cnbudget.model import Document, Row, Table
from cnbudget.money import format_amount
from cnbudget.outputs.docx import write_docx
from cnbudget.outputs.html import header_grid, part_titles, section_heading, table_specs


def _fmt(row: Row | None, key: str, scale: Decimal) -> str:
    if row is None:
        return ""
    v = row.value(key)
    return "" if v is None else format_amount(v / scale)


def expected_rows(t: Table, spec: TableSpec) -> list[list[tuple[int, str]]]:
    """(grid column, printed amount) of each body row, from the model and the layout alone."""
    if spec.mode == "two_sided":
        in_keys = [c.key for c in spec.columns_for("income")]
        ex_keys = [c.key for c in spec.columns_for("expenditure")]
        inc = [r for r in t.rows if r.side != "expenditure" and r.kind != "total"]
        exp = [r for r in t.rows if r.side == "expenditure" and r.kind != "total"]
        pairs = [
            (inc[i] if i < len(inc) else None, exp[i] if i < len(exp) else None)
            for i in range(max(len(inc), len(exp)))
        ]
        pairs.append((t.total_row("income"), t.total_row("expenditure")))
        ex0 = 1 + len(in_keys)
        return [
            [(1 + j, _fmt(a, k, t.scale)) for j, k in enumerate(in_keys)]
            + [(ex0 + 1 + j, _fmt(b, k, t.scale)) for j, k in enumerate(ex_keys)]
            for a, b in pairs
        ]
    n_labels = {"coded": spec.code_cells + 1, "projects": spec.code_cells + 2, "economic": 2}
    first = n_labels.get(spec.mode, 1)
    keys = [c.key for c in spec.columns]
    return [[(first + j, _fmt(r, k, t.scale)) for j, k in enumerate(keys)] for r in t.rows]


@pytest.fixture
def sample_docx(sample_doc: Document, tmp_path: Path) -> docx.document.Document:
    return docx.Document(str(write_docx(sample_doc, tmp_path / "sample.docx")))


def test_every_amount_of_every_table(sample_doc: Document, sample_docx) -> None:
    specs = table_specs(sample_doc)
    tables = sample_docx.tables
    assert len(tables) == len(specs) + len(sample_doc.performance)
    checked = 0
    for (t, spec), dt in zip(specs, tables, strict=False):
        n_head = len(header_grid(spec))
        body = dt.rows[n_head:]
        expected = expected_rows(t, spec)
        assert len(body) == len(expected), t.title
        for row, exp in zip(body, expected, strict=True):
            cells = row.cells
            for col, text in exp:
                assert cells[col].text == text, (t.number, col, [c.text for c in cells])
                checked += bool(text)
        # header: first row holds the layout's top labels, flagged to repeat on every page
        first = {c.text for c in dt.rows[0].cells}
        assert {c.header[0] for c in spec.columns if c.side != "expenditure"} <= first
        for r in dt.rows[:n_head]:
            assert r._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in dt.rows)
    assert checked == sum(len(r.values) for t in sample_doc.tables for r in t.rows)


def test_merged_headers_and_alignment(sample_docx) -> None:
    t2 = sample_docx.tables[1]
    top = [c.text for c in t2.rows[0].cells]
    assert top[5:12] == ["财政拨款（补助）"] * 7  # one cell spanning seven grid columns
    assert t2.rows[0].cells[5]._tc is t2.rows[0].cells[11]._tc
    assert [c.text for c in t2.rows[1].cells[:3]] == ["类", "款", "项"]
    assert t2.rows[1].cells[3].text == "功能分类科目名称"  # vertical merge
    total = t2.rows[3].cells
    assert total[4].text == "33,898.98"
    para = total[4].paragraphs[0]
    assert para.alignment is not None and para.alignment.name == "RIGHT"
    assert para.runs[0].bold


def test_headings_in_standard_order(sample_doc: Document, sample_docx) -> None:
    heads = [
        (p.style.name, p.text)
        for p in sample_docx.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    h1 = [text for style, text in heads if style == "Heading 1"]
    assert h1 == list(part_titles(sample_doc))
    h2 = [text for style, text in heads if style == "Heading 2"]
    for t in sample_doc.tables:
        assert t.title in h2
    for sec in sample_doc.explanation:
        assert section_heading(sec) in h2
    texts = [p.text for p in sample_docx.paragraphs]
    assert texts.index("目　录") < texts.index(part_titles(sample_doc)[0])
    assert "收支总预算 33,898.98 万元。" in "".join(texts)
    for t in (8, 9):
        note = sample_doc.table_no(t).empty_explanation  # type: ignore[union-attr]
        assert note in texts


def test_page_setup_fonts_footer(sample_docx) -> None:
    sections = sample_docx.sections
    orient = [s.orientation for s in sections]
    assert orient.count(WD_ORIENT.LANDSCAPE) == 2  # 表2 and 表7
    for s in sections:
        w, h = round(s.page_width.mm), round(s.page_height.mm)
        assert (w, h) == ((297, 210) if s.orientation == WD_ORIENT.LANDSCAPE else (210, 297))
    rfonts = sample_docx.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia"))
    h1 = sample_docx.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert h1.get(qn("w:eastAsia")) and h1.get(qn("w:eastAsiaTheme")) is None
    footer = sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "乌鲁木齐市工业和信息化局" in sections[0].header.paragraphs[0].text
    assert sections[0].different_first_page_header_footer  # no header on the cover


def test_performance_tables(sample_doc: Document, sample_docx) -> None:
    perf = sample_docx.tables[len(sample_doc.tables) :]
    assert len(perf) == len(sample_doc.performance)
    for p, dt in zip(sample_doc.performance, perf, strict=True):
        texts = {c.text for r in dt.rows for c in r.cells}
        for a in p.amounts.values():
            assert format_amount(a.value) in texts
        assert {i.level3 for i in p.indicators if i.level3} <= texts


def test_untrusted_text_round_trips(tmp_path: Path) -> None:
    doc = build_example(2)
    evil = "<w:p>&amp;<script>\"'\x01"
    doc.metadata.department = evil
    doc.tables[0].rows[0].name = evil
    d = docx.Document(str(write_docx(doc, tmp_path / "evil.docx")))
    assert d.tables[0].rows[2].cells[0].text == evil.replace("\x01", "")
    assert evil.replace("\x01", "") in d.sections[0].header.paragraphs[0].text
