"""Questions asked of the store, as typed functions returning dataclasses.

Every function takes ``db`` first — a :class:`~sqlalchemy.orm.Session`, an
:class:`~sqlalchemy.Engine`, a URL or a path (see :func:`cnbudget.store.db.session_scope`) — so the
CLI, the REST API and notebooks call them the same way. All SQL is built from SQLAlchemy
expressions with bound parameters; sums are computed by the database on exact columns
(:class:`~cnbudget.store.types.Money`), ratios in Python with ``Decimal``.

By default only the **current version** of each (department, year, kind, scope) is counted, so
a corrected re-publication replaces its predecessor in every aggregate instead of doubling it;
pass ``current_only=False`` to see every stored version.

**Never the same money twice** (:func:`counted`): a 部门预算 consolidates all its units, the
机关本级 unit included, so where a department has a current 部门 document for a year and kind,
aggregates (totals, series, peers) count that one and leave its 单位 documents out; a 单位
document counts only where no 部门 document of its department, year and kind is stored (then it
is the only figure known). Templates (placeholder names, ``is_template``) never count and are
not departments. Document listings show every document with its ``scope`` and ``is_template``.

Which tables feed which question (table types of the ``budget-11`` layout):

* function classification (功能分类 类/款/项): ``expenditure_summary`` (表3 部门支出总体情况表),
  columns ``total`` / ``basic`` / ``project``;
* economic classification (经济分类): ``general_basic`` (表6 一般公共预算基本支出情况表),
  columns ``total`` / ``personnel`` / ``public``;
* peers: ``three_public`` total (三公经费), ``general_basic`` total ``public`` (机关运行经费, the
  公用经费 of basic expenditure) and ``general_expenditure`` total ``project`` / ``total``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, defer

from cnbudget.checks.findings import finding_keys
from cnbudget.model import Document
from cnbudget.store.db import DbLike, session_scope
from cnbudget.store.records import decompress
from cnbudget.store.schema import (
    AmountRow,
    BlobRow,
    CheckRunRow,
    DepartmentAliasRow,
    DepartmentRow,
    DocumentRow,
    FindingRow,
    RegionRow,
    TableRow,
)

__all__ = [
    "AmountDiff",
    "ClassTotal",
    "DepartmentInfo",
    "DocumentInfo",
    "PeerMetric",
    "PeerRow",
    "SeriesPoint",
    "class_totals",
    "compare_documents",
    "counted",
    "department_series",
    "economic_totals",
    "findings",
    "function_totals",
    "jsonable",
    "list_departments",
    "list_documents",
    "load_document",
    "peers",
    "raw_file",
    "resolve_department",
]

Level = Literal["total", "类", "款", "项"]
GroupBy = Literal["year", "kind", "department", "region"]

FUNCTION_TABLE = "expenditure_summary"
FUNCTION_COLUMNS = ("total", "basic", "project")
ECONOMIC_TABLE = "general_basic"
ECONOMIC_COLUMNS = ("total", "personnel", "public")

_ZERO = Decimal("0.00")

#: Ratios (per staff member, shares, relative differences) are rounded to this quantum.
RATIO_QUANTUM = Decimal("0.000001")


# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    department_id: int
    department: str
    alias: str | None
    region: str
    year: int
    kind: str
    version: int
    is_current: bool
    supersedes_id: int | None
    source_name: str | None
    sha256: str
    imported_at: dt.datetime
    publication_date: dt.date | None
    amount_count: int
    staff_actual: int | None
    staff_active: int | None
    scope: str = "department"
    is_template: bool = False


@dataclass(frozen=True)
class DepartmentInfo:
    id: int
    name: str
    region: str
    aliases: list[str]
    documents: int


@dataclass(frozen=True)
class ClassTotal:
    """Sum of one classification code (or the total row) within one group."""

    code: str | None
    name: str
    level: str
    values: dict[str, Decimal]
    documents: int
    year: int | None = None
    kind: str | None = None
    department_id: int | None = None
    department: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class SeriesPoint:
    """One year of a department's series, with the change on the previous point."""

    year: int
    kind: str
    document_id: int
    version: int
    values: dict[str, Decimal]
    change: Decimal | None = None
    change_rel: Decimal | None = None


