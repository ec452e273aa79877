"""预算↔决算 pairing: how much of each budgeted 类/款/项 and 三公 item was spent, and whether the
final account explains the large differences.

Why: a budget is a promise and the final account (部门决算) its record. Each is checked alone by
the checks; only together do they show execution (决算 ÷ 预算) and whether the 决算 narrative
explains what it must — the MOF template explains every 项-level difference between budget and
final account, and 财预〔2016〕143号 asks for the reasons behind 三公 changes.

Where the budget figures come from, in order of preference:

* the department's budget document of the same year (表5 一般公共预算支出 and 表10/表9 三公),
  when given or stored;
* otherwise the final account itself: its narrative states each 项's 年初预算 ("年初预算为 X 万元，
  支出决算为 Y 万元"), and its 三公 table prints a 预算数 column.

When both exist they are compared too: a final account restating another 年初预算 than the one
published (XY-EXEC-002), or a 三公 预算数 differing from the budget table (XY-EXEC-004).

A variance is *large* when ``|决算 − 预算| > threshold % × 预算`` **and** ``≥ min_amount`` 万元
(defaults 10 % and 1 万元: a relative threshold alone flags every few-thousand-yuan item, an
absolute one alone ignores small departments). Only 项 rows of 表5 and the 三公 items are flagged:
they are the level the 决算 narrative explains, and flagging their 款/类 too would count one
difference three times. 类 and 款 execution is reported all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from cnbudget.analysis.reconcile import DocRef, same_department
from cnbudget.analysis.rules import make_finding
from cnbudget.checks.claims import NUM, to_decimal
from cnbudget.checks.context import cell_location
from cnbudget.checks.findings import Finding, Location
from cnbudget.layouts import normalize_label
from cnbudget.model import Document, Paragraph, Row, Section, Table

#: Default threshold of a large variance, in percent of the budget.
DEFAULT_THRESHOLD = Decimal("10")
#: Default minimum absolute variance of a large variance, in 万元.
DEFAULT_MIN_AMOUNT = Decimal("1")
#: Amount tolerance when comparing a restated 年初预算 with the budget (two printed figures).
BUDGET_TOLERANCE = Decimal("0.01")

#: A reason is given: the words final accounts use to introduce one.
REASON = re.compile(r"原因|由于|因为|主要是|系因|导致|用于弥补|调整")
#: One printed classification name with its level: "行政运行(项)" (names carry no punctuation).
_PATH = re.compile(r"([^\s,，;；:：。、()“”\"]+?)\((类|款|项)\)")
_LEVELS = ("类", "款", "项")
_STATED = re.compile(
    rf"年初预算(?:数)?为?\s*(?P<budget>{NUM})\s*万元[，,;；]?\s*支出决算(?:数)?为?\s*(?P<final>{NUM})\s*万元"
)
_THREE_KEYS = ("outbound", "vehicles", "vehicle_purchase", "vehicle_operation", "reception")
#: The printed label of each 三公 line (tables print "小计" for the vehicles subtotal).
_THREE_LABEL = {
    "total": "“三公”经费合计",
    "outbound": "因公出国（境）费",
    "vehicles": "公务用车购置及运行费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行费",
    "reception": "公务接待费",
}
#: The items flagged (the total and the vehicles subtotal are sums of them: flagging them too
#: would report one difference up to three times).
_THREE_LEAVES = ("outbound", "vehicle_purchase", "vehicle_operation", "reception")
_THREE_NAMES = {
    "outbound": ["因公出国(境)", "出国"],
    "vehicles": ["公务用车购置及运行", "公务用车"],
    "vehicle_purchase": ["公务用车购置", "购置"],
    "vehicle_operation": ["公务用车运行", "运行维护", "运行"],
    "reception": ["公务接待"],
}

BudgetSource = Literal["budget", "final_narrative", "final_table", "none"]


@dataclass
class ExecutionLine:
    """One classification or 三公 item: its budget, its final figure and the execution rate."""

    table_type: str
    name: str
    code: str | None = None
    key: str | None = None
    level: str | None = None
    budget: Decimal | None = None
    final: Decimal | None = None
    budget_source: BudgetSource = "none"
    stated_budget: Decimal | None = None
    large: bool = False
    flagged: bool = False
    explained: bool = False
    explanation: Location | None = None
    budget_location: Location | None = None
    final_location: Location | None = None

    @property
    def variance(self) -> Decimal | None:
        if self.budget is None and self.final is None:
            return None
        return (self.final or Decimal(0)) - (self.budget or Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        """决算 ÷ 预算 in percent (0.01), ``None`` without a budget."""
        if not self.budget:
            return None
        return ((self.final or Decimal(0)) * 100 / self.budget).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclass
class Execution:
    """The outcome of :func:`execution`: every line, the findings, and the settings used."""

    final: DocRef
    budget: DocRef | None
    threshold: Decimal
    min_amount: Decimal
    lines: list[ExecutionLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self, code_or_key: str) -> ExecutionLine | None:
        return next(
            (
                ln
                for ln in self.lines
                if ln.table_type == "general_expenditure" and ln.code == code_or_key
            ),
            None,
        ) or next((ln for ln in self.lines if ln.key == code_or_key), None)

    def as_dict(self) -> dict[str, Any]:
        from cnbudget.store import jsonable

        return {
            "final": jsonable(self.final),
            "budget": jsonable(self.budget),
            "threshold_percent": jsonable(self.threshold),
            "min_amount": jsonable(self.min_amount),
            "lines": [
                {
                    **jsonable(
                        {
                            k: v
                            for k, v in ln.__dict__.items()
                            if not isinstance(v, Location) and v is not None
                        }
                    ),
                    "variance": jsonable(ln.variance),
                    "rate": jsonable(ln.rate),
                    "explanation": ln.explanation.model_dump(exclude_none=True)
                    if ln.explanation
                    else None,
                    "budget_location": ln.budget_location.model_dump(exclude_none=True)
                    if ln.budget_location
                    else None,
                    "final_location": ln.final_location.model_dump(exclude_none=True)
                    if ln.final_location
                    else None,
                }
                for ln in self.lines
            ],
            "findings": [f.flat() for f in self.findings],
            "notes": self.notes,
        }


# --------------------------------------------------------------------------------------------
# Reading


def _coded(table: Table | None, column: str) -> dict[str, tuple[Row, Decimal]]:
    """Code → (first row, value summed over the units that repeat it)."""
    out: dict[str, tuple[Row, Decimal]] = {}
    if table is None:
        return out
    for r in table.rows:
        if r.code and r.kind == "item":
            prev = out.get(r.code)
            out[r.code] = (
                prev[0] if prev else r,
                (prev[1] if prev else Decimal(0)) + r.value0(column),
            )
    return out


@dataclass
class _Para:
    text: str
    norm: str
    location: Location
    section: str


def _paragraphs(doc: Document) -> list[_Para]:
    out: list[_Para] = []
    for top in doc.explanation:
        for sub in top.walk():
            for p in sub.paragraphs:
                out.append(_Para(p.text, normalize_label(p.text), _loc(p), top.title))
    return out


def _loc(p: Paragraph) -> Location:
    return Location(
        sentence=p.text,
        source_line=p.source.line if p.source else None,
        source_page=p.source.page if p.source else None,
    )


def _path_names(table: Table | None, code: str) -> list[str]:
    """The names of the classification path of ``code`` (类, 款, 项) as printed in ``table``."""
    if table is None:
        return []
    names = {r.code: r.name for r in table.rows if r.code}
    return [names[code[:n]] for n in (3, 5, 7) if len(code) >= n and code[:n] in names]


def _mentions(para: _Para, code: str, names: list[str]) -> bool:
    """Does a paragraph name this classification: its code, or its printed path
    ("一般公共服务支出(类)财政事务(款)行政运行(项)", in order and complete down to its level)?"""
    if code in para.text:
        return True
    if not names:
        return False
    found = _PATH.findall(para.norm)
    if found:
        printed = [(normalize_label(n), lv) for n, lv in found]
        want = [(normalize_label(n), lv) for n, lv in zip(names, _LEVELS, strict=False)]
        n = len(want)
        return any(printed[i : i + n] == want for i in range(len(printed) - n + 1))
    # "…行政运行（项）" without the full path: the 项 and its 款 names in order
    if len(names) >= 2:
        a, b = normalize_label(names[-2]), normalize_label(names[-1])
        i = para.norm.find(a)
        return i >= 0 and para.norm.find(b, i + len(a)) >= 0
    return False


def _reason_near(paras: list[_Para], i: int) -> _Para | None:
    """The paragraph ``i`` if it gives a reason, else the next one of the same section when
    it does (templates put "…的主要原因：" and the reason in separate paragraphs)."""
    p = paras[i]
    if _has_reason(p.text):
        return p
    if i + 1 < len(paras) and paras[i + 1].section == p.section:
        q = paras[i + 1]
        if _has_reason(q.text) and not _PATH.search(q.norm):
            return q
    return None


def _has_reason(text: str) -> bool:
    m = REASON.search(text)
    if not m:
        return False
    rest = re.sub(r"[\s:：。,，]", "", text[m.end() :])
    return len(rest) >= 2 or m.group(0) != "原因"


def stated_budgets(final: Document) -> dict[str, tuple[Decimal, Decimal, Location]]:
    """What the final account's narrative states per 项: code → (年初预算, 支出决算, sentence).

    The 项 is named by its printed 类/款/项 path and found in the final's 表5 by those names.
    """
    t5 = final.table("general_expenditure")
    if t5 is None:
        return {}
    rows = [r for r in t5.rows if r.code]
    out: dict[str, tuple[Decimal, Decimal, Location]] = {}
    for para in _paragraphs(final):
        m = _STATED.search(para.text)
        path = _PATH.findall(para.norm)
        if not m or not path:
            continue
        parent, row = "", None
        for name, _lv in path:
            cands = [
                r
                for r in rows
                if r.code
                and r.code.startswith(parent)
                and len(r.code) == len(parent) + (3 if not parent else 2)
                and normalize_label(r.name) == normalize_label(name)
            ]
            if len(cands) != 1:
                row = None
                break
            row, parent = cands[0], cands[0].code or ""
        if row is not None and row.code:
            out[row.code] = (to_decimal(m["budget"]), to_decimal(m["final"]), para.location)
    return out


# --------------------------------------------------------------------------------------------
# Pairing


def _is_large(line: ExecutionLine, threshold: Decimal, min_amount: Decimal) -> bool:
    var = line.variance
    if var is None or abs(var) < min_amount:
        return False
    if not line.budget:
        return bool(line.final)
    return abs(var) * 100 > threshold * abs(line.budget)


def _row_label(line: ExecutionLine) -> str:
    if line.code:
        return f"{line.code} {line.name}"
    return line.name


def execution(
    final: Document,
    budget: Document | None = None,
    *,
    threshold: Decimal | str | float = DEFAULT_THRESHOLD,
    min_amount: Decimal | str | float = DEFAULT_MIN_AMOUNT,
    final_id: int | None = None,
    budget_id: int | None = None,
) -> Execution:
    """Pair ``final`` (a 决算) with ``budget`` (the same department's budget of the same year,
    optional) and report execution per 类/款/项 of 表5 and per 三公 item, with findings for large
    variances the final's narrative does not explain."""
    if final.metadata.kind != "final":
        raise ValueError("the first document must be a final account / 第一个文件应为决算")
    if budget is not None and budget.metadata.kind != "budget":
        raise ValueError("the second document must be a budget / 第二个文件应为预算")
    thr, floor = Decimal(str(threshold)), Decimal(str(min_amount))
    result = Execution(
        final=DocRef.of(final, final_id),
        budget=DocRef.of(budget, budget_id) if budget is not None else None,
        threshold=thr,
        min_amount=floor,
    )
    if budget is not None:
        if budget.metadata.year != final.metadata.year:
            result.notes.append(
                f"年度不同：预算 {budget.metadata.year}，决算 {final.metadata.year}"
                " — the budget and the final account are of different years"
            )
        if not same_department(budget, final):
            result.notes.append("部门名称不同 — the two documents name different departments")
    paras = _paragraphs(final)
    _classifications(result, final, budget, paras)
    _three_public(result, final, budget, paras)
    return result


