"""Identities between tables, declared in the layout (``cross_identities``,
``per_class_identities``), plus the performance tables against 表1 and 表7."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from cnbudget.checks.context import Context, cell_location, identity_tolerance, row_label
from cnbudget.checks.findings import Location
from cnbudget.checks.refs import CellRef
from cnbudget.layouts import normalize_label
from cnbudget.model import Row, Table


def run(ctx: Context) -> None:
    for ident in ctx.layout.cross_identities:
        a = CellRef.parse(ident.a)
        b = CellRef.parse(ident.b)
        ra, rb = a.resolve(ctx.doc), b.resolve(ctx.doc)
        if ra is None or rb is None:
            continue  # a missing table is reported by the completeness rules
        ctx.compare(
            ident.rule,
            (ra[0], ra[1], a.column),
            [(rb[0], rb[1], b.column)],
            other=_where(rb[0], rb[1], b.column),
        )
    for ident in ctx.layout.per_class_identities:
        _per_class(ctx, ident.rule, ident.a, ident.b, ident.plus, ident.level)
    _performance_vs_tables(ctx)


def _where(table: Table, row: Row | None, column: str) -> str:
    from cnbudget.checks.context import column_label

    name = row_label(table, row) if row is not None else f"表{table.number}"
    return f"{name}「{column_label(table, column, row.side if row else None)}」"


def _rows_by_code(table: Table, side: str | None, level: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in table.rows:
        if not r.code or (side and r.side != side) or r.kind not in ("item", "project"):
            continue
        if level == "类" and len(r.code) != 3:
            continue
        out[r.code].append(r)
    return out


def _per_class(ctx: Context, rule: str, a: str, b: str, plus: list[str], level: str) -> None:
    ta_name, _, ca = a.partition(":")
    tb_name, _, cb = b.partition(":")
    ta_type, _, side_a = ta_name.partition(".")
    tb_type, _, side_b = tb_name.partition(".")
    ta, tb = ctx.doc.table(ta_type), ctx.doc.table(tb_type)
    if ta is None or tb is None:
        return
    extra_cols = [p.partition(":")[2] for p in plus]
    rows_a = _rows_by_code(ta, side_a or None, level)
    rows_b = _rows_by_code(tb, side_b or None, level)
    for code in sorted(set(rows_a) | set(rows_b)):
        la, lb = rows_a.get(code, []), rows_b.get(code, [])
        if len(la) > 1 or len(lb) > 1:
            continue  # duplicated codes are reported by the catalog rules
        row_a = la[0] if la else None
        row_b = lb[0] if lb else None
        if row_a is None and (row_b is None or not row_b.values):
            continue
        if row_a is None:
            # The code is printed only on the B side: its A amount is zero.
            ctx.compare(rule, (tb, row_b, cb), [], other=f"表{ta.number}（无此科目）")
            continue
        parts = [(ta, row_a, c) for c in extra_cols]
        ctx.compare(
            rule,
            (ta, row_a, ca) if not extra_cols else (tb, row_b, cb),
            [(tb, row_b, cb)] if not extra_cols else [(ta, row_a, ca), *parts],
            other=_where(tb, row_b, cb) if row_b else f"表{tb.number}（无此科目）",
        )


def _match_projects(ctx: Context, t7: Table) -> dict[int, Row]:
    """Pair each 项目支出绩效目标表 with its 表7 project row: same name, then one name contains
    the other, then the only unpaired project of the same unit with the same amount."""
    projects = [r for r in t7.rows if r.kind == "project"]
    perf = [(i, p) for i, p in enumerate(ctx.doc.performance) if p.kind == "project"]
    used: set[int] = set()
    pairs: dict[int, Row] = {}

    def norm(s: str | None) -> str:
        return normalize_label(s or "").casefold()

    def take(i: int, pred) -> None:
        cands = [j for j, r in enumerate(projects) if j not in used and pred(r)]
        if len(cands) == 1:
            used.add(cands[0])
            pairs[i] = projects[cands[0]]

    for i, p in perf:
        take(i, lambda r, p=p: norm(r.project) == norm(p.project_name))
    for i, p in perf:
        if i not in pairs and norm(p.project_name):
            take(
                i,
                lambda r, p=p: (
                    norm(p.project_name) in norm(r.project)
                    or norm(r.project) in norm(p.project_name)
                ),
            )
    for i, p in perf:
        total = p.amounts.get("total")
        if i not in pairs and total is not None:
            take(
                i,
                lambda r, p=p, total=total: (
                    r.value0("total") == total.value
                    and (not p.unit_name or norm(r.unit_name) == norm(p.unit_name))
                ),
            )
    return pairs


def _performance_vs_tables(ctx: Context) -> None:
    t7 = ctx.doc.table("general_project")
    if t7 is not None:
        pairs = _match_projects(ctx, t7)
        for i, p in enumerate(ctx.doc.performance):
            if p.kind != "project":
                continue
            total = p.amounts.get("total")
            loc = Location(
                table_type="performance_project",
                row_name=p.project_name,
                column="年度预算总额",
                source_line=(
                    total.source.line
                    if total and total.source
                    else p.source.line
                    if p.source
                    else None
                ),
            )
            row = pairs.get(i)
            if row is None:
                ctx.emit("XT-PERF-002", loc, project=p.project_name or "")
                continue
            ctx.bump("identities")
            if total is None:
                continue
            tol = identity_tolerance(1)
            if abs(total.value - row.value0("total")) > tol:
                ctx.emit(
                    "XT-PERF-001",
                    loc,
                    expected=row.value0("total"),
                    found=total.value,
                    tolerance=tol,
                    related=[cell_location(t7, row, "total")],
                    project=p.project_name or "",
                )
    _department_performance(ctx)


#: 部门整体绩效目标表 资金来源: 上级安排 are the transfers from above, 本级安排 the current-year
#: funds of this level; 其他 is everything else (carry-over, non-fiscal funds).
_DEPT_FUNDS = {
    "upper": ("general_transfer", "fund_transfer", "soe_transfer"),
    "own": ("general_own", "fund_own", "soe_own"),
}


def _department_performance(ctx: Context) -> None:
    t1 = ctx.doc.table("summary")
    if t1 is None:
        return
    total_row = t1.total_row("income")
    for p in ctx.doc.performance:
        if p.kind != "department":
            continue
        sums: dict[str, Decimal] = {}
        rows_of: dict[str, list] = {}
        for k, row_keys in _DEPT_FUNDS.items():
            rows = [r for key in row_keys if (r := t1.row_by_key(key, "income")) is not None]
            rows_of[k] = rows
            sums[k] = sum((r.value0("amount") for r in rows), Decimal(0))
        total = total_row.value0("amount") if total_row else Decimal(0)
        sums["other"] = total - sums["upper"] - sums["own"]
        rows_of["other"] = [total_row] if total_row else []
        for k, expected in sums.items():
            amt = p.amounts.get(k)
            if amt is None:
                continue
            ctx.bump("identities")
            tol = identity_tolerance(len(rows_of[k]))
            if abs(amt.value - expected) > tol:
                ctx.emit(
                    "XT-PERF-003",
                    Location(
                        table_type="performance_department",
                        row_name=p.unit_name,
                        column=k,
                        source_line=amt.source.line if amt.source else None,
                    ),
                    expected=expected,
                    found=amt.value,
                    tolerance=tol,
                    related=[cell_location(t1, r, "amount") for r in rows_of[k]],
                    item={"upper": "上级安排", "own": "本级安排", "other": "其他资金"}[k],
                )
