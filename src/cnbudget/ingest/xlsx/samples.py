"""Realistic spreadsheet and web-page renditions of the tables of a PDF disclosure, for tests.

The corpus has no XLSX or HTML disclosure, so tests make them from the corpus PDFs the way a
finance office's template would: per table, a title merged over the width, a 编制部门 / 单位 row,
the header rows with their merged cells (as printed: multi-level headers, 类/款/项 code cells),
and the data rows — amounts either as numbers with the ``#,##0.00`` format or as text with
thousands separators; a table continued over several PDF pages is one sheet, its repeated
headers dropped. The HTML page holds the same tables as ``<table>`` with rowspan / colspan,
each after an ``<h3>`` title and ``<p>`` lines.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cnbudget.ingest.pdf.assemble import (
    PrintedTable,
    _header_count,
    _is_transposed,
    _maybe_paired,
    _remap,
    _spec_labels,
)
from cnbudget.ingest.pdf.extract import read_pages
from cnbudget.ingest.pdf.reader import _PdfReader, detect_layout
from cnbudget.layouts import load_layout
from cnbudget.money import parse_amount


@dataclass
class SheetCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class SheetTable:
    """One printed table as sheet cells (rows and columns 0-based, the title in row 0)."""

    title: str
    department: str | None
    unit: str | None
    cells: list[SheetCell]
    ncols: int
    notes: list[str]
    first_data_row: int


def printed_tables(pdf: str | Path, layout: str | None = None) -> list[PrintedTable]:
    """The printed tables of a PDF as its reader finds them (title, meta, grid fragments)."""
    pages = read_pages(pdf)
    spec = load_layout(layout or detect_layout(pages))
    r = _PdfReader(pages, spec, Path(pdf).name)
    r.metadata()
    r.walk()
    return [p for p in r.printed if p.fragments]


def sheet_table(printed: PrintedTable) -> SheetTable:
    """Lay one printed table out as spreadsheet cells."""
    spec = printed.spec
    frags = [f for f in printed.fragments if f.rows]
    base = frags[0]
    frags = [base] + [_remap(f, base) for f in frags[1:]]
    labels = _spec_labels(spec)
    transposed = _is_transposed(base, spec)
    names = 2 if spec.mode in ("two_sided", "projects") or _maybe_paired(base, spec) else 1
    rows_out: list[SheetCell] = []
    cur = 2  # row 0: title, row 1: 编制部门 / 单位
    first_data = None
    for fi, frag in enumerate(frags):
        skip = 0 if fi == 0 else _header_count(frag, spec, labels, transposed, names)
        if fi == 0:
            first_data = cur + _header_count(frag, spec, labels, transposed, names)
        rows = frag.rows[skip:]
        ys = sorted(
            {round(c.bbox[1], 1) for r in rows for c in r.cells}
            | {round(r.bbox[1], 1) for r in rows}
        )
        index = {y: i for i, y in enumerate(ys)}
        for r in rows:
            for c in r.cells:
                top = index[round(c.bbox[1], 1)]
                bottom = round(c.bbox[3], 1)
                span_rows = max(1, sum(1 for y in ys if round(c.bbox[1], 1) <= y < bottom - 0.5))
                rows_out.append(SheetCell(cur + top, c.col, c.text, span_rows, c.span))
        cur += len(ys)
    return SheetTable(
        title=printed.title,
        department=printed.department,
        unit=printed.unit,
        cells=rows_out,
        ncols=base.ncols,
        notes=list(printed.notes),
        first_data_row=first_data or 2,
    )


def _number(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


def write_xlsx(tables: list[SheetTable], path: str | Path, *, numbers: bool = True) -> Path:
    """A workbook with one sheet per table. Amounts are numbers (``#,##0.00``) when ``numbers``,
    else the printed text; every other table flips the choice so both forms occur."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, t in enumerate(tables, 1):
        ws = wb.create_sheet(f"表{i}")
        ws.cell(1, 1, t.title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(t.ncols, 1))
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        if t.department:
            ws.cell(2, 1, f"编制部门：{t.department}")
        if t.unit:
            ws.cell(2, t.ncols, f"单位：{t.unit}")
        as_numbers = numbers if i % 2 else not numbers
        for c in t.cells:
            cell = ws.cell(c.row + 1, c.col + 1)
            data = c.row >= t.first_data_row and ("," in c.text or "." in c.text)
            value = _number(c.text) if data else None
            if as_numbers and value is not None:
                cell.value = float(value) if value != value.to_integral_value() else int(value)
                cell.number_format = "#,##0.00" if "." in c.text else "#,##0"
            elif c.text:
                cell.value = c.text
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(
                    start_row=c.row + 1,
                    start_column=c.col + 1,
                    end_row=c.row + c.rowspan,
                    end_column=c.col + c.colspan,
                )
        last = max((c.row + c.rowspan for c in t.cells), default=2)
        for k, note in enumerate(t.notes):
            ws.cell(last + 2 + k, 1, note)
    out = Path(path)
    wb.save(out)
    return out


def write_html(tables: list[SheetTable], path: str | Path, *, title: str = "") -> Path:
    """A web page: per table an ``<h3>`` title, ``<p>`` 编制部门 / 单位, and the ``<table>``."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>td{{border:1px solid #999}}</style></head><body>",
    ]
    if title:
        parts.append(f"<h1>{html.escape(title)}</h1>")
    for t in tables:
        parts.append(f"<h3 class='title'>{html.escape(t.title)}</h3>")
        meta = []
        if t.department:
            meta.append(f"<span>编制部门：{html.escape(t.department)}</span>")
        if t.unit:
            meta.append(f"<span style='float:right'>单位：{html.escape(t.unit)}</span>")
        if meta:
            parts.append("<p>" + "&nbsp;&nbsp;&nbsp;&nbsp;".join(meta) + "</p>")
        parts.append("<table>")
        by_row: dict[int, list[SheetCell]] = {}
        for c in t.cells:
            by_row.setdefault(c.row, []).append(c)
        for r in range(min(by_row, default=0), max(by_row, default=-1) + 1):
            parts.append("<tr>")
            for c in sorted(by_row.get(r, []), key=lambda c: c.col):
                attrs = ""
                if c.rowspan > 1:
                    attrs += f" rowspan='{c.rowspan}'"
                if c.colspan > 1:
                    attrs += f" colspan='{c.colspan}'"
                tag = "th" if r < t.first_data_row else "td"
                parts.append(f"<{tag}{attrs}>{html.escape(c.text)}</{tag}>")
            parts.append("</tr>")
        parts.append("</table>")
        for note in t.notes:
            parts.append(f"<p>{html.escape(note)}</p>")
    parts.append("</body></html>")
    out = Path(path)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


__all__ = ["SheetTable", "printed_tables", "sheet_table", "write_html", "write_xlsx"]
