"""Performance targets as data, and the self-evaluation score they imply.

Why: the 绩效目标表 of a budget are promises with numbers ("≥360 次", "≥90%") and weights, each
with the scoring rule it will be judged by (按照完成比例赋分, 按评判等级赋分, 满意度赋分). Given what
was actually achieved — a JSON list or an XLSX sheet of (project, indicator, actual) — the
self-evaluation (绩效自评) score follows mechanically; doing it mechanically shows which targets
could not be scored because they promised nothing measurable ("有效", "逐步提高").

Scoring (the rules and numbers are data: ``data/performance.yaml``):

* **按照完成比例赋分** — ``≥``/``>`` targets earn ``min(actual ÷ target, 1)`` of the weight;
  ``≤``/``<`` targets (costs, durations) earn full weight at or under the target, else
  ``target ÷ actual``; ``=`` targets earn ``1 − |actual − target| ÷ target`` (not below 0).
* **按评判等级赋分** — a grade (优/良/中/差, 完全达成/基本达成/部分达成/未达成, 是/否) earns its
  share; a number against a numeric target is scored by completion ratio.
* **满意度赋分** — at or above the target: full weight; below ``zero_below`` %: nothing; in
  between ``actual ÷ target``.
* A rule-less indicator (部门整体 tables print none) is scored by completion ratio when its
  target is numeric, else by grade; weight-less tables share the indicator points equally.
* A project's 预算执行率 earns ``execution_points`` × min(rate, 100 %) when an actual rate is given.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from cnbudget.analysis.rules import make_finding
from cnbudget.checks.findings import Finding, Location
from cnbudget.layouts import normalize_label
from cnbudget.model import Document, Indicator, PerformanceTable

DATA = Path(__file__).parent / "data" / "performance.yaml"
_NUMBER = re.compile(r"[-+]?\d[\d,，]*(?:\.\d+)?")
_DEPARTMENT = {"", "部门整体", "整体", "部门", "department"}
_EXECUTION = {"预算执行率", "预算执行", "执行率", "budgetexecution", "execution"}
Q2 = Decimal("0.01")

Rule = Literal["ratio", "grade", "satisfaction"]


@cache
def settings() -> dict[str, Any]:
    """The scoring settings (``data/performance.yaml``)."""
    with DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _q(v: Decimal) -> Decimal:
    return v.quantize(Q2, rounding=ROUND_HALF_UP)


def _norm(s: str | None) -> str:
    return normalize_label(s or "").casefold()


# --------------------------------------------------------------------------------------------
# Weak targets


@dataclass
class WeakTarget:
    """An indicator whose target cannot be measured, and why."""

    table: str
    indicator: str
    target: str
    reason_zh: str
    reason_en: str
    location: Location


def is_measurable(ind: Indicator) -> bool:
    """A target is measurable when it has a number and a comparator (``≥30 家``, ``=100%``)."""
    return ind.target_value is not None and ind.comparator is not None


def _vague_word(text: str) -> str | None:
    words = sorted(settings()["vague_words"], key=len, reverse=True)
    return next((w for w in words if w in text), None)


def table_label(t: PerformanceTable) -> str:
    """``部门整体绩效目标表`` or ``项目支出绩效目标表「name」``."""
    if t.kind == "department":
        return "部门整体绩效目标表"
    return f"项目支出绩效目标表「{t.project_name or '?'}」"


def _ind_location(t: PerformanceTable, ind: Indicator) -> Location:
    src = ind.source or t.source
    return Location(
        row_name=ind.level3,
        sentence=ind.target_text,
        source_line=src.line if src else None,
        source_page=src.page if src else None,
        source_bbox=src.bbox if src else None,
    )


def weak_targets(doc: Document) -> list[WeakTarget]:
    """Every indicator of the performance tables without a measurable target."""
    out: list[WeakTarget] = []
    for t in doc.performance:
        for ind in t.indicators:
            if is_measurable(ind):
                continue
            text = ind.target_text or ""
            word = _vague_word(text)
            if not text:
                zh, en = "未填写指标值", "no target printed"
            elif len(text) > 30:
                zh, en = "以文字描述代替指标值", "a description instead of a target value"
            elif word:
                zh, en = f"模糊表述“{word}”，没有数值", f"vague wording '{word}', no number"
            else:
                zh, en = "没有数值和比较符", "no number and comparator"
            out.append(
                WeakTarget(table_label(t), ind.level3 or "?", text, zh, en, _ind_location(t, ind))
            )
    return out


def weak_target_findings(doc: Document) -> list[Finding]:
    """:func:`weak_targets` as XY-PERF-001 findings."""
    return [
        make_finding(
            "XY-PERF-001",
            w.location,
            table=w.table,
            indicator=w.indicator,
            target=w.target if len(w.target) <= 40 else w.target[:40] + "…",
            why=w.reason_zh,
            why_en=w.reason_en,
        )
        for w in weak_targets(doc)
    ]


# --------------------------------------------------------------------------------------------
# Actuals


@dataclass(frozen=True)
class Actual:
    """One achieved value: project (``None``/"部门整体" = the department table), indicator, value."""

    project: str | None
    indicator: str
    actual: str
    source: str | None = None


_KEYS = {
    "project": ("project", "项目", "项目名称", "project_name", "table"),
    "indicator": ("indicator", "指标", "三级指标", "指标名称"),
    "actual": ("actual", "实际值", "完成值", "实际完成值", "全年实际值", "value"),
}


def _pick(row: dict[str, Any], what: str) -> Any:
    for k in _KEYS[what]:
        if k in row and row[k] is not None:
            return row[k]
    return None


def _actuals_from_rows(rows: list[dict[str, Any]], source: str) -> list[Actual]:
    out: list[Actual] = []
    for i, row in enumerate(rows, 1):
        ind, act = _pick(row, "indicator"), _pick(row, "actual")
        if ind is None or act is None:
            continue
        proj = _pick(row, "project")
        out.append(
            Actual(
                None if proj is None else str(proj).strip(),
                str(ind).strip(),
                str(act).strip(),
                f"{source}#{i}",
            )
        )
    return out


def load_actuals(path: str | Path, *, sheet: str | None = None) -> list[Actual]:
    """Actual values from a JSON file (a list of objects, or ``{"actuals": [...]}``) or an XLSX
    sheet whose first row names the columns (项目/project, 指标/indicator, 实际值/actual)."""
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(p, read_only=True, data_only=True)
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, ())]
        rows = [dict(zip(header, r, strict=False)) for r in it]
        wb.close()
        return _actuals_from_rows(rows, f"{p.name}!{ws.title}")
    data = json.loads(p.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("actuals", [])
    return _actuals_from_rows(list(data), p.name)


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass
class IndicatorScore:
    """How one indicator scores against its actual value."""

    indicator: str
    level2: str | None
    target: str | None
    weight: Decimal
    rule: Rule
    actual: str | None = None
    fraction: Decimal | None = None
    points: Decimal | None = None
    status: Literal["scored", "missing", "unscorable"] = "missing"
    note: str = ""
    location: Location | None = None


@dataclass
class TableScore:
    """The self-evaluation of one performance table."""

    label: str
    kind: str
    project: str | None
    indicators: list[IndicatorScore] = field(default_factory=list)
    execution_rate: Decimal | None = None
    execution_points: Decimal | None = None
    location: Location | None = None

    @property
    def points(self) -> Decimal:
        s = sum((i.points for i in self.indicators if i.points is not None), Decimal(0))
        return _q(s + (self.execution_points or Decimal(0)))

    @property
    def max_points(self) -> Decimal:
        s = sum((i.weight for i in self.indicators), Decimal(0))
        if self.execution_rate is not None:
            s += Decimal(settings()["execution_points"])
        return _q(s)

    @property
    def complete(self) -> bool:
        """Every indicator has been scored (else the score is a lower bound)."""
        return all(i.status == "scored" for i in self.indicators)

    @property
    def score(self) -> Decimal | None:
        """The score out of 100 (points ÷ max × 100)."""
        if not self.max_points:
            return None
        return _q(self.points * 100 / self.max_points)

    @property
    def grade(self) -> str | None:
        s = self.score
        if s is None:
            return None
        return next(b["grade"] for b in settings()["bands"] if s >= Decimal(str(b["min"])))


@dataclass
class SelfEvaluation:
    """Scores of every performance table, the weak targets, and the actuals that matched nothing."""

    tables: list[TableScore] = field(default_factory=list)
    weak: list[WeakTarget] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unmatched: list[Actual] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        from cnbudget.store import jsonable

        return {
            "tables": [
                {
                    "label": t.label,
                    "kind": t.kind,
                    "project": t.project,
                    "points": jsonable(t.points),
                    "max_points": jsonable(t.max_points),
                    "score": jsonable(t.score),
                    "grade": t.grade,
                    "complete": t.complete,
                    "execution_rate": jsonable(t.execution_rate),
                    "execution_points": jsonable(t.execution_points),
                    "indicators": [
                        {
                            **jsonable({k: v for k, v in i.__dict__.items() if k != "location"}),
                            "location": i.location.model_dump(exclude_none=True)
                            if i.location
                            else None,
                        }
                        for i in t.indicators
                    ],
                }
                for t in self.tables
            ],
            "weak_targets": [
                {
                    **{k: v for k, v in w.__dict__.items() if k != "location"},
                    "location": w.location.model_dump(exclude_none=True),
                }
                for w in self.weak
            ],
            "findings": [f.flat() for f in self.findings],
            "unmatched": [a.__dict__ for a in self.unmatched],
        }


def rule_of(ind: Indicator) -> Rule:
    """The scoring rule an indicator names (inferred when the table names none)."""
    text = ind.scoring_rule or ""
    if "满意度" in text:
        return "satisfaction"
    if "等级" in text or "评判" in text:
        return "grade"
    if "比例" in text or "完成" in text:
        return "ratio"
    if "满意度" in (ind.level2 or "") or "满意度" in (ind.level3 or ""):
        return "satisfaction"
    return "ratio" if is_measurable(ind) else "grade"


def _number(text: str) -> Decimal | None:
    m = _NUMBER.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    return Decimal(m.group(0).replace(",", "").replace("，", ""))


def _grade(text: str) -> Decimal | None:
    t = _norm(text)
    grades = settings()["grades"]
    for word in sorted(grades, key=len, reverse=True):
        if _norm(word) == t:
            return Decimal(str(grades[word]))
    for word in sorted(grades, key=len, reverse=True):
        if _norm(word) in t:
            return Decimal(str(grades[word]))
    return None


def _ratio(comp: str, target: Decimal, actual: Decimal) -> Decimal:
    if comp in (">=", ">"):
        if actual >= target:
            return Decimal(1)
        return max(Decimal(0), actual / target) if target else Decimal(1)
    if comp in ("<=", "<"):
        if actual <= target:
            return Decimal(1)
        return target / actual if actual > 0 else Decimal(0)
    if target == 0:
        return Decimal(1) if actual == 0 else Decimal(0)
    return max(Decimal(0), 1 - abs(actual - target) / abs(target))


def score_indicator(ind: Indicator, actual: str | None, weight: Decimal) -> IndicatorScore:
    """Score one indicator against its actual value (``None``: not given)."""
    rule = rule_of(ind)
    out = IndicatorScore(
        indicator=ind.level3 or "?",
        level2=ind.level2,
        target=ind.target_text,
        weight=weight,
        rule=rule,
        actual=actual,
    )
    if actual is None or not actual.strip():
        out.note = "未提供实际值 / no actual value"
        return out
    num = _number(actual)
    fraction: Decimal | None = None
    if rule == "satisfaction" and num is not None:
        target = ind.target_value if ind.target_value is not None else Decimal(100)
        floor = Decimal(str(settings()["satisfaction"]["zero_below"]))
        if num >= target:
            fraction = Decimal(1)
        elif num < floor:
            fraction = Decimal(0)
            out.note = f"低于 {floor}% 不得分 / below {floor}% earns nothing"
        else:
            fraction = num / target
    elif rule in ("ratio", "satisfaction", "grade") and num is not None and is_measurable(ind):
        assert ind.comparator is not None and ind.target_value is not None
        fraction = _ratio(ind.comparator, ind.target_value, num)
    if fraction is None:
        g = _grade(actual)
        if g is not None:
            fraction = g
            if rule == "ratio":
                out.note = "按等级评定（指标值不可计量） / graded: no numeric comparison"
    if fraction is None:
        out.status = "unscorable"
        out.note = (
            "实际值无法按指标值计分 / the actual cannot be scored against this target"
            if is_measurable(ind)
            else "指标值不可衡量，需给出等级（优/良/中/差） / weak target: give a grade"
        )
        return out
    out.fraction = _q(fraction * 100) / 100
    out.points = _q(weight * fraction)
    out.status = "scored"
    return out


def _match_table(doc: Document, project: str | None) -> PerformanceTable | None:
    key = _norm(project)
    if key in {_norm(x) for x in _DEPARTMENT}:
        return next((t for t in doc.performance if t.kind == "department"), None)
    projects = [t for t in doc.performance if t.kind == "project"]
    exact = [t for t in projects if _norm(t.project_name) == key]
    if len(exact) == 1:
        return exact[0]
    loose = [
        t
        for t in projects
        if key and t.project_name and (key in _norm(t.project_name) or _norm(t.project_name) in key)
    ]
    return loose[0] if len(loose) == 1 else None


def _match_indicator(t: PerformanceTable, name: str) -> int | None:
    key = _norm(name)
    exact = [i for i, ind in enumerate(t.indicators) if _norm(ind.level3) == key]
    if len(exact) == 1:
        return exact[0]
    loose = [
        i
        for i, ind in enumerate(t.indicators)
        if key and ind.level3 and (key in _norm(ind.level3) or _norm(ind.level3) in key)
    ]
    return loose[0] if len(loose) == 1 else None


def self_evaluate(doc: Document, actuals: list[Actual]) -> SelfEvaluation:
    """Score every performance table of ``doc`` with ``actuals`` and list the weak targets.

    Tables without any actual value are still listed (all indicators ``missing``), so the
    report shows what remains to be evaluated.
    """
    per_table: dict[int, dict[int, str]] = {}
    execution: dict[int, Decimal] = {}
    result = SelfEvaluation(weak=weak_targets(doc), findings=weak_target_findings(doc))
    for a in actuals:
        t = _match_table(doc, a.project)
        if t is None:
            result.unmatched.append(a)
            continue
        ti = doc.performance.index(t)
        if _norm(a.indicator) in {_norm(x) for x in _EXECUTION}:
            num = _number(a.actual)
            if num is None:
                result.unmatched.append(a)
            else:
                execution[ti] = num
            continue
        ii = _match_indicator(t, a.indicator)
        if ii is None:
            result.unmatched.append(a)
            continue
        per_table.setdefault(ti, {})[ii] = a.actual
    total_points = Decimal(settings()["indicator_points"])
    for ti, t in enumerate(doc.performance):
        weights = [ind.weight for ind in t.indicators]
        if t.indicators and all(w is None for w in weights):
            share = total_points / len(t.indicators)
            weights = [share for _ in t.indicators]
        ts = TableScore(
            label=table_label(t),
            kind=t.kind,
            project=t.project_name,
            location=Location(
                row_name=t.project_name,
                source_line=t.source.line if t.source else None,
                source_page=t.source.page if t.source else None,
            ),
        )
        got = per_table.get(ti, {})
        for ii, ind in enumerate(t.indicators):
            sc = score_indicator(ind, got.get(ii), _q(Decimal(weights[ii] or 0)))
            sc.location = _ind_location(t, ind)
            ts.indicators.append(sc)
        if ti in execution:
            rate = execution[ti]
            ts.execution_rate = rate
            pts = Decimal(settings()["execution_points"])
            ts.execution_points = _q(pts * min(rate, Decimal(100)) / 100)
        result.tables.append(ts)
    return result
