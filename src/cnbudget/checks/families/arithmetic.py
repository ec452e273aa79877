"""Arithmetic inside one table: 类 = Σ款 = Σ项, row identities, totals, unit subtotals."""

from __future__ import annotations

from collections import defaultdict

from cnbudget.checks.context import Context, identity_tolerance
from cnbudget.checks.findings import Location
from cnbudget.layouts import TableSpec
from cnbudget.model import Row, Table

_CODED = {"coded", "economic", "projects"}


def run(ctx: Context) -> None:
    for table in ctx.doc.tables:
        spec = ctx.layout.table(table.type)
        if spec is None:
            continue
        _row_identities(ctx, table, spec)
        if spec.mode in _CODED:
            _hierarchy(ctx, table, spec)
        _totals(ctx, table, spec)
        if spec.mode in ("two_sided", "named"):
            _named_children(ctx, table, spec)
    _performance(ctx)


def _row_identities(ctx: Context, table: Table, spec: TableSpec) -> None:
    for ident in spec.row_identities:
        for row in table.rows:
            if ident.side and row.side != ident.side:
                continue
            if not row.values:
                continue
            ctx.compare(
                "SUM-ROW-001",
                (table, row, ident.total),
                [(table, row, p) for p in ident.parts],
            )


def _scopes(table: Table, spec: TableSpec) -> dict[str | None, list[Row]]:
    scopes: dict[str | None, list[Row]] = defaultdict(list)
    for r in table.rows:
        if r.code and r.kind in ("item", "project"):
            scopes[r.unit_name if spec.mode == "projects" else None].append(r)
    return scopes


def _hierarchy(ctx: Context, table: Table, spec: TableSpec) -> None:
    keys = [c.key for c in spec.columns]
    for rows in _scopes(table, spec).values():
        children: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            if r.code and len(r.code) > 3:
                children[r.code[:-2]].append(r)
        for parent in rows:
            if parent.kind != "item" or not parent.code or parent.code not in children:
                continue
            rule = "SUM-HIER-001" if len(parent.code) == 3 else "SUM-HIER-002"
            kids = children[parent.code]
            for k in keys:
                ctx.compare(rule, (table, parent, k), [(table, c, k) for c in kids])


def _totals(ctx: Context, table: Table, spec: TableSpec) -> None:
    keys_by_side: dict[str | None, list[str]] = defaultdict(list)
    for c in spec.columns:
        keys_by_side[c.side].append(c.key)
    for side, keys in keys_by_side.items():
        total = table.total_row(side)  # type: ignore[arg-type]
        if total is None:
            continue
        side_rows = [r for r in table.rows if r.side == side and r is not total]
        units = [r for r in side_rows if r.kind == "unit"]
        if spec.mode in ("coded", "economic", "two_sided") and side != "income":
            top = [r for r in side_rows if r.code and len(r.code) == 3]
        elif spec.mode in ("projects", "carryover") and units:
            top = units
            for u in units:
                members = [r for r in side_rows if r.unit_name == u.name and r is not u]
                parts = (
                    [r for r in members if r.code and len(r.code) == 3]
                    if spec.mode == "projects"
                    else [r for r in members if r.kind == "project"]
                )
                for k in keys:
                    ctx.compare("SUM-UNIT-001", (table, u, k), [(table, p, k) for p in parts])
        elif spec.mode == "projects":
            top = [r for r in side_rows if r.code and len(r.code) == 3]
        elif spec.mode == "carryover":
            top = [r for r in side_rows if r.kind == "project"]
        else:  # named rows: the top level is every row without a parent
            named = spec.income_rows if spec.mode == "two_sided" else spec.named_rows
            parents = {n.key: n.parent for n in named}
            top = [r for r in side_rows if r.key and parents.get(r.key) is None]
        for k in keys:
            ctx.compare("SUM-TOT-001", (table, total, k), [(table, r, k) for r in top])


def _named_children(ctx: Context, table: Table, spec: TableSpec) -> None:
    named = spec.income_rows if spec.mode == "two_sided" else spec.named_rows
    side = "income" if spec.mode == "two_sided" else None
    by_key = {r.key: r for r in table.rows if r.key and r.side == side}
    kids: dict[str, list[str]] = defaultdict(list)
    for n in named:
        if n.parent:
            kids[n.parent].append(n.key)
    cols = [c.key for c in spec.columns if c.side == side]
    for parent_key, child_keys in kids.items():
        parent = by_key.get(parent_key)
        present = [by_key[k] for k in child_keys if k in by_key]
        if parent is None or not present:
            continue
        for k in cols:
            ctx.compare("SUM-NAMED-001", (table, parent, k), [(table, c, k) for c in present])


def _performance(ctx: Context) -> None:
    for p in ctx.doc.performance:
        a = p.amounts
        if p.kind == "project" and "total" in a and ("fiscal" in a or "other" in a):
            ctx.bump("identities")
            parts = [a[k].value for k in ("fiscal", "other") if k in a]
            expected = sum(parts)
            found = a["total"].value
            tol = identity_tolerance(len(parts))
            if abs(found - expected) > tol:
                ctx.emit(
                    "SUM-PERF-001",
                    Location(
                        table_type="performance_project",
                        row_name=p.project_name,
                        column="年度预算总额",
                        source_line=a["total"].source.line if a["total"].source else None,
                    ),
                    expected=expected,
                    found=found,
                    tolerance=tol,
                    project=p.project_name or "",
                )
