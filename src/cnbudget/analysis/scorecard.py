"""The transparency scorecard: a document scored against explicit criteria, every point tied to
the evidence that earned it — or to what was looked for and not found.

Why: "how transparent is this disclosure?" is asked by evaluators (清华大学, 上海财经大学) and by
the departments themselves. A score is only useful if it can be argued with; so the criteria are
data (``data/scorecard.yaml``: points, legal basis, how each is judged) and each awarded point
cites its source line (text), page (PDF), table and row. A criterion that cannot be judged —
timeliness without an approval date — is *not applicable*: it leaves the maximum, not the score.

Entry points: :func:`score_document` (one document), :func:`score_department` (one department's
stored documents year by year), :func:`score_region` (a region's departments in one year).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cnbudget.analysis.performance import is_measurable
from cnbudget.analysis.reconcile import DocRef
from cnbudget.analysis.subjects import change_statements
from cnbudget.checks.context import cell_location
from cnbudget.checks.findings import Location
from cnbudget.layouts import load_layout, normalize_label
from cnbudget.model import Document, Section, Source, Table

DATA = Path(__file__).parent / "data" / "scorecard.yaml"
Q2 = Decimal("0.01")
_AMOUNT = re.compile(r"\d[\d,，]*(?:\.\d+)?\s*万元")
_REASON = re.compile(r"原因|由于|因为|主要是|用于弥补|导致")


@cache
def criteria() -> list[dict[str, Any]]:
    """The criteria of ``data/scorecard.yaml``, in order."""
    with DATA.open(encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["criteria"])


def _q(v: Decimal) -> Decimal:
    return v.quantize(Q2, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Result types


@dataclass
class Evidence:
    """What earned (or partly earned) a point, and where it is printed."""

    what: str
    location: Location

    def cite(self) -> str:
        """``L497`` / ``p.6`` / ``表3``: the shortest honest pointer to the evidence."""
        loc = self.location
        parts = []
        if loc.table_no is not None:
            parts.append(f"表{loc.table_no}")
        if loc.row_code:
            parts.append(loc.row_code)
        if loc.source_line is not None:
            parts.append(f"L{loc.source_line}")
        if loc.source_page is not None:
            parts.append(f"p.{loc.source_page}")
        return " ".join(parts) or "—"


@dataclass
class Point:
    """One scored item of a criterion: its points, what it was awarded, and why."""

    label_zh: str
    label_en: str
    max_points: Decimal
    awarded: Decimal = Decimal(0)
    evidence: list[Evidence] = field(default_factory=list)
    absence: str | None = None

    @property
    def met(self) -> bool:
        return self.awarded >= self.max_points


@dataclass
class CriterionResult:
    id: str
    key: str
    title_zh: str
    title_en: str
    basis: str
    how: str
    max_points: Decimal
    points: list[Point] = field(default_factory=list)
    applicable: bool = True
    na_reason: str | None = None

    @property
    def awarded(self) -> Decimal:
        return _q(sum((p.awarded for p in self.points), Decimal(0)))


@dataclass
class Scorecard:
    """A document's score: every criterion with its points and evidence."""

    document: DocRef
    criteria: list[CriterionResult] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return _q(sum((c.awarded for c in self.criteria if c.applicable), Decimal(0)))

    @property
    def max_points(self) -> Decimal:
        return _q(sum((c.max_points for c in self.criteria if c.applicable), Decimal(0)))

    @property
    def percent(self) -> Decimal | None:
        if not self.max_points:
            return None
        return _q(self.total * 100 / self.max_points)

    def criterion(self, key: str) -> CriterionResult:
        return next(c for c in self.criteria if c.key == key or c.id == key)

    def as_dict(self) -> dict[str, Any]:
        from cnbudget.store import jsonable

        return {
            "document": jsonable(self.document),
            "total": jsonable(self.total),
            "max_points": jsonable(self.max_points),
            "percent": jsonable(self.percent),
            "criteria": [
                {
                    "id": c.id,
                    "key": c.key,
                    "title_zh": c.title_zh,
                    "title_en": c.title_en,
                    "basis": c.basis,
                    "how": c.how,
                    "max_points": jsonable(c.max_points),
                    "awarded": jsonable(c.awarded),
                    "applicable": c.applicable,
                    "na_reason": c.na_reason,
                    "points": [
                        {
                            "label_zh": p.label_zh,
                            "label_en": p.label_en,
                            "max_points": jsonable(p.max_points),
                            "awarded": jsonable(p.awarded),
                            "absence": p.absence,
                            "evidence": [
                                {
                                    "what": e.what,
                                    "cite": e.cite(),
                                    "location": e.location.model_dump(exclude_none=True),
                                }
                                for e in p.evidence
                            ],
                        }
                        for p in c.points
                    ],
                }
                for c in self.criteria
            ],
        }