def _classifications(
    result: Execution, final: Document, budget: Document | None, paras: list[_Para]
) -> None:
    f5 = final.table("general_expenditure")
    b5 = budget.table("general_expenditure") if budget is not None else None
    fin = _coded(f5, "total")
    bud = _coded(b5, "total")
    stated = stated_budgets(final)
    codes = sorted(set(fin) | set(bud) | set(stated))
    for code in codes:
        frow = fin.get(code)
        brow = bud.get(code)
        ref = frow[0] if frow else (brow[0] if brow else None)
        line = ExecutionLine(
            table_type="general_expenditure",
            name=ref.name if ref else code,
            code=code,
            level=ref.level if ref else None,
            final=frow[1] if frow else (Decimal(0) if f5 is not None else None),
            final_location=cell_location(f5, frow[0], "total") if f5 and frow else None,
        )
        if code in stated:
            line.stated_budget = stated[code][0]
        if b5 is not None:
            line.budget = brow[1] if brow else Decimal(0)
            line.budget_source = "budget"
            line.budget_location = cell_location(b5, brow[0], "total") if brow else None
        elif code in stated:
            line.budget = stated[code][0]
            line.budget_source = "final_narrative"
            line.budget_location = stated[code][2]
        names = _path_names(f5, code) or _path_names(b5, code)
        for i, p in enumerate(paras):
            if _mentions(p, code, names):
                reason = _reason_near(paras, i)
                if reason is not None:
                    line.explained, line.explanation = True, reason.location
                    break
                if line.explanation is None:
                    line.explanation = p.location
        result.lines.append(line)
        if len(code) != 7 or line.budget is None:
            continue
        line.large = _is_large(line, result.threshold, result.min_amount)
        if line.large and not line.explained:
            line.flagged = True
            result.findings.append(
                make_finding(
                    "XY-EXEC-001",
                    line.final_location or line.budget_location or Location(row_code=code),
                    expected=line.budget,
                    found=line.final,
                    related=[x for x in (line.budget_location, line.explanation) if x],
                    row=_row_label(line),
                    rate="—" if line.rate is None else f"{line.rate}%",
                    threshold=result.threshold,
                )
            )
        if (
            line.budget_source == "budget"
            and line.stated_budget is not None
            and abs(line.stated_budget - (line.budget or Decimal(0))) > BUDGET_TOLERANCE
        ):
            result.findings.append(
                make_finding(
                    "XY-EXEC-002",
                    stated[code][2],
                    expected=line.budget,
                    found=line.stated_budget,
                    tolerance=BUDGET_TOLERANCE,
                    related=[x for x in (line.budget_location,) if x],
                    row=_row_label(line),
                    year=budget.metadata.year if budget else "",
                )
            )


