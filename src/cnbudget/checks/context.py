"""What every rule family works with: the document, its layout, the rule book, and ``emit``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cnbudget.checks.findings import Finding, Location
from cnbudget.checks.rulebook import Rule, build_finding, load_rules
from cnbudget.layouts import LayoutSpec, load_layout
from cnbudget.model import Amount, Document, Row, Table
from cnbudget.money import AMOUNT_QUANTUM as QUANTUM
from cnbudget.money import HALF_QUANTUM


def identity_tolerance(n_parts: int) -> Decimal:
    """How far a printed total may be from the sum of ``n_parts`` printed parts.

    Each part is rounded to 0.01, so a sum of n rounded terms may differ from the rounded total
    by up to n × 0.005 (the policy of docs/tolerance.md). A restatement (one part: the same
    figure printed twice) must match exactly.
    """
    return HALF_QUANTUM * n_parts if n_parts > 1 else Decimal(0)


_DECIMALS = re.compile(r"[.．](\d+)\s*$")


def printed_half_quantum(amount: Amount, scale: Decimal) -> Decimal:
    """Half the last printed digit of ``amount``, in 万元: ±0.5 元 for "22,118,861" in a 元 table
    (scale 0.0001), ±0.005 for "326.72" in a 万元 table. A printed figure is the exact one rounded
    to that digit, so it stands for anything within this distance."""
    m = _DECIMALS.search(amount.printed or "")
    decimals = len(m.group(1)) if m else 0
    return Decimal(5).scaleb(-(decimals + 1)) * scale


Cell = tuple[Table, Row | None, str]


def rounding_tolerance(cells: Iterable[Cell], n_parts: int) -> Decimal:
    """The tolerance of an identity over ``cells``: the policy's n × 0.005 for sums of parts
    (exact for a restatement), widened to the rounding of the coarsest printed figure, so a
    whole-元 figure compared with a 元-and-分 one is within ±0.5 元, never an error "差 -0.00"."""
    coarsest = max(
        (
            printed_half_quantum(a, t.scale)
            for t, r, c in cells
            if r is not None and (a := r.values.get(c)) is not None
        ),
        default=Decimal(0),
    )
    return max(identity_tolerance(n_parts), coarsest)


def column_label(table: Table, key: str, side: str | None = None) -> str:
    col = next(
        (c for c in table.columns if c.key == key and (side is None or c.side in (None, side))),
        None,
    )
    return " / ".join(col.header) if col else key


def cell_location(table: Table, row: Row | None, column: str | None) -> Location:
    """Where a cell is: table, row and column, and its source (line, page + box, or cell)."""
    amount = row.values.get(column) if row is not None and column else None
    src = (amount.source if amount is not None and amount.source else None) or (
        row.source if row is not None else None
    )
    return Location(
        table_no=table.number,
        table_type=table.type,
        unit_name=row.unit_name if row else None,
        row_code=row.code if row else None,
        row_key=row.key if row else None,
        row_name=(row.project or row.name) if row else None,
        column=column_label(table, column, row.side if row else None) if column else None,
        source_line=src.line if src else None,
        source_page=src.page if src else None,
        source_bbox=src.bbox if src else None,
        source_cell=(f"{src.sheet}!{src.cell}" if src and src.sheet else src.cell if src else None),
    )


def row_label(table: Table, row: Row) -> str:
    parts = [f"表{table.number}"] if table.number else [table.type]
    if row.unit_name and row.kind != "unit":
        parts.append(f"[{row.unit_name}]")
    if row.code:
        parts.append(row.code)
    parts.append(row.project or row.name or row.key or "")
    return " ".join(p for p in parts if p)


@dataclass
class Context:
    doc: Document
    layout: LayoutSpec
    rules: dict[str, Rule]
    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_document(cls, doc: Document) -> Context:
        return cls(
            doc=doc, layout=load_layout(doc.metadata.layout or "budget-11"), rules=load_rules()
        )

    def bump(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def emit(
        self,
        rule_id: str,
        location: Location,
        *,
        expected: Decimal | None = None,
        found: Decimal | None = None,
        tolerance: Decimal | None = None,
        related: Iterable[Location] = (),
        **fmt: object,
    ) -> None:
        self.findings.append(
            build_finding(
                self.rules[rule_id],
                location,
                expected=expected,
                found=found,
                tolerance=tolerance,
                related=related,
                **fmt,
            )
        )

    def compare(
        self,
        rule_id: str,
        total: tuple[Table, Row | None, str],
        parts: list[tuple[Table, Row | None, str]],
        **fmt: object,
    ) -> bool:
        """Check ``total = Σ parts`` (blank cells count 0) within the rounding tolerance.

        Returns True when the identity holds. The finding names the total's cell and lists the
        parts as related locations.
        """
        self.bump("identities")
        t_tab, t_row, t_col = total
        t_amt = _amount(t_row, t_col)
        p_amts = [_amount(r, c) for _, r, c in parts]
        n_parts = sum(1 for a in p_amts if a is not None)
        if n_parts == 0 and t_amt is None:
            return True
        found = t_amt.value if t_amt else Decimal(0)
        expected = sum((a.value for a in p_amts if a is not None), Decimal(0))
        gap = abs(found - expected)
        # Most identities hold within the policy's n × 0.005: the widening to the coarsest
        # printed figure (which reads every cell's printed text) only for the rest.
        if gap <= identity_tolerance(n_parts):
            return True
        tol = rounding_tolerance([total, *parts], n_parts)
        if gap <= tol:
            return True
        if n_parts == 1 and abs(found - expected) == QUANTUM:
            # The same amount printed twice, one cent apart: one of the two is a sum of rounded
            # parts (决算 tables rounded from 元). Worth knowing, not an error.
            rule_id, fmt = "SUM-ROUND-001", {**fmt, "rule": rule_id}
        loc = (
            cell_location(t_tab, t_row, t_col)
            if t_row
            else Location(
                table_no=t_tab.number, table_type=t_tab.type, column=column_label(t_tab, t_col)
            )
        )
        related = [cell_location(tb, r, c) for tb, r, c in parts if r is not None]
        self.emit(
            rule_id,
            loc,
            expected=expected,
            found=found,
            tolerance=tol,
            related=related,
            row=row_label(t_tab, t_row) if t_row else f"表{t_tab.number}",
            column=column_label(t_tab, t_col, t_row.side if t_row else None),
            **fmt,
        )
        return False


def _amount(row: Row | None, column: str) -> Amount | None:
    return row.values.get(column) if row is not None else None
