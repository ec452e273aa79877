"""The narrative of a PDF disclosure: parts, numbered sections, paragraphs, glossary, budget units.

Why a module of its own: a PDF has no line breaks that mean anything — a paragraph is a run of
visual lines, the first one indented (or the previous one ending short of the right margin), and
a heading is a line by itself (centred for the Shanghai block titles, numbered for the sections).
This module turns the prose lines of :mod:`cnbudget.ingest.pdf.reader` into
:class:`~cnbudget.ingest.text.lines.Line` objects with blank lines between paragraphs and heading
flags, and then reuses the text reader's :func:`~cnbudget.ingest.text.narrative.sections`,
:func:`~cnbudget.ingest.text.narrative.paragraphs` and
:func:`~cnbudget.ingest.text.narrative.staffing`, so that both readers cut the narrative the same
way.

Two document structures are recognised:

* **parts** (部门决算, the 11-table budget): ``第一部分 … 概况`` → ``overview``, ``第二部分`` (tables),
  ``第三部分 … 说明`` → ``explanation`` (numbered sections 一、… at the top level), ``第四部分
  名词解释`` → ``glossary``;
* **blocks** (上海市区级预算): centred titles without numbers — ``…主要职能``, ``…机构设置``,
  ``名词解释``, ``…预算编制说明``, ``其他相关情况说明`` (its numbered sections at the top level),
  ``…经费情况说明`` (one section per project, its numbered points as subsections).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cnbudget.ingest.pdf.grid import BBox, GridTable, TextLine
from cnbudget.ingest.text.lines import Line
from cnbudget.ingest.text.narrative import paragraphs, sections, staffing
from cnbudget.model import BudgetUnit, Document, GlossaryEntry, Paragraph, Section, Source

CN_NUM = "一二三四五六七八九十"
_PART = re.compile(r"^第\s*([一二三四])\s*部分")
_TOC = re.compile(r"^目\s*录$")
_TOC_DOTS = re.compile(r"[…·.]{4,}")
_PAGE_NO = re.compile(r"^[-—\s]*\d{1,3}[-—\s]*$|^第\s*\d+\s*页")
_SEC1 = re.compile(rf"^[{CN_NUM}]+\s*[、.．]")
_SEC2 = re.compile(rf"^[（(]\s*[{CN_NUM}]+\s*[）)]")
_NUMBER_ONLY = re.compile(
    rf"^(?:[（(]\s*[{CN_NUM}\d]+\s*[）)]|[{CN_NUM}]+\s*[、.．]|\d+\s*[、.．])$"
)
_LIST_START = re.compile(rf"^(?:\d+\s*[、.．](?!\d)|[（(][\d{CN_NUM}]+[）)]|[{CN_NUM}]+、)")
_PUNCT_ONLY = re.compile(r"^[。，、；：,.;:）)”’\s]+$")
_SENTENCE_END = tuple("。；;！!？?：:")
_AMOUNTISH = re.compile(r"\d\s*(?:万元|元|%|％)")
_GLOSS = re.compile(
    rf"^(?:[{CN_NUM}]+\s*[、.．]|[（(]\s*[{CN_NUM}\d]+\s*[）)]|\d+\s*[、.．](?!\d))\s*"
    r"(.+?)\s*[:：]\s*(.+)$"
)
_UNIT_ITEM = re.compile(r"^\d+\s*[、.．](?!\d)\s*(.+)$")
_SELF = re.compile(r"[（(](?:本级|本部)[）)]")

#: Centred, unnumbered block titles (上海市区级预算) → block kind; first match wins.
_BLOCK_KINDS: tuple[tuple[str, str], ...] = (
    ("名词解释", "glossary"),
    ("主要职能", "overview"),
    ("机构设置", "overview"),
    ("单位构成", "overview"),
    ("部门概况", "overview"),
    ("单位概况", "overview"),
    ("其他相关情况说明", "others"),
    ("其他重要事项", "others"),
    ("编制说明", "explanation"),
    ("预算表", "tables"),
    ("决算表", "tables"),
    ("情况说明", "project"),
)
_PART_KINDS = {"一": "overview", "二": "tables", "三": "others", "四": "glossary"}


@dataclass(slots=True)
class Block:
    """A run of prose under one title: a 第N部分 part or a Shanghai block."""

    kind: str  # front, toc, overview, tables, explanation, others, project, glossary
    title: str
    lines: list[TextLine] = field(default_factory=list)
    page: int | None = None
    #: Box of the title on ``page`` (both lines of a title wrapped onto a second line).
    bbox: BBox | None = None


def _clean(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "")


def _union(a: BBox, b: BBox) -> BBox:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _rounded(box: BBox) -> BBox:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _height(ln: TextLine) -> float:
    return max(ln.bbox[3] - ln.bbox[1], 1.0)


def _cluster_edges(values: Iterable[float], tol: float = 3.0) -> list[tuple[float, int]]:
    """(position, count) of groups of close positions, in increasing order."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [(sum(g) / len(g), len(g)) for g in out]


