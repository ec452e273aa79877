"""Consistent fictional *series* for tests and demonstrations: a department's previous-year budget
and its final account, derived from the example generator.

Why: :func:`cnbudget.example.build_example` makes one year of one fictional department; the
analyses need pairs whose truth is known. The previous year is built from the prior-year figures
the generator itself drew (:class:`cnbudget.example.figures.Figures` ``prior_*``) — not from this
package's reading of the narrative — so a clean reconciliation of the pair tests the reading
independently. The final account is the budget scaled item by item, with the classification
sums recomputed, so every identity still holds and the variances are exactly the ones asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from cnbudget.example import build_example
from cnbudget.example.data import FUNCTION_NAMES
from cnbudget.example.figures import draw
from cnbudget.layouts import load_layout
from cnbudget.model import (
    Amount,
    Column,
    Document,
    Metadata,
    Paragraph,
    Row,
    Section,
    Table,
)
from cnbudget.money import format_amount

CENT = Decimal("0.01")
_LEVEL = {3: "类", 5: "款", 7: "项"}


def amount(v: Decimal) -> Amount:
    """A printed cell of a generated table."""
    return Amount(value=v, printed=format_amount(v))


def _set(row: Row, column: str, v: Decimal) -> None:
    if v:
        row.values[column] = amount(v)
    else:
        row.values.pop(column, None)


def _coded_row(table: Table, code: str) -> Row:
    """The row of ``code`` in a coded table, added (with its name) when the table lacks it."""
    for r in table.rows:
        if r.code == code:
            return r
    row = Row(kind="item", name=FUNCTION_NAMES.get(code, code), code=code, level=_LEVEL[len(code)])
    # keep the classification order: after the last row whose code sorts before this one
    idx = next(
        (i for i, r in enumerate(table.rows) if r.kind == "total" or (r.code or "") > code),
        len(table.rows),
    )
    table.rows.insert(idx, row)
    return row


def _resum(table: Table, columns: list[str]) -> None:
    """Recompute 款, 类 and the total row of a coded table from its 项 rows."""
    items = [r for r in table.rows if r.code and len(r.code) == 7]
    for r in table.rows:
        if r.code and len(r.code) in (3, 5):
            parts = [i for i in items if i.code and i.code.startswith(r.code)]
            for c in columns:
                _set(r, c, sum((p.value0(c) for p in parts), Decimal(0)))
    total = table.total_row()
    if total is not None:
        for c in columns:
            _set(total, c, sum((i.value0(c) for i in items), Decimal(0)))


def previous_year_example(seed: int = 0, year: int = 2024) -> tuple[Document, Document]:
    """``(previous, current)``: the example department of ``seed`` in ``year`` and a disclosure of
    the year before whose cells carry the prior-year figures the generator drew.

    Only the cells the current narrative speaks about are rolled back (表2 sources, 表3 and 表5
    basic/project, each 项 of 表5, 表6 公用经费, 表8 total, 表10); the rest of the previous
    document is this year's, which no 比上年 statement can see. It is therefore *not*
    internally consistent (its own checks fail): a fixture for cross-year analyses, not a
    disclosure to check.
    """
    current = build_example(seed, year=year)
    f = draw(seed, year)
    prev = current.model_copy(deep=True)
    prev.metadata.year = year - 1
    prev.source_name = f"example-{seed}-{year - 1}"
    current.source_name = f"example-{seed}-{year}"

    def total_row(type_: str) -> Row | None:
        t = prev.table(type_)
        return t.total_row() if t else None

    if (r := total_row("income_summary")) is not None:
        _set(r, "general", f.prior_general_own)
        _set(r, "general_transfer", f.prior_transfer)
        _set(r, "fund", f.prior_fund)
        _set(r, "fiscal_carryover", f.prior_carry)
    if (r := total_row("expenditure_summary")) is not None:
        _set(r, "basic", f.prior_basic)
        _set(r, "project", f.prior_project)
    t5 = prev.table("general_expenditure")
    if t5 is not None:
        for r in t5.rows:
            if r.code and len(r.code) == 7:
                _set(r, "total", f.prior_general.get(r.code, Decimal(0)))
        for code, v in f.prior_general.items():
            for c in (code[:3], code[:5], code):
                _coded_row(t5, c)
            _set(_coded_row(t5, code), "total", v)
        _resum(t5, ["total"])
        if (r := t5.total_row()) is not None:
            _set(r, "basic", f.prior_basic)
            _set(r, "project", f.prior_general_project)
    if (r := total_row("general_basic")) is not None:
        _set(r, "public", f.prior_public)
    if (r := total_row("fund_expenditure")) is not None:
        _set(r, "total", f.prior_fund)
    t10 = prev.table("three_public")
    if t10 is not None:
        prior = {k: p for k, (_v, p) in f.three_public.items()}
        for r in t10.rows:
            if r.key in prior:
                _set(r, "total", prior[r.key])
                _set(r, "general", prior[r.key])
            elif r.key == "vehicles":
                v = prior["vehicle_purchase"] + prior["vehicle_operation"]
                _set(r, "total", v)
                _set(r, "general", v)
            elif r.kind == "total":
                _set(r, "total", sum(prior.values(), Decimal(0)))
                _set(r, "general", sum(prior.values(), Decimal(0)))
    return prev, current


# --------------------------------------------------------------------------------------------
# Final accounts

_THREE = (
    ("outbound", "因公出国（境）费"),
    ("vehicles", "公务用车购置及运行费"),
    ("vehicle_purchase", "公务用车购置费"),
    ("vehicle_operation", "公务用车运行费"),
    ("reception", "公务接待费"),
)


def _scaled(v: Decimal, factor: Decimal) -> Decimal:
    return (v * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def _path_name(table: Table, code: str) -> str:
    names = {r.code: r.name for r in table.rows if r.code}
    return "".join(
        f"{names.get(code[:n], FUNCTION_NAMES.get(code[:n], code[:n]))}（{_LEVEL[n]}）"
        for n in (3, 5, 7)
    )


def final_from_budget(
    budget: Document,
    *,
    factor: Decimal = Decimal("0.97"),
    factors: Mapping[str, Decimal] | None = None,
    explain: set[str] | None = None,
    three_public_factor: Decimal = Decimal("0.9"),
    explain_three_public: bool = True,
) -> Document:
    """A 部门决算 (``mof-final-9``) of ``budget``'s department and year: every 项 of 表5 spent at
    ``factors[code]`` (default ``factor``) of its budget, 三公 items at ``three_public_factor``.

    The narrative states, per 项, 年初预算 and 支出决算 in the MOF template's wording, with a
    reason sentence for the codes in ``explain`` (default: every code) and "决算数与预算数基本持平"
    for the others — so tests can make variances explained or not at will.
    """
    factors = dict(factors or {})
    layout = load_layout("mof-final-9")
    md = budget.metadata
    meta = Metadata(
        kind="final",
        year=md.year,
        department=md.department,
        alias=md.alias,
        region=md.region.model_copy(),
        staffing=md.staffing.model_copy() if md.staffing else None,
        budget_units=[u.model_copy() for u in md.budget_units],
        layout=layout.id,
    )
    tables: list[Table] = []
    b5 = budget.table("general_expenditure")
    finals: dict[str, tuple[Decimal, Decimal]] = {}
    if b5 is not None:
        spec = layout.table("general_expenditure")
        assert spec is not None
        t5 = Table(
            type=spec.type,
            number=spec.number,
            title=spec.title,
            columns=[Column(key=c.key, header=list(c.header)) for c in spec.columns],
        )
        for r in b5.rows:
            if not r.code:
                continue
            row = Row(kind="item", name=r.name, code=r.code, level=r.level)
            if len(r.code) == 7:
                k = factors.get(r.code, factor)
                for c in ("basic", "project"):
                    _set(row, c, _scaled(r.value0(c), k))
                _set(row, "total", row.value0("basic") + row.value0("project"))
                finals[r.code] = (r.value0("total"), row.value0("total"))
            t5.rows.append(row)
        t5.rows.append(Row(kind="total", name="合计", emphasized=True))
        _resum(t5, ["total", "basic", "project"])
        tables.append(t5)
    b10 = budget.table("three_public")
    three: dict[str, tuple[Decimal, Decimal]] = {}
    if b10 is not None:
        spec = layout.table("three_public")
        assert spec is not None
        t7 = Table(
            type=spec.type,
            number=spec.number,
            title=spec.title,
            columns=[Column(key=c.key, header=list(c.header)) for c in spec.columns],
        )
        leaves = ("outbound", "vehicle_purchase", "vehicle_operation", "reception")
        for key in leaves:
            src = b10.row_by_key(key)
            bv = src.value0("total") if src else Decimal(0)
            three[key] = (bv, _scaled(bv, three_public_factor))
        three["vehicles"] = (
            three["vehicle_purchase"][0] + three["vehicle_operation"][0],
            three["vehicle_purchase"][1] + three["vehicle_operation"][1],
        )
        total = Row(kind="total", name="合计", emphasized=True)
        for col, i in (("budget", 0), ("final", 1)):
            _set(
                total,
                col,
                sum((three[k][i] for k in ("outbound", "vehicles", "reception")), Decimal(0)),
            )
        t7.rows.append(total)
        for key, name in _THREE:
            row = Row(kind="named", name=name, key=key)
            _set(row, "budget", three[key][0])
            _set(row, "final", three[key][1])
            t7.rows.append(row)
        tables.append(t7)

    explain = set(finals) if explain is None else explain
    dept = md.full_name or ""
    details: list[Paragraph] = []
    for i, (code, (bv, fv)) in enumerate(sorted(finals.items()), 1):
        assert b5 is not None
        text = f"{i}、{_path_name(b5, code)}。年初预算为{format_amount(bv)}万元，支出决算为{format_amount(fv)}万元。"
        if fv == bv:
            text += "决算数与预算数持平。"
        elif code in explain:
            more = "大于" if fv > bv else "小于"
            text += f"决算数{more}预算数的主要原因：年度工作任务调整。"
        else:
            text += "决算数与预算数基本持平。"
        details.append(Paragraph(text=text))
    total_b = sum((b for b, _ in finals.values()), Decimal(0))
    total_f = sum((f for _, f in finals.values()), Decimal(0))
    sections = [
        Section(
            number="五",
            title="一般公共预算财政拨款支出决算情况说明",
            subsections=[
                Section(
                    number="（三）",
                    title="一般公共预算财政拨款支出决算具体情况",
                    level=2,
                    paragraphs=[
                        Paragraph(
                            text=f"一般公共预算财政拨款支出年初预算为{format_amount(total_b)}万元，"
                            f"支出决算为{format_amount(total_f)}万元。其中："
                        ),
                        *details,
                    ],
                )
            ],
        )
    ]
    if three:
        b3 = sum((three[k][0] for k in ("outbound", "vehicles", "reception")), Decimal(0))
        f3 = sum((three[k][1] for k in ("outbound", "vehicles", "reception")), Decimal(0))
        text = f"“三公”经费财政拨款支出年初预算为{format_amount(b3)}万元，支出决算为{format_amount(f3)}万元。"
        if explain_three_public and f3 != b3:
            text += "决算数小于预算数的主要原因：严格执行厉行节约规定，压减公务接待和公务用车支出。"
        sections.append(
            Section(
                number="七",
                title="财政拨款“三公”经费支出决算情况说明",
                paragraphs=[Paragraph(text=text)],
            )
        )
    return Document(
        metadata=meta,
        tables=tables,
        explanation=sections,
        source_name=f"{dept}{md.year}年度部门决算（示例）",
    )
