"""Document look-ups the store's query module does not offer: paged search and single rows.

Why here and not a call to :func:`cnbudget.store.list_documents`: that function returns every
matching document, which is right for the CLI but not for a web client paging through a
thousand; the API needs ``LIMIT``/``OFFSET``, a total count and a free-text ``q``. Everything
is built from SQLAlchemy expressions with bound parameters; ``q`` is matched
case-insensitively with ``%`` and ``_`` as literal characters.

Why ``q`` reads ``documents.search_text`` (:mod:`cnbudget.store.aggregates`) and not the names
themselves: at 14,640 documents the ``OR`` of ``ILIKE`` over six columns of three joined tables
took up to 1.5 s (docs/scale.md); the column holds the same names lower-cased, so one ``LIKE``
gives the same documents. The total and the page are two statements on purpose: one with
``count(*) OVER ()`` must join every match to its department and region before the ``LIMIT``
(200 ms for the 34,000 matches of 能源 at 100,000 documents), while the page alone walks the
sort index and stops after ``limit`` rows, and the count reads only ``documents``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, defer

from cnbudget.store.aggregates import SEARCH_SEPARATOR, names_contain, search_match
from cnbudget.store.queries import DocumentInfo
from cnbudget.store.schema import DepartmentAliasRow, DepartmentRow, DocumentRow, RegionRow

__all__ = ["SortKey", "document_info", "document_links", "get_document", "search_documents"]

SortKey = Literal["department", "year", "-year", "imported", "-imported"]


def _region_name(r: RegionRow) -> str:
    return "/".join(p for p in (r.province, r.city, r.district) if p)


def document_info(d: DocumentRow) -> DocumentInfo:
    """The store's :class:`DocumentInfo` of a row (loaded with its department and region)."""
    imported = d.imported_at
    if imported.tzinfo is None:  # SQLite keeps no time zone; the importer writes UTC
        imported = imported.replace(tzinfo=dt.UTC)
    return DocumentInfo(
        id=d.id,
        department_id=d.department_id,
        department=d.department_name,
        alias=d.department_alias,
        region=_region_name(d.department.region),
        year=d.year,
        kind=d.kind,
        version=d.version,
        is_current=d.is_current,
        supersedes_id=d.supersedes_id,
        source_name=d.source_name,
        sha256=d.sha256,
        imported_at=imported,
        publication_date=d.publication_date,
        amount_count=d.amount_count,
        staff_actual=d.staff_actual,
        staff_active=d.staff_active,
        scope=d.scope,
        is_template=bool(d.is_template),
    )


def document_links(document_id: int) -> dict[str, str]:
    """API paths of what belongs to a document, so clients never assemble URLs themselves."""
    base = f"/api/documents/{document_id}"
    return {
        "self": base,
        "tables": f"{base}/tables",
        "findings": f"{base}/findings",
        "longform_csv": f"{base}/longform.csv",
        "longform_xlsx": f"{base}/longform.xlsx",
        "original": f"{base}/original",
    }


def _filtered(
    stmt: Select[Any],
    *,
    q: str | None,
    department: int | str | None,
    region: str | None,
    years: list[int] | None,
    kind: str | None,
    current_only: bool,
    dialect: str = "sqlite",
) -> Select[Any]:
    if region is not None or (q and SEARCH_SEPARATOR in q):
        # only these conditions read the region; a join PostgreSQL cannot drop costs a hash
        # join of every document otherwise (the count of a whole listing at 100,000)
        stmt = stmt.join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id).join(
            RegionRow, RegionRow.id == DepartmentRow.region_id
        )
    if years:
        stmt = stmt.where(DocumentRow.year.in_(years))
    if kind is not None:
        stmt = stmt.where(DocumentRow.kind == kind)
    if isinstance(department, int):
        stmt = stmt.where(DocumentRow.department_id == department)
    elif department is not None:
        stmt = stmt.where(
            DocumentRow.department_id.in_(
                select(DepartmentAliasRow.department_id).where(
                    DepartmentAliasRow.name == department
                )
            )
        )
    if region is not None:
        stmt = stmt.where(
            or_(
                RegionRow.province == region, RegionRow.city == region, RegionRow.district == region
            )
        )
    if current_only:
        stmt = stmt.where(DocumentRow.is_current.is_(True))
    if q and SEARCH_SEPARATOR not in q:
        # One narrow, indexed column holding exactly the names below (store.aggregates).
        stmt = stmt.where(search_match(q, dialect))
    elif q:
        stmt = stmt.where(names_contain(q))
    return stmt


#: Columns a listing never shows: the document's JSON (~15 KB) and the search columns.
_LIGHT = (
    defer(DocumentRow.document_json_zlib),
    defer(DocumentRow.search_text),
    defer(DocumentRow.search_grams),
)

_ORDER = {
    "department": (DocumentRow.department_id, DocumentRow.year, DocumentRow.kind),
    "year": (DocumentRow.year, DocumentRow.department_id, DocumentRow.kind),
    "-year": (DocumentRow.year.desc(), DocumentRow.department_id, DocumentRow.kind),
    "imported": (DocumentRow.imported_at, DocumentRow.id),
    "-imported": (DocumentRow.imported_at.desc(), DocumentRow.id.desc()),
}


def search_documents(
    s: Session,
    *,
    q: str | None = None,
    department: int | str | None = None,
    region: str | None = None,
    years: list[int] | None = None,
    kind: str | None = None,
    current_only: bool = False,
    sort: SortKey = "department",
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[DocumentInfo]]:
    """``(total, page)`` of the documents matching every given filter."""
    kw: dict[str, Any] = {
        "q": q,
        "department": department,
        "region": region,
        "years": years,
        "kind": kind,
        "current_only": current_only,
        "dialect": s.get_bind().dialect.name,
    }
    total = s.scalar(_filtered(select(func.count(DocumentRow.id)), **kw)) or 0
    stmt = (
        _filtered(select(DocumentRow).options(*_LIGHT), **kw)
        .order_by(*_ORDER[sort], DocumentRow.version)
        .limit(limit)
        .offset(offset)
    )
    return total, [document_info(d) for d in s.scalars(stmt).unique()]


def get_document(s: Session, document_id: int) -> DocumentInfo | None:
    d = s.scalar(select(DocumentRow).options(*_LIGHT).where(DocumentRow.id == document_id))
    return document_info(d) if d is not None else None