class Margins:
    """Left and right edge of the body text, per page (a page with few lines borrows the edges
    of the pages of the same width)."""

    def __init__(self, lines: Sequence[TextLine], widths: dict[int, float]) -> None:
        by_page: dict[int, list[TextLine]] = {}
        for ln in lines:
            by_page.setdefault(ln.page, []).append(ln)
        self.edges: dict[int, tuple[float, float]] = {}
        by_width: dict[int, list[tuple[float, float]]] = {}
        for page, lns in by_page.items():
            lefts = [g for g in _cluster_edges(ln.bbox[0] for ln in lns) if g[1] >= 2]
            rights = [g for g in _cluster_edges(ln.bbox[2] for ln in lns) if g[1] >= 2]
            if lefts and rights:
                edge = (lefts[0][0], rights[-1][0])
                self.edges[page] = edge
                by_width.setdefault(round(widths.get(page, 0.0)), []).append(edge)
        self.fallback: dict[int, tuple[float, float]] = {}
        for w, edges in by_width.items():
            ls = sorted(e[0] for e in edges)
            rs = sorted(e[1] for e in edges)
            self.fallback[w] = (ls[len(ls) // 2], rs[len(rs) // 2])
        self.widths = widths

    def of(self, ln: TextLine) -> tuple[float, float]:
        if ln.page in self.edges:
            return self.edges[ln.page]
        w = round(self.widths.get(ln.page, 0.0))
        if w in self.fallback:
            return self.fallback[w]
        return (ln.bbox[0], ln.bbox[2])

    def centred(self, ln: TextLine) -> bool:
        """Centred on the body text, or on the page (a title over a narrow text block)."""
        left, right = self.of(ln)
        h = _height(ln)
        lg, rg = ln.bbox[0] - left, right - ln.bbox[2]
        if lg <= 3 * h:
            return False
        if rg > 3 * h and abs(lg - rg) < max(3 * h, 0.15 * (right - left)):
            return True
        width = self.widths.get(ln.page, 0.0)
        mid = (ln.bbox[0] + ln.bbox[2]) / 2
        return width > 0 and abs(mid - width / 2) < 0.05 * width

    def indented(self, ln: TextLine) -> bool:
        return ln.bbox[0] - self.of(ln)[0] > 0.8 * _height(ln)

    def short(self, ln: TextLine) -> bool:
        return self.of(ln)[1] - ln.bbox[2] > 2.0 * _height(ln)


def _fold_fragments(lines: list[TextLine]) -> list[TextLine]:
    """Punctuation printed on a line of its own joins the line above; a lone section number
    (``（一）``) joins the line below — both are typesetting accidents, not text. The joined
    line's box covers both parts when they are on one page; a number left at the foot of a page
    takes the page and box of the line it joins (where the text is)."""
    out: list[TextLine] = []
    carry: TextLine | None = None
    for ln in lines:
        t = _clean(ln.text)
        if not t or _PAGE_NO.match(t):
            continue
        if _PUNCT_ONLY.match(t) and out:
            prev = out[-1]
            box = _union(prev.bbox, ln.bbox) if ln.page == prev.page else prev.bbox
            out[-1] = TextLine(prev.page, box, prev.text + t, prev.segments)
            continue
        if carry is not None:
            box = _union(carry.bbox, ln.bbox) if ln.page == carry.page else ln.bbox
            ln = TextLine(ln.page, box, carry.text + ln.text.strip(), ln.segments)
            carry = None
        if _NUMBER_ONLY.match(t):
            carry = ln
            continue
        out.append(ln)
    if carry is not None:
        out.append(carry)
    return out


def _block_kind(title: str) -> str | None:
    t = _clean(title)
    if len(t) > 40 or t.endswith(_SENTENCE_END) or _SEC1.match(t) or _SEC2.match(t):
        return None
    for word, kind in _BLOCK_KINDS:
        if word in t:
            return kind
    return None


def split_blocks(lines: list[TextLine], margins: Margins) -> list[Block]:
    """Cut the prose into the front matter, the contents and the titled parts / blocks."""
    lines = _fold_fragments(lines)
    use_parts = any(_PART.match(_clean(ln.text)) for ln in lines)
    blocks: list[Block] = [Block("front", "")]
    toc_parts: set[str] = set()
    toc_page: int | None = None
    for ln in lines:
        t = _clean(ln.text)
        cur = blocks[-1]
        if _TOC.match(t):
            blocks.append(Block("toc", t, page=ln.page))
            toc_page = ln.page
            continue
        m = _PART.match(t)
        centred = margins.centred(ln)
        if cur.kind == "toc":
            key = m.group(1) if m else None
            leaves = (key is not None and key in toc_parts) or (
                toc_page is not None
                and ln.page > toc_page
                and ((centred and _block_kind(t) is not None) or len(t) > 40)
                and not _TOC_DOTS.search(t)
            )
            if not leaves:
                if key is not None:
                    toc_parts.add(key)
                cur.lines.append(ln)
                continue
        if m and use_parts:
            blocks.append(Block(_PART_KINDS[m.group(1)], t, page=ln.page, bbox=ln.bbox))
            continue
        kind = _block_kind(t) if centred else None
        if kind is not None and (not use_parts or kind == "tables"):
            blocks.append(Block(kind, t, page=ln.page, bbox=ln.bbox))
            continue
        if (
            centred
            and cur.kind != "front"
            and not cur.lines
            and cur.page == ln.page
            and len(t) <= 20
        ):
            cur.title += t  # the title wrapped onto a second centred line
            cur.bbox = ln.bbox if cur.bbox is None else _union(cur.bbox, ln.bbox)
            continue
        cur.lines.append(ln)
    return [b for b in blocks if b.kind not in ("toc",)]


#: How a long numbered section title ends (说明 sections of 第三部分).
_TITLE_ENDS = ("说明", "情况")


def to_lines(block_lines: Sequence[TextLine], margins: Margins) -> list[Line]:
    """Prose lines → text-reader lines: a blank line before every paragraph, headings flagged.

    A paragraph starts at an indented line, after a line that ends short of the right margin,
    at a centred line, or at a list item after a finished sentence. A numbered line that is a
    paragraph by itself (短, no amounts) is a heading even when it ends with 。 (``（一）“三公”
    经费财政拨款支出决算总体情况说明。``).
    """
    starts: list[bool] = []
    prev: TextLine | None = None
    for ln in block_lines:
        t = _clean(ln.text)
        if prev is None:
            starts.append(True)
        else:
            pt = _clean(prev.text)
            starts.append(
                margins.indented(ln)
                or margins.short(prev)
                or margins.centred(ln)
                or margins.centred(prev)
                or (bool(_LIST_START.match(t)) and pt.endswith(_SENTENCE_END))
            )
        prev = ln
    out: list[Line] = []
    n = len(block_lines)
    skip = False
    for i, ln in enumerate(block_lines):
        if skip:
            skip = False
            continue
        t = ln.text.strip()
        ct = _clean(t)
        alone = starts[i] and (i + 1 == n or starts[i + 1])
        # A long section title (``一、关于…2024 年收支预算情况总体说明``) wrapped over two lines:
        # a numbered start line, one continuation line, then a new paragraph; the joined text
        # ends with 说明 / 情况 and holds no amount.
        if starts[i] and not alone and _SEC1.match(ct) and (i + 2 == n or starts[i + 2]):
            joined = ct + _clean(block_lines[i + 1].text)
            if (
                len(joined) <= 80
                and joined.rstrip("。.").endswith(_TITLE_ENDS)
                and not _AMOUNTISH.search(joined)
            ):
                t, ct, alone, skip = t + block_lines[i + 1].text.strip(), joined, True, True
        heading = 0
        if (
            alone
            and (_SEC1.match(ct) or _SEC2.match(ct))
            and (len(ct) <= 40 or (len(ct) <= 80 and ct.rstrip("。.").endswith(_TITLE_ENDS)))
            and not _AMOUNTISH.search(ct)
            and (not ct.endswith("。") or "说明" in ct or "情况" in ct)
            # ``（一）项目名称：…`` is a labelled point, not a heading (as in the text reader)
            and not (_SEC2.match(ct) and re.search(r"[:：]", ct))
        ):
            heading = 1
            t = t.rstrip("。.")
        if starts[i]:
            out.append(Line(no=-(i + 1), raw="", text=""))
        # A numbered point that is not a heading (``一、加强党的建设。落实…`` wrapped over two
        # lines) is flagged as a list item, so that ``sections`` does not take its first visual
        # line for a heading.
        numbered = bool(_SEC1.match(ct) or _SEC2.match(ct))
        line = Line(
            no=i + 1,
            raw=ln.text,
            text=t,
            heading=heading,
            list_item=starts[i] and numbered and not heading,
        )
        out.append(line)
    return out


def _with_pages(secs: Iterable[Section], paras: Iterable[Paragraph], src: Sequence[TextLine]):
    """Replace the builder's line numbers (1-based indices into ``src``) by page + box.

    Every visual line of ``src`` belongs to exactly one heading or paragraph, in reading order:
    :func:`to_lines` emits each line once (the second line of a wrapped section title is joined
    into its heading and not emitted), and ``sections`` / ``paragraphs`` put every line that is
    not a heading in exactly one paragraph.
    So a heading or paragraph starting at line *s* runs up to the line before the next one's
    start, and its box is the union of the boxes of those lines: a sentence over three visual
    lines is framed from the top of its first line to the bottom of its last.

    A paragraph continued across a page break (a sentence cut by the break, joined again by
    ``paragraphs``) keeps the page where it starts, and its box covers its lines on that page
    only: a :class:`~cnbudget.model.Source` has one page, the start is where a reader looks for
    it, and a box spanning two pages would frame nothing real on either. Claims, glossary
    entries, budget units and staffing read from a paragraph take its source, so they get the
    same page and box.
    """
    secs = list(secs)
    units: list[Section | Paragraph] = []
    for s in secs:
        for sec in s.walk():
            units.append(sec)
            units.extend(sec.paragraphs)
    units.extend(paras)
    starts = sorted(
        {
            u.source.line
            for u in units
            if u.source is not None and u.source.line is not None and 1 <= u.source.line <= len(src)
        }
    )
    end_of = {
        s: (starts[k + 1] - 1 if k + 1 < len(starts) else len(src)) for k, s in enumerate(starts)
    }

    def fix(source: Source | None) -> Source | None:
        if source is None or source.line is None or not (1 <= source.line <= len(src)):
            return source
        first = src[source.line - 1]
        box = first.bbox
        for ln in src[source.line : end_of[source.line]]:
            if ln.page == first.page:
                box = _union(box, ln.bbox)
        return Source(page=first.page, bbox=_rounded(box))

    for u in units:
        u.source = fix(u.source)


def glossary_entries(paras: list[Paragraph]) -> list[GlossaryEntry]:
    """名词解释 entries ``一、term：definition`` / ``（一）term：definition``; an unnumbered
    paragraph continues the previous definition (a definition cut by a page break)."""
    out: list[GlossaryEntry] = []
    for p in paras:
        m = _GLOSS.match(p.text)
        if m and len(m.group(1)) <= 20:
            out.append(
                GlossaryEntry(
                    term=m.group(1).strip(),
                    definition=m.group(2).strip(),
                    source=p.source,
                )
            )
        elif out and not _LIST_START.match(p.text):
            out[-1].definition += p.text
    return out


def units_from_sections(secs: Iterable[Section]) -> list[BudgetUnit]:
    """The numbered list of budget units in 机构设置 (``1. 上海市…（本部）。``)."""
    units: list[BudgetUnit] = []
    for s in secs:
        for sec in s.walk():
            for p in sec.paragraphs:
                m = _UNIT_ITEM.match(p.text)
                if not m:
                    continue
                name = re.split(r"[，,。；;：:]", m.group(1).strip())[0].strip()
                is_self = bool(_SELF.search(name)) or name.endswith("本部")
                name = _SELF.sub("", name).strip()
                if 2 <= len(name) <= 60:
                    units.append(BudgetUnit(name=name, is_self=is_self, source=p.source))
    return units


def units_from_grid(grid: GridTable) -> list[BudgetUnit] | None:
    """A 单位构成 table (序号 | 单位名称 | 备注) → budget units; ``None`` when it is not one."""
    header = next((r for r in grid.rows if "单位名称" in _clean(r.text)), None)
    if header is None:
        return None
    col = next(c.col for c in header.cells if "单位名称" in _clean(c.text))
    units: list[BudgetUnit] = []
    for row in grid.rows[grid.rows.index(header) + 1 :]:
        cell = row.cell_at(col)
        name = _clean(cell.text) if cell else ""
        if not name or _PUNCT_ONLY.match(name):
            continue  # a placeholder row of the template (。。。)
        is_self = bool(_SELF.search(name))
        units.append(
            BudgetUnit(
                name=_SELF.sub("", name),
                is_self=is_self,
                source=Source(page=row.page, bbox=tuple(round(v, 2) for v in row.bbox)),  # type: ignore[arg-type]
            )
        )
    return units


def _deepen(secs: list[Section]) -> None:
    """Sections nested under a block title are one level deeper than ``sections`` made them."""
    for s in secs:
        for sec in s.walk():
            sec.level += 1


def build_narrative(
    doc: Document, prose: list[TextLine], widths: dict[int, float], units: list[BudgetUnit]
) -> None:
    """Fill ``doc.overview``, ``doc.explanation``, ``doc.glossary`` and the budget units and
    staffing of ``doc.metadata`` from the prose lines."""
    prose = [ln for ln in prose if not _TOC_DOTS.search(ln.text)]
    margins = Margins(prose, widths)
    blocks = split_blocks(prose, margins)
    md = doc.metadata
    titled = [b for b in blocks if b.kind != "front"]
    if not titled:
        # No structure recognised: every numbered section goes to the explanation.
        src = blocks[0].lines if blocks else []
        secs, pre = sections(to_lines(src, margins))
        _with_pages(secs, pre, src)
        doc.explanation = secs
        if pre:
            doc.overview = [Section(title="", level=1, paragraphs=pre)]
        return
    for b in titled:
        lines = to_lines(b.lines, margins)
        if b.kind == "glossary":
            paras = paragraphs(lines)
            _with_pages([], paras, b.lines)
            doc.glossary.extend(glossary_entries(paras))
            continue
        if b.kind == "tables":
            continue
        secs, pre = sections(lines)
        _with_pages(secs, pre, b.lines)
        source = Source(page=b.page, bbox=_rounded(b.bbox) if b.bbox is not None else None)
        if b.kind == "overview" and secs and not pre and _PART.match(b.title):
            doc.overview.extend(secs)  # 第一部分: its numbered sections
        elif b.kind == "overview":
            _deepen(secs)
            doc.overview.append(
                Section(title=b.title, level=1, paragraphs=pre, subsections=secs, source=source)
            )
        elif b.kind == "others":
            if pre:
                doc.explanation.append(
                    Section(title=b.title, level=1, paragraphs=pre, source=source)
                )
            doc.explanation.extend(secs)
        else:  # explanation, project
            _deepen(secs)
            doc.explanation.append(
                Section(title=b.title, level=1, paragraphs=pre, subsections=secs, source=source)
            )
    for s in doc.overview:
        title = _clean(s.title)
        if "职能" in title:
            md.functions = s.text()
        elif any(w in title for w in ("机构", "人员", "单位构成")):
            md.structure = s.text()
            if not units:
                units = units_from_sections([s])
            md.staffing = md.staffing or staffing(s, doc.issues)
    md.budget_units = units


__all__ = [
    "Block",
    "Margins",
    "build_narrative",
    "glossary_entries",
    "split_blocks",
    "to_lines",
    "units_from_grid",
    "units_from_sections",
]
