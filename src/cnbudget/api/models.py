"""Response models of the REST API (what ``/docs`` and ``/openapi.json`` describe).

Amounts are **strings** holding the exact decimal (``"4701.75"``), never JSON numbers: a JSON
number is a binary double in most clients, and a published figure must come back exactly as it
was printed. Dates are ISO strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AggregateOut",
    "AmountDiffOut",
    "AnswerOut",
    "CheckOut",
    "ClassTotalOut",
    "CompareOut",
    "DepartmentDetailOut",
    "DepartmentOut",
    "DocumentOut",
    "DocumentPage",
    "ErrorDetail",
    "ErrorOut",
    "FindingOut",
    "FindingsOut",
    "HealthOut",
    "PeerMetricOut",
    "PeerRowOut",
    "PeersOut",
    "SeriesOut",
    "SeriesPointOut",
    "UploadOut",
]

Amount = str  # an exact decimal as text


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(_Out):
    code: str = Field(description="stable machine-readable code, e.g. 'document_not_found'")
    message_zh: str
    message_en: str
    status: int


class ErrorOut(_Out):
    """Every error response has this shape."""

    error: ErrorDetail


class DocumentOut(_Out):
    id: int
    department_id: int
    department: str = Field(description="department name as printed in this document")
    alias: str | None = Field(description="second name printed in parentheses")
    region: str = Field(description="province/city/district")
    year: int
    kind: Literal["budget", "final"] | str
    version: int = Field(description="1 for the first publication, +1 per correction")
    is_current: bool
    supersedes_id: int | None
    source_name: str | None
    sha256: str
    imported_at: dt.datetime
    publication_date: dt.date | None
    amount_count: int
    staff_actual: int | None
    staff_active: int | None
    scope: Literal["department", "unit"] | str = Field(
        "department", description="部门 (department) or 单位 (unit): part of the identity"
    )
    is_template: bool = Field(False, description="a blank template: listed, never counted")
    links: dict[str, str] = Field(default_factory=dict, description="related API paths")


class DocumentPage(_Out):
    total: int = Field(description="documents matching the filters (all pages)")
    limit: int
    offset: int
    items: list[DocumentOut]


class DepartmentOut(_Out):
    id: int
    name: str
    region: str
    aliases: list[str]
    documents: int


class DepartmentDetailOut(DepartmentOut):
    document_list: list[DocumentOut]


class AnswerOut(_Out):
    """An answer to a finding (已接受 / 已说明 / 误报), who gave it and when."""

    finding_key: str
    rule: str
    severity: str
    status: Literal["accepted", "explained", "false", "open"]
    note: str | None = None
    author: str
    created_at: str = Field(description="ISO 8601, UTC")
    document_id: int = Field(description="文件 id where it was given")
    inherited: bool = Field(description="given to an earlier version of this document")
    version: int | None = Field(None, description="版本 where it was given")


class FindingOut(_Out):
    """A check finding in the stable shape of ``cnbudget check --format json``."""

    rule: str
    severity: str
    family: str
    table_no: int | None = None
    table_type: str | None = None
    unit_name: str | None = None
    row_code: str | None = None
    row_key: str | None = None
    row_name: str | None = None
    column: str | None = None
    sentence: str | None = None
    expected: Amount | None = None
    found: Amount | None = None
    difference: Amount | None = None
    tolerance: Amount | None = None
    source_line: int | None = None
    source_page: int | None = None
    source_bbox: list[float] | None = None
    source_cell: str | None = None
    message: str
    message_en: str
    related: list[dict[str, Any]] = Field(default_factory=list)
    check_run_id: int | None = None
    key: str | None = Field(
        None, description="稳定键（规则+位置）/ stable key of the finding (rule + place)"
    )
    answer: AnswerOut | None = Field(
        None, description="审核答复（含上一版本继承）/ the answer that applies, if any"
    )


class FindingsOut(_Out):
    document_id: int
    counts: dict[str, int]
    findings: list[FindingOut]


class UploadOut(_Out):
    status: Literal["imported", "unchanged"]
    document: DocumentOut
    counts: dict[str, int] = Field(description="findings per severity")
    findings: list[FindingOut]
    notes: list[str] = Field(default_factory=list)


class CheckedDocument(_Out):
    source_name: str | None
    department: str | None
    year: int | None
    kind: str
    sha256: str
    stored_document_id: int | None = Field(description="id if these exact bytes are stored")


class ParseIssueOut(_Out):
    code: str
    severity: str
    message_zh: str
    message_en: str
    line: int | None = None
    page: int | None = None
    text: str | None = None


class CheckOut(_Out):
    document: CheckedDocument
    counts: dict[str, int]
    findings: list[FindingOut]
    issues: list[ParseIssueOut]


class ClassTotalOut(_Out):
    code: str | None
    name: str
    level: str
    values: dict[str, Amount]
    documents: int
    year: int | None = None
    kind: str | None = None
    department_id: int | None = None
    department: str | None = None
    region: str | None = None


class AggregateOut(_Out):
    classification: Literal["functional", "economic"]
    level: str
    columns: list[str]
    rows: list[ClassTotalOut]


class SeriesPointOut(_Out):
    year: int
    kind: str
    document_id: int
    version: int
    values: dict[str, Amount]
    change: Amount | None = None
    change_rel: Amount | None = None


class SeriesOut(_Out):
    department: str
    department_ids: list[int]
    classification: Literal["functional", "economic"]
    code: str | None
    points: list[SeriesPointOut]


class AmountDiffOut(_Out):
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
    a: Amount | None
    b: Amount | None
    diff: Amount | None
    rel_diff: Amount | None
    status: Literal["same", "changed", "added", "removed"]


class CompareOut(_Out):
    a: DocumentOut
    b: DocumentOut
    counts: dict[str, int]
    diffs: list[AmountDiffOut]


class PeerMetricOut(_Out):
    value: Amount | None
    median: Amount | None
    mad: Amount | None
    z: Amount | None
    outlier: bool


class PeerRowOut(_Out):
    document_id: int
    department_id: int
    department: str
    region: str
    year: int
    kind: str
    staff: int | None
    three_public: Amount | None
    running_costs: Amount | None
    project: Amount | None
    total: Amount | None
    metrics: dict[str, PeerMetricOut]
    outlier: bool
    reasons_zh: list[str]
    reasons_en: list[str]
    explanation: str


class PeersOut(_Out):
    threshold: Amount
    rows: list[PeerRowOut]


class HealthOut(_Out):
    status: Literal["ok"]
    database: str = Field(description="backend name, e.g. sqlite or postgresql")
    revision: str | None = Field(description="Alembic revision of the schema")
    version: str = Field(description="cnbudget version")
