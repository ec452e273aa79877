"""The tidy long form of a disclosure: one printed amount per record, for pandas, pivot tables
and OpenSpending-style tools.

Every :class:`~cnbudget.model.Amount` of every table row becomes one record (a ``dict`` of
strings keyed by :data:`LONG_COLUMNS`), so that a pivot table or a ``groupby`` needs no knowledge
of the eleven table layouts: the row's classification (``row_code``/``row_level``), its budget
unit and project, the column's semantic key and printed header, and where the figure was printed
(``source_line``/``source_cell``) all travel with the figure. A blank cell has no amount in the
model and therefore no record: blank and ``0.00`` stay distinguishable.

Choices made here (and why):

* **Performance tables are included.** 部门整体绩效目标表 and 项目支出绩效目标表 print amounts too
  (资金总额, 财政拨款 …); leaving them out would make the export silently lose printed figures.
  Their records have an empty ``table_no`` (they are not numbered 表 N), ``table_type``
  ``performance_department`` / ``performance_project``, ``row_kind`` ``unit`` / ``project``,
  ``row_name`` = the project name (project table) or the unit name (department table),
  ``column_key`` = the key in :attr:`PerformanceTable.amounts` (``total``, ``fiscal``,
  ``other``, ``upper``, ``own``) and ``column`` = the printed label path of that cell.
* **``value`` is the model's exact ``Decimal`` in 万元 as a plain fixed-point string**
  (``format(value, "f")``: no thousands separators, no exponent, the printed number of decimals
  kept, e.g. ``"4701.75"``, ``"152.00"``). It equals ``str(amount.value)`` for every printed
  figure and ``Decimal(record["value"]) == amount.value`` always holds. ``printed`` keeps the text
  as published (``"4,701.75"``), so nothing of the source is lost.
* **``source_line``** is the amount's own line, falling back to its row's line when a reader
  recorded no per-amount source.
* **``department``** is the document's department with its alias (``Metadata.full_name``), as it
  is printed on every table (编制部门).
* **CSV is the lossless format** (all strings, UTF-8 with BOM so that Excel shows Chinese). XLSX
  is for people: ``value`` is a real number cell (so pivot tables sum it), which Excel stores as a
  binary double. :func:`read_long_xlsx` therefore reads ``value`` back as
  ``Decimal(str(cell.value)).quantize(Decimal("0.01"))`` — exact for every figure published to
  the 0.01 万元 quantum (up to 15 significant digits); figures with more decimals (a 元 table
  converted to 万元) are exact only in the CSV.

Both writers are fed by :func:`long_rows`; there is one implementation of the mapping.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from cnbudget.model import Document
from cnbudget.model.longform import (
    HEADER_SEPARATOR,
    LONG_COLUMNS,
    column_for,
    format_value,
    long_rows,
    text_of,
    to_records,
)
from cnbudget.money import AMOUNT_QUANTUM

__all__ = [
    "HEADER_SEPARATOR",
    "LONG_COLUMNS",
    "NOTES_SHEET",
    "SHEET_NAME",
    "column_for",
    "format_value",
    "long_rows",
    "read_long_csv",
    "read_long_xlsx",
    "to_records",
    "write_csv",
    "write_xlsx",
]


#: Name of the data sheet of the XLSX export.
SHEET_NAME = "数据"
#: Name of the notes sheet (document, unit, column dictionary) of the XLSX export.
NOTES_SHEET = "说明"


#: Column dictionary: (column, 中文说明, English description). Written to the notes sheet.
COLUMN_DICTIONARY: tuple[tuple[str, str, str], ...] = (
    ("document", "源文件名", "source document name"),
    ("year", "预算年度", "budget year"),
    ("department", "部门（编制部门）", "department (with its alias)"),
    (
        "table_no",
        "表号（表1–表11；绩效目标表为空）",
        "table number 1–11 (empty: performance table)",
    ),
    ("table_type", "表类型（版式中的类型标识）", "table type id from the layout"),
    ("table_title", "表名", "table title"),
    ("unit_name", "预算单位（表7、表11及绩效表有）", "budget unit (tables 7, 11, performance)"),
    (
        "side",
        "收入/支出栏（income/expenditure，两栏表）",
        "income/expenditure side of two-sided tables",
    ),
    ("row_kind", "行类别（total/subtotal/class/item/unit/project/named）", "row kind"),
    ("row_key", "命名行的版式键", "layout key of a named row"),
    ("row_code", "功能/经济分类科目编码", "classification code (digits)"),
    ("row_level", "科目级次（类/款/项）", "code level (类/款/项)"),
    ("row_name", "行名称（科目名称、项目名称或单位名称）", "row name as printed"),
    ("project", "项目名称", "project name"),
    ("column_key", "列的语义键", "semantic key of the column"),
    ("column", "列的表头路径（以 / 连接）", "printed header path joined with ' / '"),
    ("value", "金额（万元，精确十进制）", "amount in 万元 (exact decimal)"),
    ("printed", "原文印刷的金额", "the amount as printed"),
    ("source_line", "源文本行号", "line number in the source text"),
    ("source_cell", "源单元格（如 col 5）", "source cell, e.g. 'col 5'"),
)


#: XLSX columns written as integer cells (sortable in Excel) when their text is a plain integer.
_INTEGER_COLUMNS = frozenset({"year", "table_no", "source_line"})
_VALUE_FORMAT = "#,##0.00"

PathOrFile = str | os.PathLike[str] | IO[str] | IO[bytes]


# --------------------------------------------------------------------------------------------
# Building the records


def _is_binary(f: IO[Any]) -> bool:
    if isinstance(f, io.TextIOBase):
        return False
    if isinstance(f, io.RawIOBase | io.BufferedIOBase):
        return True
    return "b" in getattr(f, "mode", "")


@contextmanager
def _text_stream(target: PathOrFile, mode: str, encoding: str) -> Iterator[IO[str]]:
    """A text stream on a path (opened and closed here) or on the caller's file (left open).

    Binary files are wrapped and detached afterwards, so the caller's file stays usable.
    ``newline=""`` is what the csv module requires for exact embedded newlines.
    """
    if isinstance(target, str | os.PathLike):
        with open(target, mode, encoding=encoding, newline="") as f:
            yield f
    elif _is_binary(target):
        wrapper = io.TextIOWrapper(target, encoding=encoding, newline="")  # type: ignore[arg-type]
        try:
            yield wrapper
        finally:
            wrapper.flush()
            wrapper.detach()
    else:
        yield target  # type: ignore[misc]


def write_csv(doc: Document, path_or_file: PathOrFile) -> int:
    """Write the long form as CSV; returns the number of data records.

    UTF-8 with a BOM, because Excel only detects UTF-8 (and so shows Chinese correctly) with it;
    ``\\n`` line endings and minimal csv quoting, so names with commas, quotes or newlines survive.
    A text file given by the caller should be opened with ``newline=""``; the BOM is written as
    its first character.
    """
    records = long_rows(doc)
    with _text_stream(path_or_file, "w", "utf-8") as f:
        f.write("\ufeff")
        minimal = csv.writer(f, lineterminator="\n")
        # With a "\n" terminator, Python 3.11's csv writer leaves a lone "\r" unquoted, and every
        # reader then splits the record there. Such rare rows are written fully quoted.
        quoted = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)
        minimal.writerow(LONG_COLUMNS)
        for rec in records:
            fields = [rec[name] for name in LONG_COLUMNS]
            (quoted if any("\r" in v for v in fields) else minimal).writerow(fields)
    return len(records)


def read_long_csv(path_or_file: PathOrFile) -> list[dict[str, str]]:
    """Read a CSV written by :func:`write_csv` back into records equal to :func:`long_rows`.

    Raises ``ValueError`` when the header is not :data:`LONG_COLUMNS` or a line has the wrong
    number of fields: a foreign or truncated file must not pass as a faithful export.
    """
    with _text_stream(path_or_file, "r", "utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header and header[0].startswith("\ufeff"):  # a text file opened without utf-8-sig
            header[0] = header[0][1:]
        if header is None or tuple(header) != LONG_COLUMNS:
            raise ValueError(f"not a cnbudget long-form CSV: header {header!r}")
        records = []
        for fields in reader:
            if len(fields) != len(LONG_COLUMNS):
                raise ValueError(
                    f"CSV record {reader.line_num}: {len(fields)} fields, "
                    f"expected {len(LONG_COLUMNS)}"
                )
            records.append(dict(zip(LONG_COLUMNS, fields, strict=True)))
    return records


# --------------------------------------------------------------------------------------------
# XLSX


def _display_width(text: str) -> int:
    """Width in Excel character units; CJK and full-width characters take two."""
    line = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a string cell, never as a formula or error code.

    openpyxl turns ``"=…"`` into a formula and ``"#N/A"`` into an error; a row name must stay
    text. Empty strings are left as empty cells (openpyxl writes them so anyway).
    """
    if text == "":
        return
    cell.value = text
    cell.data_type = "s"


