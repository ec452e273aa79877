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

from cnbudget.model import Amount, Column, Document, PerformanceTable, Row, Table
from cnbudget.money import AMOUNT_QUANTUM

__all__ = [
    "LONG_COLUMNS",
    "NOTES_SHEET",
    "SHEET_NAME",
    "long_rows",
    "read_long_csv",
    "read_long_xlsx",
    "to_records",
    "write_csv",
    "write_xlsx",
]

#: The columns of the long form, in order. Every record has exactly these keys, all ``str``.
LONG_COLUMNS: tuple[str, ...] = (
    "document",
    "year",
    "department",
    "table_no",
    "table_type",
    "table_title",
    "unit_name",
    "side",
    "row_kind",
    "row_key",
    "row_code",
    "row_level",
    "row_name",
    "project",
    "column_key",
    "column",
    "value",
    "printed",
    "source_line",
    "source_cell",
)

#: Name of the data sheet of the XLSX export.
SHEET_NAME = "数据"
#: Name of the notes sheet (document, unit, column dictionary) of the XLSX export.
NOTES_SHEET = "说明"

#: Separator of the printed header path in the ``column`` field.
HEADER_SEPARATOR = " / "

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

#: Printed labels of the performance tables' amount cells (``PerformanceTable.amounts`` keys).
_PERFORMANCE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "project": {
        "total": ("项目资金", "年度预算总额"),
        "fiscal": ("项目资金", "其中：财政拨款"),
        "other": ("项目资金", "其他资金"),
    },
    "department": {
        "total": ("年度预算", "资金总额"),
        "upper": ("年度预算", "财政资金", "上级安排"),
        "own": ("年度预算", "财政资金", "本级安排"),
        "other": ("年度预算", "其他资金", "其他"),
    },
}
_PERFORMANCE_TITLES = {"project": "项目支出绩效目标表", "department": "部门整体绩效目标表"}

#: XLSX columns written as integer cells (sortable in Excel) when their text is a plain integer.
_INTEGER_COLUMNS = frozenset({"year", "table_no", "source_line"})
_VALUE_FORMAT = "#,##0.00"

PathOrFile = str | os.PathLike[str] | IO[str] | IO[bytes]


# --------------------------------------------------------------------------------------------
# Building the records


def format_value(value: Decimal) -> str:
    """Plain fixed-point text of an exact amount: no separators and never an exponent.

    ``format(v, "f")`` equals ``str(v)`` for every printed figure (``"4701.75"``) but also keeps
    computed values such as ``Decimal("1E+3")`` readable by every tool (``"1000"``), while
    ``Decimal(text) == v`` always holds.
    """
    return format(value, "f")


def _s(value: object) -> str:
    """Empty string for ``None``: the long form is all strings so CSV round-trips exactly."""
    return "" if value is None else str(value)


def _column_for(table: Table, row: Row, key: str) -> tuple[int, Column | None]:
    """The column of ``key`` for ``row`` and its position in the table.

    Two-sided tables (表1, 表4) reuse a key on both sides (``amount``), so the row's side picks
    the column; an unsided column matches any row. A key the table does not declare (a reader
    bug or a foreign document) is still exported, after the declared columns, so no amount is
    ever dropped from the export.
    """
    candidates = [(i, c) for i, c in enumerate(table.columns) if c.key == key]
    for i, c in candidates:
        if c.side == row.side:
            return i, c
    for i, c in candidates:
        if c.side is None:
            return i, c
    if candidates:
        return candidates[0]
    return len(table.columns), None


def _source_fields(amount: Amount, fallback_line: int | None) -> tuple[str, str]:
    src = amount.source
    line = src.line if src is not None and src.line is not None else fallback_line
    cell = src.cell if src is not None else None
    return _s(line), _s(cell)


def _table_records(doc: Document, table: Table) -> Iterator[dict[str, str]]:
    common = {
        "document": _s(doc.source_name),
        "year": _s(doc.metadata.year),
        "department": _s(doc.metadata.full_name),
        "table_no": _s(table.number),
        "table_type": table.type,
        "table_title": table.title,
    }
    for row in table.rows:
        placed = [(_column_for(table, row, key), key, amt) for key, amt in row.values.items()]
        # Stable sort: table column order, undeclared keys last in the row's own order.
        placed.sort(key=lambda p: p[0][0])
        row_line = row.source.line if row.source is not None else None
        for (_, column), key, amount in placed:
            line, cell = _source_fields(amount, row_line)
            side = row.side or (column.side if column is not None else None)
            yield {
                **common,
                "unit_name": _s(row.unit_name),
                "side": _s(side),
                "row_kind": row.kind,
                "row_key": _s(row.key),
                "row_code": _s(row.code),
                "row_level": _s(row.level),
                "row_name": row.name,
                "project": _s(row.project),
                "column_key": key,
                "column": HEADER_SEPARATOR.join(column.header) if column is not None else key,
                "value": format_value(amount.value),
                "printed": amount.printed,
                "source_line": line,
                "source_cell": cell,
            }


def _performance_records(doc: Document, perf: PerformanceTable) -> Iterator[dict[str, str]]:
    labels = _PERFORMANCE_COLUMNS.get(perf.kind, {})
    is_project = perf.kind == "project"
    row_name = perf.project_name if is_project else perf.unit_name
    perf_line = perf.source.line if perf.source is not None else None
    for key, amount in perf.amounts.items():
        line, cell = _source_fields(amount, perf_line)
        yield {
            "document": _s(doc.source_name),
            "year": _s(doc.metadata.year),
            "department": _s(doc.metadata.full_name),
            "table_no": "",
            "table_type": f"performance_{perf.kind}",
            "table_title": _PERFORMANCE_TITLES.get(perf.kind, ""),
            "unit_name": _s(perf.unit_name),
            "side": "",
            "row_kind": "project" if is_project else "unit",
            "row_key": "",
            "row_code": "",
            "row_level": "",
            "row_name": _s(row_name),
            "project": _s(perf.project_name) if is_project else "",
            "column_key": key,
            "column": HEADER_SEPARATOR.join(labels.get(key, (key,))),
            "value": format_value(amount.value),
            "printed": amount.printed,
            "source_line": line,
            "source_cell": cell,
        }


def long_rows(doc: Document) -> list[dict[str, str]]:
    """One record per printed amount: tables in order (rows, then columns in table order), then
    the performance tables' amounts. All values are strings (empty for "none") so that a CSV
    round trip returns exactly the same records.
    """
    records: list[dict[str, str]] = []
    for table in doc.tables:
        records.extend(_table_records(doc, table))
    for perf in doc.performance:
        records.extend(_performance_records(doc, perf))
    return records


#: Alias of :func:`long_rows` for callers expecting the pandas-style name
#: (``pandas.DataFrame(to_records(doc))``).
to_records = long_rows


# --------------------------------------------------------------------------------------------
# CSV


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
        ("文件 Document", _s(doc.source_name)),
        ("部门 Department", _s(md.full_name)),
        ("年度 Year", _s(md.year)),
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
