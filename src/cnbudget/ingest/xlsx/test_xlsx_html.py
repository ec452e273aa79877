"""XLSX and HTML renditions of every corpus PDF's tables (made here, see ``samples``) read back
to the same amounts as the PDF — every amount, and the hand-typed ones exactly as printed —
with sheet + cell provenance, and chosen by content in ``read_path``."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from cnbudget.checks.refs import CellRef
from cnbudget.ingest.detect import detect, read_path
from cnbudget.ingest.html import html_blocks, read_html
from cnbudget.ingest.pdf.corpus_expected import EXPECTED, LAYOUTS
from cnbudget.ingest.pdf.reader import read_pdf
from cnbudget.ingest.xlsx import read_xlsx
from cnbudget.ingest.xlsx.reader import number_text
from cnbudget.ingest.xlsx.samples import printed_tables, sheet_table, write_html, write_xlsx
from cnbudget.model import Document
from cnbudget.testing import corpus_file

FILES = list(LAYOUTS)


@cache
def _pdf(name: str) -> Document:
    return read_pdf(corpus_file(name))


@cache
def _made(name: str, tmp: str) -> tuple[Path, Path]:
    tables = [sheet_table(p) for p in printed_tables(corpus_file(name))]
    base = Path(tmp) / name.removesuffix(".pdf")
    return write_xlsx(tables, f"{base}.xlsx"), write_html(tables, f"{base}.html", title=name)


@pytest.fixture(scope="module")
def tmpdir_module(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("renditions"))


def _key(r):
    return (r.side, r.code, r.key, r.name, r.unit_name, r.project)


def _same_amounts(pdf: Document, other: Document) -> tuple[int, list]:
    n, bad = 0, []
    for t in pdf.tables:
        u = other.table(t.type)
        rows = {_key(r): r for r in u.rows} if u is not None else {}
        for r in t.rows:
            for k, a in r.values.items():
                n += 1
                b = rows.get(_key(r))
                got = b.values.get(k) if b is not None else None
                if got is None or got.value != a.value:
                    bad.append((t.type, r.name, k, a.printed, got.printed if got else None))
    return n, bad


@pytest.mark.parametrize("kind", ["xlsx", "html"])
@pytest.mark.parametrize("name", FILES)
def test_rendition_reads_back_to_the_pdf_amounts(name: str, kind: str, tmpdir_module: str) -> None:
    xlsx, page = _made(name, tmpdir_module)
    doc = read_xlsx(xlsx) if kind == "xlsx" else read_html(page)
    pdf = _pdf(name)
    assert doc.metadata.layout == LAYOUTS[name]
    assert [t.type for t in doc.tables] == [t.type for t in pdf.tables]
    assert [(t.unit, t.scale) for t in doc.tables] == [(t.unit, t.scale) for t in pdf.tables]
    n, bad = _same_amounts(pdf, doc)
    assert bad == [] and (n > 100 or name.startswith("template"))
    assert not [i for i in doc.issues if i.code in ("table-missing", "not-an-amount")]


@pytest.mark.parametrize("kind", ["xlsx", "html"])
@pytest.mark.parametrize("name", [n for n in FILES if EXPECTED.get(n)])
def test_hand_typed_amounts_with_cell_provenance(name: str, kind: str, tmpdir_module: str) -> None:
    xlsx, page = _made(name, tmpdir_module)
    doc = read_xlsx(xlsx) if kind == "xlsx" else read_html(page)
    for e in EXPECTED[name]:
        ref = CellRef.parse(f"{e.table}{'.' + e.side if e.side else ''}:{e.row}:{e.column}")
        _table, row = ref.resolve(doc)
        a = row.values[e.column]
        assert (a.printed, a.value) == (e.printed, e.value), e
        assert a.source.sheet and a.source.cell and a.source.page is None
        assert a.source.cell[0].isalpha() and a.source.cell[-1].isdigit()


def test_numbers_are_printed_as_excel_shows_them() -> None:
    assert number_text(371514655.0, "#,##0.00") == "371,514,655.00"
    assert number_text(0.1 + 0.2, "0.00") == "0.30"
    assert number_text(1234.5, "General") == "1234.5"
    assert number_text(25, "General") == "25"
    assert number_text(Decimal("2.675"), "0.00") == "2.68"  # half up, as printed


def test_xlsx_cells_are_numbers_and_text(tmpdir_module: str) -> None:
    from openpyxl import load_workbook

    xlsx, _ = _made("shanghai-putuo-commerce-2025-dept-budget.pdf", tmpdir_module)
    wb = load_workbook(xlsx)
    kinds = {type(c.value).__name__ for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert {"str", "float"} <= kinds or {"str", "int"} <= kinds
    assert any(ws.merged_cells.ranges for ws in wb)


def test_html_rowspan_colspan() -> None:
    html = (
        "<h3>2025年部门支出预算总表</h3><p>单位：元</p><table>"
        "<tr><th rowspan=2>科目编码</th><th rowspan=2>科目名称</th><th colspan=3>支出预算</th></tr>"
        "<tr><th>合计</th><th>基本支出</th><th>项目支出</th></tr>"
        "<tr><td>201</td><td>一般公共服务支出</td><td>1,000.00</td><td>600.00</td><td>400.00</td></tr>"
        "<tr><td></td><td>合计</td><td>1,000.00</td><td>600.00</td><td>400.00</td></tr></table>"
    )
    blocks = html_blocks(html)
    assert len(blocks) == 1 and blocks[0].before == ["2025年部门支出预算总表", "单位：元"]
    cells = {(c.row, c.col): c for c in blocks[0].cells}
    assert cells[(0, 2)].colspan == 3 and cells[(1, 2)].text == "合计"
    doc = read_html(Path("page.html"), "shanghai-budget-9", text=html)
    t = doc.table("expenditure_summary")
    assert t is not None and t.unit == "元"
    row = t.rows_by_code("201")[0]
    assert row.values["basic"].value == Decimal("0.06")
    assert row.values["basic"].source.cell == "D3"


@pytest.mark.parametrize("kind", ["xlsx", "html"])
def test_read_path_chooses_by_content(kind: str, tmpdir_module: str, tmp_path: Path) -> None:
    xlsx, page = _made("shanghai-putuo-finance-2024-dept-final.pdf", tmpdir_module)
    src = xlsx if kind == "xlsx" else page
    odd = tmp_path / "download.bin"  # the extension says nothing
    odd.write_bytes(src.read_bytes())
    assert detect(odd) == (kind, "mof-final-9")
    doc = read_path(odd)
    assert doc.metadata.layout == "mof-final-9" and doc.table("three_public") is not None
    forced = read_path(odd, layout="budget-11")
    assert forced.metadata.layout == "budget-11"