# --------------------------------------------------------------------------------------------
# Evidence helpers


@dataclass
class _Para:
    text: str
    top: str
    section: str
    source: Source | None

    def evidence(self, what: str) -> Evidence:
        return Evidence(
            what,
            Location(
                sentence=self.text if len(self.text) <= 200 else self.text[:200] + "…",
                source_line=self.source.line if self.source else None,
                source_page=self.source.page if self.source else None,
            ),
        )


def _paras(sections: Iterable[Section]) -> list[_Para]:
    out: list[_Para] = []
    for top in sections:
        for sub in top.walk():
            for p in sub.paragraphs:
                out.append(_Para(p.text, top.title, sub.title, p.source))
    return out


def _section_evidence(section: Section, what: str) -> Evidence:
    src = section.source or next(
        (p.source for s in section.walk() for p in s.paragraphs if p.source), None
    )
    return Evidence(
        what,
        Location(
            sentence=section.title,
            source_line=src.line if src else None,
            source_page=src.page if src else None,
        ),
    )


def _table_evidence(table: Table, what: str | None = None) -> Evidence:
    src = table.source or next((r.source for r in table.rows if r.source), None)
    if src is None:
        src = next(
            (a.source for r in table.rows for a in r.values.values() if a.source is not None),
            None,
        )
    return Evidence(
        what or f"表{table.number} {table.title}",
        Location(
            table_no=table.number,
            table_type=table.type,
            source_line=src.line if src else None,
            source_page=src.page if src else None,
            source_bbox=src.bbox if src else None,
        ),
    )


def _row_evidence(table: Table, row_index: int, column: str | None, what: str) -> Evidence:
    row = table.rows[row_index]
    loc = cell_location(table, row, column)
    if loc.source_line is None and loc.source_page is None:
        loc = _table_evidence(table).location.model_copy(
            update={"row_code": row.code, "row_name": row.name}
        )
    return Evidence(what, loc)


def _find(paras: list[_Para], *patterns: str, where: str | None = None) -> _Para | None:
    """The first paragraph matching every regex (optionally in a top section titled ``where``)."""
    rx = [re.compile(p) for p in patterns]
    for p in paras:
        if where is not None and where not in p.top and where not in p.section:
            continue
        if all(r.search(p.text) for r in rx):
            return p
    return None


@dataclass
class _Ctx:
    doc: Document
    spec: dict[str, Any]
    paras: list[_Para]
    approval_date: dt.date | None
    publication_date: dt.date | None

    def point(self, zh: str, en: str, points: Decimal | int | str) -> Point:
        return Point(zh, en, _q(Decimal(str(points))))


# --------------------------------------------------------------------------------------------
# Criteria


def _tables_complete(c: _Ctx) -> list[Point]:
    layout = load_layout(c.doc.metadata.layout or "budget-11")
    required: dict[int, str] = {}
    for spec in layout.tables:
        required.setdefault(spec.number, spec.title)
    present = {t.number: t for t in c.doc.tables if t.number is not None}
    p = c.point("规定表格", "required tables", c.spec["points"])
    have = [n for n in required if n in present]
    p.evidence = [_table_evidence(present[n]) for n in have]
    missing = [f"表{n} {required[n]}" for n in required if n not in present]
    p.awarded = _q(p.max_points * len(have) / len(required)) if required else Decimal(0)
    if missing:
        p.absence = "未找到 / not found: " + "、".join(missing)
    return [p]


