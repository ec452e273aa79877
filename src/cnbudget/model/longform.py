"""The tidy long form of a document: one record per printed amount (all values ``str``).

It is a view of the canonical model, shared by the exports (CSV, XLSX, Parquet, Fiscal Data
Package) and by the store, which keeps every amount in this shape so that any aggregate is one
SQL query. Performance-table amounts are included with an empty ``table_no``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from cnbudget.model.document import Amount, Column, Document, PerformanceTable, Row, Table

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


#: Separator of the printed header path in the ``column`` field.
HEADER_SEPARATOR = " / "


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
PERFORMANCE_TITLES = {"project": "项目支出绩效目标表", "department": "部门整体绩效目标表"}


def format_value(value: Decimal) -> str:
    """Plain fixed-point text of an exact amount: no separators and never an exponent.

    ``format(v, "f")`` equals ``str(v)`` for every printed figure (``"4701.75"``) but also keeps
    computed values such as ``Decimal("1E+3")`` readable by every tool (``"1000"``), while
    ``Decimal(text) == v`` always holds.
    """
    return format(value, "f")


def text_of(value: object) -> str:
    """Empty string for ``None``: the long form is all strings so CSV round-trips exactly."""
    return "" if value is None else str(value)


def column_for(table: Table, row: Row, key: str) -> tuple[int, Column | None]:
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
    return text_of(line), text_of(cell)


def _table_records(doc: Document, table: Table) -> Iterator[dict[str, str]]:
    common = {
        "document": text_of(doc.source_name),
        "year": text_of(doc.metadata.year),
        "department": text_of(doc.metadata.full_name),
        "table_no": text_of(table.number),
        "table_type": table.type,
        "table_title": table.title,
    }
    for row in table.rows:
        placed = [(column_for(table, row, key), key, amt) for key, amt in row.values.items()]
        # Stable sort: table column order, undeclared keys last in the row's own order.
        placed.sort(key=lambda p: p[0][0])
        row_line = row.source.line if row.source is not None else None
        for (_, column), key, amount in placed:
            line, cell = _source_fields(amount, row_line)
            side = row.side or (column.side if column is not None else None)
            yield {
                **common,
                "unit_name": text_of(row.unit_name),
                "side": text_of(side),
                "row_kind": row.kind,
                "row_key": text_of(row.key),
                "row_code": text_of(row.code),
                "row_level": text_of(row.level),
                "row_name": row.name,
                "project": text_of(row.project),
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
            "document": text_of(doc.source_name),
            "year": text_of(doc.metadata.year),
            "department": text_of(doc.metadata.full_name),
            "table_no": "",
            "table_type": f"performance_{perf.kind}",
            "table_title": PERFORMANCE_TITLES.get(perf.kind, ""),
            "unit_name": text_of(perf.unit_name),
            "side": "",
            "row_kind": "project" if is_project else "unit",
            "row_key": "",
            "row_code": "",
            "row_level": "",
            "row_name": text_of(row_name),
            "project": text_of(perf.project_name) if is_project else "",
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
