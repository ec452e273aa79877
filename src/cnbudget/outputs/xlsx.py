"""Write a :class:`Document`'s tables as an Excel workbook (XLSX) laid out like the published forms.

Why a workbook of its own rather than a data export: finance offices exchange these tables as
spreadsheets and check them by eye and by formula. So each table is one sheet named ``表N 标题``
with the title, 编制部门 and 单位 above a merged multi-level header (the same merges as the PDF,
from :func:`cnbudget.outputs.html.budget_grid`), 类/款/项 codes stored as text (so ``04`` keeps
its zero), amounts stored as numbers written from the exact ``Decimal`` with the ``#,##0.00``
format (so sums work), totals in bold, panes frozen under the header, and a print setup (A4,
landscape for 表2/表7, fit to width, header rows repeated on every printed page, page numbers).
A cover sheet names the department, year and unit and links to every table; each
performance-target table gets a sheet as well.

The flat, machine-readable export is ``cnbudget.export`` (long form); this module is for people.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from cnbudget.model import Document, PerformanceTable, Table
from cnbudget.outputs.html import (
    Cell,
    Grid,
    budget_grid,
    document_title,
    performance_grid,
    performance_title,
    publication_date,
    table_specs,
)

__all__ = ["sheet_name", "write_xlsx"]

AMOUNT_FORMAT = "#,##0.00"
FONT_NAME = "宋体"
#: Sheet names may not hold these characters and are at most 31 characters long.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_THIN = Side(style="thin", color="8C8C8C")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EEF0F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F6F6F4")
_F = Font(name=FONT_NAME, size=10)
_F_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_F_HEAD = Font(name=FONT_NAME, size=10, bold=True)
_F_COLNO = Font(name=FONT_NAME, size=9, color="555555")
_F_TITLE = Font(name="黑体", size=16, bold=True)
_F_META = Font(name=FONT_NAME, size=10)
#: Spreadsheet character widths per relative grid width unit (see ``html._W_*``).
_CHARS_PER_UNIT = 1.5


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: forbidden characters dropped, ≤ 31 characters."""
    base = _BAD_SHEET_CHARS.sub("", text).strip().strip("'")[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f"({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name)
    return name


def _clean(text: str) -> str:
    """Cell text without the control characters openpyxl refuses."""
    return _ILLEGAL.sub("", text)


def _text(x: XlCell, text: str) -> None:
    """Store ``text`` as a string cell: codes keep their zeros ("04"), and text that starts
    with ``=`` stays text instead of becoming a formula (names are untrusted)."""
    x.value = _clean(text)
    x.data_type = "s"
    x.number_format = "@"


def _hf(text: str) -> str:
    """Text for a print header/footer: ``&`` starts a control code there, so it is doubled."""
    return _clean(text).replace("&", "&&")[:200]


def _align(cell: Cell, bold_row: bool) -> Alignment:
    if cell.role == "amount":
        return Alignment(horizontal="right", vertical="center")
    if cell.role in ("head", "colno", "code", "label", "center"):
        return Alignment(horizontal="center", vertical="center", wrap_text=True)
    if cell.role == "name" and bold_row and cell.indent == 0 and cell.text in ("合计", "总计"):
        return Alignment(horizontal="center", vertical="center")
    return Alignment(horizontal="left", vertical="center", wrap_text=True, indent=cell.indent)


def _write_grid(ws: Worksheet, grid: Grid, top: int) -> int:
    """Write ``grid`` from row ``top``; merged spans, borders, formats. Returns the next row."""
    n_head = len(grid.head)
    for r, row in enumerate(grid.rows):
        excel_row = top + r
        is_head = r < n_head
        bold_row = row.kind in ("total", "unit")
        fill = _HEAD_FILL if is_head else (_TOTAL_FILL if row.kind == "total" else None)
        # borders and fills on every grid position, so merged areas are ruled all round
        for c in range(grid.ncols):
            x = ws.cell(excel_row, c + 1)
            x.border = _BORDER
            if fill is not None:
                x.fill = fill
        for cell in row.cells:
            x = ws.cell(excel_row, cell.col + 1)
            if cell.role == "amount" and cell.value is not None:
                x.value = cell.value
                x.number_format = AMOUNT_FORMAT
            elif cell.text:
                _text(x, cell.text)
            if cell.role == "colno":
                x.font = _F_COLNO
            elif is_head or cell.role == "label":
                x.font = _F_HEAD
            else:
                x.font = _F_BOLD if cell.bold else _F
            if cell.role == "label":
                x.fill = _HEAD_FILL
            x.alignment = _align(cell, bold_row)
            if cell.colspan > 1 or cell.rowspan > 1:
                ws.merge_cells(
                    start_row=excel_row,
                    start_column=cell.col + 1,
                    end_row=excel_row + cell.rowspan - 1,
                    end_column=cell.col + cell.colspan,
                )
    return top + len(grid.rows)


def _widths(ws: Worksheet, grid: Grid) -> list[float]:
    widths = [round(w * _CHARS_PER_UNIT, 1) for w in grid.widths]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    return widths


def _row_heights(ws: Worksheet, grid: Grid, top: int, widths: list[float]) -> None:
    """Heights for wrapped cells: Excel does not grow rows of merged or pre-set cells itself."""
    for r, row in enumerate(grid.rows):
        lines = 1
        for cell in row.cells:
            if cell.role == "amount" or not cell.text:
                continue
            # column width is counted in "0" widths; a CJK character takes about 1.8 of them,
            # an indent level 3; the lines are spread over the rows the cell spans
            width = sum(widths[cell.col : cell.col + cell.colspan]) - 1 - 3 * cell.indent
            text = sum(1.8 if ord(ch) > 0x2E7F else 1.0 for ch in cell.text)
            need = math.ceil(text / max(1.0, width))
            lines = max(lines, math.ceil(need / cell.rowspan))
        if lines > 1:
            ws.row_dimensions[top + r].height = 14.5 * lines


def _print_setup(ws: Worksheet, landscape: bool, repeat: str | None, footer: str) -> None:
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape" if landscape else "portrait"
    ps.fitToWidth, ps.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.7
    if repeat:
        ws.print_title_rows = repeat
    ws.oddHeader.left.text = _hf(footer)
    ws.oddHeader.left.size = 8
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 8


def _title_rows(ws: Worksheet, ncols: int, title: str, left: str, right: str) -> int:
    """Title (merged, centred) and the 编制部门 / 单位 line; returns the first free row."""
    _text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = _F_TITLE
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 32
    split = max(1, ncols - 2)
    _text(ws.cell(2, 1), left)
    ws.cell(2, 1).font = _F_META
    ws.cell(2, 1).alignment = Alignment(horizontal="left", vertical="center")
    if split > 1:
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=split)
    _text(ws.cell(2, split + 1), right)
    ws.cell(2, split + 1).font = _F_META
    ws.cell(2, split + 1).alignment = Alignment(horizontal="right", vertical="center")
    if ncols > split + 1:
        ws.merge_cells(start_row=2, start_column=split + 1, end_row=2, end_column=ncols)
    ws.row_dimensions[2].height = 20
    return 3


