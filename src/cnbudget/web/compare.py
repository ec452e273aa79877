"""Two documents side by side: key figures, every matched amount, and the narrative's stated
reasons for change next to the rows they explain.

Why rows and not single cells: :func:`cnbudget.store.compare_documents` matches amounts cell
by cell; a reader compares *rows* ("项目支出 went up, and the explanation says why"), so the cells
are regrouped under their row, a row is shown when any of its cells differs, and the reason
stated in the explanation (``…主要原因是…``) is attached to the row it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cnbudget.checks.claims import section_claims
from cnbudget.layouts import normalize_label
from cnbudget.model import Document
from cnbudget.store import AmountDiff

__all__ = ["CompareRow", "CompareTable", "KeyFigure", "Reason", "build_compare"]

_LEVEL_MARK = re.compile(r"[（(](类|款|项)[）)]")
_REASON = re.compile(r"主要(?:原因|是由于|用于)[^。]*。?")


@dataclass
class CompareCell:
    column: str
    a: Decimal | None
    b: Decimal | None
    diff: Decimal | None
    rel: Decimal | None
    status: str


@dataclass
class CompareRow:
    label: str
    code: str | None
    unit: str | None
    cells: list[CompareCell]
    reason_a: str | None = None
    reason_b: str | None = None

    @property
    def changed(self) -> bool:
        return any(c.status != "same" for c in self.cells)


@dataclass
class CompareTable:
    table_no: int | None
    table_type: str
    title: str
    rows: list[CompareRow] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if c.status != "same")


@dataclass
class KeyFigure:
    label: str
    a: Decimal | None
    b: Decimal | None

    @property
    def diff(self) -> Decimal | None:
        return self.b - self.a if self.a is not None and self.b is not None else None

    @property
    def rel(self) -> Decimal | None:
        if self.a and self.b is not None:
            return (self.b - self.a) / self.a
        return None


@dataclass
class Reason:
    """A change stated in the explanation: subject, amount, change, rate and why."""

    subject: str
    amount: Decimal | None
    change: Decimal
    rate: Decimal | None
    rate_word: str | None
    reason: str


def _statements(doc: Document) -> list[Any]:
    md = doc.metadata
    names = [n for n in (md.full_name, md.department, md.alias) if n]
    out = []
    for sec in doc.explanation:
        out.extend(section_claims(sec, names).statements)
    return out


def _paragraph_texts(doc: Document) -> list[str]:
    return [p.text for top in doc.explanation for s in top.walk() for p in s.paragraphs]


def _short_name(subject: str) -> str:
    """The deepest name of a 类/款/项 chain: ``A(类)B(款)C(项)`` → ``C``."""
    parts = [p for p in _LEVEL_MARK.split(subject) if p and p not in ("类", "款", "项")]
    return normalize_label(parts[-1] if parts else subject)


def reasons(doc: Document) -> list[Reason]:
    """Every change the explanation states, with the reason given for it (the ``主要原因…``
    clause of its sentence or the next one in the same paragraph)."""
    paras = _paragraph_texts(doc)
    out: list[Reason] = []
    seen: set[tuple[str, Decimal]] = set()
    for st in _statements(doc):
        if st.change is None or not st.subject or st.subject.startswith("的"):
            continue
        key = (st.subject, st.change)
        if key in seen:
            continue
        seen.add(key)
        text = st.sentence
        para = paras[st.paragraph] if 0 <= st.paragraph < len(paras) else text
        at = para.find(st.sentence)
        tail = para[at:] if at >= 0 else text
        m = _REASON.search(tail)
        out.append(
            Reason(
                subject=st.subject,
                amount=st.amount,
                change=st.change,
                rate=st.rate,
                rate_word=st.rate_word,
                reason=m.group(0) if m else "",
            )
        )
    return out


def _reason_index(items: Iterable[Reason]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in items:
        if r.reason:
            out.setdefault(_short_name(r.subject), r.reason)
    return out


def _row_key(d: AmountDiff) -> tuple[Any, ...]:
    name = d.row_name if not (d.row_code or d.row_key or d.project) else None
    return (d.table_type, d.unit_name, d.side, d.row_kind, d.row_key, d.row_code, d.project, name)


def _label(d: AmountDiff) -> str:
    base = f"{d.row_code} {d.row_name}" if d.row_code else d.row_name
    if d.project:
        base = f"{base} · {d.project}"
    return base


def build_compare(
    diffs: list[AmountDiff],
    reasons_a: list[Reason],
    reasons_b: list[Reason],
    titles: dict[str, str],
) -> list[CompareTable]:
    """The diffs regrouped by table (by type, in ``a``'s order) and row, each row with the
    reasons the two explanations give for a change of the item it names."""
    ra, rb = _reason_index(reasons_a), _reason_index(reasons_b)
    tables: dict[str, CompareTable] = {}
    rows: dict[tuple[Any, ...], CompareRow] = {}
    for d in diffs:
        t = tables.get(d.table_type)
        if t is None:
            t = tables[d.table_type] = CompareTable(
                d.table_no, d.table_type, titles.get(d.table_type, d.table_type)
            )
        key = _row_key(d)
        row = rows.get(key)
        if row is None:
            name = normalize_label(d.row_name)
            row = rows[key] = CompareRow(
                _label(d), d.row_code, d.unit_name, [], ra.get(name), rb.get(name)
            )
            t.rows.append(row)
        row.cells.append(CompareCell(d.column, d.a, d.b, d.diff, d.rel_diff, d.status))
    return list(tables.values())


def _total(doc: Document, ttype: str, column: str, side: str | None = None) -> Decimal | None:
    t = doc.table(ttype)
    if t is None:
        return None
    row = t.total_row(side)  # type: ignore[arg-type]
    return row.value(column) if row is not None else None


def key_figures(a: Document, b: Document, t: Any) -> list[KeyFigure]:
    """The headline figures of both documents (收支总计, 基本/项目, 三公, 机关运行经费, staff)."""

    def both(fn: Any) -> tuple[Any, Any]:
        return fn(a), fn(b)

    def staff(d: Document) -> Decimal | None:
        s = d.metadata.staffing
        return Decimal(s.actual) if s and s.actual is not None else None

    specs = [
        (
            "收入总计" if t.lang == "zh" else "Total income",
            lambda d: _total(d, "summary", "amount", "income"),
        ),
        (
            "支出总计" if t.lang == "zh" else "Total expenditure",
            lambda d: _total(d, "expenditure_summary", "total"),
        ),
        (t("basic"), lambda d: _total(d, "expenditure_summary", "basic")),
        (t("project"), lambda d: _total(d, "expenditure_summary", "project")),
        (
            "一般公共预算支出" if t.lang == "zh" else "General public budget",
            lambda d: _total(d, "general_expenditure", "total"),
        ),
        (t("three_public"), lambda d: _total(d, "three_public", "total")),
        (t("running_costs"), lambda d: _total(d, "general_basic", "public")),
        (t("staff"), staff),
    ]
    return [KeyFigure(label, *both(fn)) for label, fn in specs]
