"""Spreadsheet-like cells (XLSX sheets, HTML tables) laid out as a synthetic PDF page.

Why: the PDF reader already knows everything these layouts need — table titles and their
aliases, 编制部门 / 单位 lines, merged multi-level headers, codes in 类/款/项 cells or compact,
two-sided tables, items printed as columns, two halves side by side, tables continued on the
next page. A sheet is a grid whose merges are known exactly, so it is drawn as a page: every
cell of the table region gets its borders (none inside a merged range), every text its box, and
:class:`cnbudget.ingest.pdf.reader` reads it like a ruled PDF table. Each sheet (or HTML table)
is one page; :func:`to_cell_sources` turns the page boxes of the result back into cell
addresses (``Sheet1!C7``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cnbudget.ingest.pdf.extract import Char, PageContent, Ruling
from cnbudget.model import Document, Source

#: Geometry of the synthetic page: points per column and per row, glyph height, margin.
COL_W = 80.0
ROW_H = 24.0
GLYPH_H = 10.0
MARGIN = 36.0

_META = re.compile(
    r"^(?:编制(?:部门|单位)|预算(?:主管)?(?:部门|单位)|主管部门|单位)\s*[:：]|^注\s*[:：]"
)


@dataclass(slots=True)
class GridCell:
    """A cell of the source grid: its text and the rows / columns it spans (0-based)."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(slots=True)
class CellBlock:
    """One sheet or one HTML table (with the text lines printed above and below it)."""

    name: str
    cells: list[GridCell]
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    @property
    def nrows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def ncols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def _is_meta_row(cells: list[GridCell], ncols: int) -> bool:
    """A title, 编制单位 / 单位 or note row: one text spanning (nearly) the width, or only meta
    labels."""
    texts = [c for c in cells if c.text.strip()]
    if not texts:
        return True
    if all(_META.search(c.text.replace(" ", "")) for c in texts):
        return True
    return len(texts) == 1 and (texts[0].colspan >= max(2, ncols - 1) or ncols <= 1)


def table_rows(block: CellBlock) -> tuple[int, int]:
    """First and last row (inclusive) of the table region: the rows between the leading and
    trailing title / meta rows."""
    by_row: dict[int, list[GridCell]] = {}
    for c in block.cells:
        by_row.setdefault(c.row, []).append(c)
    n, w = block.nrows, block.ncols
    first = 0
    while first < n and _is_meta_row(by_row.get(first, []), w):
        first += 1
    last = n - 1
    while last > first and _is_meta_row(by_row.get(last, []), w):
        last -= 1
    return first, last


def _chars_for(text: str, x0: float, top: float, x1: float, bottom: float) -> list[Char]:
    """One glyph run per printed line of ``text``, centred in the box."""
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if not lines:
        return []
    out: list[Char] = []
    mid = (top + bottom) / 2
    start = mid - len(lines) * GLYPH_H * 0.6
    for i, ln in enumerate(lines):
        t = start + i * GLYPH_H * 1.2
        cx = (x0 + x1) / 2
        half = min((x1 - x0) / 2 - 1.0, max(3.0, len(ln) * 3.0))
        out.append(Char(ln, cx - half, t, cx + half, t + GLYPH_H))
    return out


def _prose_chars(text: str, x0: float, top: float, x1: float, bottom: float) -> list[Char]:
    """A text line of the page (a ``<p>``, a sheet's note): centred like :func:`_chars_for`
    when it is short. A line that would fill the width is drawn as a typeset paragraph, its
    first part indented and the rest on a second full-width line, so that the narrative reader
    sees where it starts (two full-width lines in a row would be read as one paragraph)."""
    one = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if len(one) != 1 or len(one[0]) < 8 or len(one[0]) * 3.0 < (x1 - x0) / 2 - 1.0:
        return _chars_for(text, x0, top, x1, bottom)
    line = one[0]
    k = len(line) // 2
    while 0 < k < len(line) - 1 and (line[k - 1].isascii() or line[k].isascii()):
        k += 1  # cut between two non-ASCII characters: the reader joins them without a space
    if k >= len(line) - 1:
        return _chars_for(text, x0, top, x1, bottom)
    mid = (top + bottom) / 2
    t0 = mid - GLYPH_H * 1.2
    return [
        Char(line[:k], x0 + 2 * GLYPH_H, t0, x1, t0 + GLYPH_H),
        Char(line[k:], x0, t0 + GLYPH_H * 1.2, x1, t0 + GLYPH_H * 2.2),
    ]


