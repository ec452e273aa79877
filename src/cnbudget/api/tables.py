"""One printed table as a wide CSV: the table as a person reads it, one row per printed row.

Why wide here when the long form exists: ``/api/documents/{id}/tables/{no}.csv`` is what someone
opens in a spreadsheet to look at 表3, so it mirrors the printed layout (row labels, then one
column per printed header path). The long form (``longform.csv``) remains the format to compute
with. Amounts are the exact decimals in 万元 (the printed text is in the long form).
"""

from __future__ import annotations

import csv
import io

from cnbudget.export.longform import HEADER_SEPARATOR
from cnbudget.model import Column, Row, Table

__all__ = ["table_csv"]


def _matches(column: Column, row: Row) -> bool:
    """A two-sided table (表1, 表4) repeats a key on both sides; the row's side picks one."""
    return column.side is None or row.side is None or column.side == row.side


def table_csv(table: Table) -> str:
    """The table as CSV text (UTF-8 with BOM added by the caller if wanted)."""
    has_units = any(r.unit_name for r in table.rows)
    has_codes = any(r.code for r in table.rows)
    has_projects = any(r.project for r in table.rows)
    has_sides = any(c.side for c in table.columns)
    known = {c.key for c in table.columns}
    extra_keys: list[str] = []
    for r in table.rows:
        for k in r.values:
            if k not in known and k not in extra_keys:
                extra_keys.append(k)

    header = ["行类别 row_kind"]
    if has_sides:
        header.append("收支 side")
    if has_units:
        header.append("单位 unit")
    if has_codes:
        header += ["科目编码 code", "级次 level"]
    header.append("名称 name")
    if has_projects:
        header.append("项目 project")
    header += [HEADER_SEPARATOR.join(c.header) or c.key for c in table.columns]
    header += extra_keys

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in table.rows:
        line = [r.kind]
        if has_sides:
            line.append(r.side or "")
        if has_units:
            line.append(r.unit_name or "")
        if has_codes:
            line += [r.code or "", r.level or ""]
        line.append(r.name)
        if has_projects:
            line.append(r.project or "")
        for c in table.columns:
            amount = r.values.get(c.key) if _matches(c, r) else None
            line.append(format(amount.value, "f") if amount is not None else "")
        for k in extra_keys:
            amount = r.values.get(k)
            line.append(format(amount.value, "f") if amount is not None else "")
        w.writerow(line)
    return buf.getvalue()
