"""Rebuild table rows and cells from positioned characters (and ruling lines where drawn).

Why our own: a generic table finder (pdfplumber's) costs ~90 ms a page and still leaves the
budget-specific problems — cells wrapped over two lines, numbers printed at the top of a tall
cell, headers with merged cells — to the caller. The disclosures are simple grids, so:

* **Ruled tables** (every corpus file): ruling segments are grouped into table regions; their
  x and y positions give an elementary grid; a missing border between two elementary cells
  merges them (merged header cells, a name wrapped inside one tall cell). Every character
  goes to the cell that contains its centre, so a number printed off-centre or a name on two
  lines lands in the right cell whatever its baseline.
* **Unruled tables**: characters are clustered into lines by y; columns are the x-gaps that
  no data word crosses, plus the columns that only a header names (a column with no amounts
  in any row); a line that holds only a wrapped label is joined to its row.

The result is :class:`GridTable` — rows of cells with boxes — and :func:`to_line` shapes a row
like :class:`cnbudget.ingest.text.lines.Line` for :class:`~cnbudget.ingest.text.tables.
TableBuilder`, while :class:`Provenance` keeps page + box of the row and of every cell.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cnbudget.ingest.pdf.extract import Char, PageContent, Ruling

BBox = tuple[float, float, float, float]

#: Positions closer than this (points) are the same border.
SNAP = 2.0
#: A table region needs at least this many borders each way.
MIN_BORDERS = 2

_AMOUNT = re.compile(r"^[-+(]?\d{1,3}(?:,\d{3})*(?:\.\d+)?\)?$|^[-+(]?\d+\.\d+\)?$|^[-+]?0$")
_CODE = re.compile(r"^\d{3}(?:\s?\d{2}){0,2}$")


def is_amount_text(text: str) -> bool:
    """A printed amount: ``1,234.00``, ``0.95``, ``156,211,123``, ``0`` (not a bare code)."""
    t = text.replace(" ", "")
    if not t:
        return False
    if _AMOUNT.match(t):
        # "201" or "20101" alone are codes, not amounts: an amount has a separator or decimals,
        # or is zero.
        return "," in t or "." in t or t in ("0", "-0")
    return False


@dataclass(slots=True)
class Cell:
    """One (possibly merged) cell: its text, its box and the grid columns it spans."""

    text: str
    bbox: BBox
    col: int
    span: int = 1

    @property
    def last(self) -> int:
        return self.col + self.span - 1


@dataclass(slots=True)
class GridRow:
    """A logical table row on one page; ``cells`` ordered by column, blanks omitted."""

    page: int
    bbox: BBox
    cells: list[Cell] = field(default_factory=list)

    def texts(self, ncols: int) -> list[str]:
        """Text per grid column; a merged cell's text sits in its first column."""
        out = [""] * ncols
        for c in self.cells:
            if 0 <= c.col < ncols:
                out[c.col] = f"{out[c.col]} {c.text}".strip() if out[c.col] else c.text
        return out

    def cell_at(self, col: int) -> Cell | None:
        return next((c for c in self.cells if c.col <= col <= c.last), None)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text)

    @property
    def empty(self) -> bool:
        return not any(c.text for c in self.cells)


@dataclass(slots=True)
class GridTable:
    """A table region of one page: column borders and its rows, top to bottom."""

    page: int
    bbox: BBox
    xs: list[float]
    rows: list[GridRow]
    ruled: bool = True

    @property
    def ncols(self) -> int:
        return len(self.xs) - 1

    def column_of(self, x: float) -> int:
        i = bisect_right(self.xs, x) - 1
        return min(max(i, 0), self.ncols - 1)

    def header_paths(self, n_header: int) -> list[list[str]]:
        """For every column, the texts of the header cells above it, outermost first."""
        found: list[list[tuple[float, str]]] = [[] for _ in range(self.ncols)]
        for row in self.rows[:n_header]:
            for c in row.cells:
                if not c.text:
                    continue
                for k in range(c.col, c.last + 1):
                    if 0 <= k < self.ncols:
                        found[k].append((c.bbox[1], c.text))
        return [[t for _, t in sorted(f)] for f in found]


