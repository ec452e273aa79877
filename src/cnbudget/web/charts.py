"""The figures behind the charts of a document, as plain JSON-ready data.

Why the server prepares the data and the browser only draws it: the figures come from the
typed tables (exact ``Decimal`` sums, the layout's row keys and 类/款/项 levels) and from the
narrative's stated prior-year changes (:mod:`cnbudget.checks.claims`), which only Python knows
how to read. The script (``static/js/charts.js``) turns each block into an ECharts option; the
numbers are floats there only for drawing — every figure shown as text elsewhere stays exact.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from cnbudget.checks.claims import section_claims
from cnbudget.model import Document, Row, Table
from cnbudget.web.i18n import Translator

__all__ = ["document_charts", "overview_chart", "series_chart"]

#: At most this many children are drawn per node; the rest, and any child under
#: ``SMALL_SHARE`` of its parent, go into one "others" node (which can still be opened).
MAX_CHILDREN = 8
SMALL_SHARE = Decimal("0.03")

_INCOME_KEYS = (
    "general",
    "general_transfer",
    "fund",
    "fund_transfer",
    "soe",
    "soe_transfer",
    "special_account",
    "unit_funds",
    "fiscal_carryover",
    "nonfiscal_carryover",
)
_THREE_PUBLIC = (
    ("outbound", ("因公出国(境)费", "因公出国（境）费")),
    ("reception", ("公务接待费",)),
    ("vehicle_purchase", ("公务用车购置费",)),
    ("vehicle_operation", ("公务用车运行费", "公务用车运行维护费")),
)
_LEVEL_MARK = re.compile(r"[（(](类|款|项)[）)]")


def _f(d: Decimal | None) -> float:
    return float(round(d, 2)) if d is not None else 0.0


def _items(table: Table | None, level: str, column: str = "total") -> list[Row]:
    if table is None:
        return []
    return [r for r in table.rows if r.kind == "item" and r.level == level and r.value(column)]


def _node(name: str, code: str | None, value: Decimal, children: list[dict[str, Any]]) -> dict:
    n: dict[str, Any] = {"name": f"{code} {name}" if code else name, "value": _f(value)}
    if children:
        n["children"] = children
    return n


def _bucket(nodes: list[tuple[Decimal, dict]], parent: Decimal, others: str) -> list[dict]:
    """Largest children first; the tail (beyond ``MAX_CHILDREN`` or under ``SMALL_SHARE`` of
    the parent) folded into one "others" node that keeps them as its children."""
    nodes.sort(key=lambda x: -x[0])
    keep, rest = [], []
    for i, (v, n) in enumerate(nodes):
        small = parent > 0 and v / parent < SMALL_SHARE
        (rest if i >= MAX_CHILDREN or (small and i > 0) else keep).append((v, n))
    if len(rest) == 1:
        keep += rest
        rest = []
    out = [n for _, n in keep]
    if rest:
        total = sum((v for v, _ in rest), Decimal(0))
        out.append(
            {
                "name": f"{others}（{len(rest)}）",
                "value": _f(total),
                "children": [n for _, n in rest],
                "others": True,
            }
        )
    return out


def function_tree(doc: Document, others: str) -> list[dict[str, Any]]:
    """表3 (else 表5) as 类 → 款 → 项 nodes valued by the 合计 column, with "others" buckets."""
    table = doc.table("expenditure_summary") or doc.table("general_expenditure")
    if table is None:
        return []

    def kids(prefix: str, level: str) -> list[tuple[Decimal, dict]]:
        nxt = {"类": "款", "款": "项"}.get(level)
        out = []
        for r in _items(table, level):
            if r.code and r.code.startswith(prefix):
                v = r.value("total") or Decimal(0)
                if v <= 0:
                    continue
                ch = _bucket(kids(r.code, nxt), v, others) if nxt else []
                out.append((v, _node(r.name, r.code, v, ch)))
        return out

    top = kids("", "类")
    total = sum((v for v, _ in top), Decimal(0))
    return _bucket(top, total, others)


def _income(doc: Document, t: Translator) -> list[dict[str, Any]]:
    """Income by source: the 合计 row of 表2 by column, else the leaf income rows of 表1."""
    table = doc.table("income_summary")
    if table is not None and (total := table.total_row()) is not None:
        out = []
        for key in _INCOME_KEYS:
            col = table.column(key)
            v = total.value(key)
            if col is not None and v:
                out.append({"name": col.header[-1], "value": _f(v)})
        if out:
            return out
    table = doc.table("summary")
    if table is None:
        return []
    rows = [r for r in table.rows if r.side == "income" and r.kind == "named" and r.key]
    out = []
    for r in rows:
        v = r.value("amount")
        if v and not any(o is not r and o.value("amount") and _is_child(o, r, table) for o in rows):
            out.append({"name": r.name, "value": _f(v)})
    return out


def _is_child(row: Row, parent: Row, table: Table) -> bool:
    from cnbudget.layouts import load_layout

    spec = load_layout("budget-11").table(table.type)
    parents = {n.key: n.parent for n in spec.income_rows} if spec else {}
    return parents.get(row.key or "") == parent.key


def _basic_project(doc: Document) -> dict[str, Any]:
    table = doc.table("expenditure_summary") or doc.table("general_expenditure")
    if table is None:
        return {}
    rows = _items(table, "类")
    total = table.total_row()
    return {
        "categories": [f"{r.code} {r.name}" for r in rows],
        "basic": [_f(r.value("basic")) for r in rows],
        "project": [_f(r.value("project")) for r in rows],
        "total_basic": _f(total.value("basic")) if total else 0.0,
        "total_project": _f(total.value("project")) if total else 0.0,
    }


def _econ_value(row: Row) -> Decimal | None:
    """A 表6 row's amount: its 合计, else 人员经费 + 公用经费 (the 决算 table prints no 合计
    column, which left the chart empty beside a full table)."""
    total = row.value("total")
    if total is not None:
        return total
    parts = [v for v in (row.value("personnel"), row.value("public")) if v is not None]
    return sum(parts, Decimal(0)) if parts else None


def _economic(doc: Document) -> dict[str, Any]:
    """表6 as an inner ring of 类 (301 工资福利支出 …) and an outer ring of their 款."""
    table = doc.table("general_basic")
    if table is None:
        return {}
    classes = [r for r in table.rows if r.code and len(r.code) == 3 and _econ_value(r)]
    inner, outer = [], []
    seen: set[str] = set()
    for c in classes:
        if c.code in seen:  # 款 rows printed with their 类 code in the first column
            continue
        seen.add(c.code or "")
        inner.append({"name": f"{c.code} {c.name}", "value": _f(_econ_value(c))})
        for r in table.rows:
            if r.code and len(r.code) == 5 and r.code.startswith(c.code or "-"):
                if v := _econ_value(r):
                    outer.append({"name": r.name, "value": _f(v), "cls": len(inner) - 1})
    return {"inner": inner, "outer": outer} if inner else {}


def _statements(doc: Document) -> list[Any]:
    md = doc.metadata
    names = [n for n in (md.full_name, md.department, md.alias) if n]
    out = []
    for sec in doc.explanation:
        out.extend(section_claims(sec, names).statements)
    return out


def _short(subject: str) -> str:
    """``科学技术支出(类)技术与开发(款)其他技术与开发支出(项)`` → ``其他技术与开发支出（项）``."""
    parts = [p for p in _LEVEL_MARK.split(subject) if p]
    if len(parts) >= 2 and parts[-1] in ("类", "款", "项"):
        return f"{parts[-2]}（{parts[-1]}）"
    return subject.strip("()（）") or subject


def _three_public(doc: Document, statements: list[Any]) -> dict[str, Any]:
    table = doc.table("three_public")
    if table is None:
        return {}
    changes: dict[str, Decimal] = {}
    for st in statements:
        if st.change is None:
            continue
        for key, names in _THREE_PUBLIC:
            if st.subject in names:
                changes.setdefault(key, st.change)
    # the 决算 table prints 预算数 and 决算数 instead of one 合计: draw the 决算数, or the
    # 预算数 when no 决算 figure was printed
    col = next(
        (
            c
            for c in ("total", "final", "budget")
            if table.column(c) is not None and any(r.value(c) for r in table.rows)
        ),
        "total",
    )
    cats, cur, prev = [], [], []
    for key, _ in _THREE_PUBLIC:
        row = table.row_by_key(key)
        if row is None:
            continue
        v = row.value0(col)
        cats.append(row.name.removeprefix("其中："))
        cur.append(_f(v))
        prev.append(_f(v - changes[key]) if key in changes else None)
    return {
        "categories": cats,
        "current": cur,
        "previous": prev if any(p is not None for p in prev) else None,
    }


def _yoy(
    doc: Document, statements: list[Any], previous: Document | None, t: Translator
) -> dict[str, Any]:
    """Year-over-year: by 类 against the stored previous-year document when there is one, else
    from the narrative's stated changes (prior = stated amount − stated change)."""
    if previous is not None:
        a = previous.table("expenditure_summary")
        b = doc.table("expenditure_summary")
        if a is not None and b is not None:
            names: dict[str, str] = {}
            va: dict[str, Decimal] = {}
            vb: dict[str, Decimal] = {}
            for rows, into in ((_items(a, "类"), va), (_items(b, "类"), vb)):
                for r in rows:
                    names[r.code or r.name] = f"{r.code} {r.name}"
                    into[r.code or r.name] = r.value0("total")
            codes = sorted(names)
            ta, tb = a.total_row(), b.total_row()
            cats = [t("total"), *(names[c] for c in codes)]
            prev = [_f(ta.value0("total") if ta else None), *(_f(va.get(c)) for c in codes)]
            cur = [_f(tb.value0("total") if tb else None), *(_f(vb.get(c)) for c in codes)]
            return {
                "source": t("chart_yoy_doc", year=previous.metadata.year),
                "categories": cats,
                "previous": prev,
                "current": cur,
            }
    seen: set[str] = set()
    picked = []
    for st in statements:
        if st.change is None or st.amount is None or not st.subject:
            continue
        label = _short(st.subject)
        if label in seen or label.startswith("的"):
            continue
        seen.add(label)
        picked.append((label, st.amount - st.change, st.amount))
    picked.sort(key=lambda x: -abs(x[2] - x[1]))
    picked = picked[:12]
    if not picked:
        return {}
    return {
        "source": t("chart_yoy_narrative"),
        "categories": [p[0] for p in picked],
        "previous": [_f(p[1]) for p in picked],
        "current": [_f(p[2]) for p in picked],
    }


