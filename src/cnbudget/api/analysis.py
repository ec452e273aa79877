"""Analysis endpoints (issue 8): a document's transparency scorecard, its reconciliation with
last year's disclosure, a 决算's execution against its budget, performance targets (weak ones,
and a self-evaluation from posted actual values), a region's scorecards and peers.

Thin shells over :mod:`cnbudget.analysis` (the functions the CLI calls): every answer is the
library's ``as_dict()``, amounts as exact decimal strings. All are reads: the self-evaluation
is a POST only because it carries the actual values; it computes and stores nothing, so it
needs no token (beyond the read token of a private server).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from cnbudget.api.deps import get_engine, require_read
from cnbudget.api.errors import ApiError
from cnbudget.api.routes import ERROR_RESPONSES, DocId, Region, _load, _require_document

__all__ = ["MAX_ACTUALS", "MAX_SELFEVAL_BYTES", "router"]

router = APIRouter(
    prefix="/api",
    dependencies=[Depends(require_read)],
    responses=ERROR_RESPONSES,
    tags=["analysis"],
)
EngineDep = Annotated[Engine, Depends(get_engine)]
YearQ = Annotated[int, Query(ge=1900, le=2100, description="年度 / year")]

#: Bounds of a self-evaluation request: the body, and the number of actual values in it.
MAX_SELFEVAL_BYTES = 256 * 1024
MAX_ACTUALS = 2000

_Short = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


class ActualIn(BaseModel):
    """One achieved value of an indicator."""

    model_config = ConfigDict(extra="forbid")
    project: Annotated[str | None, Field(max_length=200, pattern=r"^[^\x00]*$")] = Field(
        default=None, description="项目名称；空 = 部门整体 / project, none = the department table"
    )
    indicator: _Short = Field(description="指标名称 / indicator")
    actual: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")] = Field(
        description="实际值，如 “98%”、“优” / the achieved value as printed"
    )


class SelfEvalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actuals: list[ActualIn] = Field(max_length=MAX_ACTUALS)


async def _check_size(request: Request) -> None:
    """413 for a self-evaluation body beyond :data:`MAX_SELFEVAL_BYTES`.

    Checked in the handler, after validation, so that an invalid body is a 422 whatever its
    size (the body is already read and cached by then).
    """
    if len(await request.body()) > MAX_SELFEVAL_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"请求过大（上限 {MAX_SELFEVAL_BYTES // 1024} KiB）",
            f"request too large (limit {MAX_SELFEVAL_BYTES // 1024} KiB)",
        )


def _not_applicable(code: str, zh: str, en: str, status: int = 422) -> ApiError:
    return ApiError(status, code, zh, en)


@router.get(
    "/documents/{document_id}/scorecard",
    summary="透明度评分 / transparency scorecard of a document",
    description="Every criterion with its points; every point cites its evidence (a table, "
    "cell or sentence with its source line) or states its absence.",
)
def document_scorecard(document_id: DocId, engine: EngineDep) -> dict[str, Any]:
    from cnbudget.analysis import score_document

    info = _require_document(engine, document_id)
    card = score_document(
        _load(engine, document_id),
        publication_date=info.publication_date,
        document_id=document_id,
    )
    return card.as_dict()


@router.get(
    "/documents/{document_id}/reconciliation",
    summary="上年核对 / reconciliation with last year's disclosure",
    description="Every 比上年 statement's implied previous-year figure against the figure the "
    "same department's previous-year document published; restatements are findings. 404 "
    "(`no_previous_year`) when that document is not stored.",
)
def document_reconciliation(document_id: DocId, engine: EngineDep) -> dict[str, Any]:
    from cnbudget.analysis import reconcile_stored

    _require_document(engine, document_id)
    result = reconcile_stored(engine, document_id)
    if result is None:
        raise _not_applicable(
            "no_previous_year",
            f"未存储文件 {document_id} 所属部门上一年度的同类文件，无法核对",
            f"the previous year's document of document {document_id}'s department is not stored",
            404,
        )
    return result.as_dict()


@router.get(
    "/documents/{document_id}/execution",
    summary="预算执行 / a 决算's execution against its budget",
    description="决算 ÷ 预算 per 类/款/项 and per 三公 item, large variances the narrative does "
    "not explain as findings. 404 (`not_a_final_account`) for a budget: a budget has no "
    "execution.",
)
def document_execution(document_id: DocId, engine: EngineDep) -> dict[str, Any]:
    from cnbudget.analysis import execution_stored

    info = _require_document(engine, document_id)
    if info.kind != "final":
        raise _not_applicable(
            "not_a_final_account",
            f"文件 {document_id} 不是决算，预算执行只对决算计算",
            f"document {document_id} is not a final account (决算); execution needs one",
            404,
        )
    return execution_stored(engine, document_id).as_dict()


def _weak(w: Any) -> dict[str, Any]:
    return {
        **{k: v for k, v in w.__dict__.items() if k != "location"},
        "location": w.location.model_dump(exclude_none=True),
    }


@router.get(
    "/documents/{document_id}/performance",
    summary="绩效目标 / performance targets and weak targets",
    description="The performance tables (indicators with their targets) and the indicators "
    "without a measurable target (weak targets, XY-PERF-001).",
)
def document_performance(document_id: DocId, engine: EngineDep) -> dict[str, Any]:
    from cnbudget.analysis import weak_targets
    from cnbudget.analysis.performance import table_label

    _require_document(engine, document_id)
    doc = _load(engine, document_id)
    return {
        "document_id": document_id,
        "tables": [
            {"label": table_label(t), "indicators": len(t.indicators)} for t in doc.performance
        ],
        "weak_targets": [_weak(w) for w in weak_targets(doc)],
    }


@router.post(
    "/documents/{document_id}/selfeval",
    summary="绩效自评计算 / score performance targets against actual values",
    description='JSON `{"actuals": [{"project", "indicator", "actual"}]}` → each '
    f"table's score by the rules it names. Computes only (nothing is stored, no token). At most "
    f"{MAX_ACTUALS} values and {MAX_SELFEVAL_BYTES // 1024} KiB.",
    responses={
        400: {"model": ERROR_RESPONSES[404]["model"], "description": "不是 JSON / not JSON"},
        413: {"model": ERROR_RESPONSES[404]["model"], "description": "请求过大 / too large"},
    },
)
async def document_selfeval(
    document_id: DocId,
    body: SelfEvalIn,
    engine: EngineDep,
    request: Request,
) -> dict[str, Any]:
    from cnbudget.analysis import Actual, self_evaluate

    await _check_size(request)
    actuals = [
        Actual(a.project, a.indicator.strip(), a.actual.strip(), f"request#{i}")
        for i, a in enumerate(body.actuals, 1)
    ]

    def compute() -> dict[str, Any]:
        _require_document(engine, document_id)
        doc = _load(engine, document_id)
        return {"document_id": document_id, **self_evaluate(doc, actuals).as_dict()}

    return await run_in_threadpool(compute)


@router.get(
    "/scorecard",
    summary="地区各部门透明度评分 / scorecards of a region's departments",
    description="Every current document of the region (any level; none = all) and year, best "
    "first, with its total; the full card is at `/api/documents/{id}/scorecard`.",
)
def region_scorecard(
    engine: EngineDep,
    year: YearQ,
    region: Region = None,
    kind: Annotated[str, Query(pattern="^(budget|final)$")] = "budget",
) -> dict[str, Any]:
    from cnbudget.analysis import score_region
    from cnbudget.store import jsonable

    scored = score_region(engine, region=region, year=year, kind=kind)
    return {
        "region": region,
        "year": year,
        "kind": kind,
        "items": [
            {
                "document_id": s.document_id,
                "department": s.department,
                "region": s.region,
                "year": s.year,
                "kind": s.kind,
                "total": jsonable(s.scorecard.total),
                "max_points": jsonable(s.scorecard.max_points),
                "percent": jsonable(s.scorecard.percent),
                "scorecard": f"/api/documents/{s.document_id}/scorecard",
            }
            for s in scored
        ],
    }


@router.get(
    "/analysis/peers",
    summary="地区同组比较（含结转占比与稳健异常值说明）/ a region's peers with robust outliers",
    description="Per-staff 三公 and 机关运行经费 (staffing from the overview text when the store "
    "has none), project share and carry-over share; outliers by median/MAD, explained in words.",
)
def analysis_peers(
    engine: EngineDep,
    year: YearQ,
    region: Region = None,
    kind: Annotated[str, Query(pattern="^(budget|final)$")] = "budget",
) -> dict[str, Any]:
    from cnbudget.analysis import peer_findings, region_peers

    profiles = region_peers(engine, year=year, region=region, kind=kind)
    return {
        "region": region,
        "year": year,
        "kind": kind,
        "threshold": "3.5",
        "rows": [p.as_dict() for p in profiles],
        "findings": [f.flat() for f in peer_findings(profiles)],
    }