@dataclass(slots=True)
class TextLine:
    """Text outside any table (titles, 编制部门, 单位, notes, prose) with its box."""

    page: int
    bbox: BBox
    text: str
    segments: list[str] = field(default_factory=list)


# -- helpers --------------------------------------------------------------------------------------


def _cluster(values: Iterable[float], tol: float = SNAP) -> list[float]:
    """Sorted representative positions: values closer than ``tol`` collapse to their mean."""
    vs = sorted(values)
    out: list[list[float]] = []
    for v in vs:
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _union(a: BBox, b: BBox) -> BBox:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _bbox_of(chars: Sequence[Char]) -> BBox:
    return (
        min(c.x0 for c in chars),
        min(c.top for c in chars),
        max(c.x1 for c in chars),
        max(c.bottom for c in chars),
    )


def text_lines_of(chars: Sequence[Char]) -> list[list[Char]]:
    """Characters grouped into visual lines (by vertical centre), each sorted left to right."""
    if not chars:
        return []
    cs = sorted(chars, key=lambda c: (c.cy, c.x0))
    lines: list[list[Char]] = []
    cur: list[Char] = [cs[0]]
    cy = cs[0].cy
    h = max(cs[0].height, 1.0)
    for c in cs[1:]:
        if abs(c.cy - cy) <= 0.45 * max(h, c.height, 1.0):
            cur.append(c)
            cy = (cy * (len(cur) - 1) + c.cy) / len(cur)
            h = max(h, c.height)
        else:
            lines.append(sorted(cur, key=lambda c: c.x0))
            cur, cy, h = [c], c.cy, max(c.height, 1.0)
    lines.append(sorted(cur, key=lambda c: c.x0))
    return lines


def _join(chars: Sequence[Char]) -> str:
    """Characters of one line → text; a gap wider than ~a third of the glyph height is a space
    between two ASCII runs only (spaced-out CJK such as ``因 公 出 国`` reads without spaces)."""
    out: list[str] = []
    prev: Char | None = None
    spaced = False
    for c in chars:
        if c.text.isspace():
            spaced = prev is not None
            continue
        if prev is not None:
            gap = c.x0 - prev.x1
            if gap > 0.35 * max(c.height, prev.height) and prev.text.isascii() and c.text.isascii():
                out.append(" ")
            elif (
                # a printed space, or a space-wide gap where a producer drew none (LibreOffice)
                (
                    (spaced and gap > 0.1 * max(c.height, prev.height))
                    or gap > 0.3 * max(c.height, prev.height)
                )
                and (prev.text[-1:].isascii() and prev.text[-1:].isalnum())
                != (c.text[:1].isascii() and c.text[:1].isalnum())
            ):
                # A space printed between a CJK and a Latin / digit run (``特定目标 1410079F``)
                # is part of the name; between two CJK characters it is letter-spacing.
                out.append(" ")
        out.append(c.text)
        prev = c
        spaced = False
    return "".join(out)


