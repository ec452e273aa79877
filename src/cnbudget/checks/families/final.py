"""Checks of 部门决算 (final accounts), and sums of cells that one-cell identities cannot say.

* ``summed_identities`` of the layout: Σ a = Σ b across tables (收入支出决算总表 balance
  FIN-BAL-001, its 总计 FIN-BAL-002, 表5 基本支出 = 表6 人员经费合计 + 公用经费合计 XT-GEN-001);
* ``row_balances`` of a table: Σ left = Σ right in every row (政府性基金 / 国有资本经营 决算表:
  年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余, FIN-BAL-003);
* the explanation of a 决算 (configured by ``final_checks`` in the layout's narrative
  vocabulary, ``checks/data/narrative/<layout>.yaml``): 三公 预算数 vs 决算数 and its reason
  (FIN-3PUB-001), the 项-level paragraphs "年初预算为 A 万元，支出决算为 B 万元" against the table and
  their reasons (FIN-ITEM-001/002/003), and "完成年初预算的 P%" against A and B (FIN-RATE-001).

Why a family of its own: these identities have sums on both sides, and the 决算 explanation
restates budget *and* final figures per 项, which the subject-based narrative claims (one
subject, one figure) cannot pair.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from cnbudget.checks.context import (
    Cell,
    Context,
    cell_location,
    column_label,
    identity_tolerance,
    rounding_tolerance,
    row_label,
)
from cnbudget.checks.findings import Location
from cnbudget.checks.refs import CellRef
from cnbudget.checks.subjects import describe, path_of, resolve_path
from cnbudget.layouts import normalize_label
from cnbudget.model import Paragraph, Row, Section, Table
from cnbudget.money import AMOUNT_QUANTUM, HALF_QUANTUM, HUNDRED, format_amount, round_amount

DATA = Path(__file__).resolve().parents[1] / "data" / "narrative"
NUM = r"\d[\d,，]*(?:\.\d+)?"
_ITEM = re.compile(r"^\s*\d+\s*[、.．]\s*(.+?[(（]项[)）])")
_BUDGET = re.compile(rf"年初预算(?:数)?(?:为|是)?\s*({NUM})\s*万元")
_FINAL = re.compile(rf"(?:支出)?决算(?:数)?(?:为|是)\s*({NUM})\s*万元")
_RATE = re.compile(
    rf"年初预算(?:数)?(?:为|是)?\s*(?P<budget>{NUM})\s*万元[，,]\s*(?:支出)?决算(?:数)?(?:为|是)\s*"
    rf"(?P<final>{NUM})\s*万元[，,]\s*完成(?:年初)?预算的\s*(?P<rate>{NUM})\s*[%％]"
)
_REASON = re.compile(r"原因")
_FLAT = re.compile(r"持平")


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("，", ""))


@cache
def final_settings(layout: str) -> dict | None:
    """The ``final_checks`` part of the layout's narrative vocabulary, if any."""
    path = DATA / f"{layout}.yaml"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return data.get("final_checks")


def run(ctx: Context) -> None:
    _summed(ctx)
    _row_balances(ctx)
    settings = final_settings(ctx.layout.id)
    if settings is None or ctx.doc.metadata.kind != "final":
        return
    _three_public(ctx, settings)
    _items(ctx, settings)
    _rates(ctx)


# -- identities with sums -----------------------------------------------------------------------


def _resolve(ctx: Context, refs: list[str]) -> list[Cell] | None:
    out: list[Cell] = []
    for text in refs:
        ref = CellRef.parse(text)
        found = ref.resolve(ctx.doc)
        if found is None:
            return None  # a missing table is reported by the completeness rules
        out.append((found[0], found[1], ref.column))
    return out


def _describe(cells: list[Cell]) -> str:
    parts = []
    for table, row, col in cells:
        name = (row.name if row is not None else None) or column_label(table, col)
        if row is not None and len({c for _, _, c in cells}) > 1:
            name = f"{name}「{column_label(table, col, row.side)}」"
        parts.append(name)
    return " + ".join(parts)


def _value(cell: Cell) -> Decimal | None:
    _, row, col = cell
    a = row.values.get(col) if row is not None else None
    return a.value if a is not None else None