def _empty_tables(c: _Ctx) -> list[Point]:
    p = c.point("空表说明", "empty tables explained", c.spec["points"])
    empty = [t for t in c.doc.tables if t.is_empty]
    if not empty:
        p.awarded = p.max_points
        p.evidence = [
            _table_evidence(t, f"表{t.number} 有数据 / has figures") for t in c.doc.tables
        ]
        return [p]
    explained = []
    missing = []
    for t in empty:
        sentence = t.empty_explanation
        para = None
        title = normalize_label(t.title)
        for q in c.paras:
            if re.search(r"空表|无数据|没有使用|未安排", q.text) and (
                title in normalize_label(q.text) or (sentence and sentence in q.text)
            ):
                para = q
                break
        if para is not None:
            explained.append(para.evidence(f"表{t.number} 空表说明"))
        elif sentence:
            ev = _table_evidence(t, f"表{t.number} 空表说明：{sentence}")
            ev.location.sentence = sentence
            explained.append(ev)
        else:
            missing.append(f"表{t.number} {t.title}")
    p.evidence = explained
    p.awarded = _q(p.max_points * len(explained) / len(empty))
    if missing:
        p.absence = "空表未说明原因 / empty without a reason: " + "、".join(missing)
    return [p]


def _coded_table(doc: Document, *types: str) -> Table | None:
    return next(
        (t for t in (doc.table(x) for x in types) if t is not None and not t.is_empty), None
    )


def _functional_detail(c: _Ctx) -> list[Point]:
    p = c.point("功能分类到项", "functional classification to 项", c.spec["points"])
    table = _coded_table(c.doc, "general_expenditure", "expenditure_summary")
    if table is None:
        p.absence = "没有有数据的一般公共预算支出表或支出总表 / no 表5 or 表3 with figures"
        return [p]
    kuan = [(i, r) for i, r in enumerate(table.rows) if r.code and len(r.code) == 5 and r.values]
    xiang = [(i, r) for i, r in enumerate(table.rows) if r.code and len(r.code) == 7]
    if not kuan:
        p.absence = f"表{table.number} 没有款级科目 / no 款 rows"
        return [p]
    detailed = [r for _, r in kuan if any(x.code.startswith(r.code) for _, x in xiang if x.code)]
    p.awarded = _q(p.max_points * len(detailed) / len(kuan))
    p.evidence = [
        _row_evidence(table, i, "total", f"表{table.number} 项 {r.code} {r.name}")
        for i, r in xiang[:3]
    ]
    if len(detailed) < len(kuan):
        p.absence = "款下未列项 / 款 without 项: " + "、".join(
            f"{r.code} {r.name}" for _, r in kuan if r not in detailed
        )
    return [p]


def _economic_detail(c: _Ctx) -> list[Point]:
    p = c.point("基本支出经济分类到款", "basic expenditure by economic 款", c.spec["points"])
    table = c.doc.table("general_basic")
    if table is None or table.is_empty:
        p.absence = "没有一般公共预算基本支出表（或为空） / no 基本支出 table with figures"
        return [p]
    lei = [r for r in table.rows if r.code and len(r.code) == 3 and r.values]
    kuan = [(i, r) for i, r in enumerate(table.rows) if r.code and len(r.code) == 5]
    if not kuan:
        p.absence = f"表{table.number} 没有款级经济分类 / no 款 rows"
        return [p]
    if lei:
        covered = [r for r in lei if any(k.code.startswith(r.code) for _, k in kuan if k.code)]
        p.awarded = _q(p.max_points * len(covered) / len(lei))
        missing = [f"{r.code} {r.name}" for r in lei if r not in covered]
        if missing:
            p.absence = "类下未列款 / 类 without 款: " + "、".join(missing)
    else:
        p.awarded = p.max_points
    p.evidence = [
        _row_evidence(table, i, None, f"表{table.number} 款 {r.code} {r.name}") for i, r in kuan[:3]
    ]
    return [p]


