"""Lay the base figures out as the eleven tables of the ``budget-11`` layout.

Every row is built the way the text reader builds it from a printed line (kind, printed name,
code and level, key, side, unit, emphasis, header rows), so that reading the rendered text of a
generated document gives back the very same model. Zero amounts are printed as blank cells, as
the published tables do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from cnbudget.example.data import ECONOMIC_NAMES, EXPENDITURE_CLASSES, FUNCTION_NAMES
from cnbudget.example.figures import ZERO, Figures, Item, Project
from cnbudget.layouts import LayoutSpec, TableSpec
from cnbudget.model import Amount, Column, Row, Table
from cnbudget.outputs.text import header_rows

Values = dict[str, Decimal]

_LEVELS = {3: "类", 5: "款", 7: "项"}

#: 表1 income side: (printed name, layout key, bold), in the order of the sample.
SUMMARY_INCOME: tuple[tuple[str, str, bool], ...] = (
    ("一、本年收入", "current_income", True),
    ("1. 一般公共预算拨款", "general_budget", True),
    ("其中：一般财力", "general_own", False),
    ("上级一般公共预算安排转移支付", "general_transfer", False),
    ("2. 基金预算拨款", "fund_budget", True),
    ("其中：政府性基金收入", "fund_own", False),
    ("上级政府性基金安排转移支付", "fund_transfer", False),
    ("3. 国有资本经营预算拨款", "soe_budget", True),
    ("其中：国有资本经营收入", "soe_own", False),
    ("上级国有资本经营预算安排转移支付", "soe_transfer", False),
    ("4. 财政专户核拨", "special_account", True),
    ("5. 单位资金", "unit_funds", True),
    ("其中：事业收入", "business_income", False),
    ("上级补助收入", "subsidy_income", False),
    ("附属单位上缴收入", "affiliated_income", False),
    ("事业单位经营收入", "operating_income", False),
    ("其他收入", "other_income", False),
    ("二、上年结转结余", "carryover", True),
    ("1、财政拨款结转", "fiscal_carryover", True),
    ("其中：一般公共预算拨款", "cf_general", False),
    ("基金预算拨款", "cf_fund", False),
    ("国有资本经营预算拨款", "cf_soe", False),
    ("2、非财政拨款结转结余", "nonfiscal_carryover", True),
    ("其中：财政专户核拨", "ncf_special", False),
    ("单位资金", "ncf_unit", False),
)
FISCAL_INCOME: tuple[tuple[str, str, bool], ...] = (
    ("一、财政拨款（补助）", "fiscal_income", True),
    ("一般公共预算", "general", False),
    ("政府性基金预算", "fund", False),
    ("国有资本经营预算", "soe", False),
)
THREE_PUBLIC: tuple[tuple[str, str, bool], ...] = (
    ("因公出国（境）费", "outbound", False),
    ("公务接待费", "reception", False),
    ("公务用车购置及运行费（小计）", "vehicles", True),
    ("其中：公务用车购置费", "vehicle_purchase", False),
    ("公务用车运行费", "vehicle_operation", False),
)


def amount(v: Decimal) -> Amount:
    """A printed amount; generated values are exact to the cent, so no rounding is needed."""
    return Amount(value=v, printed=f"{v:,.2f}")


def values(vals: Values) -> dict[str, Amount]:
    """Printed cells of a row: zero is a blank cell."""
    return {k: amount(v) for k, v in vals.items() if v}


def _sum(rows: Iterable[Values], keys: list[str]) -> Values:
    out = dict.fromkeys(keys, ZERO)
    for r in rows:
        for k, v in r.items():
            out[k] += v
    return out


_HEADERS: dict[int, tuple[TableSpec, list[list[str]]]] = {}


def _header(spec: TableSpec) -> list[list[str]]:
    """Header rows of ``spec``, computed once per spec (specs are unhashable, hence by id)."""
    hit = _HEADERS.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _HEADERS[id(spec)] = (spec, header_rows(spec))
    return hit[1]


def _table(spec: TableSpec, dept: str, rows: list[Row], empty: str | None = None) -> Table:
    return Table(
        type=spec.type,
        number=spec.number,
        title=spec.title,
        department=dept,
        columns=[Column(key=c.key, header=list(c.header), side=c.side) for c in spec.columns],
        rows=rows,
        printed_header=[list(r) for r in _header(spec)],
        empty_explanation=empty,
    )


def coded_rows(
    leaves: dict[str, Values], keys: list[str], *, total: str | None = "总计"
) -> list[Row]:
    """类 / 款 / 项 rows summed bottom-up from 项 values (类 = Σ款 = Σ项 by construction)."""
    leaves = {c: v for c, v in leaves.items() if any(v.values())}
    rows: list[Row] = []
    if total is not None:
        rows.append(
            Row(
                kind="total",
                name=total,
                emphasized=True,
                values=values(_sum(leaves.values(), keys)),
            )
        )
    by_prefix: dict[str, list[Values]] = defaultdict(list)
    for code, v in leaves.items():
        by_prefix[code[:3]].append(v)
        by_prefix[code[:5]].append(v)
    done: set[str] = set()
    for code in sorted(leaves):
        for prefix in (code[:3], code[:5]):
            if prefix in done:
                continue
            done.add(prefix)
            rows.append(
                Row(
                    kind="item",
                    name=FUNCTION_NAMES[prefix],
                    code=prefix,
                    level=_LEVELS[len(prefix)],
                    emphasized=True,
                    values=values(_sum(by_prefix[prefix], keys)),
                )
            )
        rows.append(
            Row(
                kind="item",
                name=FUNCTION_NAMES[code],
                code=code,
                level="项",
                values=values(leaves[code]),
            )
        )
    return rows


def _class_totals(f: Figures, value: Callable[[Item], Decimal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, it in f.items.items():
        out[code[:3]] += value(it)
    return out


def _two_sided(
    spec: TableSpec,
    f: Figures,
    income: tuple[tuple[str, str, bool], ...],
    income_values: dict[str, Values],
    expenditure: dict[str, Values],
    totals: tuple[Values, Values],
) -> Table:
    """Income and expenditure rows in reading order: line i holds income i and 类 i."""
    rows: list[Row] = []
    n = max(len(income), len(EXPENDITURE_CLASSES))
    for i in range(n):
        if i < len(income):
            name, key, bold = income[i]
            rows.append(
                Row(
                    kind="named",
                    name=name,
                    key=key,
                    side="income",
                    emphasized=bold,
                    values=values(income_values.get(key, {})),
                )
            )
        if i < len(EXPENDITURE_CLASSES):
            code, name = EXPENDITURE_CLASSES[i]
            rows.append(
                Row(
                    kind="item",
                    name=name,
                    code=code,
                    level="类",
                    side="expenditure",
                    values=values(expenditure.get(code, {})),
                )
            )
    for side, name, vals in (
        ("income", "收入总计", totals[0]),
        ("expenditure", "支出总计", totals[1]),
    ):
        rows.append(
            Row(
                kind="total",
                name=name,
                key="total",
                side=side,  # type: ignore[arg-type]
                emphasized=True,
                values=values(vals),
            )
        )
    return _table(spec, f.full_name, rows)


def summary(spec: TableSpec, f: Figures) -> Table:
    """表1 部门收支总体情况表."""
    inc = {
        "current_income": f.general + f.fund,
        "general_budget": f.general,
        "general_own": f.general_own,
        "general_transfer": f.general_transfer,
        "fund_budget": f.fund,
        "fund_own": f.fund,
        "carryover": f.carry,
        "fiscal_carryover": f.carry,
        "cf_general": f.carry_general,
        "cf_fund": f.carry_fund,
    }
    exp = {c: {"amount": v} for c, v in _class_totals(f, lambda i: i.total).items()}
    return _two_sided(
        spec,
        f,
        SUMMARY_INCOME,
        {k: {"amount": v} for k, v in inc.items()},
        exp,
        ({"amount": f.total}, {"amount": f.total}),
    )


def income_summary(spec: TableSpec, f: Figures) -> Table:
    """表2 部门收入总体情况表: each 项 by source of funds."""
    keys = [c.key for c in spec.columns]
    leaves: dict[str, Values] = {}
    for code, it in f.items.items():
        general = it.basic + it.own_project
        fiscal = general + it.transfer_project + it.fund_project
        carry = it.carry_general + it.carry_fund
        leaves[code] = {
            "total": fiscal + carry,
            "fiscal_subtotal": fiscal,
            "general": general,
            "general_transfer": it.transfer_project,
            "fund": it.fund_project,
            "fiscal_carryover": carry,
        }
    return _table(spec, f.full_name, coded_rows(leaves, keys))


def expenditure_summary(spec: TableSpec, f: Figures) -> Table:
    """表3 部门支出总体情况表."""
    leaves = {
        c: {"total": it.total, "basic": it.basic, "project": it.project}
        for c, it in f.items.items()
    }
    return _table(spec, f.full_name, coded_rows(leaves, ["total", "basic", "project"]))


def fiscal_summary(spec: TableSpec, f: Figures) -> Table:
    """表4 财政拨款收支预算总体情况表."""
    fiscal = f.general + f.fund
    inc = {
        "fiscal_income": {"total": fiscal},
        "general": {"total": f.general},
        "fund": {"total": f.fund},
    }
    general = _class_totals(f, lambda i: i.general)
    fund = _class_totals(f, lambda i: i.fund_project)
    exp = {
        c: {"total": general[c] + fund[c], "general": general[c], "fund": fund[c]}
        for c in sorted(set(general) | set(fund))
    }
    totals = ({"total": fiscal}, {"total": fiscal, "general": f.general, "fund": f.fund})
    return _two_sided(spec, f, FISCAL_INCOME, inc, exp, totals)


def general_expenditure(spec: TableSpec, f: Figures) -> Table:
    """表5 一般公共预算支出情况表."""
    leaves = {
        c: {
            "total": it.general,
            "basic": it.basic,
            "project": it.own_project + it.transfer_project,
        }
        for c, it in f.items.items()
    }
    return _table(spec, f.full_name, coded_rows(leaves, ["total", "basic", "project"]))


def general_basic(spec: TableSpec, f: Figures) -> Table:
    """表6 一般公共预算基本支出情况表: 人员经费 = 301 + 303, 公用经费 = 302."""
    econ: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for u in f.units:
        for k, v in u.econ.items():
            econ[k] += v

    def cols(code: str, v: Decimal) -> Values:
        public = code.startswith("302")
        return {"total": v, "personnel": ZERO if public else v, "public": v if public else ZERO}

    rows = [
        Row(
            kind="total",
            name="总计",
            values=values({"total": f.basic, "personnel": f.personnel, "public": f.public}),
        )
    ]
    for cls in ("301", "302", "303"):
        kuan = sorted(k for k, v in econ.items() if k.startswith(cls) and v)
        if not kuan:
            continue
        rows.append(
            Row(
                kind="item",
                name=ECONOMIC_NAMES[cls],
                code=cls,
                level="类",
                emphasized=True,
                values=values(cols(cls, sum((econ[k] for k in kuan), ZERO))),
            )
        )
        rows += [
            Row(
                kind="item",
                name=ECONOMIC_NAMES[k],
                code=k,
                level="款",
                values=values(cols(k, econ[k])),
            )
            for k in kuan
        ]
    return _table(spec, f.full_name, rows)


def general_project(spec: TableSpec, f: Figures) -> Table:
    """表7 一般公共预算项目支出情况表: 总计, then per unit its 类 / 款 and project rows."""
    keys = [c.key for c in spec.columns]

    def vals(p: Project) -> Values:
        return {"total": p.amount, **p.econ}

    rows = [Row(kind="total", name="总计", values=values(_sum(map(vals, f.projects), keys)))]
    for u in f.units:
        mine = sorted((p for p in f.projects if p.unit == u.name), key=lambda p: p.code)
        if not mine:
            continue
        rows.append(
            Row(
                kind="unit",
                name=u.name,
                unit_name=u.name,
                emphasized=True,
                values=values(_sum(map(vals, mine), keys)),
            )
        )
        done: set[str] = set()
        for p in mine:
            for prefix in (p.code[:3], p.code[:5]):
                if prefix in done:
                    continue
                done.add(prefix)
                group = [vals(q) for q in mine if q.code.startswith(prefix)]
                rows.append(
                    Row(
                        kind="item",
                        name=FUNCTION_NAMES[prefix],
                        code=prefix,
                        level=_LEVELS[len(prefix)],
                        unit_name=u.name,
                        emphasized=True,
                        values=values(_sum(group, keys)),
                    )
                )
            rows.append(
                Row(
                    kind="project",
                    name=FUNCTION_NAMES[p.code],
                    code=p.code,
                    level="项",
                    unit_name=u.name,
                    project=p.name,
                    values=values(vals(p)),
                )
            )
    return _table(spec, f.full_name, rows)


def empty_sentence(f: Figures, what: str) -> str:
    """The printed sentence of an empty table (and of its section in 第三部分)."""
    return f"{f.full_name}{f.year} 年没有使用{what}预算拨款安排的支出，{what}预算支出情况表为空表。"


def fund_expenditure(spec: TableSpec, f: Figures) -> Table:
    """表8 政府性基金预算支出情况表 (empty, with its sentence, when no fund money)."""
    if not f.fund:
        return _table(spec, f.full_name, [], empty_sentence(f, "政府性基金"))
    leaves = {
        c: {"total": it.fund_project, "project": it.fund_project}
        for c, it in f.items.items()
        if it.fund_project
    }
    return _table(spec, f.full_name, coded_rows(leaves, [c.key for c in spec.columns]))


def soe_expenditure(spec: TableSpec, f: Figures) -> Table:
    """表9 国有资本经营预算支出情况表: the example departments have no SOE money."""
    return _table(spec, f.full_name, [], empty_sentence(f, "国有资本经营"))


def three_public(spec: TableSpec, f: Figures) -> Table:
    """表10 财政拨款“三公”经费支出情况表, all from the general budget."""
    cur = {k: v for k, (v, _) in f.three_public.items()}
    cur["vehicles"] = cur["vehicle_purchase"] + cur["vehicle_operation"]
    total = cur["outbound"] + cur["reception"] + cur["vehicles"]
    rows = [
        Row(
            kind="total",
            name="合计",
            key="total",
            emphasized=True,
            values=values({"total": total, "general": total}),
        )
    ]
    rows += [
        Row(
            kind="named",
            name=name,
            key=key,
            emphasized=bold,
            values=values({"total": cur[key], "general": cur[key]}),
        )
        for name, key, bold in THREE_PUBLIC
    ]
    return _table(spec, f.full_name, rows)


def carryover(spec: TableSpec, f: Figures) -> Table:
    """表11 上年结转结余情况明细表: carried-over projects grouped by unit, all 财政拨款 项目."""

    def vals(v: Decimal) -> Values:
        return {"total": v, "fiscal_total": v, "fiscal_project": v}

    rows = [Row(kind="total", name="总计", emphasized=True, values=values(vals(f.carry)))]
    for u in f.units:
        mine = [c for c in f.carries if c.unit == u.name]
        if not mine:
            continue
        rows.append(
            Row(
                kind="unit",
                name=u.name,
                unit_name=u.name,
                emphasized=True,
                values=values(vals(sum((c.amount for c in mine), ZERO))),
            )
        )
        rows += [
            Row(
                kind="project",
                name=c.name,
                unit_name=u.name,
                project=c.name,
                values=values(vals(c.amount)),
            )
            for c in mine
        ]
    return _table(spec, f.full_name, rows)


_BUILDERS: dict[str, Callable[[TableSpec, Figures], Table]] = {
    "summary": summary,
    "income_summary": income_summary,
    "expenditure_summary": expenditure_summary,
    "fiscal_summary": fiscal_summary,
    "general_expenditure": general_expenditure,
    "general_basic": general_basic,
    "general_project": general_project,
    "fund_expenditure": fund_expenditure,
    "soe_expenditure": soe_expenditure,
    "three_public": three_public,
    "carryover": carryover,
}


def build_tables(layout: LayoutSpec, f: Figures) -> list[Table]:
    """All tables of ``layout`` in their printed order."""
    return [_BUILDERS[spec.type](spec, f) for spec in layout.tables]