def document_charts(
    doc: Document, t: Translator, previous: Document | None = None
) -> list[dict[str, Any]]:
    """The chart blocks of the document's chart page, in display order: ``id``, ``kind`` (what
    the script draws), ``title`` and ``data`` (empty when the document lacks the table)."""
    statements = _statements(doc)
    labels = {
        "basic": t("basic"),
        "project": t("project"),
        "this_year": t("this_year"),
        "last_year": t("last_year"),
        "others": t("others"),
        "unit": t("wan_yuan"),
        "unit_yi": t("yi_yuan"),
        "treemap": t("chart_treemap"),
        "sunburst": t("chart_sunburst"),
        "no_data": t("chart_no_data"),
        "all": t("chart_all"),
    }
    return [
        {
            "id": "chart-function",
            "kind": "tree",
            "title": t("chart_function"),
            "hint": t("chart_function_hint"),
            "data": function_tree(doc, t("others")),
            "labels": labels,
        },
        {
            "id": "chart-income",
            "kind": "pie",
            "title": t("chart_income"),
            "data": _income(doc, t),
            "labels": labels,
        },
        {
            "id": "chart-basic-project",
            "kind": "stack",
            "title": t("chart_basic_project"),
            "data": _basic_project(doc),
            "labels": labels,
        },
        {
            "id": "chart-economic",
            "kind": "rings",
            "title": t("chart_economic"),
            "data": _economic(doc),
            "labels": labels,
        },
        {
            "id": "chart-three-public",
            "kind": "bars",
            "title": t("chart_three_public"),
            "data": _three_public(doc, statements),
            "labels": labels,
        },
        {
            "id": "chart-yoy",
            "kind": "bars",
            "title": t("chart_yoy"),
            "data": _yoy(doc, statements, previous, t),
            "labels": labels,
        },
    ]