def balance(ctx: Context, rule: str, left: list[Cell], right: list[Cell], **fmt: object) -> bool:
    """Σ left = Σ right (blank cells count 0) within the rounding of the printed terms.

    Returns True when it holds. One term each side one cent apart is the notice SUM-ROUND-001
    (the same amount rounded differently in two places), as for one-cell identities.
    """
    ctx.bump("identities")
    lv = [_value(c) for c in left]
    rv = [_value(c) for c in right]
    n = sum(1 for v in (*lv, *rv) if v is not None)
    if n == 0:
        return True
    found = sum((v for v in lv if v is not None), Decimal(0))
    expected = sum((v for v in rv if v is not None), Decimal(0))
    tol = rounding_tolerance([*left, *right], n - 1)
    if abs(found - expected) <= tol:
        return True
    anchor = next((c for c in left if c[1] is not None), left[0])
    table, row, col = anchor
    loc = (
        cell_location(table, row, col)
        if row is not None
        else Location(table_no=table.number, table_type=table.type, column=column_label(table, col))
    )
    related = [cell_location(t, r, c) for t, r, c in (*left, *right) if r is not None]
    values = {
        "table": f"表{table.number}「{table.title}」" if table.number else table.title,
        "left": _describe(left),
        "right": _describe(right),
        "row": row_label(table, row) if row is not None else f"表{table.number}",
        "column": column_label(table, col, row.side if row else None),
        "other": _describe(right),
        **fmt,
    }
    if len(left) == 1 and len(right) == 1 and abs(found - expected) == AMOUNT_QUANTUM:
        rule, values = "SUM-ROUND-001", {**values, "rule": rule}
    ctx.emit(
        rule,
        loc,
        expected=expected,
        found=found,
        tolerance=tol,
        related=[r for r in related if r != loc],
        **values,
    )
    return False


def _summed(ctx: Context) -> None:
    for ident in ctx.layout.summed_identities:
        a = _resolve(ctx, ident.a)
        b = _resolve(ctx, ident.b)
        if a is None or b is None:
            continue
        if all(r is None for _, r, _ in (*a, *b)):
            continue  # none of the rows is printed: nothing to compare
        balance(ctx, ident.rule, a, b)


def _row_balances(ctx: Context) -> None:
    for table in ctx.doc.tables:
        spec = ctx.layout.table(table.type)
        if spec is None:
            continue
        for rb in spec.row_balances:
            for row in table.rows:
                if (rb.side and row.side != rb.side) or not row.values:
                    continue
                balance(
                    ctx,
                    rb.rule,
                    [(table, row, k) for k in rb.left],
                    [(table, row, k) for k in rb.right],
                )


# -- the explanation ------------------------------------------------------------------------------


def _sections(ctx: Context, words: list[str]) -> list[Section]:
    keys = [normalize_label(w) for w in words]
    return [s for s in ctx.doc.explanation if any(k in normalize_label(s.title) for k in keys)]


def _paragraphs(section: Section) -> list[Paragraph]:
    return [p for s in section.walk() for p in s.paragraphs]


def _sentence_location(p: Paragraph, subject: str | None = None) -> Location:
    src = p.source
    return Location(
        sentence=p.text,
        row_name=subject,
        source_line=src.line if src else None,
        source_page=src.page if src else None,
        source_bbox=src.bbox if src else None,
    )


_THREE_PUBLIC_ITEMS = {
    "total": "“三公”经费合计",
    "outbound": "因公出国（境）费",
    "vehicles": "公务用车购置及运行维护费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费",
    "reception": "公务接待费",
}


def _three_public(ctx: Context, settings: dict) -> None:
    conf = settings.get("three_public")
    if not conf:
        return
    table = ctx.doc.table(conf.get("table", "three_public"))
    if table is None or "budget" not in {c.key for c in table.columns}:
        return
    secs = _sections(ctx, conf.get("match", ["三公"]))
    text = "".join(s.text() + s.title for s in secs)
    if _REASON.search(text):
        return
    for row in table.rows:
        key = "total" if row.kind == "total" else row.key
        if key not in _THREE_PUBLIC_ITEMS:
            continue
        ctx.bump("identities")
        budget, final = row.value0("budget"), row.value0("final")
        if budget == final:
            continue
        ctx.emit(
            "FIN-3PUB-001",
            cell_location(table, row, "final"),
            expected=budget,
            found=final,
            related=[cell_location(table, row, "budget")],
            item=row.name or _THREE_PUBLIC_ITEMS[key],
        )
        return  # one finding: the whole explanation lacks a reason


