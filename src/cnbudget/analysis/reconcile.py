"""Cross-year reconciliation: what this year's narrative says about last year, against what last
year's disclosure published.

Why: every "比上年增加/减少 X 万元" carries last year's figure implicitly (this year ∓ X). Read as
a series, two disclosures of one department must agree on it. When they do not, last year's
figure was restated — often silently compared with an adjusted budget — or one of the documents
is wrong. No single-document check can see this.

How: :func:`~cnbudget.analysis.subjects.change_statements` finds the change statements (any
layout's wording), :func:`~cnbudget.analysis.subjects.address_for` turns each subject into a
table place (the narrative subject vocabulary of the layout), and the place is read in last
year's document (:func:`~cnbudget.analysis.subjects.resolve`: same table type and row key, or the
same classification path by names, then by code, then by the catalog's code moves).

Tables of a budget print no prior-year column, so comparing the tables of two years directly
cannot reveal a restatement — only changes. :func:`table_changes` lists those (with whether the
narrative mentions them) as context, not as findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from cnbudget.analysis.rules import make_finding
from cnbudget.analysis.subjects import (
    Address,
    ChangeStatement,
    Resolved,
    address_for,
    change_statements,
    context_for,
    moved_code,
    resolve,
)
from cnbudget.checks.findings import Finding, Location
from cnbudget.layouts import normalize_label
from cnbudget.model import Document, Row
from cnbudget.money import HALF_QUANTUM, format_amount

#: A restated figure is this year − change (two printed figures, ±0.005 each) against last
#: year's printed cell (±0.005): 0.015 万元 (docs/tolerance.md's half-quantum per printed figure).
RESTATE_TOLERANCE = HALF_QUANTUM * 3

ComparisonStatus = Literal["match", "restated", "missing_row", "unverifiable", "unmapped"]


@dataclass(frozen=True)
class DocRef:
    """Which document a figure comes from (for the report and the API)."""

    name: str | None
    department: str | None
    year: int | None
    kind: str
    document_id: int | None = None

    @classmethod
    def of(cls, doc: Document, document_id: int | None = None) -> DocRef:
        md = doc.metadata
        return cls(doc.source_name, md.full_name, md.year, md.kind, document_id)


@dataclass
class Comparison:
    """One change statement of the current year checked against the previous year's document.

    ``status``: ``match`` (implied = published within tolerance), ``restated`` (they differ),
    ``missing_row`` (last year's table does not print the classification, the implied figure is
    not zero), ``unverifiable`` (last year's document has no such table), ``unmapped`` (the
    subject is not in the layout's vocabulary, or this year's figure is unknown).
    """

    subject: str
    sentence: str
    status: ComparisonStatus
    change: Decimal
    this_year: Decimal | None
    implied: Decimal | None
    published: Decimal | None
    statement: Location
    current: Location | None = None
    previous: Location | None = None
    address: str | None = None
    moved_from: str | None = None

    @property
    def difference(self) -> Decimal | None:
        if self.implied is None or self.published is None:
            return None
        return self.implied - self.published


@dataclass
class TableChange:
    """A 项 printed in both years' tables (or in one), with its change; ``stated`` says whether
    the current narrative states a change for it (a 比上年 statement about that 项)."""

    table_type: str
    code: str
    name: str
    previous: Decimal | None
    current: Decimal | None
    stated: bool

    @property
    def change(self) -> Decimal:
        return (self.current or Decimal(0)) - (self.previous or Decimal(0))


@dataclass
class Reconciliation:
    """The outcome of :func:`reconcile`: every comparison, the findings, and context."""

    previous: DocRef
    current: DocRef
    same_department: bool
    comparisons: list[Comparison] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    table_changes: list[TableChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.comparisons:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as exact strings) for the CLI and the API."""
        from cnbudget.store import jsonable

        return {
            "previous": jsonable(self.previous),
            "current": jsonable(self.current),
            "same_department": self.same_department,
            "counts": self.counts(),
            "comparisons": [
                {
                    **{
                        k: jsonable(getattr(c, k))
                        for k in (
                            "subject",
                            "sentence",
                            "status",
                            "change",
                            "this_year",
                            "implied",
                            "published",
                            "address",
                            "moved_from",
                        )
                    },
                    "difference": jsonable(c.difference),
                    "statement": c.statement.model_dump(exclude_none=True),
                    "current": c.current.model_dump(exclude_none=True) if c.current else None,
                    "previous": c.previous.model_dump(exclude_none=True) if c.previous else None,
                }
                for c in self.comparisons
            ],
            "findings": [f.flat() for f in self.findings],
            "table_changes": [
                {**jsonable(t.__dict__), "change": jsonable(t.change)} for t in self.table_changes
            ],
            "notes": self.notes,
        }


