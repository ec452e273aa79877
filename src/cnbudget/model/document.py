"""Pydantic models of a department budget disclosure (部门预算公开), amounts in 万元 as ``Decimal``.

Tables are *typed* through their layout: each table has a ``type`` declared in a layout data file
(``cnbudget/layouts/data/*.yaml``) whose columns carry semantic keys (``total``, ``basic``,
``project`` …) and whose named rows carry keys (``general_budget`` …). The model itself does not
hard-wire the eleven tables of one layout, so other official layouts are new data files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RowKind = Literal["total", "subtotal", "class", "item", "unit", "project", "named"]
Side = Literal["income", "expenditure"]
DocumentKind = Literal["budget", "final"]
#: Whose accounts a document presents: a 部门 (the department with all its units, consolidated)
#: or one 单位 (a single budget unit). Part of a document's identity: a 单位预算 never replaces
#: the 部门预算 of the same department and year.
DocumentScope = Literal["department", "unit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """Where a value came from: a text line, a PDF page + box, or a spreadsheet cell."""

    line: int | None = Field(None, description="1-based line number in the source text")
    page: int | None = Field(None, description="1-based page number (PDF)")
    bbox: tuple[float, float, float, float] | None = Field(None, description="x0, top, x1, bottom")
    sheet: str | None = None
    cell: str | None = Field(None, description="spreadsheet cell, e.g. 'C7', or 'col 5' in text")


class Amount(_Model):
    """One printed amount: the exact value in the table's unit and the text as printed."""

    value: Decimal
    printed: str
    source: Source | None = None
    confidence: Decimal | None = Field(
        None, description="OCR confidence 0–100 when the value was read from an image"
    )


class Column(_Model):
    """A value column of a table: a semantic key and the printed header path."""

    key: str
    header: list[str]
    side: Side | None = None


class Row(_Model):
    """A table row: classification code (digits) or layout row key, printed name, its amounts."""

    kind: RowKind
    name: str
    code: str | None = Field(None, description="classification code as digits, e.g. '2060499'")
    level: Literal["类", "款", "项"] | None = None
    key: str | None = Field(None, description="layout key of a named row, e.g. 'general_budget'")
    side: Side | None = None
    unit_name: str | None = Field(None, description="budget unit (预算单位) the row belongs to")
    project: str | None = Field(None, description="project name (项目名称) for project rows")
    emphasized: bool = Field(False, description="printed bold (totals and subtotals)")
    values: dict[str, Amount] = Field(default_factory=dict)
    source: Source | None = None

    def value(self, column: str) -> Decimal | None:
        """The amount in ``column`` or ``None`` when the cell is blank."""
        a = self.values.get(column)
        return a.value if a is not None else None

    def value0(self, column: str) -> Decimal:
        """The amount in ``column``, a blank cell counting as zero (as sums treat it)."""
        a = self.values.get(column)
        return a.value if a is not None else Decimal(0)


class Table(_Model):
    """A published table, typed by its layout ``type``."""

    type: str = Field(description="table type id from the layout, e.g. 'expenditure_summary'")
    number: int | None = Field(None, description="printed table number (表 N)")
    title: str
    unit: str = Field("万元", description="unit printed in the header (单位：万元 / 元)")
    scale: Decimal = Field(Decimal(1), description="factor from the printed unit to 万元")
    department: str | None = Field(None, description="编制部门 as printed")
    columns: list[Column]
    rows: list[Row] = Field(default_factory=list)
    printed_header: list[list[str]] = Field(default_factory=list)
    empty_explanation: str | None = Field(None, description="the printed '…为空表' sentence")
    source: Source | None = None

    @property
    def is_empty(self) -> bool:
        return not any(r.values for r in self.rows)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def rows_by_code(self, code: str, *, unit_name: str | None = None) -> list[Row]:
        return [
            r
            for r in self.rows
            if r.code == code and (unit_name is None or r.unit_name == unit_name)
        ]

    def row_by_key(self, key: str, side: Side | None = None) -> Row | None:
        return next(
            (r for r in self.rows if r.key == key and (side is None or r.side == side)), None
        )

    def total_row(self, side: Side | None = None) -> Row | None:
        return next(
            (r for r in self.rows if r.kind == "total" and (side is None or r.side == side)),
            None,
        )


class Paragraph(_Model):
    text: str
    source: Source | None = None


class Section(_Model):
    """A numbered section of the narrative (一、… / （一）…) with its paragraphs."""

    number: str | None = Field(None, description="printed number: '一', '（一）' …")
    title: str
    level: int = 1
    paragraphs: list[Paragraph] = Field(default_factory=list)
    subsections: list[Section] = Field(default_factory=list)
    source: Source | None = None

    def walk(self) -> Iterator[Section]:
        yield self
        for s in self.subsections:
            yield from s.walk()

    def text(self) -> str:
        return "\n".join(p.text for s in self.walk() for p in s.paragraphs)


