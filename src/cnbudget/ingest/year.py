"""The budget year of a disclosure, from every place it is printed.

Why one function for every reader: the year files a document (department, year, 预算/决算), so
a document whose cover omits it (a 决算 whose cover reads only 「部门决算」, the year printed in
the part headings and table titles) must not fail in one reader and pass in another. The
places, most trusted first:

1. the **cover** (title lines): 「2024年度部门决算」「上海市普陀区2025年区级部门预算」;
2. **headings and table titles** anywhere: 「第二部分 …2024年度部门决算表」「2025年部门财务收支预算
   总表」, or a table's own 「2024年度」 line — the year printed most often wins, because the
   document's own year is on every table while another year appears only in passing;
3. the **编制日期** (date of compilation): a 决算 is compiled the year after its year; a 预算 is
   compiled in the second half of the year before (or early in its own year).

Failing all three, the caller asks for ``--year``; a year is never guessed from prose figures.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["YearFound", "find_year"]

Where = Literal["cover", "heading", "compiled"]

_MIN, _MAX = 1990, 2100

# 「2024年度部门决算」「2025年区级单位预算」「2024 年部门预算」: a year then, within a few
# characters, 预算 or 决算 (the title of the disclosure or of one of its tables).
_TITLE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:度)?[^\d，。；,;]{0,12}?(预算|决算)")
# A table's own year line: 「2024年度」 alone (MOF 决算 tables print it above the grid).
_YEAR_LINE = re.compile(r"^((?:19|20)\d{2})\s*年\s*度?$")
# 「编制日期：2025年1月20日」「编制时间: 2024-12-30」.
_COMPILED = re.compile(
    r"(?:编制|填报|编报)(?:日期|时间)\s*[:：]?\s*((?:19|20)\d{2})\s*(?:年|[-./])\s*(\d{1,2})"
)
# Lines longer than this are prose, not headings: a year there is a figure's year.
_HEADING_MAX = 60


@dataclass(frozen=True)
class YearFound:
    """A year and where it was read (``cover`` / ``heading`` / ``compiled``), with the text."""

    year: int
    where: Where
    text: str


def _clean(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "").strip()


def _plausible(year: int) -> bool:
    return _MIN <= year <= _MAX


def find_year(
    cover: Iterable[str], lines: Iterable[str] = (), *, kind: str | None = None
) -> YearFound | None:
    """The document's year from its ``cover`` lines, then all its other ``lines`` (headings,
    table titles, 编制日期), or ``None`` when none prints one.

    ``kind`` (``budget`` / ``final``) is needed only to turn a 编制日期 into the document year.
    """
    for t in map(_clean, cover):
        m = _TITLE.search(t)
        if m and _plausible(int(m.group(1))):
            return YearFound(int(m.group(1)), "cover", t)

    rest = [_clean(t) for t in lines]
    counts: Counter[int] = Counter()
    first: dict[int, str] = {}
    for t in rest:
        if not t or len(t) > _HEADING_MAX:
            continue
        m = _TITLE.search(t) or _YEAR_LINE.match(t)
        if m and _plausible(int(m.group(1))):
            y = int(m.group(1))
            counts[y] += 1
            first.setdefault(y, t)
    if counts:
        # most printed; on a tie the later year (a 2025 budget also names 2024 in passing)
        year = max(counts, key=lambda y: (counts[y], y))
        return YearFound(year, "heading", first[year])

    for t in rest:
        m = _COMPILED.search(t)
        if not m:
            continue
        y, month = int(m.group(1)), int(m.group(2))
        if kind == "final":
            y -= 1
        elif month >= 7:
            y += 1  # a budget compiled in the autumn is next year's budget
        if _plausible(y):
            return YearFound(y, "compiled", t)
    return None