def _names(doc: Document) -> set[str]:
    md = doc.metadata
    return {normalize_label(n) for n in (md.full_name, md.department, md.alias) if n}


def same_department(a: Document, b: Document) -> bool:
    """Whether two documents name the same department under any of their printed names.

    A department that renamed itself usually prints its old name as the alias in parentheses for
    a while; the store keeps every name as an alias, so :func:`reconcile_stored` pairs by id.
    """
    return bool(_names(a) & _names(b))


def reconcile(
    previous: Document,
    current: Document,
    *,
    tolerance: Decimal = RESTATE_TOLERANCE,
    previous_id: int | None = None,
    current_id: int | None = None,
    check_names: bool = True,
) -> Reconciliation:
    """Check every 比上年 statement of ``current`` against ``previous`` (its previous year).

    Raises ``ValueError`` when ``previous`` is not the year before ``current`` or is another
    kind (a budget's "上年" is last year's budget; a final account's is last year's final
    account): comparing other pairs would report nonsense.
    """
    py, cy = previous.metadata.year, current.metadata.year
    if py is not None and cy is not None and py != cy - 1:
        raise ValueError(f"previous document is of {py}, not of {cy - 1} / 上年文件年度不符")
    if previous.metadata.kind != current.metadata.kind:
        raise ValueError(
            f"cannot reconcile a {current.metadata.kind} with a {previous.metadata.kind} "
            "/ 预算与决算不能按“比上年”核对"
        )
    result = Reconciliation(
        previous=DocRef.of(previous, previous_id),
        current=DocRef.of(current, current_id),
        same_department=same_department(previous, current),
    )
    if check_names and not result.same_department:
        result.notes.append(
            f"部门名称不同：{previous.metadata.full_name} / {current.metadata.full_name}"
            " — department names differ; compared as asked"
        )
    prev_layout = previous.metadata.layout or "budget-11"
    for cs in change_statements(current):
        prev_context = context_for(cs.section.title, prev_layout) if cs.context else None
        result.comparisons.append(_compare(cs, current, previous, prev_context, tolerance, result))
    stated = {c.current.row_code for c in result.comparisons if c.current and c.current.row_code}
    result.table_changes = table_changes(previous, current, stated)
    return result


def _compare(
    cs: ChangeStatement,
    current: Document,
    previous: Document,
    prev_context: dict[str, Any] | None,
    tolerance: Decimal,
    result: Reconciliation,
) -> Comparison:
    st = cs.statement
    base = Comparison(
        subject=cs.subject,
        sentence=st.sentence,
        status="unmapped",
        change=cs.change,
        this_year=st.amount,
        implied=None,
        published=None,
        statement=cs.location(),
    )
    addr = address_for(cs.context, st.subject, current) if cs.context else None
    if addr is None:
        return base
    here = resolve(current, addr)
    base.current = here.location
    base.address = addr.describe()
    this_year = st.amount if st.amount is not None else here.value
    if this_year is None:
        return base
    base.this_year = this_year
    base.implied = this_year - cs.change
    prev_addr: Address | None = addr
    if prev_context is not None and prev_context is not cs.context:
        # another layout last year: read the subject with last year's vocabulary
        prev_addr = address_for(prev_context, st.subject, previous) or addr
        if prev_addr.rows and addr.code:
            prev_addr = Address(
                prev_addr.label, prev_addr.ref, prev_addr.rows, prev_addr.path, addr.code
            )
    there: Resolved = resolve(previous, prev_addr, code_year=current.metadata.year)
    base.previous = there.location
    base.moved_from = there.moved_from
    if there.status == "no_table":
        base.status = "unverifiable"
        return base
    base.published = there.value
    assert there.value is not None
    implied = base.implied
    if abs(implied - there.value) <= tolerance:
        base.status = "match"
        return base
    prev_year = previous.metadata.year or "上"
    related = [loc for loc in (there.location, here.location) if loc is not None]
    if there.status == "no_row":
        base.status = "missing_row"
        table = there.table
        result.findings.append(
            make_finding(
                "XY-RESTATE-002",
                cs.location(),
                expected=Decimal(0),
                found=implied,
                tolerance=tolerance,
                related=related,
                subject=cs.subject,
                prev_year=prev_year,
                table=f"表{table.number} {table.title}" if table else addr.table_type,
                moved="" if not addr.code else f"（{addr.code}，目录中无代码变更）",
                moved_en="" if not addr.code else f" ({addr.code}; no code move in the catalog)",
            )
        )
        return base
    base.status = "restated"
    increase = cs.change >= 0
    result.findings.append(
        make_finding(
            "XY-RESTATE-001",
            cs.location(),
            expected=there.value,
            found=implied,
            tolerance=tolerance,
            related=related,
            subject=cs.subject,
            this_year=format_amount(this_year),
            change=format_amount(abs(cs.change)),
            change_word="增加" if increase else "减少",
            change_word_en="up" if increase else "down",
            prev_year=prev_year,
        )
    )
    return base


