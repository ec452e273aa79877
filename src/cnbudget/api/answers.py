"""Answers to findings over HTTP (the review round, issue 14): answer one finding (token
required, like uploads), read its history, export every answer, and the per-rule
false-positive table.

Why the author is a field and not the token's owner: the server has one token (``--token``),
held by the finance bureau's review desk; the person answering signs with their name, which is
stored with the time, as on a paper review sheet. Everything else comes from
:mod:`cnbudget.store.responses`, so the CLI, the web page and the API cannot disagree.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from cnbudget.api.deps import get_engine, require_read, require_write
from cnbudget.api.errors import ApiError
from cnbudget.api.models import AnswerOut
from cnbudget.api.routes import ERROR_RESPONSES, DocId, _require_document
from cnbudget.export.cells import spreadsheet_cell
from cnbudget.store.responses import (
    ANSWER_COLUMNS,
    MAX_AUTHOR,
    MAX_NOTE,
    AnswerError,
    answer_finding,
    export_answers,
    history,
    rule_quality,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)], responses=ERROR_RESPONSES)

EngineDep = Annotated[Engine, Depends(get_engine)]
FindingKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[0-9a-f]{24}(~[0-9]{1,6})?$",
        description="检查结果的稳定键 / the finding's key (`key` in the findings list)",
    ),
]


class AnswerIn(BaseModel):
    """What a reviewer sends: the status, who they are, and why (required for explained/false)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["accepted", "explained", "false", "open"] = Field(
        description="accepted 已接受（将修改）| explained 已说明 | false 误报 | open 撤回答复"
    )
    author: str = Field(min_length=1, max_length=MAX_AUTHOR, pattern=r"^[^\x00]*$")
    note: str | None = Field(None, max_length=MAX_NOTE, pattern=r"^[^\x00]*$")


class RuleQualityOut(BaseModel):
    rule: str
    findings: int = Field(description="在现行版本中的检查结果数 / findings in current versions")
    answered: int
    accepted: int
    explained: int
    false: int
    false_rate: float | None = Field(description="误报 / 已答复 (a ratio, not money)")


_STATUS_CODE = {"no_document": 404, "no_finding": 404}


def _refused(err: AnswerError) -> ApiError:
    return ApiError(_STATUS_CODE.get(err.code, 422), err.code, err.zh, err.en)


@router.post(
    "/documents/{document_id}/findings/{finding_key}/answer",
    response_model=AnswerOut,
    status_code=201,
    summary="答复一项检查结果 / answer a finding (accepted, explained, false, open)",
    description="Needs the token. `explained` and `false` need a `note`. Answers are never "
    "overwritten: each is a new row; the newest applies, and a corrected version of the "
    "document inherits it where the same finding (same rule and place) recurs.",
    tags=["review"],
    dependencies=[Depends(require_write)],
)
async def post_answer(
    document_id: DocId, finding_key: FindingKey, body: AnswerIn, engine: EngineDep
) -> JSONResponse:
    def store() -> dict[str, Any]:
        try:
            return answer_finding(
                engine,
                document_id,
                finding_key,
                body.status,
                author=body.author,
                note=body.note,
            ).jsonable()
        except AnswerError as err:
            raise _refused(err) from err

    out = AnswerOut.model_validate(await run_in_threadpool(store))
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.get(
    "/documents/{document_id}/findings/{finding_key}/answers",
    response_model=list[AnswerOut],
    summary="答复记录 / every answer given to a finding, oldest first",
    tags=["review"],
)
def get_history(
    document_id: DocId, finding_key: FindingKey, engine: EngineDep
) -> list[dict[str, Any]]:
    _require_document(engine, document_id)
    return [a.jsonable() for a in history(engine, document_id, finding_key)]


@router.get(
    "/answers",
    summary="全部答复（导出）/ every answer stored, oldest first (JSON or CSV)",
    tags=["review"],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_answers(
    engine: EngineDep,
    format: Annotated[Literal["json", "csv"], Query(description="json | csv")] = "json",
) -> Response:
    rows = export_answers(engine)
    if format == "json":
        return JSONResponse({"answers": rows})
    return Response(
        content="\ufeff" + answers_csv(rows),  # BOM: Excel opens UTF-8 CSV as such
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="answers.csv"'},
    )


def answers_csv(rows: list[dict[str, Any]]) -> str:
    """The answer export as CSV (the columns of :func:`export_answers`, in its order)."""
    buf = io.StringIO()
    fields = list(ANSWER_COLUMNS)
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    # authors and notes are typed by reviewers: never a formula in Excel
    w.writerows({k: spreadsheet_cell(v) for k, v in r.items()} for r in rows)
    return buf.getvalue()


@router.get(
    "/rule-quality",
    response_model=list[RuleQualityOut],
    summary="规则误报统计 / per rule: findings, answers and false positives, worst first",
    tags=["review"],
)
def get_rule_quality(engine: EngineDep) -> list[dict[str, Any]]:
    return [q.as_dict() for q in rule_quality(engine)]
