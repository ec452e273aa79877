"""Read XLSX workbooks of disclosure tables (see :mod:`cnbudget.ingest.xlsx.reader`)."""

from cnbudget.ingest.xlsx.reader import read_xlsx

__all__ = ["read_xlsx"]