# --------------------------------------------------------------------------------------------
# Table changes (context)

_CHANGE_TABLES = ("general_expenditure", "expenditure_summary")


def _items(doc: Document, table_type: str) -> dict[str, tuple[Row, Decimal]]:
    """项 rows (7-digit codes) of a coded table, summed over units when a table repeats them."""
    table = doc.table(table_type)
    out: dict[str, tuple[Row, Decimal]] = {}
    if table is None:
        return out
    for r in table.rows:
        if r.code and len(r.code) == 7 and r.kind == "item":
            prev = out.get(r.code)
            out[r.code] = (r, (prev[1] if prev else Decimal(0)) + r.value0("total"))
    return out


def table_changes(
    previous: Document, current: Document, stated: set[str] | frozenset[str] = frozenset()
) -> list[TableChange]:
    """Every 项 of the first coded expenditure table both documents print, paired by code (or
    by the catalog's code move), with its change; ``stated`` holds the codes the narrative
    states a change for. Context for a reader, not findings: budgets print no prior-year
    column, so a direct comparison shows changes, never restatements."""
    table_type = next((t for t in _CHANGE_TABLES if previous.table(t) and current.table(t)), None)
    if table_type is None:
        return []
    prev, cur = _items(previous, table_type), _items(current, table_type)
    out: list[TableChange] = []
    used: set[str] = set()
    for code, (row, value) in cur.items():
        pcode = code if code in prev else None
        if pcode is None:
            for old in prev:
                if moved_code(old, previous.metadata.year, current.metadata.year) == code:
                    pcode = old
        pvalue = prev[pcode][1] if pcode else None
        if pcode:
            used.add(pcode)
        out.append(TableChange(table_type, code, row.name, pvalue, value, code in stated))
    for code, (row, value) in prev.items():
        if code not in used and code not in cur:
            out.append(TableChange(table_type, code, row.name, value, None, code in stated))
    return out


# --------------------------------------------------------------------------------------------
# Store


def previous_document_id(db: Any, document_id: int) -> int | None:
    """The current version of the same department's document of the previous year, kind and
    scope (a 单位预算 pairs with last year's 单位预算, never with the 部门预算).

    The department is the store's department id, so every alias and former name pairs.
    """
    from cnbudget.store import list_documents

    docs = {d.id: d for d in list_documents(db)}
    me = docs.get(document_id)
    if me is None:
        raise KeyError(f"no document {document_id}")
    cands = [
        d
        for d in docs.values()
        if d.department_id == me.department_id
        and d.year == me.year - 1
        and d.kind == me.kind
        and d.scope == me.scope
        and d.is_current
    ]
    return cands[0].id if cands else None


def reconcile_stored(
    db: Any, document_id: int, *, previous_id: int | None = None
) -> Reconciliation | None:
    """:func:`reconcile` a stored document with its stored predecessor (``None`` if none)."""
    from cnbudget.store import load_document

    prev_id = previous_id if previous_id is not None else previous_document_id(db, document_id)
    if prev_id is None:
        return None
    return reconcile(
        load_document(db, prev_id),
        load_document(db, document_id),
        previous_id=prev_id,
        current_id=document_id,
        check_names=previous_id is not None,
    )
