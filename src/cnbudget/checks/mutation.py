"""Single-figure mutations of a published text, to measure how many the checks catch.

A mutation adds 1.00 to one printed amount of a table (or to one figure of the narrative:
an amount in 万元 or a percentage) and re-reads the text. It counts as *detected* when an
error finding names the mutated line, or the line of a row that aggregates the mutated row
(its 类/款 parent, its budget unit, the table total, its named parent), or, for the narrative,
the paragraph that holds the figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from cnbudget.checks.engine import check_document
from cnbudget.ingest.text import read_text
from cnbudget.layouts import load_layout
from cnbudget.model import Amount, Document, Row, Table
from cnbudget.money import format_amount

_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)(\s*(?:万元|%))")


@dataclass
class Mutation:
    kind: str  # "table" or "narrative"
    line: int
    description: str
    text: str  # the mutated document text
    accept: frozenset[int]


def _bump(printed: str) -> str:
    v = Decimal(printed.replace(",", "").replace(" ", "")) + 1
    if "." not in printed:
        return str(int(v))
    return format_amount(v, separators="," in printed)


def _ancestors(doc: Document, table: Table, row: Row) -> set[int]:
    lines: set[int] = set()
    spec = load_layout(doc.metadata.layout or "budget-11").table(table.type)
    parents: dict[str, str | None] = {}
    if spec:
        parents = {n.key: n.parent for n in (*spec.income_rows, *spec.named_rows)}
    for r in table.rows:
        if r is row or not r.source:
            continue
        if r.kind == "total" and r.side == row.side:
            lines.add(r.source.line or 0)
        elif r.kind == "unit" and row.unit_name and r.name == row.unit_name:
            lines.add(r.source.line or 0)
        elif (
            r.code
            and row.code
            and row.code.startswith(r.code)
            and r.code != row.code
            and (r.unit_name == row.unit_name)
        ):
            lines.add(r.source.line or 0)
    key = row.key
    while key and parents.get(key):
        key = parents[key]
        parent = table.row_by_key(key, row.side)  # type: ignore[arg-type]
        if parent and parent.source:
            lines.add(parent.source.line or 0)
    return lines


def _mutate_cell(lines: list[str], amt: Amount) -> str | None:
    """The text with the printed amount of ``amt`` raised by 1.00 in its own cell."""
    if not amt.source or not amt.source.line or not amt.source.cell:
        return None
    ln = amt.source.line
    col = int(amt.source.cell.split()[1]) - 1
    cells = lines[ln - 1].split("\t")
    if col >= len(cells) or amt.printed not in cells[col]:
        return None
    cells[col] = cells[col].replace(amt.printed, _bump(amt.printed), 1)
    return "\n".join([*lines[: ln - 1], "\t".join(cells), *lines[ln:]])


def table_mutations(text: str, doc: Document) -> Iterator[Mutation]:
    lines = text.split("\n")
    for table in doc.tables:
        for row in table.rows:
            for key, amt in row.values.items():
                mutated = _mutate_cell(lines, amt)
                if mutated is None:
                    continue
                ln = amt.source.line  # type: ignore[union-attr]
                accept = frozenset({ln} | _ancestors(doc, table, row))
                what = f"表{table.number} {row.code or row.key or ''} {row.project or row.name}"
                yield Mutation("table", ln, f"{what} [{key}] {amt.printed}", mutated, accept)
    for p in doc.performance:
        for key, amt in p.amounts.items():
            mutated = _mutate_cell(lines, amt)
            if mutated is not None:
                ln = amt.source.line  # type: ignore[union-attr]
                yield Mutation(
                    "table",
                    ln,
                    f"绩效目标表 {p.project_name or p.unit_name} [{key}]",
                    mutated,
                    frozenset({ln}),
                )


def narrative_mutations(text: str, doc: Document) -> Iterator[Mutation]:
    lines = text.split("\n")
    starts = sorted(
        p.source.line
        for s in doc.explanation
        for sub in s.walk()
        for p in sub.paragraphs
        if p.source and p.source.line
    )
    if not starts:
        return
    first, last = starts[0], max(starts) + 3
    for ln in range(first, min(last, len(lines)) + 1):
        raw = lines[ln - 1]
        if "\t" in raw:
            continue
        para = max((s for s in starts if s <= ln), default=ln)
        for m in _FIGURE.finditer(raw):
            new = list(lines)
            new[ln - 1] = raw[: m.start(1)] + _bump(m.group(1)) + raw[m.end(1) :]
            yield Mutation(
                "narrative",
                ln,
                f"{m.group(0)} 「{raw[max(0, m.start() - 16) : m.end()]}」",
                "\n".join(new),
                frozenset({ln, para}),
            )


def detected(m: Mutation) -> bool:
    report = check_document(read_text(m.text))
    return any(f.severity == "error" and f.lines() & m.accept for f in report.findings)
