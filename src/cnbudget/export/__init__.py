"""Exports of a parsed disclosure for other tools.

:mod:`cnbudget.export.longform` — the tidy long form (one printed amount per record) as
records, CSV (lossless, UTF-8 with BOM) and XLSX (for Excel pivot tables).
"""

from cnbudget.export.longform import (
    LONG_COLUMNS,
    long_rows,
    read_long_csv,
    read_long_xlsx,
    to_records,
    write_csv,
    write_xlsx,
)

__all__ = [
    "LONG_COLUMNS",
    "long_rows",
    "read_long_csv",
    "read_long_xlsx",
    "to_records",
    "write_csv",
    "write_xlsx",
]