def _basic_project_split(c: _Ctx) -> list[Point]:
    p = c.point("基本/项目支出分列", "basic and project columns", c.spec["points"])
    table = c.doc.table("expenditure_summary") or c.doc.table("general_expenditure")
    if table is None:
        p.absence = "没有支出总表 / no expenditure table"
        return [p]
    keys = {col.key for col in table.columns}
    total = table.total_row()
    if {"basic", "project"} <= keys and total is not None and total.values:
        p.awarded = p.max_points
        idx = table.rows.index(total)
        p.evidence = [
            _row_evidence(table, idx, "basic", f"表{table.number} 合计 基本支出"),
            _row_evidence(table, idx, "project", f"表{table.number} 合计 项目支出"),
        ]
    else:
        p.absence = f"表{table.number} 未分列基本支出和项目支出 / no basic and project columns"
    return [p]


_THREE_ITEMS = (
    ("outbound", "因公出国（境）费", r"因公出国"),
    ("vehicle_purchase", "公务用车购置费", r"购置费"),
    ("vehicle_operation", "公务用车运行费", r"运行(维护)?费"),
    ("reception", "公务接待费", r"公务接待费"),
)


def _three_public_items(c: _Ctx) -> list[Point]:
    table = c.doc.table("three_public")
    share = _q(Decimal(str(c.spec["points"])) / len(_THREE_ITEMS))
    out = []
    for key, name, rx in _THREE_ITEMS:
        p = c.point(name, key, share)
        row = table.row_by_key(key) if table is not None else None
        if table is not None and row is not None:
            p.awarded = p.max_points
            col = next(iter(row.values), None)
            p.evidence = [
                _row_evidence(table, table.rows.index(row), col, f"表{table.number} {name}")
            ]
        else:
            para = _find(c.paras, rx, r"万元", where="三公")
            if para is not None:
                p.awarded = p.max_points
                p.evidence = [para.evidence(f"说明 {name}")]
            else:
                p.absence = (
                    f"表和“三公”说明中都没有{name} / {key} neither in the table nor the text"
                )
        out.append(p)
    return out


def _three_public_reasons(c: _Ctx) -> list[Point]:
    p = c.point("“三公”增减原因", "reasons for 三公 changes", c.spec["points"])
    para = _find(c.paras, _REASON.pattern, where="三公")
    if para is not None:
        p.awarded = p.max_points
        p.evidence = [para.evidence("“三公”经费说明中的原因")]
    elif not any("三公" in q.top for q in c.paras):
        p.absence = "没有“三公”经费情况说明 / no 三公 section"
    else:
        p.absence = "“三公”经费说明中没有原因 / the 三公 section gives no reason"
    return [p]


def _running_costs(c: _Ctx) -> list[Point]:
    p = c.point("机关运行经费", "机关运行经费", c.spec["points"])
    para = _find(c.paras, r"机关运行经费", _AMOUNT.pattern)
    if para is not None:
        p.awarded = p.max_points
        p.evidence = [para.evidence("说明 机关运行经费")]
        return [p]
    table = c.doc.table("admin_costs")
    if table is not None and not table.is_empty:
        p.awarded = p.max_points
        p.evidence = [_table_evidence(table, "机关运行经费表")]
        return [p]
    p.absence = "说明中没有带金额的机关运行经费 / 机关运行经费 not stated with an amount"
    return [p]