def _table_sheet(ws: Worksheet, t: Table, grid: Grid, landscape: bool, running: str) -> None:
    top = _title_rows(ws, grid.ncols, t.title, f"编制部门：{t.department or ''}", f"单位：{t.unit}")
    widths = _widths(ws, grid)
    end = _write_grid(ws, grid, top)
    _row_heights(ws, grid, top, widths)
    first_data = top + len(grid.head)
    # freeze under the header, and right of the label columns of one-sided tables
    last = grid.head[-1]
    label_cols = last.cells[0].colspan if last.kind == "colno" else 0
    ws.freeze_panes = ws.cell(first_data, label_cols + 1)
    note = t.empty_explanation or ("本表无数据。" if t.is_empty else None)
    if note:
        _text(ws.cell(end + 1, 1), note)
        ws.cell(end + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(end + 1, 1).font = _F
        ws.merge_cells(start_row=end + 1, start_column=1, end_row=end + 1, end_column=grid.ncols)
        ws.row_dimensions[end + 1].height = 36
    _print_setup(ws, landscape, f"{top}:{first_data - 1}", running)


def _perf_sheet(
    ws: Worksheet, p: PerformanceTable, grid: Grid, year: int | None, running: str
) -> None:
    y = p.year if p.year is not None else year
    right = f"（{y}年度）" if y is not None else ""
    top = _title_rows(
        ws, grid.ncols, performance_title(p), p.project_name or p.unit_name or "", right
    )
    widths = _widths(ws, grid)
    _write_grid(ws, grid, top)
    _row_heights(ws, grid, top, widths)
    _print_setup(ws, False, None, running)


def _cover(ws: Worksheet, doc: Document, links: list[tuple[str, str]]) -> None:
    md = doc.metadata
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 70
    ws.cell(1, 1, _clean(document_title(md))).font = Font(name="黑体", size=18, bold=True)
    ws.merge_cells("A1:B1")
    ws.row_dimensions[1].height = 36
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    rows = [
        ("部门", md.full_name or ""),
        ("年度", str(md.year) if md.year is not None else ""),
        ("单位", md.currency_unit or "万元"),
        ("公开日期", publication_date(md)),
    ]
    r = 3
    for label, value in rows:
        ws.cell(r, 1, label).font = _F_BOLD
        _text(ws.cell(r, 2), value)
        ws.cell(r, 2).font = _F
        r += 1
    r += 1
    ws.cell(r, 1, "目录").font = _F_BOLD
    for name, text in links:
        r += 1
        x = ws.cell(r, 2)
        _text(x, text)
        x.hyperlink = Hyperlink(ref=x.coordinate, location=f"'{name}'!A1", display=x.value)
        x.font = Font(name=FONT_NAME, size=10, color="1F4E79", underline="single")
    ws.sheet_view.showGridLines = False
    _print_setup(ws, False, None, md.full_name or "")


def write_xlsx(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as an XLSX workbook at ``path`` and return the path.

    Sheets: 封面 (department, year, unit, linked list of tables), one per table
    (``表1 部门收支总体情况表`` …), one per performance-target table.
    """
    md = doc.metadata
    running = md.full_name or ""
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    taken = {"封面"}
    links: list[tuple[str, str]] = []
    for t, spec in table_specs(doc):
        label = f"表{t.number} {t.title}" if t.number is not None else t.title
        ws = wb.create_sheet(sheet_name(label, taken))
        _table_sheet(ws, t, budget_grid(t, spec), spec.landscape, running)
        links.append((ws.title, label))
    for i, p in enumerate(doc.performance, 1):
        subject = p.project_name if p.kind == "project" else "部门整体"
        ws = wb.create_sheet(sheet_name(f"绩效{i} {subject or ''}", taken))
        _perf_sheet(ws, p, performance_grid(p), md.year, running)
        links.append((ws.title, f"{performance_title(p)}：{subject or ''}"))
    _cover(cover, doc, links)
    wb.properties.title = _clean(" ".join(x for x in (md.full_name, document_title(md)) if x))
    wb.properties.creator = "cnbudget"
    p = Path(path)
    wb.save(str(p))
    return p