def _items(ctx: Context, settings: dict) -> None:
    threshold = Decimal(str(settings.get("difference_percent", 5)))
    for conf in settings.get("items", []):
        table = ctx.doc.table(conf["table"])
        column = conf.get("column", "total")
        if table is None:
            continue
        explained: set[str] = set()
        blocks = 0
        for sec in _sections(ctx, conf["match"]):
            for p in _paragraphs(sec):
                m = _ITEM.match(p.text)
                if not m:
                    continue
                blocks += 1
                subject = m.group(1).strip()
                path = path_of(subject)
                if not path or path[-1][1] != "项":
                    continue
                mf = _FINAL.search(p.text)
                res = resolve_path(
                    [r for r in table.rows if r.kind == "item"],
                    path,
                    subject=subject,
                    amount=_dec(mf.group(1)) if mf else None,
                    value=lambda r, c=column: r.value0(c),
                )
                row = res.row
                if row is None:
                    if mf is not None and _dec(mf.group(1)):
                        ctx.emit(
                            "NAR-NAME-002",
                            _sentence_location(p, subject),
                            found=_dec(mf.group(1)),
                            subject=subject,
                            table=f"表{table.number}",
                        )
                    continue  # nothing to compare with: never an invented 0
                if row.code:
                    explained.add(row.code)
                if res.renamed:
                    ctx.emit(
                        "NAR-NAME-001",
                        _sentence_location(p, subject),
                        related=[cell_location(table, row, column)],
                        subject=subject,
                        row=describe(row),
                    )
                _item_claims(ctx, table, column, row, p, subject, threshold)
        if blocks == 0:
            continue  # this section explains no 项 (or the format is another one)
        for row in table.rows:
            if row.kind != "item" or len(row.code or "") != 7 or row.code in explained:
                continue
            value = row.value(column)
            if not value:
                continue
            ctx.emit(
                "FIN-ITEM-003",
                cell_location(table, row, column),
                found=value,
                table=f"表{table.number}",
                code=row.code,
                subject=row.name,
            )


def _item_claims(
    ctx: Context,
    table: Table,
    column: str,
    row: Row,
    p: Paragraph,
    subject: str,
    threshold: Decimal,
) -> None:
    text = p.text
    mb, mf = _BUDGET.search(text), _FINAL.search(text)
    if mf is None:
        return  # no figure stated (a template's "XXX 万元")
    final = _dec(mf.group(1))
    ctx.bump("narrative_amounts_checked")
    loc = _sentence_location(p, subject)
    # A table printed in 元 holds four decimals in 万元; the narrative prints 0.01 万元.
    printed = round_amount(row.value0(column))
    tol = identity_tolerance(1)
    if abs(final - printed) > tol:
        ctx.emit(
            "FIN-ITEM-001",
            loc,
            expected=printed,
            found=final,
            tolerance=tol,
            related=[cell_location(table, row, column)],
            subject=subject,
            table=f"表{table.number}",
        )
    if mb is None:
        return
    budget = _dec(mb.group(1))
    diff = abs(final - budget)
    if diff <= AMOUNT_QUANTUM:
        return
    share = diff * HUNDRED / budget if budget else HUNDRED
    if share < threshold:
        return
    after = text[mf.end() :]
    if _REASON.search(after) and not _FLAT.search(after):
        return
    ctx.emit(
        "FIN-ITEM-002",
        loc,
        expected=budget,
        found=final,
        subject=subject,
        budget=format_amount(budget),
        share=f"{share.quantize(Decimal('0.01'))}",
    )


def _rates(ctx: Context) -> None:
    for sec in ctx.doc.explanation:
        for p in _paragraphs(sec):
            for m in _RATE.finditer(p.text):
                budget, final = _dec(m["budget"]), _dec(m["final"])
                rate_text = m["rate"].replace(",", "")
                rate = Decimal(rate_text)
                if budget <= HALF_QUANTUM:
                    continue
                ctx.bump("narrative_rates_checked")
                decimals = len(rate_text.split(".")[1]) if "." in rate_text else 0
                half = Decimal(5) / Decimal(10) ** (decimals + 1)
                low = max(final - HALF_QUANTUM, Decimal(0)) * HUNDRED / (budget + HALF_QUANTUM)
                high = (final + HALF_QUANTUM) * HUNDRED / (budget - HALF_QUANTUM)
                if rate + half >= low and rate - half <= high:
                    continue
                start = p.text.rfind("。", 0, m.start()) + 1
                subject = p.text[start : m.start()].strip("，,：: ") or sec.title
                ctx.emit(
                    "FIN-RATE-001",
                    _sentence_location(p, subject),
                    expected=(final * HUNDRED / budget).quantize(Decimal("0.01")),
                    found=rate,
                    subject=subject,
                    final=format_amount(final),
                    budget=format_amount(budget),
                )