def _procurement(c: _Ctx) -> list[Point]:
    third = _q(Decimal(str(c.spec["points"])) / 3)
    total = c.point("政府采购总额", "procurement total", third)
    split = c.point("货物/工程/服务", "goods / works / services", third)
    sme = c.point("中小企业预留", "SME reservation", third)
    para = _find(c.paras, r"政府采购", _AMOUNT.pattern)
    if para is not None:
        total.awarded = total.max_points
        total.evidence = [para.evidence("政府采购总额")]
    else:
        total.absence = "说明中没有政府采购金额 / no procurement amount"
    para = _find(c.paras, r"货物", r"工程", r"服务")
    if para is not None:
        split.awarded = split.max_points
        split.evidence = [para.evidence("货物、工程、服务分列")]
    else:
        split.absence = "没有按货物、工程、服务分列 / no goods / works / services split"
    para = _find(c.paras, r"中小企业.{0,12}预留|预留.{0,24}中小企业")
    if para is not None:
        sme.awarded = sme.max_points
        sme.evidence = [para.evidence("面向中小企业预留")]
    else:
        sme.absence = "没有面向中小企业预留的金额 / no SME reservation"
    return [total, split, sme]


def _assets(c: _Ctx) -> list[Point]:
    cars = c.point("车辆", "vehicles", 2)
    other = c.point("房屋或大型设备", "buildings or large equipment", Decimal(c.spec["points"]) - 2)
    para = _find(c.paras, r"车辆?\s*\d+\s*辆|用车\s*\d+\s*辆|\d+\s*辆")
    if para is not None:
        cars.awarded = cars.max_points
        cars.evidence = [para.evidence("车辆数")]
    else:
        cars.absence = "没有车辆数量 / no vehicle count"
    para = _find(c.paras, r"房屋|(万元|万元（含）|万元\(含\))以上.{0,6}设备|设备.{0,10}\d+\s*台")
    if para is not None:
        other.awarded = other.max_points
        other.evidence = [para.evidence("房屋或大型设备")]
    else:
        other.absence = "没有房屋或单价 50/100 万元以上设备 / no buildings or large equipment"
    return [cars, other]


def _performance(c: _Ctx) -> list[Point]:
    total = Decimal(str(c.spec["points"]))
    proj = c.point("项目绩效目标表", "project performance tables", 5)
    dept = c.point("部门整体绩效目标", "department overall targets", 3)
    meas = c.point("目标可衡量", "measurable targets", total - 8)
    tables = c.doc.performance
    projects = [t for t in tables if t.kind == "project"]
    if projects:
        proj.awarded = proj.max_points
        proj.evidence = [
            Evidence(
                f"项目支出绩效目标表「{t.project_name}」",
                Location(
                    row_name=t.project_name,
                    source_line=t.source.line if t.source else None,
                    source_page=t.source.page if t.source else None,
                ),
            )
            for t in projects[:3]
        ]
    else:
        para = _find(c.paras, r"绩效目标|绩效自评|绩效评价", r"\d+\s*个")
        if para is not None:
            proj.awarded = _q(Decimal(2))
            proj.evidence = [para.evidence("说明中的绩效目标概况")]
            proj.absence = "未公开项目绩效目标表，仅有文字概述 / a sentence, no tables"
        else:
            proj.absence = "没有项目绩效目标 / no project performance targets"
    deps = [t for t in tables if t.kind == "department"]
    if deps:
        t = deps[0]
        dept.awarded = dept.max_points
        dept.evidence = [
            Evidence(
                "部门整体绩效目标表",
                Location(
                    source_line=t.source.line if t.source else None,
                    source_page=t.source.page if t.source else None,
                ),
            )
        ]
    else:
        dept.absence = "没有部门整体绩效目标表 / no department overall targets"
    inds = [(t, i) for t in tables for i in t.indicators]
    good = [(t, i) for t, i in inds if is_measurable(i)]
    if inds:
        meas.awarded = _q(meas.max_points * len(good) / len(inds))
        meas.evidence = [
            Evidence(
                f"可衡量 {len(good)}/{len(inds)}：{i.level3} {i.target_text}",
                Location(
                    row_name=i.level3,
                    sentence=i.target_text,
                    source_line=(i.source or t.source).line if (i.source or t.source) else None,
                    source_page=(i.source or t.source).page if (i.source or t.source) else None,
                ),
            )
            for t, i in good[:1]
        ]
        if len(good) < len(inds):
            meas.absence = (
                f"{len(inds) - len(good)} 个指标没有可衡量的目标值 / targets without a number"
            )
    else:
        meas.absence = "没有绩效指标 / no indicators"
    return [proj, dept, meas]