def _three_section(final: Document) -> Section | None:
    return next((s for s in final.explanation if "三公" in s.title), None)


def _three_public(
    result: Execution, final: Document, budget: Document | None, paras: list[_Para]
) -> None:
    f7 = final.table("three_public")
    if f7 is None:
        return
    b10 = budget.table("three_public") if budget is not None else None
    sec = _three_section(final)
    sec_paras = [p for p in paras if sec is not None and p.section == sec.title]
    general_reason = next(
        (
            p
            for p in sec_paras
            if _has_reason(p.text) and re.search(r"预算|决算|差异|小于|大于", p.text)
        ),
        None,
    )
    for key in ("total", *_THREE_KEYS):
        frow = f7.total_row() if key == "total" else f7.row_by_key(key)
        if frow is None:
            continue
        line = ExecutionLine(
            table_type="three_public",
            name=_THREE_LABEL[key],
            key=key,
            final=frow.value0("final"),
            final_location=cell_location(f7, frow, "final"),
        )
        table_budget = frow.value0("budget") if "budget" in {c.key for c in f7.columns} else None
        brow = None
        if b10 is not None:
            brow = b10.total_row() if key == "total" else b10.row_by_key(key)
            line.budget = brow.value0("total") if brow else Decimal(0)
            line.budget_source = "budget"
            line.budget_location = cell_location(b10, brow, "total") if brow else None
            line.stated_budget = table_budget
        elif table_budget is not None:
            line.budget = table_budget
            line.budget_source = "final_table"
            line.budget_location = cell_location(f7, frow, "budget")
        words = _THREE_NAMES.get(key, [])
        own = next(
            (
                p
                for p in sec_paras
                if _has_reason(p.text) and any(normalize_label(w) in p.norm for w in words)
            ),
            None,
        )
        reason = own or general_reason
        if reason is not None:
            line.explained, line.explanation = True, reason.location
        result.lines.append(line)
        line.large = _is_large(line, result.threshold, result.min_amount)
        if line.large and not line.explained and key in _THREE_LEAVES:
            line.flagged = True
            result.findings.append(
                make_finding(
                    "XY-EXEC-003",
                    line.final_location or Location(row_key=key),
                    expected=line.budget,
                    found=line.final,
                    related=[x for x in (line.budget_location,) if x],
                    row=line.name,
                    rate="—" if line.rate is None else f"{line.rate}%",
                )
            )
        if (
            b10 is not None
            and table_budget is not None
            and abs(table_budget - (line.budget or Decimal(0))) > BUDGET_TOLERANCE
        ):
            result.findings.append(
                make_finding(
                    "XY-EXEC-004",
                    cell_location(f7, frow, "budget"),
                    expected=line.budget,
                    found=table_budget,
                    tolerance=BUDGET_TOLERANCE,
                    related=[x for x in (line.budget_location,) if x],
                    row=line.name,
                    year=budget.metadata.year if budget else "",
                )
            )