@dataclass(frozen=True)
class AmountDiff:
    """One amount matched across two documents (``a`` or ``b`` ``None`` when absent)."""

    table_no: int | None
    table_type: str
    unit_name: str | None
    side: str | None
    row_kind: str
    row_key: str | None
    row_code: str | None
    row_name: str
    project: str | None
    column_key: str
    column: str
    a: Decimal | None
    b: Decimal | None
    diff: Decimal | None
    rel_diff: Decimal | None
    status: Literal["same", "changed", "added", "removed"]


@dataclass(frozen=True)
class PeerMetric:
    value: Decimal | None
    median: Decimal | None
    mad: Decimal | None
    z: Decimal | None
    outlier: bool


@dataclass
class PeerRow:
    """One document among its peers (same year and kind, and region if asked)."""

    document_id: int
    department_id: int
    department: str
    region: str
    year: int
    kind: str
    staff: int | None
    three_public: Decimal | None
    running_costs: Decimal | None
    project: Decimal | None
    total: Decimal | None
    metrics: dict[str, PeerMetric] = field(default_factory=dict)
    outlier: bool = False
    reasons_zh: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        """Why the row is (or is not) an outlier, in one Chinese and one English sentence."""
        if not self.outlier:
            return "各项指标均在同组正常范围内。 / All metrics are within the peer range."
        return "；".join(self.reasons_zh) + "。 / " + "; ".join(self.reasons_en) + "."