def _glossary(c: _Ctx) -> list[Point]:
    has = c.point("名词解释", "glossary", 2)
    three = c.point("解释“三公”经费", "defines 三公经费", 1)
    run = c.point("解释机关运行经费", "defines 机关运行经费", 1)

    def ev(g: Any, what: str) -> Evidence:
        return Evidence(
            what,
            Location(
                row_name=g.term,
                sentence=g.definition[:120],
                source_line=g.source.line if g.source else None,
                source_page=g.source.page if g.source else None,
            ),
        )

    gl = c.doc.glossary
    if gl:
        has.awarded = has.max_points
        has.evidence = [ev(g, f"名词解释「{g.term}」") for g in gl[:2]]
    else:
        has.absence = "没有名词解释 / no glossary"
    for point, word in ((three, "三公"), (run, "机关运行经费")):
        g = next((g for g in gl if word in g.term), None)
        if g is not None:
            point.awarded = point.max_points
            point.evidence = [ev(g, f"名词解释「{g.term}」")]
        else:
            point.absence = f"名词解释中没有“{word}” / {word} not defined"
    return [has, three, run]


def _overview(c: _Ctx) -> list[Point]:
    fun = c.point("主要职能", "functions", 2)
    struct = c.point("机构设置", "structure", 2)
    secs = list(c.doc.overview)
    s = next((s for s in secs if "职能" in s.title or "职责" in s.title), None)
    if s is not None:
        fun.awarded = fun.max_points
        fun.evidence = [_section_evidence(s, s.title)]
    else:
        fun.absence = "部门概况中没有主要职能 / no functions"
    s = next((s for s in secs if re.search(r"机构|单位构成|人员", s.title)), None)
    units = [u for u in c.doc.metadata.budget_units if u.source is not None]
    if s is not None:
        struct.awarded = struct.max_points
        struct.evidence = [_section_evidence(s, s.title)]
    elif units:
        struct.awarded = struct.max_points
        u = units[0]
        struct.evidence = [
            Evidence(
                f"预算单位 {u.name}",
                Location(
                    row_name=u.name,
                    source_line=u.source.line if u.source else None,
                    source_page=u.source.page if u.source else None,
                ),
            )
        ]
    else:
        struct.absence = "部门概况中没有机构设置 / no structure"
    return [fun, struct]


_STAFF = re.compile(r"(编制|实有人数|在职人员?|实有)\D{0,6}\d+\s*(人|名)")


def _staffing(c: _Ctx) -> list[Point]:
    p = c.point("人员编制", "staffing", c.spec["points"])
    st = c.doc.metadata.staffing
    if st is not None and (st.authorized or st.actual) and st.source is not None:
        p.awarded = p.max_points
        p.evidence = [
            Evidence(
                f"编制数 {st.authorized}，实有人数 {st.actual}",
                Location(source_line=st.source.line, source_page=st.source.page),
            )
        ]
        return [p]
    para = _find(_paras(c.doc.overview) + c.paras, _STAFF.pattern)
    if para is not None:
        p.awarded = p.max_points
        p.evidence = [para.evidence("人员情况")]
    else:
        p.absence = "没有编制数或实有人数 / no staffing figures"
    return [p]


def _change_reasons(c: _Ctx) -> list[Point]:
    p = c.point("增减原因", "reasons for changes", c.spec["points"])
    stmts = [s for s in change_statements(c.doc) if s.change != 0]
    if not stmts:
        p.absence = "说明中没有与上年比较的增减变化 / no year-over-year changes stated"
        return [p]
    explained = [
        s
        for s in stmts
        if any(_REASON.search(q.text) for q in (s.paragraph, s.next_paragraph) if q is not None)
    ]
    p.awarded = _q(p.max_points * len(explained) / len(stmts))
    p.evidence = [
        Evidence(f"有原因 {len(explained)}/{len(stmts)}：{s.subject}", s.location())
        for s in explained[:2]
    ]
    if len(explained) < len(stmts):
        p.absence = f"{len(stmts) - len(explained)} 处增减变化未说明原因 / changes without a reason"
    return [p]


