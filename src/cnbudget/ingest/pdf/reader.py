"""Read a text-layer PDF disclosure into a :class:`~cnbudget.model.Document`.

Pipeline: :mod:`extract` (characters and rulings per page, PDFium) → :mod:`grid` (table regions,
rows, cells with boxes; text outside tables as lines) → a walk over the pages in reading order
that recognises table titles from the layout, 编制部门 / 单位 lines, notes under a table, and
tables continued on the next page (with or without a repeated header) → :mod:`assemble`
(typed tables through ``TableBuilder``, amounts normalised to 万元 as exact ``Decimal`` from the
unit printed in each table's header, provenance page + box on every amount).

The prose outside the tables goes to :mod:`cnbudget.ingest.pdf.narrative` (parts, numbered
sections, paragraphs, glossary, budget units). Nothing raises on content: whatever is not
understood becomes a :class:`ParseIssue`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from cnbudget.ingest.detect import ReadError
from cnbudget.ingest.pdf.assemble import LineCounter, PrintedTable, build_tables
from cnbudget.ingest.pdf.extract import PageContent, read_pages
from cnbudget.ingest.pdf.grid import (
    GridTable,
    TextLine,
    free_lines,
    ruled_tables,
    unruled_table,
)
from cnbudget.ingest.pdf.narrative import build_narrative, units_from_grid
from cnbudget.ingest.year import find_year
from cnbudget.layouts import LayoutSpec, TableSpec, load_layout
from cnbudget.model import (
    BudgetUnit,
    Document,
    Metadata,
    ParseIssue,
    Region,
    is_placeholder_name,
    scope_from_texts,
)

_TITLE_YEAR = re.compile(r"(\d{4})\s*年(?:度)?.*?(预算|决算)")
_DEPT = re.compile(
    r"(?:编制部门|编制单位|预算主管部门|预算单位|主管部门)\s*[:：]\s*(.+?)\s*(?:单位\s*[:：]\s*(?:万元|元|万)\s*)?$"
)
# A cover line naming the disclosure without its year: 「部门决算」「2024年度部门决算」.
_TITLE_WORDS = re.compile(r"^(?:\d{4}\s*年度?)?[^\d]{0,12}?(?:部门|单位)(预算|决算)(?:公开)?$")
# What precedes the year (or 部门/单位预算 when no year) in a title line: a name, if anything.
_TITLE_HEAD = re.compile(r"^(.+?)(?:\d{4}\s*年|(?:区级|市级|县级|省级)?(?:部门|单位)(?:预算|决算))")
_UNIT = re.compile(r"单位\s*[:：]\s*(万元|元|万)\s*$")
_NOTE = re.compile(r"^(?:注|说明|备注)\s*[:：]")
_PAGE_NO = re.compile(r"^[-—\s]*\d{1,3}[-—\s]*$|^第\s*\d+\s*页")
_TOC_DOTS = re.compile(r"[…·.]{4,}")
_TITLE_YEAR_PREFIX = re.compile(r"^(?:\d+\s*[.．、]\s*)?\d{4}\s*年(?:度)?")

#: Which layout a title page points to (first match wins).
_LAYOUT_HINTS = (
    ("决算", "mof-final-9"),
    ("区级单位预算", "shanghai-unit-budget-9"),
    ("区级部门预算", "shanghai-budget-9"),
)


@dataclass(slots=True)
class _Event:
    page: int
    top: float
    line: TextLine | None = None
    grid: GridTable | None = None


def _clean(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "")


def detect_layout(pages: list[PageContent]) -> str:
    """Layout id from the words of the first pages (决算 → MOF; 上海 区级预算 → Shanghai), else
    the layout whose table titles the pages print most (a spreadsheet has no title page)."""
    head = "".join(c.text for p in pages[:2] for c in p.chars)
    for word, layout in _LAYOUT_HINTS:
        if word in head:
            return layout
    return layout_by_titles(pages) or "budget-11"


def layout_by_titles(pages: list[PageContent]) -> str | None:
    """The layout whose tables' titles occur most among the pages' text lines (a main title
    counts 2, an alias 1); ``None`` when no title of any layout is found."""
    from cnbudget.layouts import available_layouts, normalize_label

    texts = {
        normalize_label(_TITLE_YEAR_PREFIX.sub("", _clean(ln.text)))
        for p in pages
        for ln in free_lines(p, [])
        if len(_clean(ln.text)) <= 50
    }
    best: tuple[int, str] | None = None
    for layout_id in available_layouts():
        spec = load_layout(layout_id)
        score = 0
        for t in spec.tables:
            if normalize_label(t.title) in texts:
                score += 2
            elif any(normalize_label(a) in texts for a in t.aliases):
                score += 1
        if score and (best is None or score > best[0]):
            best = (score, layout_id)
    return best[1] if best else None


class _PdfReader:
    def __init__(self, pages: list[PageContent], layout: LayoutSpec, name: str | None) -> None:
        self.pages = pages
        self.layout = layout
        self.doc = Document(source_name=name, metadata=Metadata(layout=layout.id))
        self.issues = self.doc.issues
        self.counter = LineCounter()
        self.printed: list[PrintedTable] = []
        self.prose: list[TextLine] = []
        self.units: list[BudgetUnit] = []
        self._bands: dict[str, int] | None = None

    def issue(self, code: str, zh: str, en: str, page: int | None = None, text: str | None = None):
        where_zh = f"第{page}页：" if page else ""
        where_en = f"page {page}: " if page else ""
        self.issues.append(
            ParseIssue(code=code, message_zh=where_zh + zh, message_en=where_en + en, text=text)
        )

    # -- metadata ----------------------------------------------------------------------------
    def metadata(self) -> None:
        md = self.doc.metadata
        md.kind = self.layout.kind
        if not self.pages:
            return
        first = free_lines(self.pages[0], [])
        texts = [_clean(t.text) for t in first if _clean(t.text)]
        names: list[str] = []
        titles: list[str] = []
        in_title: list[str] = []  # 「上海市某局部门决算」: the name printed in the title line
        for t in texts:
            m = _TITLE_YEAR.search(t) or _TITLE_WORDS.search(t)
            if m:
                titles.append(t)
                if len(titles) == 1:
                    md.kind = "final" if m.group(m.lastindex or 1) == "决算" else "budget"
                head = _TITLE_HEAD.match(t)
                if head and len(head.group(1)) >= 4:
                    in_title.append(head.group(1))
                continue
            m = _DEPT.search(t)
            if m:
                names.insert(0, m.group(1))
                continue
            names.append(t)
        if names or in_title:
            md.department = (names or in_title)[0]
        md.region = region_from_name(md.department)
        md.currency_unit = "万元"
        found = find_year(titles)
        if found is None:
            # not on the cover: headings, table titles and 编制日期 of every page
            found = find_year(
                [], (ln.text for pg in self.pages for ln in free_lines(pg, [])), kind=md.kind
            )
        md.year = found.year if found is not None else None
        md.scope = scope_from_texts(titles, self.layout.id)
        md.is_template = is_placeholder_name(md.department)

    # -- pages → events ----------------------------------------------------------------------
    def events(self) -> list[_Event]:
        out: list[_Event] = []
        unruled_before = False
        for page in self.pages:
            if not page.has_text:
                if not page.images:
                    continue  # a blank page (or one holding only an empty table frame)
                self.issue(
                    "no-text-layer",
                    "本页没有文字层（可能是扫描图像），无法读取（需要安装 tesseract-ocr 与 "
                    "tesseract-ocr-chi-sim 才能识别）",
                    "page has no text layer (a scanned image?) and cannot be read (OCR needs "
                    "tesseract-ocr and tesseract-ocr-chi-sim)",
                    page.number,
                )
                continue
            grids = ruled_tables(page)
            lines = [ln for ln in free_lines(page, grids) if not self._running(ln, page)]
            titled = any(self._title_spec(ln) is not None for ln in lines)
            if not grids and (titled or unruled_before):
                # No borders drawn: a table without ruling lines, on a page that has a table
                # title or continues one (narrative pages are never tried).
                unruled = self._unruled(page, lines)
                if unruled is not None:
                    grids = [unruled]
                    lines = [ln for ln in lines if ln.bbox[3] <= unruled.bbox[1] + 1]
                unruled_before = unruled is not None
            else:
                unruled_before = False
            out.extend(_Event(page.number, ln.bbox[1], line=ln) for ln in lines)
            out.extend(_Event(page.number, g.bbox[1], grid=g) for g in grids)
        out.sort(key=lambda e: (e.page, e.top))
        return out

    def _running(self, ln: TextLine, page: PageContent) -> bool:
        """A running header or footer: a line in the top or bottom band of the page whose text
        recurs in that band on other pages, numbers aside (``部门名称 第二部分 部门预算公开表``
        over every page of a part; a browser's date / title / URL and page counter). Such a line is not prose and must not end a table that continues on
        the next page."""
        if self._bands is None:
            self._bands = {}
            for pg in self.pages:
                if not pg.has_text:
                    continue
                for t in {
                    _band_key(x.text) for x in free_lines(pg, ruled_tables(pg)) if _in_band(x, pg)
                }:
                    self._bands[t] = self._bands.get(t, 0) + 1
        t = _clean(ln.text)
        if not t or not _in_band(ln, page) or self._bands.get(_band_key(ln.text), 0) < 2:
            return False
        return not (
            self._title_spec(ln) is not None or _UNIT.search(t) or _DEPT.search(t) or _NOTE.match(t)
        )

    def _unruled(self, page: PageContent, lines: list[TextLine]) -> GridTable | None:
        """A table without ruling lines: everything below its title / unit line on the page.

        Used only on pages that draw no table borders; the table starts under the last
        title, 编制部门 or 单位 line above the first line with figures, or at the page top for
        a continuation page.
        """
        start = 0.0
        for ln in lines:
            t = _clean(ln.text)
            if self._title_spec(ln) is not None or _UNIT.search(t) or _DEPT.search(t):
                start = ln.bbox[3]
        chars = [c for c in page.chars if c.cy > start + 0.5]
        if not chars:
            return None
        table = unruled_table(page, chars)
        if table is None or len(table.rows) < 2:
            return None
        return table

    def _title_spec(self, ln: TextLine) -> TableSpec | None:
        t = _clean(ln.text)
        if len(t) > 50 or _TOC_DOTS.search(t) or _NOTE.match(t):
            return None
        return self.layout.match_title(t) or self._near_title(t)

    def _near_title(self, text: str) -> TableSpec | None:
        """A title with one or two characters misread (OCR: 收文 for 收支): the layout title it
        is closest to, when the similarity is at least 0.88 and the lengths agree."""
        if not text.endswith("表") or len(text) < 8:
            return None
        from difflib import SequenceMatcher

        from cnbudget.layouts import normalize_label

        t = normalize_label(_TITLE_YEAR_PREFIX.sub("", text))
        best: tuple[float, TableSpec] | None = None
        for spec in self.layout.tables:
            for title in spec.all_titles:
                a = normalize_label(title)
                if abs(len(a) - len(t)) > 2:
                    continue
                r = SequenceMatcher(None, a, t).ratio()
                if r >= 0.88 and (best is None or r > best[0]):
                    best = (r, spec)
        return best[1] if best else None

    # -- walk --------------------------------------------------------------------------------
    def walk(self) -> None:
        cur: PrintedTable | None = None
        last_page_of_cur = 0
        for ev in self.events():
            if ev.grid is not None:
                g = ev.grid
                if cur is not None and (not cur.fragments or g.page <= last_page_of_cur + 1):
                    cur.fragments.append(g)
                    last_page_of_cur = g.page
                    continue
                units = units_from_grid(g)
                if units is not None:
                    self.units.extend(units)  # 部门决算单位构成: a list, not a budget table
                    continue
                self.issue(
                    "table-unrecognised",
                    f"未识别的表格（{len(g.rows)} 行）：{g.rows[0].text[:30] if g.rows else ''}",
                    f"table not recognised ({len(g.rows)} rows)",
                    g.page,
                )
                continue
            ln = ev.line
            assert ln is not None
            t = _clean(ln.text)
            if not t or _PAGE_NO.match(t):
                continue
            spec = self._title_spec(ln)
            if spec is not None:
                cur = PrintedTable(spec=spec, title=ln.text.strip(), page=ln.page, bbox=ln.bbox)
                self.printed.append(cur)
                last_page_of_cur = ln.page
                continue
            handled = False
            for seg in ln.segments or [ln.text]:
                s = _clean(seg)
                m = _UNIT.search(s)
                if m and cur is not None:
                    cur.unit = m.group(1)
                    handled = True
                m = _DEPT.search(s)  # 编制部门 and 单位 may share one line (an HTML flex row)
                if m and cur is not None:
                    cur.department = m.group(1)
                    handled = True
            if handled:
                continue
            if (
                cur is not None
                and cur.fragments
                and (
                    _NOTE.match(t)
                    # the "…为空表" sentence printed under an empty table, without 注：
                    or (ln.page == last_page_of_cur and ("空表" in t or cur.notes))
                )
            ):
                cur.notes.append(t)
                continue
            if cur is not None and not cur.fragments and ln.page == cur.page:
                continue  # a line between a title and its grid (a sub-title, a part heading)
            cur = None
            self.prose.append(ln)

    # -- tables ------------------------------------------------------------------------------
    def tables(self) -> None:
        # Budget units a carryover table may print as group rows: the department, and the
        # 编制部门 printed above any table (the full name, brackets and all).
        units = [self.doc.metadata.department] if self.doc.metadata.department else []
        units += [p.department for p in self.printed if p.department]
        seen: set[str] = set()
        for p in self.printed:
            if not p.fragments:
                continue  # a title in the contents, not a table
            siblings = [
                s for s in self.layout.tables if s.number == p.spec.number and s.type != p.spec.type
            ]
            tables = build_tables(
                p,
                siblings,
                self.counter,
                self.issues,
                year=self.doc.metadata.year,
                unit_names=units,
                default_unit=self.layout.unit,
            )
            for t in tables:
                if t.type in seen:
                    self.issue(
                        "table-duplicate",
                        f"表「{t.title}」出现了不止一次",
                        f"table '{t.title}' ({t.type}) found more than once",
                        t.source.page if t.source else None,
                    )
                seen.add(t.type)
                self.doc.tables.append(t)
        for spec in self.layout.tables:
            if spec.type not in seen:
                self.issues.append(
                    ParseIssue(
                        code="table-missing",
                        message_zh=f"未找到表{spec.number}「{spec.title}」",
                        message_en=f"table {spec.number} ({spec.type}) not found",
                    )
                )

    # -- narrative ---------------------------------------------------------------------------
    def narrative(self) -> None:
        """Parts, sections, paragraphs, glossary and budget units of the prose."""
        widths = {p.number: p.width for p in self.pages}
        build_narrative(self.doc, self.prose, widths, self.units)

    def run(self) -> Document:
        self.metadata()
        self.walk()
        self.tables()
        self.narrative()
        return self.doc


def _band_key(text: str) -> str:
    """A header / footer line with its numbers folded (``file:///… 6/39`` ≈ ``… 7/39``)."""
    return re.sub(r"\d+", "#", _clean(text))


def _in_band(ln: TextLine, page: PageContent) -> bool:
    """In the top or bottom 9 % of the page, where running headers and footers sit."""
    h = page.height or 0.0
    return h > 0 and (ln.bbox[3] < 0.09 * h or ln.bbox[1] > 0.91 * h)


def region_from_name(name: str | None) -> Region:
    from cnbudget.ingest.text.reader import region_from_name as text_region

    return text_region(name)


def read_pdf(
    path: str | Path,
    layout: str | None = None,
    *,
    pages: list[int] | None = None,
    ignore_rulings: bool = False,
    ocr: bool = True,
) -> Document:
    """Read a text-layer PDF disclosure. Never raises on content: see ``doc.issues``; a file
    PDFium cannot open at all (damaged, encrypted) raises :class:`ReadError`.

    ``layout`` forces a layout id; by default it is detected from the title page
    (:func:`detect_layout`). ``pages`` limits reading to those 1-based pages (benchmarks).
    ``ignore_rulings`` reads as if no table border were drawn (the text-only path that PDFs
    without ruling lines take; tests run it on ruled files to compare both paths).
    ``ocr``: pages without a text layer are recognised with Tesseract (:mod:`cnbudget.ingest.ocr`)
    when it is installed; every amount read so carries ``ocr conf=NN`` in its source cell.
    """
    p = Path(path)
    try:
        content = read_pages(p, pages)
    except pdfium.PdfiumError as exc:
        raise ReadError(
            f"{p.name}：无法打开 PDF（{exc}）", f"{p.name}: cannot open the PDF ({exc})"
        ) from exc
    if ignore_rulings:
        for page in content:
            page.rulings = []
    words = {}
    if ocr and any(not pg.has_text and pg.images for pg in content):
        from cnbudget.ingest.ocr import ocr_pages

        words = ocr_pages(p, content)
    doc = run_pages(content, layout, p.name)
    if words:
        from cnbudget.ingest.ocr import mark_confidence

        mark_confidence(doc, words)
    doc.source_sha256 = hashlib.sha256(p.read_bytes()).hexdigest()
    return doc


def run_pages(
    pages: list[PageContent], layout: str | None, name: str | None, *, reader: str = "pdf"
) -> Document:
    """Read positioned characters and rulings (a PDF's, or a spreadsheet's laid out as pages)
    with ``layout`` (detected from the pages when ``None``). ``reader`` names the input kind
    for messages."""
    spec = load_layout(layout or detect_layout(pages))
    doc = _PdfReader(pages, spec, name).run()
    doc.metadata.reader = reader  # type: ignore[assignment]
    return doc


__all__ = ["detect_layout", "layout_by_titles", "read_pdf", "run_pages"]
