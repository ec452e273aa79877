"""Codes against the 政府收支分类科目 catalog of the document's year: existence, printed name,
and whether the code's kind and level fit the table and column it is printed in."""

from __future__ import annotations

from collections import Counter

from cnbudget.catalog import load_catalog, normalize_name
from cnbudget.checks.context import Context, cell_location


def run(ctx: Context) -> None:
    year = ctx.doc.metadata.year or 2024
    cat = load_catalog(year)
    for table in ctx.doc.tables:
        spec = ctx.layout.table(table.type)
        if spec is None:
            continue
        economic = spec.mode == "economic"
        codes = cat.economic if economic else cat.function
        coded_rows = [r for r in table.rows if r.code]
        if spec.mode in ("coded", "economic"):
            dups = [c for c, n in Counter(r.code for r in coded_rows).items() if n > 1]
            for code in dups:
                row = next(r for r in coded_rows if r.code == code)
                ctx.emit(
                    "CAT-DUP-001",
                    cell_location(table, row, None),
                    code=code,
                    table=f"表{table.number}",
                )
        for row in coded_rows:
            code = row.code or ""
            ctx.bump("codes_checked")
            loc = cell_location(table, row, None)
            wrong_kind = (economic and not code.startswith("3")) or (
                not economic and not code.startswith("2")
            )
            wrong_level = spec.mode == "two_sided" and len(code) != 3
            if wrong_kind or wrong_level:
                ctx.emit(
                    "CAT-LEVEL-001",
                    loc,
                    code=code,
                    table=f"表{table.number}",
                    expected_kind="经济分类" if economic else "功能分类",
                    level=codes.level_of(code) or "?",
                )
                continue
            entry = codes.get(code)
            if entry is None:
                level = codes.level_of(code)
                rule = "CAT-CODE-002" if level == "项" else "CAT-CODE-001"
                ctx.emit(rule, loc, code=code, year=year, name=row.name)
                continue
            if (
                row.name
                and normalize_name(row.name) != normalize_name(entry.name)
                and not (cat.name_matches(code, row.name))
            ):
                ctx.emit(
                    "CAT-NAME-001", loc, code=code, name=row.name, official=entry.name, year=year
                )
