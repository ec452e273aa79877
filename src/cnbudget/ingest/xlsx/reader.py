"""Read the Excel workbooks finance offices publish (one table per sheet) into a Document.

A sheet is read as its cells with their merges (openpyxl), laid out as a synthetic ruled page
(:mod:`cnbudget.ingest.xlsx.cells`) and typed by the same code as PDF tables, so the layouts,
units, headers, two-sided tables and items-as-columns behave identically. What a sheet adds:

* amounts stored as numbers are printed the way Excel shows them (the cell's number format:
  decimals and thousands separators), and the value is that printed figure, exactly, as
  ``Decimal`` — never the binary float;
* provenance is ``sheet`` + cell address (``C7``) instead of page + box.

``.xls`` (BIFF) is not read: it needs another library; the reader says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from cnbudget.ingest.detect import ReadError
from cnbudget.ingest.xlsx.cells import CellBlock, GridCell, page_layout, to_cell_sources
from cnbudget.model import Document

_DECIMALS = re.compile(r"0\.(0+)")


def number_text(value: float | int | Decimal, number_format: str | None) -> str:
    """The text Excel shows for a number: decimals and separators from the number format.

    ``1234.5`` with ``#,##0.00`` → ``"1,234.50"``; with ``General`` → ``"1234.5"``. The float is
    read through its shortest repr (what was typed), then rounded to the shown decimals.
    """
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    if isinstance(value, bool):
        return str(value)
    fmt = (number_format or "General").split(";")[0]
    if fmt == "General" or not any(ch in fmt for ch in "0#"):
        d = d.normalize() if d == d.to_integral_value() else d
        text = format(d, "f")
        return text
    m = _DECIMALS.search(fmt)
    places = len(m.group(1)) if m else 0
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}" if "," in fmt else f"{q:.{places}f}"


def _cell_text(cell) -> str:  # openpyxl cell
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, int | float | Decimal) and not isinstance(v, bool):
        return number_text(v, cell.number_format)
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%Y年%m月%d日")
    return str(v).strip()


def sheet_block(ws) -> CellBlock:  # openpyxl worksheet
    """Cells of one worksheet with their merged ranges (the text sits in the top-left cell)."""
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    inside: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = (
            rng.max_row - rng.min_row + 1,
            rng.max_col - rng.min_col + 1,
        )
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    inside.add((r, c))
    cells: list[GridCell] = []
    for row in ws.iter_rows():
        for cell in row:
            key = (cell.row, cell.column)
            if key in inside:
                continue
            text = _cell_text(cell)
            span = merged.get(key)
            if not text and span is None:
                continue
            rs, cs = span or (1, 1)
            cells.append(GridCell(cell.row - 1, cell.column - 1, text, rs, cs))
    # Leading blank rows / columns do not matter to the grid: keep addresses exact instead.
    return CellBlock(name=ws.title, cells=cells)


def read_xlsx(path: str | Path, layout: str | None = None) -> Document:
    """Read an ``.xlsx`` workbook (tables one per sheet, or several). Never raises on content."""
    import zipfile

    from openpyxl import load_workbook

    from cnbudget.ingest.pdf.reader import run_pages

    p = Path(path)
    data = p.read_bytes()
    try:
        # From bytes: openpyxl refuses a path whose extension is not .xlsx, and the content,
        # not the name, says what a file is.
        wb = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(
            f"{p.name}：无法打开 Excel 文件（{exc}）", f"{p.name}: cannot open the workbook ({exc})"
        ) from exc
    blocks = [sheet_block(ws) for ws in wb.worksheets if ws.sheet_state == "visible"]
    blocks = [b for b in blocks if b.cells]
    pages = page_layout(blocks)
    doc = run_pages(pages, layout, p.name, reader="xlsx")
    to_cell_sources(doc, blocks, [b.name for b in blocks])
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc


__all__ = ["number_text", "read_xlsx", "sheet_block"]
