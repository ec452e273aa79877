"""The store: disclosures, their checks and every amount in long form in SQL (SQLite by default,
PostgreSQL by URL), so that any aggregate is one query.

* :func:`import_paths` — import files and folders (parallel parsing, one transaction per
  document, dedup by SHA-256, versions, department aliases) → :class:`ImportSummary`;
* :mod:`cnbudget.store.queries` — totals by function/economic class, department series,
  document comparison, peer benchmarks, and document/department listings;
* :func:`upgrade` — apply the Alembic migrations (``import_paths`` does it by itself);
* :func:`make_engine` / :func:`resolve_url` — ``--db URL``, ``$CNBUDGET_DB`` or
  ``./cnbudget.db``; a bare path means a SQLite file.
"""

from cnbudget.store.db import DEFAULT_URL, ENV_VAR, make_engine, resolve_url, session_scope
from cnbudget.store.importer import (
    FileResult,
    ImportSummary,
    StoreError,
    expand_paths,
    import_paths,
    scan_paths,
)
from cnbudget.store.migrate import current_revision, head, upgrade
from cnbudget.store.queries import (
    AmountDiff,
    ClassTotal,
    DepartmentInfo,
    DocumentInfo,
    PeerMetric,
    PeerRow,
    SeriesPoint,
    class_totals,
    compare_documents,
    counted,
    department_series,
    economic_totals,
    findings,
    function_totals,
    jsonable,
    list_departments,
    list_documents,
    load_document,
    peers,
    raw_file,
    resolve_department,
)

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "AmountDiff",
    "ClassTotal",
    "DepartmentInfo",
    "DocumentInfo",
    "FileResult",
    "ImportSummary",
    "PeerMetric",
    "PeerRow",
    "SeriesPoint",
    "StoreError",
    "class_totals",
    "compare_documents",
    "counted",
    "current_revision",
    "department_series",
    "economic_totals",
    "expand_paths",
    "findings",
    "function_totals",
    "head",
    "import_paths",
    "jsonable",
    "list_departments",
    "list_documents",
    "load_document",
    "make_engine",
    "peers",
    "raw_file",
    "resolve_department",
    "resolve_url",
    "scan_paths",
    "session_scope",
    "upgrade",
]