class Indicator(_Model):
    """One performance indicator (绩效指标) row; raw cells kept because published cells break."""

    level1: str | None = Field(None, description="一级指标")
    level2: str | None = Field(None, description="二级指标")
    level3: str | None = Field(None, description="三级指标")
    target_text: str | None = Field(None, description="指标值 as printed (spaces folded)")
    comparator: Literal[">=", "<=", ">", "<", "="] | None = None
    target_value: Decimal | None = None
    target_unit: str | None = None
    basis: str | None = Field(None, description="指标值设置依据")
    last_year: str | None = Field(None, description="上年完成值")
    weight: Decimal | None = Field(None, description="指标分值权重")
    scoring_rule: str | None = Field(None, description="指标赋分规则")
    evidence: str | None = Field(None, description="佐证资料")
    raw: list[str] = Field(default_factory=list)
    source: Source | None = None


class PerformanceTable(_Model):
    """部门整体绩效目标表 or 项目支出绩效目标表."""

    kind: Literal["department", "project"]
    year: int | None = None
    unit_name: str | None = Field(None, description="预算单位 / 部门名称")
    project_name: str | None = None
    owner: str | None = Field(None, description="项目负责人 / 部门联系人")
    phone: str | None = None
    amounts: dict[str, Amount] = Field(
        default_factory=dict,
        description="total / fiscal / other (项目) or upper / own / other / total (部门整体)",
    )
    goal: str | None = Field(None, description="项目总体目标 / 年度绩效目标")
    indicators: list[Indicator] = Field(default_factory=list)
    source: Source | None = None


class GlossaryEntry(_Model):
    term: str
    definition: str
    source: Source | None = None


class BudgetUnit(_Model):
    name: str
    is_self: bool = Field(False, description="本级 (the department's own unit)")
    source: Source | None = None


class Staffing(_Model):
    """编制数, 实有人数 and its parts with their changes on last year (negative = 减少)."""

    authorized: int | None = Field(None, description="编制数")
    actual: int | None = Field(None, description="实有人数")
    active: int | None = Field(None, description="在职")
    active_change: int | None = None
    retired: int | None = Field(None, description="退休")
    retired_change: int | None = None
    lixiu: int | None = Field(None, description="离休")
    lixiu_change: int | None = None
    source: Source | None = None


class Region(_Model):
    province: str | None = None
    city: str | None = None
    district: str | None = None


class Metadata(_Model):
    kind: DocumentKind = Field("budget", description="预算 (budget) or 决算 (final accounts)")
    year: int | None = None
    department: str | None = Field(None, description="department name without the alias")
    alias: str | None = Field(None, description="second name printed in parentheses")
    region: Region = Field(default_factory=Region)
    currency_unit: str = "万元"
    publication_date: dt.date | None = None
    budget_units: list[BudgetUnit] = Field(default_factory=list)
    staffing: Staffing | None = None
    functions: str | None = Field(None, description="主要职能 as text")
    structure: str | None = Field(None, description="机构设置 as text")
    layout: str | None = Field(None, description="layout id the document was read with")
    scope: DocumentScope = Field(
        "department", description="部门 (department, consolidated) or 单位 (one budget unit)"
    )
    is_template: bool = Field(
        False,
        description="a blank template (names are placeholders such as 上海市XX局), not a "
        "real department's disclosure: kept out of departments, totals and peers",
    )
    reader: Literal["text", "pdf", "xlsx", "html", "workbook"] | None = Field(
        None, description="which reader produced the document"
    )

    @property
    def full_name(self) -> str | None:
        if self.department and self.alias:
            return f"{self.department}（{self.alias}）"
        return self.department


class ParseIssue(_Model):
    """Something a reader could not understand, with its location. Never dropped silently."""

    code: str
    message_zh: str
    message_en: str
    line: int | None = None
    page: int | None = None
    text: str | None = None
    severity: Literal["warning", "error"] = "warning"


class Document(_Model):
    """A whole disclosure: metadata, tables, narrative, performance targets, glossary."""

    metadata: Metadata = Field(default_factory=Metadata)
    tables: list[Table] = Field(default_factory=list)
    overview: list[Section] = Field(default_factory=list, description="第一部分 部门概况")
    explanation: list[Section] = Field(default_factory=list, description="第三部分 情况说明")
    performance: list[PerformanceTable] = Field(default_factory=list)
    glossary: list[GlossaryEntry] = Field(default_factory=list, description="第四部分 名词解释")
    issues: list[ParseIssue] = Field(default_factory=list)
    source_name: str | None = None
    source_sha256: str | None = None

    def table(self, type_: str) -> Table | None:
        """The table of layout type ``type_`` (e.g. ``'expenditure_summary'``), if present."""
        return next((t for t in self.tables if t.type == type_), None)

    def table_no(self, number: int) -> Table | None:
        return next((t for t in self.tables if t.number == number), None)

    def section(self, number: str) -> Section | None:
        return next((s for s in self.explanation if s.number == number), None)