def block_page(block: CellBlock, number: int) -> PageContent:
    """The synthetic page of one block: text lines above, the ruled table, text lines below."""
    first, last = table_rows(block) if block.cells else (0, -1)
    ncols = max(block.ncols, 1)
    width = 2 * MARGIN + ncols * COL_W
    top0 = MARGIN + (len(block.before) + 1) * ROW_H

    def y(row: int) -> float:
        return top0 + row * ROW_H

    def x(col: int) -> float:
        return MARGIN + col * COL_W

    chars: list[Char] = []
    rulings: list[Ruling] = []
    for i, text in enumerate(block.before):
        t = MARGIN + i * ROW_H
        chars.extend(_prose_chars(text, MARGIN, t, width - MARGIN, t + ROW_H))
    for c in block.cells:
        x0, x1 = x(c.col), x(c.col + c.colspan)
        t0, t1 = y(c.row), y(c.row + c.rowspan)
        if c.text.strip():
            if first <= c.row <= last:
                chars.extend(_chars_for(c.text, x0, t0, x1, t1))
            else:  # a title / meta row: text at the left of its cell, as a line of the page
                seg = _chars_for(c.text, x0, t0, x1, t1)
                for ch in seg:
                    w_ = ch.x1 - ch.x0
                    ch.x0, ch.x1 = x0 + 2.0, x0 + 2.0 + w_
                chars.extend(seg)
        if first <= c.row and c.row + c.rowspan - 1 <= last:
            rulings.extend(
                [
                    Ruling(x0, t0, x1, t0),
                    Ruling(x0, t1, x1, t1),
                    Ruling(x0, t0, x0, t1),
                    Ruling(x1, t0, x1, t1),
                ]
            )
    # Blank cells of the table region still have borders (a grid without holes).
    covered = {
        (r, k)
        for c in block.cells
        for r in range(c.row, c.row + c.rowspan)
        for k in range(c.col, c.col + c.colspan)
    }
    for r in range(first, last + 1):
        for k in range(ncols):
            if (r, k) not in covered:
                x0, x1, t0, t1 = x(k), x(k + 1), y(r), y(r + 1)
                rulings.extend(
                    [
                        Ruling(x0, t0, x1, t0),
                        Ruling(x0, t1, x1, t1),
                        Ruling(x0, t0, x0, t1),
                        Ruling(x1, t0, x1, t1),
                    ]
                )
    bottom = y(block.nrows)
    for i, text in enumerate(block.after):
        t = bottom + (i + 0.5) * ROW_H
        chars.extend(_chars_for(text, MARGIN, t, width - MARGIN, t + ROW_H))
        for ch in chars[-1:]:
            w_ = ch.x1 - ch.x0
            ch.x0, ch.x1 = MARGIN + 2.0, MARGIN + 2.0 + w_
    height = bottom + (len(block.after) + 2) * ROW_H
    return PageContent(
        number=number, width=width, height=height, rotation=0, chars=chars, rulings=rulings
    )


def page_layout(blocks: list[CellBlock]) -> list[PageContent]:
    """Each block as its synthetic page, after checking its width against
    ``max_table_columns``: the ruled-table code costs about rows × columns² (every border is
    matched to its grid line), so a 1000-column table from ``colspan="1000"`` or a stray cell
    in column XFD would take minutes; a disclosure table has a few dozen columns."""
    from cnbudget.ingest.detect import limit_error
    from cnbudget.ingest.limits import current_limits

    limit = current_limits().max_table_columns
    for b in blocks:
        if b.ncols > limit:
            raise limit_error(
                b.name,
                "max_table_columns",
                limit,
                f"{b.ncols} 列 / {b.ncols} columns",
                "表格列数过多",
                "too many table columns",
            )
    return [block_page(b, i) for i, b in enumerate(blocks, 1)]


def _address(block: CellBlock, bbox: tuple[float, float, float, float]) -> str:
    top0 = MARGIN + (len(block.before) + 1) * ROW_H
    col = round((bbox[0] - MARGIN) / COL_W)
    row = round((bbox[1] - top0) / ROW_H)
    return f"{column_letter(max(col, 0))}{max(row, 0) + 1}"


def to_cell_sources(doc: Document, blocks: list[CellBlock], sheet_names: list[str]) -> None:
    """Page + box provenance of the synthetic pages → sheet + cell address of the source."""

    def fix(src: Source | None) -> Source | None:
        if src is None or src.page is None or not (1 <= src.page <= len(blocks)):
            return src
        block = blocks[src.page - 1]
        cell = _address(block, src.bbox) if src.bbox is not None else None
        return Source(sheet=sheet_names[src.page - 1], cell=cell)

    for t in doc.tables:
        t.source = fix(t.source)
        for r in t.rows:
            r.source = fix(r.source)
            for a in r.values.values():
                a.source = fix(a.source)
    for u in doc.metadata.budget_units:
        u.source = fix(u.source)


__all__ = [
    "COL_W",
    "ROW_H",
    "CellBlock",
    "GridCell",
    "block_page",
    "column_letter",
    "page_layout",
    "table_rows",
    "to_cell_sources",
]
