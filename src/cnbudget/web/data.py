"""The few read queries the pages need beyond :mod:`cnbudget.store.queries`.

Why here and not in the store: these are page-shaped questions (the home page's counts, its
"latest imports" and "largest errors" lists, a free-text search box, check counts for a list of
documents) that no other client asks. Each is one or two indexed SQL statements with bound
parameters over the store's schema, so the home page stays fast on thousands of documents;
everything else the pages show comes from the store's own functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from cnbudget.store.aggregates import SEARCH_SEPARATOR, search_match
from cnbudget.store.schema import (
    CheckRunRow,
    DepartmentAliasRow,
    DepartmentRow,
    DocumentRow,
    FindingRow,
    RegionRow,
)

__all__ = [
    "CheckCounts",
    "DocRef",
    "Overview",
    "WorstFinding",
    "check_counts",
    "current_documents",
    "documents_of",
    "latest_documents",
    "overview",
    "region_names",
    "search_documents",
    "version",
    "worst_findings",
]


@dataclass(frozen=True)
class CheckCounts:
    errors: int = 0
    warnings: int = 0
    notices: int = 0


@dataclass(frozen=True)
class DocRef:
    """A document as listed on a page: enough to name it and link to it."""

    id: int
    department_id: int
    department: str
    alias: str | None
    region: str
    year: int
    kind: str
    version: int
    is_current: bool
    imported_at: dt.datetime
    checks: CheckCounts = field(default_factory=CheckCounts)
    scope: str = "department"  # 部门 or 单位: part of the document's identity
    is_template: bool = False  # a blank template: listed, never counted

    @property
    def full_name(self) -> str:
        return f"{self.department}（{self.alias}）" if self.alias else self.department


@dataclass(frozen=True)
class Overview:
    documents: int
    current_documents: int
    departments: int
    regions: int
    years: list[int]
    open_errors: int


@dataclass(frozen=True)
class WorstFinding:
    document: DocRef
    position: int
    rule: str
    message_zh: str
    message_en: str
    difference: Decimal | None
    table_no: int | None
    row_name: str | None


def _region(province: str, city: str, district: str) -> str:
    return "/".join(p for p in (province, city, district) if p)


def _latest_runs() -> Any:
    """Subquery: the latest check run of every document."""
    return (
        select(func.max(CheckRunRow.id).label("run_id"))
        .group_by(CheckRunRow.document_id)
        .scalar_subquery()
    )


def _doc_select() -> Any:
    return (
        select(
            DocumentRow.id,
            DocumentRow.department_id,
            DocumentRow.department_name,
            DocumentRow.department_alias,
            RegionRow.province,
            RegionRow.city,
            RegionRow.district,
            DocumentRow.year,
            DocumentRow.kind,
            DocumentRow.version,
            DocumentRow.is_current,
            DocumentRow.imported_at,
            DocumentRow.scope,
            DocumentRow.is_template,
        )
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
    )


def _utc(t: dt.datetime) -> dt.datetime:
    # SQLite keeps no time zone; the importer always writes UTC.
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _ref(r: Any, checks: CheckCounts | None = None) -> DocRef:
    """A :class:`DocRef` from a row of :func:`_doc_select`."""
    return DocRef(
        id=r[0],
        department_id=r[1],
        department=r[2],
        alias=r[3],
        region=_region(r[4], r[5], r[6]),
        year=r[7],
        kind=r[8],
        version=r[9],
        is_current=bool(r[10]),
        imported_at=_utc(r[11]),
        checks=checks or CheckCounts(),
        scope=r[12],
        is_template=bool(r[13]),
    )


def _refs(s: Session, rows: Iterable[Any]) -> list[DocRef]:
    rows = list(rows)
    counts = check_counts(s, [r[0] for r in rows])
    return [_ref(r, counts.get(r[0])) for r in rows]


def check_counts(db: Engine | Session, document_ids: Sequence[int]) -> dict[int, CheckCounts]:
    """Errors / warnings / notices of the latest check run of each document."""
    if not document_ids:
        return {}
    stmt = select(
        CheckRunRow.document_id, CheckRunRow.errors, CheckRunRow.warnings, CheckRunRow.notices
    ).where(
        CheckRunRow.id.in_(
            select(func.max(CheckRunRow.id))
            .where(CheckRunRow.document_id.in_(list(document_ids)))
            .group_by(CheckRunRow.document_id)
        )
    )
    with _session(db) as s:
        return {d: CheckCounts(e, w, n) for d, e, w, n in s.execute(stmt)}


class _session:
    """Use a given session as is, or open (and close) one on an engine."""

    def __init__(self, db: Engine | Session) -> None:
        self.db = db
        self.own: Session | None = None

    def __enter__(self) -> Session:
        if isinstance(self.db, Session):
            return self.db
        self.own = Session(self.db)
        return self.own

    def __exit__(self, *exc: object) -> None:
        if self.own is not None:
            self.own.close()


def overview(engine: Engine) -> Overview:
    """The counts on the home page (documents, departments, regions, years, open errors)."""
    with Session(engine) as s:
        docs = s.scalar(select(func.count()).select_from(DocumentRow)) or 0
        real = DocumentRow.is_template.is_(False)  # blank templates are never counted
        current = (
            s.scalar(
                select(func.count()).select_from(DocumentRow).where(DocumentRow.is_current, real)
            )
            or 0
        )
        depts = (
            s.scalar(select(func.count(func.distinct(DocumentRow.department_id))).where(real)) or 0
        )
        regions = (
            s.scalar(
                select(func.count(func.distinct(DepartmentRow.region_id)))
                .join(DocumentRow, DocumentRow.department_id == DepartmentRow.id)
                .where(real)
            )
            or 0
        )
        years = sorted(s.scalars(select(DocumentRow.year).distinct()), reverse=True)
        errors = (
            s.scalar(
                select(func.coalesce(func.sum(CheckRunRow.errors), 0))
                .join(DocumentRow, DocumentRow.id == CheckRunRow.document_id)
                .where(DocumentRow.is_current, CheckRunRow.id.in_(_latest_runs()))
            )
            or 0
        )
    return Overview(docs, current, depts, regions, years, int(errors))


def latest_documents(engine: Engine, limit: int = 10) -> list[DocRef]:
    """The most recently imported documents, newest first."""
    stmt = _doc_select().order_by(DocumentRow.imported_at.desc(), DocumentRow.id.desc())
    with Session(engine) as s:
        return _refs(s, s.execute(stmt.limit(limit)))


_YEAR = re.compile(r"^(19|20)\d\d年?$")


def search_documents(engine: Engine, q: str, limit: int = 100) -> list[DocRef]:
    """Documents whose department (any of its names), region or year match every word of ``q``.

    A four-digit word (``2024`` or ``2024年``) is a year; any other word must occur in a name or
    a region part. Current versions only, newest year first. Words are matched with ``LIKE``
    on bound, escaped parameters, so ``%`` and ``_`` in a query are literal.
    """
    words = [w for w in re.split(r"\s+", q.strip()) if w][:8]
    stmt = _doc_select().where(DocumentRow.is_current, DocumentRow.is_template.is_(False))
    for w in words:
        if _YEAR.match(w):
            stmt = stmt.where(DocumentRow.year == int(w[:4]))
            continue
        names = select(DepartmentAliasRow.department_id).where(
            DepartmentAliasRow.name.contains(w, autoescape=True)
        )
        if SEARCH_SEPARATOR not in w:
            # Necessary condition on one indexed column (every name below is in it,
            # lower-cased): the exact test then runs on those rows only.
            stmt = stmt.where(search_match(w, engine.dialect.name))
        stmt = stmt.where(
            or_(
                DocumentRow.department_id.in_(names),
                DocumentRow.department_name.contains(w, autoescape=True),
                RegionRow.province.contains(w, autoescape=True),
                RegionRow.city.contains(w, autoescape=True),
                RegionRow.district.contains(w, autoescape=True),
            )
        )
    stmt = stmt.order_by(
        DocumentRow.year.desc(), DocumentRow.department_name, DocumentRow.kind
    ).limit(limit)
    with Session(engine) as s:
        return _refs(s, s.execute(stmt))


def _abs(d: str | Decimal | None) -> Decimal:
    if d is None:
        return Decimal(-1)
    try:
        return abs(Decimal(d))
    except (InvalidOperation, TypeError):
        return Decimal(-1)


def worst_findings(engine: Engine, limit: int = 10, scan: int = 2000) -> list[WorstFinding]:
    """The errors with the largest differences among current documents (at most two per
    document, so one broken file does not fill the list).

    The difference is an exact decimal kept as text on SQLite, so it cannot be ordered in SQL
    there; the documents with the most errors are scanned first (``scan`` findings at most)
    and the ranking is done here.
    """
    stmt = (
        select(
            FindingRow.document_id,
            FindingRow.position,
            FindingRow.rule,
            FindingRow.message_zh,
            FindingRow.message_en,
            FindingRow.difference,
            FindingRow.table_no,
            FindingRow.row_name,
        )
        .join(CheckRunRow, CheckRunRow.id == FindingRow.check_run_id)
        .join(DocumentRow, DocumentRow.id == FindingRow.document_id)
        .where(
            FindingRow.severity == "error",
            DocumentRow.is_current,
            CheckRunRow.id.in_(_latest_runs()),
        )
        .order_by(CheckRunRow.errors.desc(), FindingRow.id)
        .limit(scan)
    )
    with Session(engine) as s:
        rows = sorted(s.execute(stmt).all(), key=lambda r: -_abs(r[5]))
        picked: list[Any] = []
        per_doc: dict[int, int] = {}
        for r in rows:
            if per_doc.get(r[0], 0) >= 2:
                continue
            per_doc[r[0]] = per_doc.get(r[0], 0) + 1
            picked.append(r)
            if len(picked) >= limit:
                break
        ids = sorted({r[0] for r in picked})
        refs = {d.id: d for d in _refs(s, s.execute(_doc_select().where(DocumentRow.id.in_(ids))))}
    return [
        WorstFinding(
            document=refs[r[0]],
            position=r[1],
            rule=r[2],
            message_zh=r[3],
            message_en=r[4],
            difference=None if r[5] is None else Decimal(r[5]),
            table_no=r[6],
            row_name=r[7],
        )
        for r in picked
        if r[0] in refs
    ]


def region_names(engine: Engine, year: int | None = None, kind: str | None = None) -> list[str]:
    """Regions (``省/市/区``) that have current documents (of ``year`` and ``kind`` if given)."""
    stmt = (
        select(RegionRow.province, RegionRow.city, RegionRow.district)
        .join(DepartmentRow, DepartmentRow.region_id == RegionRow.id)
        .join(DocumentRow, DocumentRow.department_id == DepartmentRow.id)
        .where(DocumentRow.is_current, DocumentRow.is_template.is_(False))
        .distinct()
    )
    if year is not None:
        stmt = stmt.where(DocumentRow.year == year)
    if kind is not None:
        stmt = stmt.where(DocumentRow.kind == kind)
    with Session(engine) as s:
        return sorted({name for r in s.execute(stmt) if (name := _region(*r))})


def documents_of(engine: Engine, ids: Sequence[int]) -> dict[int, DocRef]:
    """:class:`DocRef` of the given documents (missing ids left out)."""
    if not ids:
        return {}
    with Session(engine) as s:
        refs = _refs(s, s.execute(_doc_select().where(DocumentRow.id.in_(list(ids)))))
    return {r.id: r for r in refs}


def version(engine: Engine) -> tuple[Any, ...]:
    """A cheap fingerprint of the documents table: it changes whenever a document is imported
    (a new id) or removed (the count), so page fragments built from it can be cached."""
    with Session(engine) as s:
        row = s.execute(
            select(func.count(), func.max(DocumentRow.id), func.max(DocumentRow.imported_at))
        ).one()
    return tuple(row)


def current_documents(engine: Engine) -> list[DocRef]:
    """Every current document except blank templates, by department name, then newest year
    first (for pickers)."""
    stmt = (
        _doc_select()
        .where(DocumentRow.is_current, DocumentRow.is_template.is_(False))
        .order_by(DocumentRow.department_name, DocumentRow.year.desc(), DocumentRow.kind)
    )
    with Session(engine) as s:
        rows = s.execute(stmt).all()
    return [_ref(r) for r in rows]
