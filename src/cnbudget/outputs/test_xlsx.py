"""The XLSX, reopened with openpyxl: every amount as a number, merged headers, frozen panes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from cnbudget.example import build_example
from cnbudget.model import Document
from cnbudget.outputs.html import header_grid, table_specs
from cnbudget.outputs.test_docx import expected_rows
from cnbudget.outputs.xlsx import sheet_name, write_xlsx

CENT = Decimal("0.01")
TOP = 3  # title row, 编制部门/单位 row, then the header


@pytest.fixture
def sample_wb(sample_doc: Document, tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_xlsx(sample_doc, tmp_path / "sample.xlsx"))


def _sheet(wb: openpyxl.Workbook, number: int) -> openpyxl.worksheet.worksheet.Worksheet:
    return next(wb[n] for n in wb.sheetnames if n.startswith(f"表{number} "))


def test_sheets_named_per_table(sample_doc: Document, sample_wb) -> None:
    names = sample_wb.sheetnames
    assert names[0] == "封面"
    assert names[1] == "表1 部门收支总体情况表"
    assert names[10] == "表10 财政拨款“三公”经费支出情况表"
    assert len(names) == 1 + len(sample_doc.tables) + len(sample_doc.performance)
    for n in names:
        assert len(n) <= 31 and not set(n) & set("[]:*?/\\")
    cover = [c for row in sample_wb["封面"].iter_rows(values_only=True) for c in row if c]
    assert "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）" in cover
    assert "2024" in cover and "万元" in cover
    links = [c for c in sample_wb["封面"]["B"] if c.hyperlink is not None]
    assert len(links) == len(names) - 1
    assert links[0].value == "表1 部门收支总体情况表"
    assert links[0].hyperlink.location == "'表1 部门收支总体情况表'!A1"


def test_every_amount_is_the_model_value(sample_doc: Document, sample_wb) -> None:
    checked = 0
    for t, spec in table_specs(sample_doc):
        ws = _sheet(sample_wb, t.number)  # type: ignore[arg-type]
        assert ws["A1"].value == t.title
        first = TOP + len(header_grid(spec))
        model_rows = expected_rows(t, spec)
        for i, exp in enumerate(model_rows):
            for col, text in exp:
                cell = ws.cell(first + i, col + 1)
                if not text:
                    assert cell.value is None, (t.number, cell.coordinate)
                    continue
                assert isinstance(cell.value, int | float), (t.number, cell.coordinate)
                assert cell.number_format == "#,##0.00"
                value = Decimal(str(cell.value)).quantize(CENT)
                assert value == Decimal(text.replace(",", "")), (t.number, cell.coordinate)
                checked += 1
        assert ws.max_row == first + len(model_rows) - 1 + (2 if t.is_empty else 0)
    assert checked == sum(len(r.values) for t in sample_doc.tables for r in t.rows)


def test_model_values_exactly(sample_doc: Document, sample_wb) -> None:
    """Stored numbers equal the model's Decimals (not just their printed form)."""
    t, spec = table_specs(sample_doc)[2]
    ws = _sheet(sample_wb, 3)
    first = TOP + len(header_grid(spec))
    for i, row in enumerate(t.rows):
        for j, col in enumerate(spec.columns):
            v = ws.cell(first + i, 4 + j + 1).value
            want = row.value(col.key)
            got = None if v is None else Decimal(str(v)).quantize(CENT)
            assert got == (None if want is None else want.quantize(CENT))


def test_codes_are_text_and_totals_bold(sample_wb) -> None:
    ws = _sheet(sample_wb, 3)
    first = TOP + 3
    assert [ws.cell(first, c).value for c in range(1, 5)] == [None, None, None, "总计"]
    assert ws.cell(first, 5).font.b and ws.cell(first, 4).font.b
    row = [ws.cell(first + 3, c).value for c in range(1, 5)]
    assert row == ["206", "04", "04", "科技成果转化与扩散"]
    assert ws.cell(first + 3, 2).data_type == "s"
    assert not ws.cell(first + 3, 5).font.b
    assert ws.cell(first + 3, 4).alignment.indent == 2


def test_merged_headers_frozen_panes_print_setup(sample_doc: Document, sample_wb) -> None:
    for t, spec in table_specs(sample_doc):
        ws = _sheet(sample_wb, t.number)  # type: ignore[arg-type]
        merged = {str(r) for r in ws.merged_cells.ranges}
        head = header_grid(spec)
        assert f"A1:{get_column_letter(sum(c.colspan for c in head[0].cells))}1" in merged
        for r, row in enumerate(head):
            for c in row.cells:
                if c.colspan > 1 or c.rowspan > 1:
                    ref = (
                        f"{get_column_letter(c.col + 1)}{TOP + r}:"
                        f"{get_column_letter(c.col + c.colspan)}{TOP + r + c.rowspan - 1}"
                    )
                    assert ref in merged, (t.number, c.text, ref)
        first = TOP + len(head)
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(first))
        ps = ws.page_setup
        assert ps.orientation == ("landscape" if spec.landscape else "portrait")
        assert int(ps.paperSize) == int(ws.PAPERSIZE_A4) and ps.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"${TOP}:${first - 1}"
    t2 = _sheet(sample_wb, 2)
    assert "F3:L3" in {str(r) for r in t2.merged_cells.ranges}  # 财政拨款（补助）over 7 columns
    assert t2.freeze_panes == "E6"  # below the header, right of 类/款/项/名称


def test_empty_tables_and_performance_sheets(sample_doc: Document, sample_wb) -> None:
    ws = _sheet(sample_wb, 8)
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert sample_doc.table_no(8).empty_explanation in values  # type: ignore[union-attr]
    perf = [n for n in sample_wb.sheetnames if n.startswith("绩效")]
    assert len(perf) == len(sample_doc.performance)
    ws = sample_wb[perf[1]]
    nums = {c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, float)}
    assert 2068.67 in nums


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    a = sheet_name("表1 a/b:c*d?e[f]g\\h" + "x" * 40, taken)
    b = sheet_name("表1 a/b:c*d?e[f]g\\h" + "x" * 40, taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert not set(a + b) & set("[]:*?/\\")


def test_untrusted_text(tmp_path: Path) -> None:
    doc = build_example(3)
    doc.metadata.department = '=HYPERLINK("http://x")\x02<b>'
    doc.tables[2].rows[1].name = "=1+1"
    wb = openpyxl.load_workbook(write_xlsx(doc, tmp_path / "x.xlsx"))
    ws = wb[wb.sheetnames[3]]
    names = [ws.cell(r, 4).value for r in range(1, ws.max_row + 1)]
    assert "=1+1" in names  # stored as text, not as a formula
    assert ws.cell(names.index("=1+1") + 1, 4).data_type == "s"
