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

from cnbudget.ingest.detect import ReadError, check_zip, limit_error
from cnbudget.ingest.limits import Limits, current_limits
from cnbudget.ingest.xlsx.cells import CellBlock, GridCell, page_layout, to_cell_sources
from cnbudget.model import Document

_DECIMALS = re.compile(r"0\.(0+)")


def number_text(value: float | int | Decimal, number_format: str | None) -> str:
    """The text Excel shows for a number: decimals and separators from the number format.

    ``1234.5`` with ``#,##0.00`` → ``"1,234.50"``; with ``General`` → ``"1234.5"``. The float is
    read through its shortest repr (what was typed), then rounded to the shown decimals.
    """
    if isinstance(value, bool):
        return str(value)
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not d.is_finite() or abs(d.adjusted()) > 30:
        # inf / nan / 1e300 in the sheet XML: shown as typed, and the amount parser reports
        # it with its cell (never quantized: that raises InvalidOperation, issue 13).
        return repr(value) if not isinstance(value, Decimal) else str(value)
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


class _Budget:
    """Counts cells (and merged-range areas) against ``max_sheet_cells`` over a workbook."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limit, self.used = name, limits.max_sheet_cells, 0

    def take(self, n: int, where: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise limit_error(
                self.name,
                "max_sheet_cells",
                self.limit,
                f"{where}：已超过 {self.used} 个单元格 / {where}: over {self.used} cells",
                "工作簿单元格过多",
                "too many cells in the workbook",
            )


def sheet_block(ws, budget: _Budget | None = None) -> CellBlock:  # openpyxl worksheet
    """Cells of one worksheet with their merged ranges (the text sits in the top-left cell).

    ``budget`` bounds the work: a merged range ``A1:XFD1048576`` covers 1.7·10^10 cells and
    would be expanded cell by cell."""
    budget = budget or _Budget(ws.title, current_limits())
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    inside: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        budget.take((rng.max_row - rng.min_row + 1) * (rng.max_col - rng.min_col + 1), ws.title)
        merged[(rng.min_row, rng.min_col)] = (
            rng.max_row - rng.min_row + 1,
            rng.max_col - rng.min_col + 1,
        )
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    inside.add((r, c))
    cells: list[GridCell] = []
    budget.take(ws.max_row * ws.max_column if ws.max_row < 10**7 else 10**12, ws.title)
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


_CELL_TAG = re.compile(rb"<(?:\w+:)?c[ >/]")


def count_cells(data: bytes, name: str, limits: Limits) -> int:
    """Cells in the sheet XML, counted while inflating it in 1 MB chunks, before openpyxl builds
    an object per cell (≈ 0.5 KB each: a 150 MB sheet would take gigabytes). Also bounds the
    bytes actually inflated, since a ZIP directory's declared sizes can lie."""
    import zipfile

    total = inflated = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if not info.filename.startswith("xl/worksheets/"):
                    continue
                with z.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        inflated += len(chunk)
                        if inflated > limits.max_xlsx_bytes:
                            raise limit_error(
                                name,
                                "max_xlsx_bytes",
                                limits.max_xlsx_bytes,
                                f"解压超过 {inflated} 字节 / over {inflated} bytes inflated",
                                "工作簿解压后过大",
                                "workbook too large once decompressed",
                            )
                        buf = tail + chunk
                        total += len(_CELL_TAG.findall(buf)) - len(_CELL_TAG.findall(tail))
                        tail = buf[-16:]
                if total > limits.max_sheet_cells:
                    raise limit_error(
                        name,
                        "max_sheet_cells",
                        limits.max_sheet_cells,
                        f"{info.filename}：{total} 个单元格 / {total} cells",
                        "工作簿单元格过多",
                        "too many cells in the workbook",
                    )
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(
            f"{name}：Excel 文件已损坏，无法解压（{type(exc).__name__}: {str(exc)[:200]}）",
            f"{name}: damaged workbook, cannot inflate it ({type(exc).__name__}: {str(exc)[:200]})",
        ) from exc
    return total


def open_workbook(data: bytes, name: str, limits: Limits):  # -> openpyxl Workbook
    """The workbook in ``data``, or a :class:`ReadError`: the ZIP directory is checked against
    the size and ratio limits first (:func:`check_zip`), then whatever openpyxl raises on a
    damaged package (BadZipFile, zlib.error, XML ParseError, KeyError, TypeError …) is a
    clear error, since a workbook it cannot load has nothing a reader could report by cell."""
    import zipfile

    from openpyxl import load_workbook

    check_zip(data, name, limits)
    count_cells(data, name, limits)
    try:
        # From bytes: openpyxl refuses a path whose extension is not .xlsx, and the content,
        # not the name, says what a file is.
        return load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except MemoryError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(
            f"{name}：无法打开 Excel 文件（{exc}）", f"{name}: cannot open the workbook ({exc})"
        ) from exc
    except Exception as exc:
        raise ReadError(
            f"{name}：Excel 文件已损坏，无法解析（{type(exc).__name__}: {str(exc)[:200]}）",
            f"{name}: damaged workbook, cannot parse it ({type(exc).__name__}: {str(exc)[:200]})",
        ) from exc


def read_xlsx(path: str | Path, layout: str | None = None) -> Document:
    """Read an ``.xlsx`` workbook (tables one per sheet, or several). Never raises on content;
    a damaged or oversized package is a :class:`ReadError`."""
    from cnbudget.ingest.pdf.reader import run_pages

    p = Path(path)
    data = p.read_bytes()
    limits = current_limits()
    wb = open_workbook(data, p.name, limits)
    budget = _Budget(p.name, limits)
    blocks = [sheet_block(ws, budget) for ws in wb.worksheets if ws.sheet_state == "visible"]
    blocks = [b for b in blocks if b.cells]
    pages = page_layout(blocks)
    doc = run_pages(pages, layout, p.name, reader="xlsx")
    to_cell_sources(doc, blocks, [b.name for b in blocks])
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc


__all__ = ["count_cells", "number_text", "open_workbook", "read_xlsx", "sheet_block"]