# --------------------------------------------------------------------------------------------
# Store


def budget_document_id(db: Any, final_id: int) -> int | None:
    """The current budget of the same department (any of its names) and year as a stored 决算."""
    from cnbudget.store import list_documents

    docs = list_documents(db)
    me = next((d for d in docs if d.id == final_id), None)
    if me is None:
        raise KeyError(f"no document {final_id}")
    cands = [
        d
        for d in docs
        if d.department_id == me.department_id
        and d.year == me.year
        and d.kind == "budget"
        and d.scope == me.scope  # a 单位决算 pairs with the 单位预算, not the 部门预算
        and d.is_current
    ]
    return cands[0].id if cands else None


def execution_stored(db: Any, final_id: int, **kw: Any) -> Execution:
    """:func:`execution` of a stored 决算 with its stored budget, when there is one."""
    from cnbudget.store import load_document

    bid = budget_document_id(db, final_id)
    return execution(
        load_document(db, final_id),
        load_document(db, bid) if bid is not None else None,
        final_id=final_id,
        budget_id=bid,
        **kw,
    )


def format_rate(rate: Decimal | None) -> str:
    """``96.91%`` or ``—``."""
    return "—" if rate is None else f"{rate}%"


__all__ = [
    "DEFAULT_MIN_AMOUNT",
    "DEFAULT_THRESHOLD",
    "Execution",
    "ExecutionLine",
    "budget_document_id",
    "execution",
    "execution_stored",
    "format_rate",
    "stated_budgets",
]