def _is_plain_int(text: str) -> bool:
    return text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))


def write_xlsx(doc: Document, path: str | os.PathLike[str] | IO[bytes]) -> int:
    """Write the long form as an Excel workbook; returns the number of data records.

    Sheet ``数据``: the :data:`LONG_COLUMNS` with a bold, frozen header and an autofilter;
    ``value`` is a number cell (format ``#,##0.00``) written from the exact ``Decimal`` so that
    pivot tables can sum it; ``year``, ``table_no`` and ``source_line`` are integer cells so they
    sort numerically; everything else is text. Sheet ``说明``: document, department, year, unit
    and a Chinese/English column dictionary.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    records = long_rows(doc)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    ws.append(list(LONG_COLUMNS))
    for cell in ws[1]:
        cell.font = bold
    widths = [len(name) for name in LONG_COLUMNS]
    value_col = LONG_COLUMNS.index("value")
    for r, rec in enumerate(records, start=2):
        for c, name in enumerate(LONG_COLUMNS):
            text = rec[name]
            cell = ws.cell(row=r, column=c + 1)
            if c == value_col:
                cell.value = Decimal(text)
                cell.number_format = _VALUE_FORMAT
                width = len(f"{Decimal(text):,.2f}")
            elif name in _INTEGER_COLUMNS and _is_plain_int(text):
                cell.value = int(text)
                width = len(text)
            else:
                _set_text(cell, text)
                width = _display_width(text)
            widths[c] = max(widths[c], width)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(LONG_COLUMNS))}{len(records) + 1}"
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, 6) + 2, 60)

    notes = wb.create_sheet(NOTES_SHEET)
    md = doc.metadata
    facts = [
        ("文件 Document", text_of(doc.source_name)),
        ("部门 Department", text_of(md.full_name)),
        ("年度 Year", text_of(md.year)),
        ("金额单位 Unit", "万元 (10,000 CNY)"),
        ("记录数 Records", str(len(records))),
        (
            "说明 Note",
            "每行一个印刷金额；空白单元格不输出。value 为精确金额（万元）；"
            "CSV 导出为无损格式。One printed amount per row; blank cells have no row. "
            "The CSV export is the lossless format.",
        ),
    ]
    for label, text in facts:
        notes.append([label])
        _set_text(notes.cell(row=notes.max_row, column=2), text)
        notes.cell(row=notes.max_row, column=1).font = bold
    notes.append([])
    notes.append(["列 Column", "中文说明", "English"])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for name, zh, en in COLUMN_DICTIONARY:
        notes.append([name, zh, en])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 60
    notes.column_dimensions["C"].width = 50
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    wb.save(path)
    return len(records)


def read_long_xlsx(path: str | os.PathLike[str] | IO[bytes]) -> list[dict[str, str]]:
    """Read the ``数据`` sheet of :func:`write_xlsx` back into long-form records.

    Text cells come back as written, empty cells as ``""``, integer cells as their digits.
    ``value`` is read as ``Decimal(str(cell.value)).quantize(Decimal("0.01"))`` because Excel
    keeps numbers as binary doubles: quantizing to the published 0.01 万元 quantum recovers the
    exact printed figure (see the module docstring; the CSV is exact for any number of decimals).
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if SHEET_NAME not in wb.sheetnames:
            raise ValueError(f"not a cnbudget long-form workbook: no sheet {SHEET_NAME!r}")
        rows = wb[SHEET_NAME].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or tuple(header[: len(LONG_COLUMNS)]) != LONG_COLUMNS:
            raise ValueError(f"not a cnbudget long-form workbook: header {header!r}")
        records = []
        for values in rows:
            cells = (tuple(values) + (None,) * len(LONG_COLUMNS))[: len(LONG_COLUMNS)]
            if all(v is None for v in cells):
                continue
            rec = {}
            for name, v in zip(LONG_COLUMNS, cells, strict=True):
                if v is None:
                    rec[name] = ""
                elif name == "value":
                    rec[name] = str(
                        Decimal(str(v)).quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)
                    )
                else:
                    rec[name] = str(v)
            records.append(rec)
    finally:
        wb.close()
    return records
