"""The long form of *stored* documents, straight from the store's ``amounts`` table.

Why read SQL instead of reloading every document and calling :func:`~cnbudget.export.long_rows`:
the store already keeps every amount in long form (``test_records`` proves the rows equal
``long_rows`` field by field), so an export of a thousand documents is one streamed query
(constant memory, no JSON parsing), not a thousand model validations.

Records carry the :data:`~cnbudget.export.LONG_COLUMNS` (same text conventions: all strings,
``""`` for none, ``value`` exact fixed-point 万元) plus :data:`EXTRA_COLUMNS` that only make
sense across documents (which document, its kind, region and version). The same records feed the
CSV and XLSX writers here, :mod:`cnbudget.export.parquet` and :mod:`cnbudget.export.datapackage`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import select

from cnbudget.export.longform import LONG_COLUMNS, NOTES_SHEET, SHEET_NAME
from cnbudget.model import Document
from cnbudget.model.longform import PERFORMANCE_TITLES
from cnbudget.store.db import DbLike, session_scope
from cnbudget.store.schema import AmountRow, DepartmentRow, DocumentRow, RegionRow, TableRow

__all__ = [
    "EXTRA_COLUMNS",
    "STORE_COLUMNS",
    "document_records",
    "stored_long_rows",
    "write_records_csv",
    "write_records_xlsx",
]

#: Columns added to the long form when several documents are exported together.
EXTRA_COLUMNS: tuple[str, ...] = ("document_id", "kind", "region", "version")
#: Every record of :func:`stored_long_rows`: the long form first, so that a reader keyed by
#: column name treats it like a single-document export.
STORE_COLUMNS: tuple[str, ...] = (*LONG_COLUMNS, *EXTRA_COLUMNS)

#: Excel's hard row limit per sheet (header included): further records go to another sheet.
XLSX_MAX_ROWS = 1_048_576

Record = Mapping[str, str]


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _region(province: str, city: str, district: str) -> str:
    return "/".join(p for p in (province, city, district) if p)


def stored_long_rows(
    db: DbLike = None,
    *,
    current_only: bool = True,
    document_ids: Iterable[int] | None = None,
    batch: int = 5000,
) -> Iterator[dict[str, str]]:
    """Every stored amount as a :data:`STORE_COLUMNS` record, document by document in id order
    and within a document in :func:`long_rows` order (the insertion order of ``amounts``).

    ``current_only`` (default) skips superseded versions, so a corrected re-publication is
    exported once. Rows are streamed ``batch`` at a time: memory stays flat on any store size.
    """
    stmt = (
        select(
            AmountRow.document_id,
            DocumentRow.source_name,
            DocumentRow.year,
            DocumentRow.department_name,
            DocumentRow.department_alias,
            DocumentRow.kind,
            DocumentRow.version,
            RegionRow.province,
            RegionRow.city,
            RegionRow.district,
            AmountRow.table_no,
            AmountRow.table_type,
            TableRow.title,
            AmountRow.unit_name,
            AmountRow.side,
            AmountRow.row_kind,
            AmountRow.row_key,
            AmountRow.row_code,
            AmountRow.row_level,
            AmountRow.row_name,
            AmountRow.project,
            AmountRow.column_key,
            AmountRow.column_label,
            AmountRow.value,
            AmountRow.printed,
            AmountRow.source_line,
            AmountRow.source_cell,
        )
        .join(DocumentRow, DocumentRow.id == AmountRow.document_id)
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
        .outerjoin(TableRow, TableRow.id == AmountRow.table_id)
        .order_by(AmountRow.document_id, AmountRow.id)
    )
    if current_only:
        stmt = stmt.where(DocumentRow.is_current.is_(True))
    if document_ids is not None:
        stmt = stmt.where(AmountRow.document_id.in_(sorted(set(document_ids))))
    with session_scope(db) as s:
        result = s.execute(stmt.execution_options(yield_per=batch))
        for r in result:
            department = (
                f"{r.department_name}（{r.department_alias}）"
                if r.department_alias
                else r.department_name
            )
            title = r.title
            if title is None and r.table_type.startswith("performance_"):
                title = PERFORMANCE_TITLES.get(r.table_type.removeprefix("performance_"), "")
            yield {
                "document": _s(r.source_name),
                "year": _s(r.year),
                "department": _s(department),
                "table_no": _s(r.table_no),
                "table_type": r.table_type,
                "table_title": _s(title),
                "unit_name": _s(r.unit_name),
                "side": _s(r.side),
                "row_kind": r.row_kind,
                "row_key": _s(r.row_key),
                "row_code": _s(r.row_code),
                "row_level": _s(r.row_level),
                "row_name": r.row_name,
                "project": _s(r.project),
                "column_key": r.column_key,
                "column": r.column_label,
                "value": _s(r.value),
                "printed": r.printed,
                "source_line": _s(r.source_line),
                "source_cell": _s(r.source_cell),
                "document_id": str(r.document_id),
                "kind": r.kind,
                "region": _region(r.province, r.city, r.district),
                "version": str(r.version),
            }


def document_records(doc: Document, *, document_id: int | str = "") -> list[dict[str, str]]:
    """The :data:`STORE_COLUMNS` records of one parsed (not stored) document, so that the
    Parquet and Fiscal Data Package writers accept a single file as well as a whole store."""
    from cnbudget.export.longform import long_rows

    md = doc.metadata
    extra = {
        "document_id": str(document_id),
        "kind": md.kind,
        "region": _region(md.region.province or "", md.region.city or "", md.region.district or ""),
        "version": "",
    }
    return [{**rec, **extra} for rec in long_rows(doc)]


def write_records_csv(
    records: Iterable[Record],
    path_or_file: str | os.PathLike[str] | IO[str],
    columns: tuple[str, ...] = STORE_COLUMNS,
) -> int:
    """Write records as CSV (UTF-8 with BOM for Excel, ``\\n`` line ends, like
    :func:`~cnbudget.export.write_csv`); returns the number of records."""
    own = isinstance(path_or_file, str | os.PathLike)
    f: IO[str] = (
        open(path_or_file, "w", encoding="utf-8", newline="") if own else path_or_file  # type: ignore[assignment]
    )
    n = 0
    try:
        f.write("\ufeff")
        minimal = csv.writer(f, lineterminator="\n")
        quoted = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)
        minimal.writerow(columns)
        for rec in records:
            fields = [rec.get(c, "") for c in columns]
            # a lone "\r" is left unquoted by the minimal writer and splits the record elsewhere
            (quoted if any("\r" in v for v in fields) else minimal).writerow(fields)
            n += 1
    finally:
        if own:
            f.close()
    return n


_INT_COLUMNS = frozenset({"year", "table_no", "source_line", "document_id", "version"})


def _cell_value(name: str, text: str) -> Any:
    if text == "":
        return None
    if name == "value":
        return Decimal(text)
    if name in _INT_COLUMNS and text.isascii() and text.isdigit():
        return int(text)
    return text


def write_records_xlsx(
    records: Iterable[Record],
    path: str | os.PathLike[str] | IO[bytes],
    columns: tuple[str, ...] = STORE_COLUMNS,
) -> int:
    """Write records as an XLSX workbook in openpyxl's write-only mode (a store export can hold
    hundreds of thousands of rows; the normal mode keeps every cell object in memory).

    ``value`` is a number cell, integers are integer cells, text stays text (a row name starting
    with ``=`` is never turned into a formula). Past Excel's row limit the records continue on
    sheets ``数据2``, ``数据3`` …; a ``说明`` sheet says so.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    sheets = 0

    def new_sheet() -> Any:
        nonlocal sheets
        sheets += 1
        ws = wb.create_sheet(SHEET_NAME if sheets == 1 else f"{SHEET_NAME}{sheets}")
        ws.freeze_panes = "A2"
        header = []
        for name in columns:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            header.append(c)
        ws.append(header)
        return ws

    ws = new_sheet()
    rows_in_sheet = 1
    n = 0
    for rec in records:
        if rows_in_sheet >= XLSX_MAX_ROWS:
            ws = new_sheet()
            rows_in_sheet = 1
        cells = []
        for name in columns:
            value = _cell_value(name, rec.get(name, ""))
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif name == "value" and value is not None:
                cell.number_format = "#,##0.00"
            cells.append(cell)
        ws.append(cells)
        rows_in_sheet += 1
        n += 1
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["记录数 Records", n])
    notes.append(["金额单位 Unit", "万元 (10,000 CNY)"])
    notes.append(["工作表 Sheets", sheets])
    notes.append(
        [
            "说明 Note",
            "每行一个印刷金额；value 为精确金额（万元），CSV/Parquet 导出为无损格式。"
            "One printed amount per row; the CSV and Parquet exports are lossless.",
        ]
    )
    wb.save(path)
    return n
