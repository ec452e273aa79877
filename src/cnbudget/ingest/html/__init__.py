"""Read disclosures published as web pages: ``<table>`` elements (rowspan / colspan honoured)
and the text around them (titles, 编制部门 / 单位 lines, notes, the narrative).

Each table becomes a :class:`~cnbudget.ingest.xlsx.cells.CellBlock` with the text lines printed
since the previous table, and is read by the PDF reader's table and narrative code as a
synthetic page (see :mod:`cnbudget.ingest.xlsx.cells`), so layouts behave the same in every
format. Provenance: ``sheet`` = ``表格N`` (the N-th ``<table>`` of the page), ``cell`` = its
address (``C7``). Only the standard library's HTML parser is used.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

from cnbudget.ingest.detect import limit_error
from cnbudget.ingest.limits import current_limits
from cnbudget.ingest.xlsx.cells import CellBlock, GridCell, page_layout, to_cell_sources
from cnbudget.model import Document

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "caption", "title", "br"}
_SKIP_TAGS = {"script", "style", "head"}
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TableState:
    def __init__(self) -> None:
        self.rows: list[list[tuple[str, int, int]]] = []
        self.cell: list[str] | None = None
        self.span = (1, 1)


class _Parser(HTMLParser):
    """Collects text lines and tables in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, object]] = []  # ("line", str) | ("table", rows)
        self.line: list[str] = []
        self.stack: list[_TableState] = []
        self.skip = 0

    def _flush_line(self) -> None:
        text = _WS.sub(" ", "".join(self.line)).strip()
        if text:
            for part in text.split("\n"):
                if part.strip():
                    self.items.append(("line", part.strip()))
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag == "table":
            self._flush_line()
            self.stack.append(_TableState())
        elif self.stack and tag == "tr":
            self.stack[-1].rows.append([])
        elif self.stack and tag in ("td", "th"):
            t = self.stack[-1]
            t.cell = []
            t.span = (_int(a.get("rowspan")), _int(a.get("colspan"), MAX_COLSPAN))
        elif tag == "br":
            (
                self.stack[-1].cell if self.stack and self.stack[-1].cell is not None else self.line
            ).append("\n")
        elif tag in _BLOCK_TAGS and not self.stack:
            self._flush_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "table" and self.stack:
            t = self.stack.pop()
            self.items.append(("table", t.rows))
        elif self.stack and tag in ("td", "th"):
            t = self.stack[-1]
            if t.cell is not None:
                if not t.rows:
                    t.rows.append([])
                text = "\n".join(
                    _WS.sub(" ", s).strip() for s in "".join(t.cell).split("\n") if s.strip()
                )
                t.rows[-1].append((text, *t.span))
            t.cell = None
        elif tag in _BLOCK_TAGS and not self.stack:
            self._flush_line()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.stack:
            if self.stack[-1].cell is not None:
                self.stack[-1].cell.append(data.replace("\n", " "))
            return
        self.line.append(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush_line()


#: Largest span browsers honour (HTML standard: colspan ≤ 1000, rowspan ≤ 65534).
MAX_COLSPAN, MAX_ROWSPAN = 1000, 65534


def _int(v: str | None, cap: int = MAX_ROWSPAN) -> int:
    """A span attribute as browsers read it: junk or < 1 is 1, huge is clamped to ``cap``."""
    try:
        return min(cap, max(1, int((v or "1").strip()[:12] or 1)))
    except ValueError:
        return 1


def grid_cells(
    rows: list[list[tuple[str, int, int]]], budget: list[int] | None = None
) -> list[GridCell]:
    """HTML rows (cells with rowspan / colspan) → cells at their grid positions.

    A rowspan reaching past the last row stops there, as in browsers, so the work is bounded by
    the table's own grid; ``budget`` (a one-element list: cells still allowed) bounds it over a
    page (``max_sheet_cells``): ``colspan="1000"`` on every cell of a long table is still a
    blow-up, refused with an error naming the limit."""
    if budget is None:
        budget = [current_limits().max_sheet_cells]
    taken: set[tuple[int, int]] = set()
    out: list[GridCell] = []
    n = len(rows)
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            rs = min(rs, n - r)
            budget[0] -= rs * cs
            if budget[0] < 0:
                raise limit_error(
                    "HTML",
                    "max_sheet_cells",
                    current_limits().max_sheet_cells,
                    f"表格第 {r + 1} 行 / table row {r + 1}",
                    "网页表格单元格过多",
                    "too many table cells in the page",
                )
            out.append(GridCell(r, c, text, rs, cs))
            for i in range(r, r + rs):
                for k in range(c, c + cs):
                    taken.add((i, k))
            c += cs
    return out


def html_blocks(html: str) -> list[CellBlock]:
    """Tables of the page, each with the text lines since the previous table (and the text
    after the last table attached to it)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    blocks: list[CellBlock] = []
    pending: list[str] = []
    budget = [current_limits().max_sheet_cells]
    for kind, value in parser.items:
        if kind == "line":
            pending.append(value)  # type: ignore[arg-type]
            continue
        cells = grid_cells(value, budget)  # type: ignore[arg-type]
        if not any(c.text for c in cells):
            continue
        blocks.append(CellBlock(name=f"表格{len(blocks) + 1}", cells=cells, before=pending))
        pending = []
    if pending:
        if blocks:
            blocks[-1].after.extend(pending)
        else:
            blocks.append(CellBlock(name="正文", cells=[], before=pending))
    return blocks


def read_html(path: str | Path, layout: str | None = None, *, text: str | None = None) -> Document:
    """Read an HTML disclosure page. Never raises on content."""
    from cnbudget.ingest.detect import decode_text
    from cnbudget.ingest.pdf.reader import run_pages

    p = Path(path)
    data = p.read_bytes() if text is None else text.encode("utf-8")
    html = text if text is not None else _decode_html(data, p.name, decode_text)
    blocks = html_blocks(html)
    pages = page_layout(blocks)
    doc = run_pages(pages, layout, p.name, reader="html")
    to_cell_sources(doc, blocks, [b.name for b in blocks])
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc


_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def _decode_html(data: bytes, name: str, fallback) -> str:
    m = _CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return fallback(data, name)


__all__ = ["grid_cells", "html_blocks", "read_html"]
