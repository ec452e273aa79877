"""Read endpoints under ``/api``: documents, their tables, findings and files; departments;
aggregates, series, comparisons and peers.

Every handler is a thin shell over :mod:`cnbudget.store` (the same functions the CLI calls), so
the API cannot disagree with ``cnbudget query``. Parameters are bounded (ids to 32-bit, years to
1900–2100, text to 200 characters without NUL) because the databases reject what a client could
otherwise send — a 2**70 id overflows SQLite's integers, a NUL byte is refused by PostgreSQL —
and such a request must be a 422, never a 500.
"""

from __future__ import annotations

import dataclasses
import io
import zlib
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field, TypeAdapter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cnbudget.api.cache import ResultCache
from cnbudget.api.deps import get_engine, require_read
from cnbudget.api.errors import not_found
from cnbudget.api.http import immutable_cache
from cnbudget.api.models import (
    AggregateOut,
    CompareOut,
    DepartmentDetailOut,
    DepartmentOut,
    DocumentOut,
    DocumentPage,
    ErrorOut,
    FindingsOut,
    PeersOut,
    SeriesOut,
)
from cnbudget.api.search import SortKey, document_links, get_document, search_documents
from cnbudget.api.tables import table_csv
from cnbudget.model import Document, Table
from cnbudget.store import queries
from cnbudget.store.queries import DocumentInfo
from cnbudget.store.responses import findings_with_answers
from cnbudget.store.schema import DocumentRow

__all__ = ["ERROR_RESPONSES", "etag_matches", "router"]

#: Documented error responses of every endpoint (all in the one error shape).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "令牌缺失 / token missing (private reads)"},
    403: {"model": ErrorOut, "description": "令牌无效 / wrong token"},
    404: {"model": ErrorOut, "description": "不存在 / not found"},
    422: {"model": ErrorOut, "description": "参数无效 / invalid parameters"},
    500: {"model": ErrorOut, "description": "内部错误 / internal error"},
    503: {"model": ErrorOut, "description": "数据库不可用 / database unavailable"},
}

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)], responses=ERROR_RESPONSES)

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER
_TEXT = r"^[^\x00]*$"

DocId = Annotated[int, Path(ge=1, le=MAX_ID, description="文件 id / document id")]
TableNo = Annotated[int, Path(ge=0, le=999, description="表号 / printed table number")]
Text = Annotated[str | None, Query(min_length=1, max_length=200, pattern=_TEXT)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Years = Annotated[list[Year] | None, Query(max_length=50, description="年度（可重复）/ years")]
Kind = Annotated[
    Literal["budget", "final", "all"],
    Query(description="budget = 预算, final = 决算, all = both"),
]
Department = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=_TEXT,
        description="部门 id 或任一名称（含别名） / department id or any of its names",
    ),
]
Region = Annotated[
    str | None,
    Query(
        min_length=1, max_length=64, pattern=_TEXT, description="省、市或区名 / any region level"
    ),
]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_cache(request: Request) -> ResultCache:
    return request.app.state.cache  # type: ignore[no-any-return]


CacheDep = Annotated[ResultCache, Depends(get_cache)]


def _kind(kind: str) -> str | None:
    return None if kind == "all" else kind


def _department(value: str | None) -> int | str | None:
    """A department given by id (digits) or by any of its printed names.

    An id no department can have (0, or beyond 32 bits) matches nothing, like an unknown name:
    it is a valid question with an empty answer, not an invalid request.
    """
    if value is None:
        return None
    if value.isascii() and value.isdigit():
        n = int(value) if len(value) <= 12 else 0
        return n if 1 <= n <= MAX_ID else NO_DEPARTMENT
    return value


#: An id no row has (ids start at 1): used for ids outside the storable range.
NO_DEPARTMENT = 0


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (or ``*``; weak forms ``W/"…"`` match too, as gzip
    proxies weaken ETags)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _doc_out(info: DocumentInfo) -> dict[str, Any]:
    return {**dataclasses.asdict(info), "links": document_links(info.id)}


def _require_document(engine: Engine, document_id: int) -> DocumentInfo:
    with Session(engine) as s:
        info = get_document(s, document_id)
    if info is None:
        raise not_found(f"文件 {document_id}", f"document {document_id}", "document_not_found")
    return info


