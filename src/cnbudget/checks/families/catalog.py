"""Codes against the 政府收支分类科目 catalog of the document's year: existence, printed name,
and whether the code's kind and level fit the table and column it is printed in.

The shipped catalog is partial below the 类 level (``catalog/data/README.md``), so a code missing
from it is only the document's fault where the catalog can vouch for completeness:

- unknown 类 (or a code of no valid shape) → CAT-CODE-001 (error);
- unknown 款 under a 类 marked complete in ``catalog/data/complete.csv`` → CAT-CODE-001;
- unknown 项 under a 款 marked complete → CAT-CODE-002 (warning);
- any other unknown 款/项 (its nearest known ancestor is not marked complete) → CAT-GAP-001, a
  notice that the gap is ours.

Names are compared after bracket/width/space normalisation, and a name the code has in another
year's catalog (or an alias, e.g. an older wording) is a legitimate variant, not CAT-NAME-001.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cnbudget.catalog import Catalog, CodeTable, load_catalog
from cnbudget.checks.context import Context, cell_location

#: A rule ID and the values of its message templates (see :func:`judge_code`).
Judgement = tuple[str, dict[str, Any]]


def judge_code(cat: Catalog, table: CodeTable, code: str, name: str | None) -> Judgement | None:
    """The finding (rule ID and message values) one printed code/name deserves, or ``None``.

    Pure: no document, no context, so that the notice-versus-finding decision can be tested and
    reused (``cnbudget rules --catalog`` and the reference-list tests use it too).
    """
    year = cat.year
    st = table.status(code)
    if st.status == "gap":
        anchor = st.anchor
        assert anchor is not None
        return (
            "CAT-GAP-001",
            {
                "code": code,
                "name": name or "",
                "year": year,
                "level": st.missing_level or "?",
                "anchor": f"{anchor.code} {anchor.name}",
            },
        )
    if st.status == "unknown":
        rule = "CAT-CODE-002" if st.missing_level == "项" else "CAT-CODE-001"
        return (
            rule,
            {
                "code": code,
                "name": name or "",
                "year": year,
                "level": st.missing_level or "?",
                "anchor": f"{st.anchor.code} {st.anchor.name}" if st.anchor else "—",
            },
        )
    entry = st.entry
    assert entry is not None
    if name and not cat.name_matches(code, name, any_year=True):
        return ("CAT-NAME-001", {"code": code, "name": name, "official": entry.name, "year": year})
    return None


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
            judgement = judge_code(cat, codes, code, row.name)
            if judgement is not None:
                rule, values = judgement
                if rule == "CAT-GAP-001":
                    ctx.bump("catalog_gaps")
                ctx.emit(rule, loc, **values)
