"""Find the table row a narrative names by its classification path ("X（类）Y（款）Z（项）").

Why a module of its own: publishers often print a path that is not the table's. They write the
类 name where the 款 belongs ("住房保障支出（款）住房公积金（项）" for 22102 住房改革支出 / 2210201),
or the 款 name as the 项 ("卫生健康支出（款）计划生育事务（项）" for 21007 / 2100717). Treating such
a path as "not printed, so 0" produced amount errors against an invented zero. The resolver
walks the path strictly first; when that fails it keeps the levels that did resolve, looks for
the unresolved names (or a printed code) below them, and lets the stated amount decide between
candidates. The narrative family (budgets) and the 决算 family share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from cnbudget.layouts import normalize_label
from cnbudget.model import Row
from cnbudget.money import round_amount

#: One level of a printed path: the name and the level word in its brackets.
PATH = re.compile(r"(.+?)\((类|款|项)\)")
_CODE = re.compile(r"(?<!\d)(2\d{2}(?:\d{2}){0,2})(?!\d)")
_LEVEL_LEN = {"类": 3, "款": 5, "项": 7}


def path_of(subject: str) -> list[tuple[str, str]]:
    """``[(name, level), …]`` of a subject written as a classification path (empty if not)."""
    return [(n.strip(), lv) for n, lv in PATH.findall(normalize_label(subject))]


@dataclass
class Resolution:
    """The row a path names. ``exact`` when every printed name matched the table's name at its
    level; otherwise ``row`` was found by the parts that did resolve and by the amount."""

    row: Row | None
    exact: bool
    candidates: list[Row] = field(default_factory=list)

    @property
    def renamed(self) -> bool:
        return self.row is not None and not self.exact


def _same(a: str | None, b: str | None) -> bool:
    return normalize_label(a or "").casefold() == normalize_label(b or "").casefold()


def resolve_path(
    rows: list[Row],
    path: list[tuple[str, str]],
    *,
    subject: str = "",
    amount: Decimal | None = None,
    value: Callable[[Row], Decimal] | None = None,
) -> Resolution:
    """The row of ``rows`` (coded rows of one table) that ``path`` names.

    ``amount`` is the figure the narrative states and ``value`` reads a row's figure to compare
    it with (rounded to 0.01 万元 as the narrative prints); both only choose among candidates.
    """
    coded = [r for r in rows if r.code]
    parent = ""
    resolved: Row | None = None
    unresolved: list[tuple[str, str]] = []
    for i, (name, level) in enumerate(path):
        nxt = _named(coded, parent, name, _LEVEL_LEN[level])
        if len(nxt) != 1:
            unresolved = path[i:]
            break
        resolved = nxt[0]
        parent = resolved.code or ""
    if not unresolved:
        return Resolution(resolved, exact=True, candidates=[resolved] if resolved else [])
    # A name printed at the wrong level ("住房保障支出（款）" for the 类 221) still anchors the
    # path: the deepest unique such match below what resolved.
    for name, _level in unresolved[:-1]:
        anchor = _named(coded, parent, name, None)
        if len(anchor) == 1 and len(anchor[0].code or "") > len(parent):
            parent = anchor[0].code or ""

    below = [r for r in coded if r.code != parent and (r.code or "").startswith(parent)]
    # A printed code decides by itself when the table has it.
    for code in _CODE.findall(subject):
        hit = [r for r in below if r.code == code]
        if len(hit) == 1:
            return Resolution(hit[0], exact=False, candidates=hit)
    names = [n for n, _ in unresolved]
    cands = [r for r in below if any(_same(r.name, n) for n in names)]
    by_name = bool(cands)
    if not cands and parent:
        # Nothing by name: the rows at the level the path ends on, below what did resolve;
        # only the amount can then pick one.
        want = _LEVEL_LEN.get(path[-1][1], 7)
        cands = [r for r in below if len(r.code or "") == want]
    if amount is not None and value is not None and len(cands) > 1:
        same = [r for r in cands if round_amount(value(r)) == amount]
        cands = same or cands
    if len(cands) > 1:
        # A 款 and its only 项 carry the same figure: the deepest row is the one meant.
        deepest = max(len(r.code or "") for r in cands)
        leaves = [r for r in cands if len(r.code or "") == deepest]
        if all(any((d.code or "").startswith(r.code or "") for d in leaves) for r in cands):
            cands = leaves
    if len(cands) != 1:
        return Resolution(None, exact=False, candidates=cands)
    agrees = amount is not None and value is not None and round_amount(value(cands[0])) == amount
    # The one row of that name below a level that resolved: the row is meant, whatever its figure
    # (the amount check then compares with it). With no level resolved, a name alone is too weak
    # ("行政运行" exists under many 款): the amount must agree as well.
    if (by_name and parent) or agrees:
        return Resolution(cands[0], exact=False, candidates=cands)
    return Resolution(None, exact=False, candidates=cands)


def _named(rows: list[Row], parent: str, name: str, length: int | None) -> list[Row]:
    """Rows below ``parent`` printed with ``name`` (at code length ``length`` when given)."""
    return [
        r
        for r in rows
        if (r.code or "").startswith(parent)
        and r.code != parent
        and (length is None or len(r.code or "") == length)
        and _same(r.name, name)
    ]


def describe(row: Row) -> str:
    """``21007 计划生育事务`` — how the finding names the table's row."""
    return f"{row.code} {row.name}".strip()