def _readable(c: _Ctx) -> list[Point]:
    p = c.point("可机读", "machine-readable", c.spec["points"])
    if not c.doc.tables:
        p.absence = "未读出任何表格（可能为扫描件） / no table could be read (scanned?)"
        return [p]
    first = _table_evidence(c.doc.tables[0], f"读出 {len(c.doc.tables)} 张表")
    if c.doc.issues:
        p.awarded = _q(p.max_points / 2)
        p.evidence = [first]
        i = c.doc.issues[0]
        p.absence = f"读取问题 {len(c.doc.issues)} 处，例如 L{i.line or '?'}：{i.message_zh}"
    else:
        p.awarded = p.max_points
        p.evidence = [first]
    return [p]


def _project_detail(c: _Ctx) -> list[Point]:
    p = c.point("项目明细", "project detail", c.spec["points"])
    table = c.doc.table("general_project")
    if table is not None:
        rows = [(i, r) for i, r in enumerate(table.rows) if r.kind == "project"]
        if rows:
            p.awarded = p.max_points
            p.evidence = [
                _row_evidence(table, i, "total", f"表{table.number} 项目 {r.project}")
                for i, r in rows[:2]
            ]
            return [p]
    para = _find(c.paras, r"项目名称|项目概况|立项依据")
    titled = next(
        (
            s
            for top in c.doc.explanation
            for s in top.walk()
            if re.search(r"项目概况|项目经费情况|立项依据|项目支出情况说明", s.title)
        ),
        None,
    )
    if para is not None:
        p.awarded = p.max_points
        p.evidence = [para.evidence("项目说明")]
    elif titled is not None:
        p.awarded = p.max_points
        p.evidence = [_section_evidence(titled, titled.title)]
    else:
        p.absence = "没有项目支出明细表或项目说明 / no project table or descriptions"
    return [p]


def _execution_explained(c: _Ctx) -> list[Point]:
    from cnbudget.analysis.execution import execution

    p = c.point("预决算差异原因", "budget differences explained", c.spec["points"])
    ex = execution(c.doc)
    lines = [
        ln
        for ln in ex.lines
        if ln.code and len(ln.code) == 7 and ln.budget is not None and ln.variance
    ]
    if not lines:
        p.absence = "说明中没有逐项年初预算与决算数 / no 项-level budget and final figures stated"
        return [p]
    good = [ln for ln in lines if ln.explained]
    p.awarded = _q(p.max_points * len(good) / len(lines))
    p.evidence = [
        Evidence(f"{ln.code} {ln.name} 说明了原因", ln.explanation)
        for ln in good[:2]
        if ln.explanation
    ]
    if len(good) < len(lines):
        p.absence = "未说明原因 / no reason: " + "、".join(
            f"{ln.code} {ln.name}" for ln in lines if not ln.explained
        )
    return [p]


def _timeliness(c: _Ctx) -> list[Point] | str:
    days_allowed = int(c.spec.get("days", 20))
    if c.approval_date is None or c.publication_date is None:
        missing = []
        if c.approval_date is None:
            missing.append("批复日期 / approval date")
        if c.publication_date is None:
            missing.append("公开日期 / publication date")
        return "未知 / unknown: " + "、".join(missing)
    p = c.point(f"批复后 {days_allowed} 日内公开", f"within {days_allowed} days", c.spec["points"])
    days = (c.publication_date - c.approval_date).days
    ev = Evidence(
        f"批复 {c.approval_date.isoformat()}，公开 {c.publication_date.isoformat()}，相隔 {days} 日",
        Location(sentence=f"公开日期 {c.publication_date.isoformat()}"),
    )
    p.evidence = [ev]
    if 0 <= days <= days_allowed:
        p.awarded = p.max_points
    else:
        p.absence = f"批复后第 {days} 日公开，超过 {days_allowed} 日 / published after {days} days"
    return [p]