#: Values :func:`jsonable` returns as they are, tested by exact type first: a compare of two
#: documents is ~500 dataclasses × 16 fields, and the generic ``isinstance`` /
#: ``is_dataclass`` chain on each field was 21 ms of a 68 ms API call (measured).
_AS_IS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def jsonable(value: Any) -> Any:
    """Results as JSON-ready values for the CLI's ``--format json`` and the REST API: dataclasses
    become dicts (with :attr:`PeerRow.explanation`), ``Decimal`` becomes its exact text
    (never a float), dates ISO strings."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {name: jsonable(getattr(value, name)) for name in _field_names(kind)}
        if isinstance(value, PeerRow):
            out["explanation"] = value.explanation
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Helpers


def _region_name(province: str, city: str, district: str) -> str:
    return "/".join(p for p in (province, city, district) if p)


def _alias_match(name: str) -> Any:
    """Department ids known under ``name`` (any printed name or alias)."""
    return select(DepartmentAliasRow.department_id).where(DepartmentAliasRow.name == name)


def resolve_department(db: DbLike, department: int | str) -> list[int]:
    """Ids of the departments known by ``department`` (an id, or any of their names)."""
    if isinstance(department, int):
        return [department]
    with session_scope(db) as s:
        return sorted(set(s.scalars(_alias_match(department))))


def counted() -> ColumnElement[bool]:
    """The documents aggregates count: current, not a template, and of 部门 scope — or of 单位
    scope where its department has no current 部门 document of the same year and kind.

    A correlated ``EXISTS`` over ``documents``, usable in any statement that selects from
    :class:`DocumentRow` (the REST API and web pages can filter with it too).
    """
    dept = aliased(DocumentRow)
    has_department_doc = exists().where(
        dept.department_id == DocumentRow.department_id,
        dept.year == DocumentRow.year,
        dept.kind == DocumentRow.kind,
        dept.scope == "department",
        dept.is_current.is_(True),
        dept.is_template.is_(False),
    )
    return and_(
        DocumentRow.is_current.is_(True),
        DocumentRow.is_template.is_(False),
        or_(DocumentRow.scope == "department", ~has_department_doc),
    )


def _filters(
    stmt: Select[Any],
    *,
    years: Iterable[int] | int | None,
    kind: str | None,
    department: int | str | None,
    region: str | None,
    current_only: bool,
    aggregate: bool = False,
) -> Select[Any]:
    """Restrict a statement that already joins documents, departments and regions.

    ``aggregate``: the statement sums money, so templates never count and ``current_only``
    means :func:`counted` (one scope per department, year and kind).
    """
    if years is not None:
        ys = [years] if isinstance(years, int) else list(years)
        stmt = stmt.where(DocumentRow.year.in_(ys))
    if kind is not None:
        stmt = stmt.where(DocumentRow.kind == kind)
    if department is not None:
        if isinstance(department, int):
            stmt = stmt.where(DocumentRow.department_id == department)
        else:
            stmt = stmt.where(DocumentRow.department_id.in_(_alias_match(department)))
    if region is not None:
        stmt = stmt.where(
            or_(
                RegionRow.province == region, RegionRow.city == region, RegionRow.district == region
            )
        )
    if aggregate and current_only:
        stmt = stmt.where(counted())
    elif aggregate:
        stmt = stmt.where(DocumentRow.is_template.is_(False))
    elif current_only:
        stmt = stmt.where(DocumentRow.is_current.is_(True))
    return stmt


def _joined(stmt: Select[Any]) -> Select[Any]:
    return (
        stmt.join(DocumentRow, DocumentRow.id == AmountRow.document_id)
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
    )


def ratio(num: Decimal, den: Decimal | int) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(RATIO_QUANTUM)


# --------------------------------------------------------------------------------------------
# Documents and departments


def _doc_info(d: DocumentRow) -> DocumentInfo:
    r = d.department.region
    return DocumentInfo(
        id=d.id,
        department_id=d.department_id,
        department=d.department_name,
        alias=d.department_alias,
        region=_region_name(r.province, r.city, r.district),
        year=d.year,
        kind=d.kind,
        version=d.version,
        is_current=d.is_current,
        supersedes_id=d.supersedes_id,
        source_name=d.source_name,
        sha256=d.sha256,
        # SQLite keeps no time zone; the importer always writes UTC
        imported_at=d.imported_at
        if d.imported_at.tzinfo is not None
        else d.imported_at.replace(tzinfo=dt.UTC),
        publication_date=d.publication_date,
        amount_count=d.amount_count,
        staff_actual=d.staff_actual,
        staff_active=d.staff_active,
        scope=d.scope,
        is_template=bool(d.is_template),
    )


def list_documents(
    db: DbLike = None,
    *,
    years: Iterable[int] | int | None = None,
    kind: str | None = None,
    department: int | str | None = None,
    region: str | None = None,
    current_only: bool = False,
    counted_only: bool = False,
) -> list[DocumentInfo]:
    """Stored documents (every version unless ``current_only``), by department, year, version.

    Every scope and templates are listed (each with ``scope`` / ``is_template``);
    ``counted_only`` lists only the documents aggregates count (:func:`counted`).
    """
    stmt = (
        select(DocumentRow)
        .options(defer(DocumentRow.document_json_zlib))  # ~15 KB each, not needed to list
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
    )
    stmt = _filters(
        stmt,
        years=years,
        kind=kind,
        department=department,
        region=region,
        current_only=current_only or counted_only,
        aggregate=counted_only,
    ).order_by(
        DocumentRow.department_id,
        DocumentRow.year,
        DocumentRow.kind,
        DocumentRow.scope,
        DocumentRow.version,
    )
    with session_scope(db) as s:
        return [_doc_info(d) for d in s.scalars(stmt).unique()]


def department_known(db: DbLike, department_id: int) -> bool:
    """Whether :func:`list_departments` lists ``department_id``: it has a document that is not
    a template. One indexed lookup, where the list reads every department (the API's series
    asked the whole list for one id: ~30 ms at 100,000 documents)."""
    with session_scope(db) as s:
        return (
            s.scalar(
                select(DocumentRow.id)
                .where(
                    DocumentRow.department_id == department_id,
                    DocumentRow.is_template.is_(False),
                )
                .limit(1)
            )
            is not None
        )


def list_departments(db: DbLike = None) -> list[DepartmentInfo]:
    """Every department with all its names and its number of stored documents.

    A "department" known only from templates (「上海市XX局」) is not one and is left out.
    """
    with session_scope(db) as s:
        only_templates = set(
            s.scalars(
                select(DocumentRow.department_id)
                .group_by(DocumentRow.department_id)
                .having(func.min(DocumentRow.is_template.cast(Integer)) == 1)
            )
        )
        counts = dict(
            s.execute(
                select(DocumentRow.department_id, func.count()).group_by(DocumentRow.department_id)
            ).all()
        )
        aliases: dict[int, list[str]] = defaultdict(list)
        for dept_id, name in s.execute(
            select(DepartmentAliasRow.department_id, DepartmentAliasRow.name).order_by(
                DepartmentAliasRow.id
            )
        ):
            aliases[dept_id].append(name)
        return [
            DepartmentInfo(
                id=d.id,
                name=d.name,
                region=d.region.name,
                aliases=aliases.get(d.id, []),
                documents=counts.get(d.id, 0),
            )
            for d in s.scalars(select(DepartmentRow).order_by(DepartmentRow.id)).unique()
            if d.id not in only_templates
        ]


def load_document(db: DbLike, document_id: int) -> Document:
    """The stored :class:`~cnbudget.model.Document`, exactly as it was parsed."""
    with session_scope(db) as s:
        data = s.scalar(select(DocumentRow.document_json_zlib).where(DocumentRow.id == document_id))
    if data is None:
        raise KeyError(f"no document {document_id}")
    return Document.model_validate_json(decompress(data, "zlib"))


def raw_file(db: DbLike, document_id: int) -> bytes:
    """The exact bytes of the file a document was imported from."""
    with session_scope(db) as s:
        row = s.execute(
            select(BlobRow.data, BlobRow.compression)
            .join(DocumentRow, DocumentRow.sha256 == BlobRow.sha256)
            .where(DocumentRow.id == document_id)
        ).first()
    if row is None:
        raise KeyError(f"no document {document_id}")
    return decompress(row[0], row[1])


def findings(db: DbLike, document_id: int, *, severity: str | None = None) -> list[dict[str, Any]]:
    """The findings of the latest check run of a document, in the shape of
    :meth:`cnbudget.checks.Finding.flat` (plus ``check_run_id`` and ``key``, the finding's
    stable rule + place key of :func:`cnbudget.checks.findings.finding_keys`, computed over the
    whole run before any ``severity`` filter so that a key never depends on the filter)."""
    with session_scope(db) as s:
        run_id = s.scalar(
            select(func.max(CheckRunRow.id)).where(CheckRunRow.document_id == document_id)
        )
        if run_id is None:
            return []
        stmt = select(FindingRow).where(FindingRow.check_run_id == run_id)
        out = []
        for f in s.scalars(stmt.order_by(FindingRow.position)):
            out.append(
                {
                    "check_run_id": run_id,
                    "rule": f.rule,
                    "severity": f.severity,
                    "family": f.family,
                    "table_no": f.table_no,
                    "table_type": f.table_type,
                    "unit_name": f.unit_name,
                    "row_code": f.row_code,
                    "row_key": f.row_key,
                    "row_name": f.row_name,
                    "column": f.column_label,
                    "sentence": f.sentence,
                    "expected": None if f.expected is None else str(f.expected),
                    "found": None if f.found is None else str(f.found),
                    "difference": None if f.difference is None else str(f.difference),
                    "tolerance": None if f.tolerance is None else str(f.tolerance),
                    "source_line": f.source_line,
                    "message": f.message_zh,
                    "message_en": f.message_en,
                    "related": json.loads(f.related_json),
                }
            )
    for flat, key in zip(out, finding_keys(out), strict=True):
        flat["key"] = key
    if severity is not None:
        out = [f for f in out if f["severity"] == severity]
    return out


# --------------------------------------------------------------------------------------------
# Totals


def class_totals(
    db: DbLike,
    *,
    table_type: str,
    columns: Sequence[str],
    level: Level = "类",
    by: Sequence[GroupBy] = ("year",),
    code_prefix: str | None = None,
    years: Iterable[int] | int | None = None,
    kind: str | None = "budget",
    department: int | str | None = None,
    region: str | None = None,
    current_only: bool = True,
) -> list[ClassTotal]:
    """Sums of ``columns`` of ``table_type`` per classification code at ``level`` (or of the
    table's total row for ``level="total"``), grouped by ``by``.

    One ``GROUP BY`` over the long-form amounts: the table rows already hold each 类, 款 and 项,
    so no code arithmetic is needed. ``code_prefix`` restricts to one branch (``"215"`` → the
    款 and 项 under 资源勘探工业信息等支出).
    """
    if years is not None and not isinstance(years, int):
        years = list(years)  # read twice (live statement and summary)
    group_exprs: list[Any] = []
    if "year" in by:
        group_exprs.append(DocumentRow.year)
    if "kind" in by:
        group_exprs.append(DocumentRow.kind)
    if "department" in by:
        group_exprs += [DepartmentRow.id, DepartmentRow.name]
    if "region" in by:
        group_exprs += [RegionRow.province, RegionRow.city, RegionRow.district]
    stmt = select(
        AmountRow.row_code,
        func.min(AmountRow.row_name),
        AmountRow.column_key,
        func.sum(AmountRow.value),
        func.count(distinct(AmountRow.document_id)),
        *group_exprs,
    ).where(AmountRow.table_type == table_type, AmountRow.column_key.in_(list(columns)))
    if level == "total":
        stmt = stmt.where(AmountRow.row_kind == "total")
    else:
        stmt = stmt.where(AmountRow.row_kind == "item", AmountRow.row_level == level)
    if code_prefix:
        stmt = stmt.where(AmountRow.row_code.startswith(code_prefix, autoescape=True))
    stmt = _filters(
        _joined(stmt),
        years=years,
        kind=kind,
        department=department,
        region=region,
        current_only=current_only,
        aggregate=True,
    ).group_by(AmountRow.row_code, AmountRow.column_key, *group_exprs)

    acc: dict[tuple[Any, ...], dict[str, Any]] = {}
    with session_scope(db) as s:
        rows: Iterable[Any] | None = None
        if current_only and department is None and region is None:
            # Whole country: the pre-aggregated summary when it is fresh (same rows, same
            # order of groups), else the live GROUP BY below. See cnbudget.store.aggregates.
            from cnbudget.store.aggregates import summary_rows

            rows = summary_rows(
                s.connection(),
                table_type=table_type,
                columns=columns,
                level=level,
                by=list(by),
                code_prefix=code_prefix,
                years=None
                if years is None
                else ([years] if isinstance(years, int) else list(years)),
                kind=kind,
            )
        if rows is None:
            rows = s.execute(stmt)
        for row in rows:
            code, name, col, total, n_docs, *groups = row
            key = (code, *groups)
            entry = acc.setdefault(key, {"name": name, "values": {}, "documents": 0})
            # the smallest name over the columns: independent of the order rows come in, so
            # the summary and the live query name a code alike
            entry["name"] = min(entry["name"], name)
            entry["values"][col] = total
            entry["documents"] = max(entry["documents"], n_docs)

    out: list[ClassTotal] = []
    for key, entry in acc.items():
        code, *groups = key
        g = dict(zip(_group_names(by), groups, strict=True))
        out.append(
            ClassTotal(
                code=code,
                name="合计" if level == "total" else entry["name"],
                level=level,
                # a column blank in every document sums to zero (blank cells have no row)
                values={c: entry["values"].get(c, _ZERO) for c in columns},
                documents=entry["documents"],
                year=g.get("year"),
                kind=g.get("kind"),
                department_id=g.get("department_id"),
                department=g.get("department"),
                region=_region_name(g["province"], g["city"], g["district"])
                if "province" in g
                else None,
            )
        )
    out.sort(
        key=lambda t: (
            t.year or 0,
            t.kind or "",
            t.region or "",
            t.department_id or 0,
            t.code or "",
        )
    )
    return out


def _group_names(by: Sequence[GroupBy]) -> list[str]:
    names: list[str] = []
    if "year" in by:
        names.append("year")
    if "kind" in by:
        names.append("kind")
    if "department" in by:
        names += ["department_id", "department"]
    if "region" in by:
        names += ["province", "city", "district"]
    return names


def function_totals(db: DbLike, *, level: Level = "类", **kw: Any) -> list[ClassTotal]:
    """Expenditure by function class (类/款/项) — total, basic and project — from 表3."""
    return class_totals(db, table_type=FUNCTION_TABLE, columns=FUNCTION_COLUMNS, level=level, **kw)


def economic_totals(db: DbLike, *, level: Level = "类", **kw: Any) -> list[ClassTotal]:
    """Basic expenditure by economic class (类/款) — total, personnel, public — from 表6."""
    return class_totals(db, table_type=ECONOMIC_TABLE, columns=ECONOMIC_COLUMNS, level=level, **kw)


# --------------------------------------------------------------------------------------------
# Series


def department_series(
    db: DbLike,
    department: int | str,
    *,
    table_type: str = FUNCTION_TABLE,
    columns: Sequence[str] = FUNCTION_COLUMNS,
    code: str | None = None,
    kind: str | None = "budget",
) -> list[SeriesPoint]:
    """A department's figures year by year (current versions), with the change of the first
    column on the previous year.

    ``code=None`` follows the table's total row; a code follows that 类/款/项 row (summed over
    units if a table repeats it per unit). The department is an id or any of its names, so a
    bureau that renamed itself keeps one series.
    """
    stmt = select(
        DocumentRow.year,
        DocumentRow.kind,
        DocumentRow.id,
        DocumentRow.version,
        AmountRow.column_key,
        func.sum(AmountRow.value),
    ).where(AmountRow.table_type == table_type, AmountRow.column_key.in_(list(columns)))
    if code is None:
        stmt = stmt.where(AmountRow.row_kind == "total")
    else:
        # 表7 prints its 项 as project rows; other tables as items. Never both for one code.
        stmt = stmt.where(AmountRow.row_code == code, AmountRow.row_kind.in_(["item", "project"]))
    stmt = _filters(
        _joined(stmt),
        years=None,
        kind=kind,
        department=department,
        region=None,
        current_only=True,
        aggregate=True,
    ).group_by(
        DocumentRow.year,
        DocumentRow.kind,
        DocumentRow.id,
        DocumentRow.version,
        AmountRow.column_key,
    )
    points: dict[int, dict[str, Any]] = {}
    with session_scope(db) as s:
        for year, knd, doc_id, version, col, total in s.execute(stmt):
            p = points.setdefault(
                doc_id, {"year": year, "kind": knd, "version": version, "values": {}}
            )
            p["values"][col] = total
    out: list[SeriesPoint] = []
    prev: Decimal | None = None
    for doc_id, p in sorted(points.items(), key=lambda kv: (kv[1]["year"], kv[1]["kind"])):
        first = p["values"].get(columns[0])
        change = first - prev if first is not None and prev is not None else None
        rel = ratio(change, prev) if change is not None and prev else None
        out.append(
            SeriesPoint(
                year=p["year"],
                kind=p["kind"],
                document_id=doc_id,
                version=p["version"],
                values={c: p["values"][c] for c in columns if c in p["values"]},
                change=change,
                change_rel=rel,
            )
        )
        prev = first
    return out


# --------------------------------------------------------------------------------------------
# Compare


#: The columns of an amount that :func:`compare_documents` matches and reports.
_COMPARED = (
    AmountRow.table_no,
    AmountRow.table_type,
    AmountRow.unit_name,
    AmountRow.side,
    AmountRow.row_kind,
    AmountRow.row_key,
    AmountRow.row_code,
    AmountRow.row_name,
    AmountRow.project,
    AmountRow.column_key,
    AmountRow.column_label,
    AmountRow.value,
)
_DESCRIBED = len(_COMPARED) - 1  # the columns that describe the cell (all but ``value``)


def _amounts_of(s: Session, document_id: int) -> list[Any]:
    """The document's amounts in printed order, as plain rows of :data:`_COMPARED` — not ORM
    objects: loading and matching two documents took 1.6× as long with those (the API's compare
    at 100,000 documents: p99 102 → 39 ms)."""
    return list(
        s.execute(
            select(*_COMPARED).where(AmountRow.document_id == document_id).order_by(AmountRow.id)
        )
    )


def _identity(a: Any) -> tuple[Any, ...]:
    """What makes two amounts "the same cell" in two documents.

    Rows are identified by their classification code, layout key or project name; only rows
    with none of them (a unit heading, a total) fall back to the printed name. The table is
    matched by type, not number, because numbering differs between layouts and years.
    """
    # by position, in _COMPARED's order (attribute access on a Row costs more than the rest)
    _no, table_type, unit, side, kind, key, code, name, project, column, _label = a[:_DESCRIBED]
    if code or key or project:
        name = None
    return (table_type, side, unit, kind, key, code, project, name, column)


def compare_documents(
    db: DbLike, a_id: int, b_id: int, *, include_same: bool = True
) -> list[AmountDiff]:
    """Every amount of two documents matched cell by cell: ``a``, ``b``, ``b - a`` and
    ``(b - a) / a``.

    Cells present in one document only are ``added`` (only in ``b``) or ``removed`` (only in
    ``a``). Repeated identities (two rows with the same code and name) are paired in order.
    Output follows ``a``'s order, then the cells added in ``b``.
    """
    with session_scope(db) as s:
        found = set(s.scalars(select(DocumentRow.id).where(DocumentRow.id.in_((a_id, b_id)))))
        for doc_id in (a_id, b_id):
            if doc_id not in found:
                raise KeyError(f"no document {doc_id}")
        rows_a, rows_b = _amounts_of(s, a_id), _amounts_of(s, b_id)

    def keyed(rows: list[Any]) -> dict[tuple[Any, ...], Any]:
        seen: Counter[tuple[Any, ...]] = Counter()
        out: dict[tuple[Any, ...], Any] = {}
        for r in rows:
            ident = _identity(r)
            out[(*ident, seen[ident])] = r
            seen[ident] += 1
        return out

    ka, kb = keyed(rows_a), keyed(rows_b)
    diffs: list[AmountDiff] = []
    for key, ra in ka.items():
        rb = kb.get(key)
        diffs.append(_diff(ra, rb))
    for key, rb in kb.items():
        if key not in ka:
            diffs.append(_diff(None, rb))
    if not include_same:
        diffs = [d for d in diffs if d.status != "same"]
    return diffs


def _diff(ra: Any, rb: Any) -> AmountDiff:
    """The pair of ``_amounts_of`` rows (either ``None``) as one :class:`AmountDiff`."""
    ref = ra if ra is not None else rb
    assert ref is not None
    a = ra.value if ra is not None else None
    b = rb.value if rb is not None else None
    if a is not None and b is not None:
        diff: Decimal | None = b - a
        rel = ratio(b - a, a) if a != 0 else None
        status: Literal["same", "changed", "added", "removed"] = "same" if a == b else "changed"
    else:
        diff, rel = None, None
        status = "added" if a is None else "removed"
    # positional: _COMPARED's first eleven columns are AmountDiff's first eleven fields (a test
    # checks the names line up); keywords cost a third of the call's matching time
    return AmountDiff(*ref[:_DESCRIBED], a, b, diff, rel, status)


# --------------------------------------------------------------------------------------------
# Peers

#: (metric, table type, column key) of the figures the peer comparison needs (total rows).
_PEER_FIGURES = {
    "three_public": ("three_public", "total"),
    "running_costs": ("general_basic", "public"),
    "project": ("general_expenditure", "project"),
    "total": ("general_expenditure", "total"),
}

METRIC_LABELS = {
    "three_public_per_staff": ("人均“三公”经费", "'three public' spending per staff member"),
    "running_costs_per_staff": ("人均机关运行经费", "running costs per staff member"),
    "project_share": ("项目支出占比", "project share of general expenditure"),
}

#: 0.6745 is the 75th percentile of the standard normal: it makes MAD comparable to a standard
#: deviation (Iglewicz & Hoaglin's modified z-score); 3.5 is their outlier threshold.
_Z_FACTOR = Decimal("0.6745")
#: With MAD = 0 (most peers equal) the mean absolute deviation is used; 1.2533 = sqrt(pi/2)
#: scales it to a standard deviation likewise.
_MEANAD_FACTOR = Decimal("1.2533")


def robust_z(values: dict[int, Decimal]) -> dict[int, tuple[Decimal, Decimal, Decimal | None]]:
    """``doc id → (median, MAD, z)``; ``z`` is ``None`` when all values are equal."""
    if not values:
        return {}
    xs = list(values.values())
    med = Decimal(statistics.median(xs))
    deviations = [abs(x - med) for x in xs]
    mad = Decimal(statistics.median(deviations))
    out: dict[int, tuple[Decimal, Decimal, Decimal | None]] = {}
    mean_ad = sum(deviations, Decimal(0)) / len(deviations)
    for doc_id, x in values.items():
        if mad != 0:
            z: Decimal | None = _Z_FACTOR * (x - med) / mad
        elif mean_ad != 0:
            z = (x - med) / (_MEANAD_FACTOR * mean_ad)
        else:
            z = None
        out[doc_id] = (med, mad, None if z is None else z.quantize(Decimal("0.01")))
    return out


def peers(
    db: DbLike = None,
    *,
    years: Iterable[int] | int | None = None,
    kind: str | None = "budget",
    region: str | None = None,
    by_region: bool = False,
    staff: Literal["actual", "active"] = "actual",
    threshold: Decimal | float | str = Decimal("3.5"),
    min_peers: int = 4,
) -> list[PeerRow]:
    """Peer benchmarks of current documents, grouped by year and kind (and region when
    ``by_region``): 三公经费 and 机关运行经费 per staff member and the project share, each with
    the group's median, MAD and a robust z-score; ``outlier`` when ``|z| > threshold``.

    Staff is ``staffing.actual`` (实有人数) or ``active`` (在职), falling back to the other when
    a document prints only one. Groups smaller than ``min_peers`` get no z-scores: a median of
    three says little.
    """
    thr = Decimal(str(threshold))
    fig_cond = or_(
        *(
            and_(AmountRow.table_type == t, AmountRow.column_key == c)
            for t, c in set(_PEER_FIGURES.values())
        )
    )
    stmt = select(
        AmountRow.document_id, AmountRow.table_type, AmountRow.column_key, func.sum(AmountRow.value)
    ).where(AmountRow.row_kind == "total", fig_cond)
    stmt = _filters(
        _joined(stmt),
        years=years,
        kind=kind,
        department=None,
        region=region,
        current_only=True,
        aggregate=True,
    ).group_by(AmountRow.document_id, AmountRow.table_type, AmountRow.column_key)
    docs_stmt = _filters(
        select(DocumentRow, RegionRow)
        .options(defer(DocumentRow.document_json_zlib))
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id),
        years=years,
        kind=kind,
        department=None,
        region=region,
        current_only=True,
        aggregate=True,
    )
    # Tables each document has, so that an absent 三公 figure in a printed (empty) table is 0.
    tables_stmt = select(TableRow.document_id, TableRow.type).where(
        TableRow.type.in_(sorted({t for t, _ in _PEER_FIGURES.values()})),
        TableRow.document_id.in_(docs_stmt.with_only_columns(DocumentRow.id)),
    )
    with session_scope(db) as s:
        figures: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
        for doc_id, ttype, col, total in s.execute(stmt):
            figures[doc_id][(ttype, col)] = total
        has_table: dict[int, set[str]] = defaultdict(set)
        for doc_id, ttype in s.execute(tables_stmt):
            has_table[doc_id].add(ttype)
        rows: list[PeerRow] = []
        for d, r in s.execute(docs_stmt.order_by(DocumentRow.id)).unique():
            f = figures.get(d.id, {})

            def fig(name: str, _f: dict[tuple[str, str], Decimal] = f, _id: int = d.id) -> Any:
                t, c = _PEER_FIGURES[name]
                if (t, c) in _f:
                    return _f[(t, c)]
                return Decimal(0) if t in has_table[_id] else None

            n_staff = (d.staff_actual if staff == "actual" else d.staff_active) or (
                d.staff_active if staff == "actual" else d.staff_actual
            )
            rows.append(
                PeerRow(
                    document_id=d.id,
                    department_id=d.department_id,
                    department=d.department_name
                    + (f"（{d.department_alias}）" if d.department_alias else ""),
                    region=_region_name(r.province, r.city, r.district),
                    year=d.year,
                    kind=d.kind,
                    staff=n_staff,
                    three_public=fig("three_public"),
                    running_costs=fig("running_costs"),
                    project=fig("project"),
                    total=fig("total"),
                )
            )

    def metric_values(row: PeerRow) -> dict[str, Decimal | None]:
        per = row.staff if row.staff else None
        return {
            "three_public_per_staff": ratio(row.three_public, per)
            if per and row.three_public is not None
            else None,
            "running_costs_per_staff": ratio(row.running_costs, per)
            if per and row.running_costs is not None
            else None,
            "project_share": ratio(row.project, row.total)
            if row.project is not None and row.total
            else None,
        }

    groups: dict[tuple[Any, ...], list[PeerRow]] = defaultdict(list)
    for row in rows:
        key = (row.year, row.kind, row.region if by_region else None)
        groups[key].append(row)
    for members in groups.values():
        values = {m.document_id: metric_values(m) for m in members}
        for metric in METRIC_LABELS:
            present = {i: v[metric] for i, v in values.items() if v[metric] is not None}
            stats = robust_z(present) if len(present) >= min_peers else {}
            for m in members:
                val = values[m.document_id][metric]
                med, mad, z = stats.get(m.document_id, (None, None, None))
                flag = z is not None and abs(z) > thr
                m.metrics[metric] = PeerMetric(val, med, mad, z, flag)
                if flag:
                    assert val is not None and med is not None and z is not None
                    m.outlier = True
                    zh, en = METRIC_LABELS[metric]
                    times = f"{(val / med).quantize(Decimal('0.1'))} 倍" if med else "—"
                    times_en = f"{(val / med).quantize(Decimal('0.1'))}×" if med else "n/a"
                    direction = "高于" if z > 0 else "低于"
                    m.reasons_zh.append(
                        f"{zh} {format_metric(val, metric)}{direction}同组中位数 {format_metric(med, metric)}"
                        f"（{times}，稳健 z = {z}，阈值 {thr}，同组 {len(present)} 个部门）"
                    )
                    m.reasons_en.append(
                        f"{en} {format_metric(val, metric)} is {'above' if z > 0 else 'below'} the peer "
                        f"median {format_metric(med, metric)} ({times_en}, robust z = {z}, threshold {thr},"
                        f" {len(present)} peers)"
                    )
    return rows


def format_metric(value: Decimal, metric: str) -> str:
    if metric == "project_share":
        return f"{(value * 100).quantize(Decimal('0.1'))}%"
    return f"{value.quantize(Decimal('0.0001'))} 万元"