def series_chart(points: list[Any], t: Translator) -> dict[str, Any]:
    """A department's expenditure by year (from :func:`cnbudget.store.department_series`)."""
    return {
        "id": "chart-series",
        "kind": "series",
        "title": t("chart_series"),
        "data": {
            "years": [str(p.year) for p in points],
            "total": [_f(p.values.get("total")) for p in points],
            "basic": [_f(p.values.get("basic")) for p in points],
            "project": [_f(p.values.get("project")) for p in points],
        }
        if points
        else {},
        "labels": {
            "total": t("total"),
            "basic": t("basic"),
            "project": t("project"),
            "unit": t("wan_yuan"),
            "unit_yi": t("yi_yuan"),
            "no_data": t("chart_no_data"),
        },
    }


def overview_chart(doc: Document, t: Translator) -> dict[str, Any]:
    """The small chart at the top of the document page: 基本支出 and 项目支出 by 类 (the
    first question a reader has), drawn by the same script as the chart page."""
    return {
        "id": "chart-overview",
        "kind": "stack",
        "title": t("chart_overview"),
        "data": _basic_project(doc),
        "labels": {
            "basic": t("basic"),
            "project": t("project"),
            "unit": t("wan_yuan"),
            "unit_yi": t("yi_yuan"),
            "no_data": t("chart_no_data"),
        },
    }