CRITERIA: dict[str, Callable[[_Ctx], list[Point] | str]] = {
    "tables_complete": _tables_complete,
    "empty_tables_explained": _empty_tables,
    "functional_detail": _functional_detail,
    "economic_detail": _economic_detail,
    "basic_project_split": _basic_project_split,
    "three_public_items": _three_public_items,
    "three_public_reasons": _three_public_reasons,
    "running_costs": _running_costs,
    "procurement": _procurement,
    "assets": _assets,
    "performance_targets": _performance,
    "glossary": _glossary,
    "overview": _overview,
    "staffing": _staffing,
    "change_reasons": _change_reasons,
    "readable": _readable,
    "project_detail": _project_detail,
    "execution_explained": _execution_explained,
    "timeliness": _timeliness,
}


def score_document(
    doc: Document,
    *,
    approval_date: dt.date | None = None,
    publication_date: dt.date | None = None,
    document_id: int | None = None,
) -> Scorecard:
    """Score one disclosure against every criterion that applies to its kind.

    ``publication_date`` defaults to the one the reader found; ``approval_date`` (the finance
    bureau's 批复 date) is never printed in the disclosure, so timeliness is judged only when
    it is given.
    """
    kind = doc.metadata.kind
    ctx_common = {
        "doc": doc,
        "paras": _paras(doc.explanation),
        "approval_date": approval_date,
        "publication_date": publication_date or doc.metadata.publication_date,
    }
    card = Scorecard(document=DocRef.of(doc, document_id))
    for spec in criteria():
        res = CriterionResult(
            id=spec["id"],
            key=spec["key"],
            title_zh=spec["title_zh"],
            title_en=spec["title_en"],
            basis=spec["basis"],
            how=spec["how"],
            max_points=_q(Decimal(str(spec["points"]))),
        )
        if kind not in spec.get("applies_to", ["budget", "final"]):
            continue
        out = CRITERIA[spec["key"]](_Ctx(spec=spec, **ctx_common))
        if isinstance(out, str):
            res.applicable = False
            res.na_reason = out
        else:
            res.points = out
        card.criteria.append(res)
    return card


# --------------------------------------------------------------------------------------------
# Series and regions (store)


@dataclass
class ScoredDocument:
    """A stored document's scorecard with what identifies it in a listing."""

    document_id: int
    department: str
    region: str
    year: int
    kind: str
    scorecard: Scorecard


def _score_stored(
    db: Any, infos: Iterable[Any], approvals: dict[int, dt.date] | None
) -> list[ScoredDocument]:
    from cnbudget.store import load_document

    out = []
    for d in infos:
        card = score_document(
            load_document(db, d.id),
            approval_date=(approvals or {}).get(d.id),
            publication_date=d.publication_date,
            document_id=d.id,
        )
        name = d.department + (f"（{d.alias}）" if d.alias else "")
        out.append(ScoredDocument(d.id, name, d.region, d.year, d.kind, card))
    return out


def score_region(
    db: Any,
    *,
    region: str | None,
    year: int,
    kind: str = "budget",
    approvals: dict[int, dt.date] | None = None,
) -> list[ScoredDocument]:
    """Every department of ``region`` (province, city or district; ``None``: all) in ``year``,
    best first. ``approvals`` maps document ids to approval dates where they are known."""
    from cnbudget.store import list_documents

    infos = list_documents(db, years=year, kind=kind, region=region, current_only=True)
    infos = [i for i in infos if not i.is_template]  # a blank template is not scored
    out = _score_stored(db, infos, approvals)
    out.sort(key=lambda s: (-(s.scorecard.percent or 0), s.department))
    return out


def score_department(
    db: Any, department: int | str, *, kind: str | None = "budget"
) -> list[ScoredDocument]:
    """One department's current documents (any of its names) scored year by year."""
    from cnbudget.store import list_documents

    infos = list_documents(db, department=department, kind=kind, current_only=True)
    infos = [i for i in infos if not i.is_template]  # a blank template is not scored
    return sorted(_score_stored(db, infos, None), key=lambda s: (s.year, s.kind))