def cell_text(chars: Sequence[Char]) -> str:
    """Text of a cell: its lines top to bottom, joined without a separator (a wrapped CJK name
    continues on the next line: ``机关事业单位基本养老保险`` + ``缴费支出``)."""
    parts = [_join(line) for line in text_lines_of(chars)]
    text = ""
    for p in parts:
        if not p:
            continue
        if text and text[-1].isascii() and text[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            text += " "
        text += p
    return text


def segments_of(
    chars: Sequence[Char], gap_factor: float = 1.5, *, split_kinds: bool = False
) -> list[list[Char]]:
    """Split one line of characters where the gap is wider than ``gap_factor`` glyph heights.

    With ``split_kinds`` a narrower gap (a fifth of the height) also splits where digits meet
    other text: a right-aligned amount close to the next column's label
    (``371,514,655.00 一、一般…``) or a 项 code close to its name (``01 行政运行``) are two cells,
    while a compact code (``2080505机关…``, no gap at all) stays one word.
    """
    out: list[list[Char]] = []
    for c in chars:
        if c.text.isspace():
            continue
        if out:
            prev = out[-1][-1]
            h = max(c.height, prev.height)
            gap = c.x0 - prev.x1
            same = gap <= gap_factor * h
            if same and split_kinds and gap > 0.2 * h:
                a, b = _kind(prev.text), _kind(c.text)
                same = a == b or "p" in (a, b)
            if same:
                out[-1].append(c)
                continue
        out.append([c])
    return out


def _kind(ch: str) -> str:
    """'d' digit-like (digits and separators), 'p' punctuation that joins anything, 't' text."""
    if ch.isdigit() or ch in ",.":
        return "d"
    if ch in "()（）-—、:：":
        return "p"
    return "t"


# -- ruled tables ---------------------------------------------------------------------------------


def _regions(rulings: Sequence[Ruling]) -> list[list[Ruling]]:
    """Rulings grouped into connected regions (their boxes, widened by SNAP, touch).

    Linear in the number of rulings for a page of stacked tables: rulings come top-down, so a
    region whose box ends above the current ruling's can never be touched again and leaves the
    scan, and a merge extends the largest member's list in place (a table of thousands of rows
    once cost seconds here: every merge copied the whole region). Regions come out in the order
    of their last change, as they always have.
    """
    groups: dict[int, tuple[BBox, list[Ruling]]] = {}
    last_change: dict[int, int] = {}
    active: list[int] = []
    for seq, r in enumerate(sorted(rulings, key=lambda r: (r.top, r.x0))):
        box: BBox = (r.x0 - SNAP, r.top - SNAP, r.x1 + SNAP, r.bottom + SNAP)
        active = [g for g in active if groups[g][0][3] >= box[1]]
        hit = [
            g
            for g in active
            if box[0] <= (b := groups[g][0])[2]
            and b[0] <= box[2]
            and box[1] <= b[3]
            and b[1] <= box[3]
        ]
        if not hit:
            groups[seq] = (box, [r])
            last_change[seq] = seq
            active.append(seq)
            continue
        keep = max(hit, key=lambda g: len(groups[g][1]))
        merged_box, merged = box, groups[keep][1]
        merged.append(r)
        for g in hit:
            b, rs = groups[g]
            merged_box = _union(merged_box, b)
            if g != keep:
                merged.extend(rs)
                del groups[g]
        groups[keep] = (merged_box, merged)
        last_change[keep] = seq
        active = [g for g in active if g in groups]
    return [groups[g][1] for g in sorted(groups, key=last_change.__getitem__)]


def _nearest(sorted_values: list[float], x: float) -> int:
    """Index of the value closest to ``x`` — the first of equally close ones, as
    ``min(range(n), key=distance)`` gives — by bisection."""
    i = bisect_left(sorted_values, x)
    best = min(
        (j for j in (i - 1, i) if 0 <= j < len(sorted_values)),
        key=lambda j: abs(sorted_values[j] - x),
    )
    d = abs(sorted_values[best] - x)
    while best > 0 and abs(sorted_values[best - 1] - x) == d:  # ties in float rounding
        best -= 1
    return best


def _covered(spans: list[tuple[float, float]], mids: list[float]) -> list[bool]:
    """For each of the sorted ``mids``: does one of ``spans`` (a ≤ mid ≤ b) cover it? One
    bisection per span and a running sum, not every span for every mid."""
    diff = [0] * (len(mids) + 1)
    for a, b in spans:
        lo, hi = bisect_left(mids, a), bisect_right(mids, b)
        if lo < hi:
            diff[lo] += 1
            diff[hi] -= 1
    out, run = [], 0
    for d in diff[:-1]:
        run += d
        out.append(run > 0)
    return out


def _overflow_back(placed: list[tuple[Char, int, int]]) -> list[tuple[Char, int, int]]:
    """Text wider than its cell runs over the border into the next one(s) (``29,197.2|3``
    when a renderer sets a narrow column: CSS overflows to the right, even over the next
    cell's text, and the text layer then interleaves the two). Glyphs of one text run follow
    each other by their advance: a glyph starts exactly where one on the same baseline ends.
    Such a chain that reaches past a column border overflows, and all of it belongs to the
    cell it starts in. Texts of two cells never chain (cells are padded), so a border between
    them changes nothing."""
    out = list(placed)
    ends: dict[tuple[int, float], list[int]] = {}
    for i, (ch, r, _) in enumerate(placed):
        if not ch.text.isspace():
            ends.setdefault((r, round(ch.bottom, 1)), []).append(i)
    head: dict[int, int] = {}
    for idx in ends.values():
        idx.sort(key=lambda i: placed[i][0].x0)
        by_end: dict[float, int] = {}
        for i in idx:
            ch = placed[i][0]
            p = by_end.get(round(ch.x0, 1))
            if p is None:
                p = by_end.get(round(ch.x0 + 0.1, 1), by_end.get(round(ch.x0 - 0.1, 1)))
            head[i] = head[p] if p is not None and abs(placed[p][0].x1 - ch.x0) < 0.06 else i
            by_end[round(ch.x1, 1)] = i
    for i, h in head.items():
        ch, r, k = placed[i]
        k0 = placed[h][2]
        if k > k0:
            out[i] = (ch, r, k0)
    return out


def _ruled_table(page: PageContent, rulings: list[Ruling], chars: list[Char]) -> GridTable | None:
    hs = [r for r in rulings if r.horizontal and r.x1 - r.x0 > SNAP]
    vs = [r for r in rulings if not r.horizontal and r.bottom - r.top > SNAP]
    xs = _cluster((r.x0 + r.x1) / 2 for r in vs)
    ys = _cluster((r.top + r.bottom) / 2 for r in hs)
    if len(xs) < MIN_BORDERS or len(ys) < MIN_BORDERS:
        return None
    ncol, nrow = len(xs) - 1, len(ys) - 1

    # Borders by grid line, so that "is there a border here" looks at one line's segments.
    v_at: dict[int, list[tuple[float, float]]] = {}
    for v in vs:
        k = _nearest(xs, (v.x0 + v.x1) / 2)
        v_at.setdefault(k, []).append((v.top - SNAP, v.bottom + SNAP))
    h_at: dict[int, list[tuple[float, float]]] = {}
    for h in hs:
        r = _nearest(ys, (h.top + h.bottom) / 2)
        h_at.setdefault(r, []).append((h.x0 - SNAP, h.x1 + SNAP))
    row_mids = [(ys[r] + ys[r + 1]) / 2 for r in range(nrow)]
    col_mids = [(xs[k] + xs[k + 1]) / 2 for k in range(ncol)]
    v_cover = {k: _covered(spans, row_mids) for k, spans in v_at.items()}
    h_cover = {r: _covered(spans, col_mids) for r, spans in h_at.items()}

    def has_v(k: int, r: int) -> bool:  # border at xs[k] through row band r
        return k in v_cover and v_cover[k][r]

    def has_h(r: int, k: int) -> bool:  # border at ys[r] across column band k
        return r in h_cover and h_cover[r][k]

    parent = list(range(ncol * nrow))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def unite(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nrow):
        for k in range(ncol):
            i = r * ncol + k
            if k + 1 < ncol and not has_v(k + 1, r):
                unite(i, i + 1)
            if r + 1 < nrow and not has_h(r + 1, k):
                unite(i, i + ncol)
    # Members of every merged cell, and its box.
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(nrow):
        for k in range(ncol):
            members.setdefault(find(r * ncol + k), []).append((r, k))
    cell_chars: dict[int, list[Char]] = {}
    left, top, right, bottom = xs[0], ys[0], xs[-1], ys[-1]
    inside: list[Char] = []
    placed: list[tuple[Char, int, int]] = []
    for ch in chars:
        cx, cy = ch.cx, ch.cy
        if not (left <= cx <= right and top <= cy <= bottom):
            continue
        inside.append(ch)
        k = min(max(bisect_right(xs, cx) - 1, 0), ncol - 1)
        r = min(max(bisect_right(ys, cy) - 1, 0), nrow - 1)
        placed.append((ch, r, k))
    for ch, r, k in _overflow_back(placed):
        cell_chars.setdefault(find(r * ncol + k), []).append(ch)
    # Logical rows: row bands linked by a merged cell that holds text across them.
    reach = list(range(nrow))
    for root, mem in members.items():
        rows = [r for r, _ in mem]
        lo, hi = min(rows), max(rows)
        if hi > lo and root in cell_chars:
            for r in range(lo, hi + 1):
                reach[r] = max(reach[r], hi)
    groups: dict[int, list[int]] = {}
    r = 0
    while r < nrow:
        end, start = reach[r], r
        while r <= end:
            end = max(end, reach[r])
            r += 1
        groups[start] = list(range(start, end + 1))
    band_group = {r: gi for gi, rs in groups.items() for r in rs}
    rows_out: list[GridRow] = []
    cells_by_group: dict[int, list[Cell]] = {gi: [] for gi in groups}
    for root, mem in members.items():
        r0 = min(r for r, _ in mem)
        ks = [k for _, k in mem]
        rs = [r for r, _ in mem]
        k0, k1 = min(ks), max(ks)
        box = (xs[k0], ys[min(rs)], xs[k1 + 1], ys[max(rs) + 1])
        text = cell_text(cell_chars.get(root, []))
        cells_by_group[band_group[r0]].append(Cell(text, box, k0, k1 - k0 + 1))
    for gi, rs in groups.items():
        cells = sorted(cells_by_group[gi], key=lambda c: c.col)
        box = (xs[0], ys[rs[0]], xs[-1], ys[rs[-1] + 1])
        rows_out.append(GridRow(page.number, box, cells))
    return GridTable(page.number, (left, top, right, bottom), xs, rows_out, ruled=True)


def ruled_tables(page: PageContent) -> list[GridTable]:
    """Every ruled table region of a page (regions holding no text are dropped)."""
    out: list[GridTable] = []
    for rs in _regions(page.rulings):
        t = _ruled_table(page, rs, page.chars)
        if t is not None and any(not r.empty for r in t.rows):
            out.append(t)
    out.sort(key=lambda t: t.bbox[1])
    return out


# -- unruled tables -------------------------------------------------------------------------------


def _intervals(spans: Iterable[tuple[float, float]], tol: float) -> list[list[float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + tol:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def unruled_table(page: PageContent, chars: Sequence[Char]) -> GridTable | None:
    """A table from text alone: lines by y, columns by the x-gaps, wrapped labels joined.

    ``chars`` are the characters of the table's area (below its title and unit line).
    Data lines are those holding an amount or a leading classification code; their words fix
    the columns, and a header word that falls in a gap adds a column of its own (a column that
    is blank in every row). A line holding only a label with no amounts is a wrapped part of
    the label of the nearest data row.
    """
    lines = text_lines_of([c for c in chars if not c.text.isspace()])
    if not lines:
        return None
    words_by_line = [segments_of(line, 1.0, split_kinds=True) for line in lines]

    def word_text(w: list[Char]) -> str:
        return _join(w)

    def data_line(ws: list[list[Char]]) -> bool:
        texts = [word_text(w) for w in ws]
        return any(is_amount_text(t) for t in texts) or bool(texts and _CODE.match(texts[0]))

    flags = [data_line(ws) for ws in words_by_line]
    if not any(flags):
        return None
    first_data = flags.index(True)
    height = max(1.0, sorted(c.height for c in chars)[len(chars) // 2])
    data_spans = [
        (w[0].x0, w[-1].x1) for ws, f in zip(words_by_line, flags, strict=True) if f for w in ws
    ]
    cols = _intervals(data_spans, tol=0.3 * height)
    cols = _header_columns(words_by_line[:first_data], cols, height)
    cols = _pair_headers(cols, data_spans, words_by_line[:first_data])
    xs = [cols[0][0] - 1.0]
    for (_, b), (a, _) in itertools.pairwise(cols):
        xs.append((b + a) / 2)
    xs.append(cols[-1][1] + 1.0)
    table = GridTable(
        page.number, (xs[0], lines[0][0].top, xs[-1], lines[-1][0].bottom), xs, [], ruled=False
    )
    rows: list[GridRow] = []
    for line, ws in zip(lines, words_by_line, strict=True):
        by_col: dict[int, list[Char]] = {}
        for w in ws:
            k = table.column_of((w[0].x0 + w[-1].x1) / 2)
            by_col.setdefault(k, []).extend(w)
        cells = [
            Cell(_join(sorted(cs, key=lambda c: c.x0)), _bbox_of(cs), k)
            for k, cs in sorted(by_col.items())
        ]
        rows.append(GridRow(page.number, _bbox_of(line), cells))
    # Rows without figures are rows of their own when they start with an ordinal (二、外交支出)
    # or hold labels in two separate columns (both halves of a two-sided table); otherwise a
    # label-only line is a wrapped part of a neighbouring row's label.
    row_flags = [
        f or (i >= first_data and _own_row(r))
        for i, (f, r) in enumerate(zip(flags, rows, strict=True))
    ]
    table.rows = _join_wrapped(rows, row_flags, height)
    table.bbox = (xs[0], table.rows[0].bbox[1], xs[-1], table.rows[-1].bbox[3])
    return table


_ROW_START = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．](?!\d)|[（(][一二三四五六七八九十\d]+[）)])"
)


def _own_row(row: GridRow) -> bool:
    texts = [c for c in row.cells if c.text]
    if texts and _ROW_START.match(texts[0].text):
        return True
    cols = sorted(c.col for c in texts)
    return any(b - a > 1 for a, b in itertools.pairwise(cols))


def _header_columns(
    header: list[list[list[Char]]], cols: list[list[float]], height: float
) -> list[list[float]]:
    """Add the columns that only a header names (blank in every data row).

    A header word over no data column is a column of its own when it is a leaf of the header:
    wrapped over several lines (``附属单/位上/缴收入``: a vertical stack of such words), or
    standing between column headers of its own line (``财政拨款收入 | 事业收入 | 其他收入``). A
    group header (``本年收入`` above ``项目 | 预算数``) has no such siblings and adds nothing.
    """

    def overlaps(a: float, b: float) -> bool:
        return any(a < c[1] and c[0] < b for c in cols)

    gap_words: list[tuple[int, float, float]] = []
    for li, ws in enumerate(header):
        spans = [(w[0].x0, w[-1].x1) for w in ws]
        for a, b in spans:
            if not overlaps(a, b):
                gap_words.append((li, a, b))
    accepted: list[tuple[float, float]] = []
    for li, a, b in gap_words:
        stacked = any(lj != li and a < bb and aa < b for lj, aa, bb in gap_words)
        spans = [(w[0].x0, w[-1].x1) for w in header[li]]
        left = sum(1 for x0, x1 in spans if x1 <= a and overlaps(x0, x1))
        right = sum(1 for x0, x1 in spans if x0 >= b and overlaps(x0, x1))
        if stacked or (left and right) or left >= 2:
            accepted.append((a, b))
    return _intervals([(c[0], c[1]) for c in cols] + accepted, tol=0.3 * height)


def _pair_headers(
    cols: list[list[float]],
    data_spans: list[tuple[float, float]],
    header: list[list[list[Char]]],
) -> list[list[float]]:
    """Merge a column that has figures but no header word with a neighbour that has a header
    word but no figures: narrow right-aligned amounts (``0``) under a centred header
    (``事业收入``) do not overlap it, yet they are one column."""

    def hits(c: list[float], spans: list[tuple[float, float]]) -> bool:
        return any(a < c[1] and c[0] < b for a, b in spans)

    head = [(w[0].x0, w[-1].x1) for ws in header for w in ws]
    out = [list(c) for c in cols]
    i = 0
    while i < len(out):
        c = out[i]
        if hits(c, data_spans) and not hits(c, head):
            for j in (i - 1, i + 1):
                if 0 <= j < len(out) and hits(out[j], head) and not hits(out[j], data_spans):
                    lo, hi = min(i, j), max(i, j)
                    out[lo] = [min(out[lo][0], out[hi][0]), max(out[lo][1], out[hi][1])]
                    del out[hi]
                    break
        i += 1
    return out


def _join_wrapped(rows: list[GridRow], flags: list[bool], height: float) -> list[GridRow]:
    """Fold label-only lines into the data row they belong to.

    A label-only line directly above a data row whose label cell is empty starts that label
    (names printed on two lines, vertically centred around the row's numbers); otherwise it
    continues the label of the data row just above it.
    """
    out: list[GridRow] = []
    first = flags.index(True) if True in flags else len(rows)
    out.extend(rows[:first])
    pending: list[GridRow] = []
    for row, is_data in zip(rows[first:], flags[first:], strict=True):
        if is_data:
            if pending:
                label_col = min(c.col for p in pending for c in p.cells)
                own = row.cell_at(label_col)
                if own is None or not own.text:
                    txt = "".join(c.text for p in pending for c in p.cells)
                    box = pending[0].bbox
                    for p in pending[1:]:
                        box = _union(box, p.bbox)
                    row.cells.append(Cell(txt, box, label_col))
                    row.cells.sort(key=lambda c: c.col)
                    row.bbox = _union(row.bbox, box)
                    pending = []
                else:
                    _append_to_last(out, pending, height)
                    pending = []
            out.append(row)
            continue
        if out and len(out) > first and row.bbox[1] - out[-1].bbox[3] > 1.5 * height:
            _append_to_last(out, pending, height)
            pending = []
            out.append(row)  # a separate text row (e.g. a note): keep it
            continue
        pending.append(row)
    _append_to_last(out, pending, height)
    return out


def _append_to_last(out: list[GridRow], pending: list[GridRow], height: float) -> None:
    for p in pending:
        if not out:
            out.append(p)
            continue
        last = out[-1]
        for c in p.cells:
            own = last.cell_at(c.col)
            if own is not None:
                own.text += c.text
                own.bbox = _union(own.bbox, c.bbox)
            else:
                last.cells.append(c)
                last.cells.sort(key=lambda x: x.col)
        last.bbox = _union(last.bbox, p.bbox)


# -- page layout ----------------------------------------------------------------------------------


def free_lines(page: PageContent, tables: Sequence[GridTable]) -> list[TextLine]:
    """Text lines of the page outside every table region, top to bottom."""
    boxes = [t.bbox for t in tables]
    chars = [
        c
        for c in page.chars
        if not c.text.isspace()
        and not any(b[0] - 1 <= c.cx <= b[2] + 1 and b[1] - 1 <= c.cy <= b[3] + 1 for b in boxes)
    ]
    out: list[TextLine] = []
    for line in text_lines_of(chars):
        segs = [_join(s) for s in segments_of(line, 2.5)]
        out.append(TextLine(page.number, _bbox_of(line), _join(line), segs))
    return out


__all__ = [
    "Cell",
    "GridRow",
    "GridTable",
    "TextLine",
    "cell_text",
    "free_lines",
    "is_amount_text",
    "ruled_tables",
    "text_lines_of",
    "unruled_table",
]