def _load(engine: Engine, document_id: int) -> Document:
    try:
        return queries.load_document(engine, document_id)
    except KeyError:
        raise not_found(
            f"文件 {document_id}", f"document {document_id}", "document_not_found"
        ) from None


def _attachment(filename: str, fallback: str) -> str:
    """``Content-Disposition`` with an ASCII fallback and the UTF-8 name (RFC 6266/5987), so
    that browsers save 「乌鲁木齐市….csv」 under its Chinese name."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _stem(info: DocumentInfo) -> str:
    name = info.source_name or f"document-{info.id}"
    return name.rsplit(".", 1)[0] if "." in name else name


# --------------------------------------------------------------------------------------------
# Documents


@router.get(
    "/documents",
    response_model=DocumentPage,
    summary="列出/搜索文件 / list and search documents",
    tags=["documents"],
)
def list_documents(
    engine: EngineDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=_TEXT,
            description="部门、别名、地区或文件名中包含的文字 / text in names, region or file name",
        ),
    ] = None,
    department: Department = None,
    region: Region = None,
    year: Years = None,
    kind: Kind = "all",
    current_only: Annotated[bool, Query(description="只看每个系列的最新版本")] = False,
    sort: Annotated[SortKey, Query()] = "department",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    with Session(engine) as s:
        total, items = search_documents(
            s,
            q=q or None,
            department=_department(department),
            region=region,
            years=year,
            kind=_kind(kind),
            current_only=current_only,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    return {"total": total, "limit": limit, "offset": offset, "items": [_doc_out(i) for i in items]}


@router.get(
    "/documents/{document_id}",
    response_model=Document,
    summary="文件的标准结构（JSON）/ the canonical document",
    description="The document exactly as parsed (the model of `cnbudget schema`, fields without "
    "a value omitted). Immutable: the ETag is the SHA-256 of the source file.",
    tags=["documents"],
    responses={304: {"description": "未修改 / not modified (If-None-Match)"}},
)
def get_document_json(
    request: Request,
    document_id: DocId,
    engine: EngineDep,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # The stored JSON is served as is: no model validation or re-serialisation per request,
    # which is what keeps a fetch within a few milliseconds on a large store.
    with engine.connect() as conn:
        row = conn.execute(
            select(DocumentRow.document_json_zlib, DocumentRow.sha256).where(
                DocumentRow.id == document_id
            )
        ).first()
    if row is None:
        raise not_found(f"文件 {document_id}", f"document {document_id}", "document_not_found")
    etag = f'"{row.sha256}"'
    headers = {"ETag": etag, "Cache-Control": immutable_cache(request.app.state.settings)}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(
        content=zlib.decompress(row.document_json_zlib),
        media_type="application/json",
        headers=headers,
    )


@router.get(
    "/documents/{document_id}/info",
    response_model=DocumentOut,
    summary="文件的元数据 / a document's metadata",
    tags=["documents"],
)
def get_document_info(document_id: DocId, engine: EngineDep) -> dict[str, Any]:
    return _doc_out(_require_document(engine, document_id))


_TABLES = TypeAdapter(list[Table])


@router.get(
    "/documents/{document_id}/tables",
    response_model=list[Table],
    summary="文件的全部表格（JSON）/ every table of a document",
    tags=["documents"],
)
def get_tables(document_id: DocId, engine: EngineDep) -> Response:
    doc = _load(engine, document_id)
    return Response(
        content=_TABLES.dump_json(doc.tables, exclude_none=True), media_type="application/json"
    )


def _table(engine: Engine, document_id: int, table_no: int) -> Table:
    doc = _load(engine, document_id)
    for t in doc.tables:
        if t.number == table_no:
            return t
    raise not_found(
        f"文件 {document_id} 的表{table_no}",
        f"table {table_no} of document {document_id}",
        "table_not_found",
    )


# Registered before "/tables/{table_no}" so that "3.csv" is never read as a table number.
@router.get(
    "/documents/{document_id}/tables/{table_no}.csv",
    response_class=Response,
    summary="一张表（CSV，按印刷样式）/ one table as CSV, laid out as printed",
    tags=["documents"],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_table_csv(document_id: DocId, table_no: TableNo, engine: EngineDep) -> Response:
    table = _table(engine, document_id, table_no)
    return Response(
        content=("\ufeff" + table_csv(table)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": _attachment(
                f"document-{document_id}-表{table_no}.csv",
                f"document-{document_id}-table-{table_no}.csv",
            )
        },
    )


@router.get(
    "/documents/{document_id}/tables/{table_no}",
    response_model=Table,
    summary="一张表（JSON）/ one table",
    tags=["documents"],
)
def get_table(document_id: DocId, table_no: TableNo, engine: EngineDep) -> Response:
    table = _table(engine, document_id, table_no)
    return Response(content=table.model_dump_json(exclude_none=True), media_type="application/json")


@router.get(
    "/documents/{document_id}/findings",
    response_model=FindingsOut,
    summary="检查结果 / the findings of the latest check run",
    tags=["documents"],
)
def get_findings(
    document_id: DocId,
    engine: EngineDep,
    severity: Annotated[Literal["error", "warning", "notice"] | None, Query()] = None,
) -> dict[str, Any]:
    _require_document(engine, document_id)
    found = findings_with_answers(engine, document_id, severity=severity)
    counts = {"error": 0, "warning": 0, "notice": 0}
    for f in found:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    return {"document_id": document_id, "counts": counts, "findings": found}


@router.get(
    "/documents/{document_id}/longform.csv",
    response_class=Response,
    summary="长表 CSV（每行一个金额）/ long form as CSV",
    tags=["documents"],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_longform_csv(document_id: DocId, engine: EngineDep) -> Response:
    from cnbudget.export import write_csv

    info = _require_document(engine, document_id)
    doc = _load(engine, document_id)
    buf = io.BytesIO()
    write_csv(doc, buf)
    return Response(
        content=buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": _attachment(
                f"{_stem(info)}.csv", f"document-{document_id}-longform.csv"
            )
        },
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/documents/{document_id}/longform.xlsx",
    response_class=Response,
    summary="长表 XLSX / long form as an Excel workbook",
    tags=["documents"],
    responses={200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_longform_xlsx(document_id: DocId, engine: EngineDep) -> Response:
    from cnbudget.export import write_xlsx

    info = _require_document(engine, document_id)
    doc = _load(engine, document_id)
    buf = io.BytesIO()
    write_xlsx(doc, buf)
    return Response(
        content=buf.getvalue(),
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": _attachment(
                f"{_stem(info)}.xlsx", f"document-{document_id}-longform.xlsx"
            )
        },
    )


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    summary="原始文件 / the file as imported (exact bytes)",
    tags=["documents"],
    responses={
        200: {
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }
        },
        304: {"description": "未修改 / not modified (If-None-Match)"},
    },
)
def get_original(
    request: Request,
    document_id: DocId,
    engine: EngineDep,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    info = _require_document(engine, document_id)
    etag = f'"{info.sha256}"'
    cache = {"ETag": etag, "Cache-Control": immutable_cache(request.app.state.settings)}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=cache)
    data = queries.raw_file(engine, document_id)
    if data.startswith(b"%PDF"):
        media = "application/pdf"
    else:
        try:
            data.decode("utf-8")
            media = "text/plain; charset=utf-8"
        except UnicodeDecodeError:
            media = "application/octet-stream"  # GB18030 text: let the client decide
    name = info.source_name or f"document-{document_id}"
    return Response(
        content=data,
        media_type=media,
        headers={
            "Content-Disposition": _attachment(name, f"document-{document_id}-original"),
            **cache,
        },
    )


# --------------------------------------------------------------------------------------------
# Departments


@router.get(
    "/departments",
    response_model=list[DepartmentOut],
    summary="部门列表 / departments with all their names",
    tags=["departments"],
)
def list_departments(
    engine: EngineDep,
    cache: CacheDep,
    q: Annotated[
        str | None, Query(max_length=200, pattern=_TEXT, description="名称中包含的文字")
    ] = None,
    region: Region = None,
) -> list[dict[str, Any]]:
    rows = _departments(engine, cache)
    out = []
    needle = (q or "").casefold()
    for d in rows:
        if needle and not any(needle in n.casefold() for n in [d.name, *d.aliases]):
            continue
        if region is not None and region not in d.region.split("/"):
            continue
        out.append(dataclasses.asdict(d))
    return out


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentDetailOut,
    summary="一个部门及其文件 / one department and its documents",
    tags=["departments"],
)
def get_department(
    department_id: Annotated[int, Path(ge=1, le=MAX_ID)], engine: EngineDep, cache: CacheDep
) -> dict[str, Any]:
    found = [d for d in _departments(engine, cache) if d.id == department_id]
    if not found:
        raise not_found(
            f"部门 {department_id}", f"department {department_id}", "department_not_found"
        )
    docs = queries.list_documents(engine, department=department_id)
    return {**dataclasses.asdict(found[0]), "document_list": [_doc_out(d) for d in docs]}


def _departments(engine: Engine, cache: ResultCache) -> list[Any]:
    return cache.get(engine, ("departments",), lambda: queries.list_departments(engine))


Classification = Annotated[
    Literal["functional", "economic"],
    Query(description="functional = 支出功能分类（表3），economic = 经济分类（表6）"),
]
Code = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{3,7}$", description="科目编码 / classification code, e.g. 206"),
]


@router.get(
    "/departments/{department}/series",
    response_model=SeriesOut,
    summary="部门历年数据 / a department's series over the years",
    tags=["departments"],
)
def get_series(
    department: Annotated[
        str, Path(min_length=1, max_length=200, pattern=_TEXT, description="id 或名称 / id or name")
    ],
    engine: EngineDep,
    cache: CacheDep,
    classification: Classification = "functional",
    code: Code = None,
    kind: Kind = "budget",
) -> dict[str, Any]:
    dept = _department(department)
    assert dept is not None

    def compute() -> dict[str, Any] | None:
        ids = queries.resolve_department(engine, dept)
        if not ids or (isinstance(dept, int) and not queries.department_known(engine, dept)):
            return None
        if classification == "functional":
            table, columns = queries.FUNCTION_TABLE, queries.FUNCTION_COLUMNS
        else:
            table, columns = queries.ECONOMIC_TABLE, queries.ECONOMIC_COLUMNS
        points = queries.department_series(
            engine, dept, table_type=table, columns=columns, code=code, kind=_kind(kind)
        )
        return {
            "department": department,
            "department_ids": ids,
            "classification": classification,
            "code": code,
            "points": queries.jsonable(points),
        }

    out = cache.get(engine, ("series", dept, classification, code, kind), compute)
    if out is None:
        raise not_found(f"部门 {department}", f"department {department}", "department_not_found")
    return out


# --------------------------------------------------------------------------------------------
# Aggregates, comparison, peers

By = Annotated[
    list[Literal["year", "kind", "department", "region"]],
    Query(max_length=4, description="分组 / group by (repeatable)"),
]


def _aggregate(
    engine: Engine,
    cache: ResultCache,
    classification: Literal["functional", "economic"],
    *,
    level: str,
    by: list[Any],
    year: list[int] | None,
    kind: str,
    department: str | None,
    region: str | None,
    code: str | None,
    current_only: bool,
) -> dict[str, Any]:
    fn = queries.function_totals if classification == "functional" else queries.economic_totals
    group = tuple(dict.fromkeys(by))
    dept = _department(department)
    years = tuple(sorted(set(year))) if year else None

    def compute() -> dict[str, Any]:
        rows = fn(
            engine,
            level=level,  # type: ignore[arg-type]
            by=group,
            code_prefix=code,
            years=years,
            kind=_kind(kind),
            department=dept,
            region=region,
            current_only=current_only,
        )
        columns = (
            queries.FUNCTION_COLUMNS if classification == "functional" else queries.ECONOMIC_COLUMNS
        )
        return {
            "classification": classification,
            "level": level,
            "columns": list(columns),
            "rows": queries.jsonable(rows),
        }

    key = ("aggregate", classification, level, group, years, kind, dept, region, code, current_only)
    return cache.get(engine, key, compute)


@router.get(
    "/aggregates/functional",
    response_model=AggregateOut,
    summary="按功能分类汇总（类/款/项）/ totals by function class",
    description="Sums of 表3 (部门支出总体情况表) — total, basic and project — per 类, 款 or 项 "
    "(or the table total), over current versions, grouped as asked.",
    tags=["aggregates"],
)
def aggregate_functional(
    engine: EngineDep,
    cache: CacheDep,
    level: Annotated[Literal["类", "款", "项", "total"], Query()] = "类",
    by: By = ["year"],  # noqa: B006 - FastAPI copies defaults
    year: Years = None,
    kind: Kind = "budget",
    department: Department = None,
    region: Region = None,
    code: Code = None,
    current_only: bool = True,
) -> dict[str, Any]:
    return _aggregate(
        engine,
        cache,
        "functional",
        level=level,
        by=by,
        year=year,
        kind=kind,
        department=department,
        region=region,
        code=code,
        current_only=current_only,
    )


@router.get(
    "/aggregates/economic",
    response_model=AggregateOut,
    summary="按经济分类汇总（类/款）/ basic expenditure by economic class",
    description="Sums of 表6 (一般公共预算基本支出情况表) — total, personnel, public — per 类 "
    "or 款, over current versions.",
    tags=["aggregates"],
)
def aggregate_economic(
    engine: EngineDep,
    cache: CacheDep,
    level: Annotated[Literal["类", "款", "total"], Query()] = "类",
    by: By = ["year"],  # noqa: B006
    year: Years = None,
    kind: Kind = "budget",
    department: Department = None,
    region: Region = None,
    code: Code = None,
    current_only: bool = True,
) -> dict[str, Any]:
    return _aggregate(
        engine,
        cache,
        "economic",
        level=level,
        by=by,
        year=year,
        kind=kind,
        department=department,
        region=region,
        code=code,
        current_only=current_only,
    )


@router.get(
    "/compare",
    response_model=CompareOut,
    summary="比较两份文件的每个金额 / compare every amount of two documents",
    tags=["aggregates"],
)
def compare(
    engine: EngineDep,
    a: Annotated[int, Query(ge=1, le=MAX_ID, description="文件 A 的 id")],
    b: Annotated[int, Query(ge=1, le=MAX_ID, description="文件 B 的 id")],
    changed_only: Annotated[bool, Query(description="只返回有变化的金额")] = False,
) -> dict[str, Any]:
    info_a = _require_document(engine, a)
    info_b = _require_document(engine, b)
    diffs = queries.compare_documents(engine, a, b, include_same=True)
    counts = {"same": 0, "changed": 0, "added": 0, "removed": 0}
    for d in diffs:
        counts[d.status] += 1
    if changed_only:
        diffs = [d for d in diffs if d.status != "same"]
    return {
        "a": _doc_out(info_a),
        "b": _doc_out(info_b),
        "counts": counts,
        "diffs": queries.jsonable(diffs),
    }


@router.get(
    "/peers",
    response_model=PeersOut,
    summary="同组比较与异常值 / peer benchmarks with outliers",
    description="人均三公经费、人均机关运行经费与项目支出占比, with the group's median, MAD and a "
    "robust z-score per metric; groups are year × kind (× region with by_region).",
    tags=["aggregates"],
)
def get_peers(
    engine: EngineDep,
    cache: CacheDep,
    year: Years = None,
    region: Region = None,
    kind: Kind = "budget",
    by_region: bool = False,
    staff: Annotated[Literal["actual", "active"], Query()] = "actual",
    threshold: Annotated[float, Query(gt=0, le=100, allow_inf_nan=False)] = 3.5,
    min_peers: Annotated[int, Query(ge=2, le=1000)] = 4,
    outliers_only: bool = False,
) -> dict[str, Any]:
    from decimal import Decimal

    thr = Decimal(repr(threshold))
    years = tuple(sorted(set(year))) if year else None

    def compute() -> list[dict[str, Any]]:
        rows = queries.peers(
            engine,
            years=years,
            kind=_kind(kind),
            region=region,
            by_region=by_region,
            staff=staff,
            threshold=thr,
            min_peers=min_peers,
        )
        return queries.jsonable(rows)  # type: ignore[no-any-return]

    key = ("peers", years, kind, region, by_region, staff, str(thr), min_peers)
    rows = cache.get(engine, key, compute)
    if outliers_only:
        rows = [r for r in rows if r["outlier"]]
    return {"threshold": format(thr, "f"), "rows": rows}
