"""Exports of a parsed disclosure for other tools.

:mod:`cnbudget.export.longform` — the tidy long form (one printed amount per record) as
records, CSV (lossless, UTF-8 with BOM) and XLSX (for Excel pivot tables).
:mod:`cnbudget.export.parquet` — the same records as Parquet with exact decimal128 amounts.
:mod:`cnbudget.export.datapackage` — a Fiscal Data Package (datapackage.json + CSV) that
OpenSpending-style tools load.
:mod:`cnbudget.export.stored` — the long form of every stored document, straight from the store.
(Imported on demand: Parquet needs pyarrow.)
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
