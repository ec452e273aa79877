"""Write a :class:`Document` as a Word file (DOCX) a finance office can adopt as its own.

Why these choices:

* Styles, not direct formatting: parts are ``Heading 1``, sections and table titles ``Heading 2``,
  subsections ``Heading 3``/``Heading 4`` (restyled, black, CJK fonts), so Word's navigation pane
  and its 目录 field work, and an office can restyle the whole file in one place.
* Fonts: the East Asian font is set explicitly (``w:eastAsia``) on every style because Word
  otherwise falls back to the theme's Latin font for Chinese text. The fonts are the ones every
  Chinese Windows/WPS installation has and official documents use (仿宋 body, 黑体 and 楷体
  headings, 宋体 tables, Times New Roman for Latin and figures); the PDF uses the Noto CJK fonts the
  project installs instead, because it embeds its fonts.
* Tables are written as WordprocessingML directly (``gridSpan``/``vMerge`` merges from the shared
  :class:`~cnbudget.outputs.html.Grid`, ``tblHeader`` on header rows so Word repeats them on every
  page, ``cantSplit`` on every row, fixed layout and widths): python-docx's cell API is quadratic
  in the number of cells and cannot set these flags.
* Page setup: A4 portrait, landscape sections for the wide tables (表2, 表7), the department name
  in the header and ``第 N 页 / 共 M 页`` (PAGE / NUMPAGES fields) in the footer.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section as DocxSection
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from cnbudget.model import Document, Section
from cnbudget.outputs.html import (
    Cell,
    Grid,
    budget_grid,
    document_title,
    glossary_items,
    overview_sections,
    part_titles,
    performance_after,
    performance_grid,
    performance_title,
    publication_date,
    section_heading,
    table_specs,
)
from cnbudget.outputs.text import cn_number

__all__ = ["build_docx", "write_docx"]

#: East Asian fonts by role, and the Latin font for figures and ASCII.
FONT_BODY = "仿宋"
FONT_HEADING = "黑体"
FONT_SUBHEADING = "楷体"
FONT_TABLE = "宋体"
FONT_LATIN = "Times New Roman"

_A4 = (Mm(210), Mm(297))
_MARGINS = {"top": Mm(25), "bottom": Mm(22), "left": Mm(22), "right": Mm(22)}
_LANDSCAPE_MARGINS = {"top": Mm(20), "bottom": Mm(18), "left": Mm(18), "right": Mm(18)}
_TWIPS_PER_MM = 1440 / 25.4
_HEAD_FILL = "EEF0F3"
_TOTAL_FILL = "F6F6F4"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Document text without the control characters XML forbids (lxml refuses them)."""
    return _INVALID_XML.sub("", text)


def _x(text: str) -> str:
    """Text for WordprocessingML written as markup: cleaned and XML-escaped."""
    return escape(_clean(text), {'"': "&quot;"})


# -- styles -----------------------------------------------------------------------------------
def _set_fonts(style: BaseStyle, east_asia: str, latin: str = FONT_LATIN) -> None:
    """Set explicit fonts on a style, removing theme fonts that would override them."""
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)


def _para_style(
    d: DocxDocument,
    name: str,
    *,
    font: str,
    size: float,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    before: float = 0,
    after: float = 0,
    line: float | None = None,
    first_indent_chars: int = 0,
    keep_next: bool = False,
) -> str:
    """Create or restyle paragraph style ``name``; returns its style id."""
    styles = d.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    _set_fonts(style, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is not None:
        pf.line_spacing = line
    pf.keep_with_next = keep_next
    if first_indent_chars:
        pf.first_line_indent = Pt(size * first_indent_chars)
    return style.style_id


class _Styles:
    """The style ids used by the writer, created once per document."""

    def __init__(self, d: DocxDocument) -> None:
        c = WD_ALIGN_PARAGRAPH.CENTER
        self.normal = _para_style(
            d, "Normal", font=FONT_BODY, size=12, line=1.5, after=0, first_indent_chars=2
        )
        self.h1 = _para_style(
            d, "Heading 1", font=FONT_HEADING, size=16, align=c, before=6, after=18, keep_next=True
        )
        self.h2 = _para_style(
            d, "Heading 2", font=FONT_HEADING, size=14, before=12, after=6, keep_next=True
        )
        self.h3 = _para_style(
            d,
            "Heading 3",
            font=FONT_SUBHEADING,
            size=12,
            bold=True,
            before=6,
            after=3,
            keep_next=True,
        )
        self.h4 = _para_style(
            d, "Heading 4", font=FONT_BODY, size=12, bold=True, before=3, after=3, keep_next=True
        )
        self.table_text = _para_style(d, "表格文字", font=FONT_TABLE, size=9, line=1.0)
        self.table_small = _para_style(d, "表格文字（横向）", font=FONT_TABLE, size=8, line=1.0)
        self.table_title = _para_style(
            d, "表格标题", font=FONT_HEADING, size=15, align=c, before=0, after=6, keep_next=True
        )
        self.table_meta = _para_style(
            d, "表头信息", font=FONT_TABLE, size=10, after=3, keep_next=True
        )
        self.note = _para_style(d, "表注", font=FONT_TABLE, size=10.5, before=6, line=1.3)
        for name in ("Header", "Footer"):
            _para_style(d, name, font=FONT_TABLE, size=9)
        for level in (1, 2):
            name = f"toc {level}"
            if name not in [s.name for s in d.styles]:
                st = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                st.base_style = d.styles["Normal"]
            st = d.styles[name]
            _set_fonts(st, FONT_HEADING if level == 1 else FONT_BODY)
            st.font.size = Pt(12 if level == 1 else 11)
            st.font.bold = level == 1
            st.paragraph_format.left_indent = Pt(0 if level == 1 else 24)
            st.paragraph_format.first_line_indent = Pt(0)
            st.paragraph_format.space_before = Pt(6 if level == 1 else 0)


# -- page setup, header and footer ------------------------------------------------------------
def _page(section: DocxSection, landscape: bool) -> None:
    w, h = _A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    for side, value in (_LANDSCAPE_MARGINS if landscape else _MARGINS).items():
        setattr(section, f"{side}_margin", value)
    section.header_distance, section.footer_distance = Mm(12), Mm(10)


def _field(paragraph: Paragraph, instr: str, shown: str = "1") -> None:
    """Append a simple field (PAGE, NUMPAGES) whose cached result is ``shown``."""
    fld = parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} "><w:r><w:t>{shown}</w:t></w:r></w:fldSimple>'
    )
    paragraph._p.append(fld)


def _bottom_border(paragraph: Paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(
        parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="4" w:space="1" '
            'w:color="777777"/></w:pBdr>'
        )
    )


def _header_footer(d: DocxDocument, running: str) -> None:
    """Department name in the header, 第 N 页 / 共 M 页 in the footer; none on the cover."""
    s = d.sections[0]
    s.different_first_page_header_footer = True
    hp = s.header.paragraphs[0]
    hp.text = _clean(running)
    hp.paragraph_format.first_line_indent = Pt(0)
    _bottom_border(hp)
    fp = s.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fp.paragraph_format.first_line_indent = Pt(0)
    fp.add_run("第 ")
    _field(fp, "PAGE")
    fp.add_run(" 页 / 共 ")
    _field(fp, "NUMPAGES")
    fp.add_run(" 页")


# -- tables -----------------------------------------------------------------------------------
def _text_width_twips(landscape: bool) -> int:
    w, h = _A4
    m = _LANDSCAPE_MARGINS if landscape else _MARGINS
    page = h if landscape else w
    return int((page - m["left"] - m["right"]) / 635)  # EMU → twips (1 twip = 635 EMU)


def _cell_xml(
    cell: Cell | None,
    width: int,
    span: int,
    *,
    vmerge: str | None,
    style_id: str,
    fill: str | None,
    bold_row: bool,
) -> str:
    tcpr = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
    if span > 1:
        tcpr.append(f'<w:gridSpan w:val="{span}"/>')
    if vmerge == "restart":
        tcpr.append('<w:vMerge w:val="restart"/>')
    elif vmerge == "continue":
        tcpr.append("<w:vMerge/>")
    if fill:
        tcpr.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')
    tcpr.append('<w:vAlign w:val="center"/>')
    ppr = [f'<w:pStyle w:val="{style_id}"/>', '<w:ind w:firstLine="0"/>']
    run = ""
    if cell is not None:
        if cell.role == "amount":
            jc = "right"
        elif cell.role in ("head", "colno", "code", "label", "center") or (
            cell.role == "name" and bold_row and cell.indent == 0 and cell.text in ("合计", "总计")
        ):
            jc = "center"
        else:
            jc = "left"
        ind = f' w:left="{cell.indent * 180}"' if cell.indent else ""
        ppr = [f'<w:pStyle w:val="{style_id}"/>', f'<w:ind{ind} w:firstLine="0"/>']
        ppr.append(f'<w:jc w:val="{jc}"/>')
        if cell.text:
            rpr = "<w:rPr><w:b/></w:rPr>" if cell.bold else ""
            run = f'<w:r>{rpr}<w:t xml:space="preserve">{_x(cell.text)}</w:t></w:r>'
    return (
        f"<w:tc><w:tcPr>{''.join(tcpr)}</w:tcPr>"
        f"<w:p><w:pPr>{''.join(ppr)}</w:pPr>{run}</w:p></w:tc>"
    )


def _table_xml(grid: Grid, style_id: str, landscape: bool) -> str:
    """The grid as a ``w:tbl``: every grid position gets a ``w:tc`` (merges as gridSpan/vMerge)."""
    total = _text_width_twips(landscape)
    scale = total / sum(grid.widths)
    cols = [max(200, int(w * scale)) for w in grid.widths]
    border = '<w:{side} w:val="single" w:sz="{sz}" w:space="0" w:color="{color}"/>'
    borders = "".join(
        border.format(side=s, sz=8, color="222222") for s in ("top", "left", "bottom", "right")
    ) + "".join(border.format(side=s, sz=4, color="8C8C8C") for s in ("insideH", "insideV"))
    out = [
        f"<w:tbl {nsdecls('w')}>",
        "<w:tblPr>",
        f'<w:tblW w:w="{sum(cols)}" w:type="dxa"/>',
        '<w:jc w:val="center"/>',
        f"<w:tblBorders>{borders}</w:tblBorders>",
        '<w:tblLayout w:type="fixed"/>',
        '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
        '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>',
        "</w:tblPr>",
        "<w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in cols),
        "</w:tblGrid>",
    ]
    # col → (rows still covered below, colspan, fill) of a vertical merge started above
    pending: dict[int, tuple[int, int, str | None]] = {}
    n_head = len(grid.head)
    for r, row in enumerate(grid.rows):
        is_head = r < n_head
        bold_row = row.kind in ("total", "unit")
        row_fill = _HEAD_FILL if is_head else (_TOTAL_FILL if row.kind == "total" else None)
        by_col = {c.col: c for c in row.cells}
        trpr = "<w:cantSplit/>" + ("<w:tblHeader/>" if is_head else "")
        out.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        c = 0
        while c < grid.ncols:
            if c in pending:
                left, span, fill = pending[c]
                out.append(
                    _cell_xml(
                        None,
                        sum(cols[c : c + span]),
                        span,
                        vmerge="continue",
                        style_id=style_id,
                        fill=fill,
                        bold_row=bold_row,
                    )
                )
                if left <= 1:
                    del pending[c]
                else:
                    pending[c] = (left - 1, span, fill)
                c += span
                continue
            cell = by_col.get(c)
            span = cell.colspan if cell is not None else 1
            fill = _HEAD_FILL if cell is not None and cell.role == "label" else row_fill
            vmerge = None
            if cell is not None and cell.rowspan > 1:
                vmerge = "restart"
                pending[c] = (cell.rowspan - 1, span, fill)
            out.append(
                _cell_xml(
                    cell,
                    sum(cols[c : c + span]),
                    span,
                    vmerge=vmerge,
                    style_id=style_id,
                    fill=fill,
                    bold_row=bold_row,
                )
            )
            c += span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


# -- the writer -------------------------------------------------------------------------------
class _Writer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.d = new_docx()
        self.s = _Styles(self.d)
        self.anchor = performance_after(doc)
        self.landscape = False

    # paragraphs
    def p(
        self,
        text: str = "",
        style: str | None = None,
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        break_before: bool = False,
        no_indent: bool = False,
    ) -> Paragraph:
        """Add a paragraph of (untrusted, hence cleaned) ``text`` in style id ``style``."""
        st = self.d.styles.get_by_id(style, WD_STYLE_TYPE.PARAGRAPH) if style else None
        para = self.d.add_paragraph(_clean(text), style=st)
        pf = para.paragraph_format
        if align is not None:
            pf.alignment = align
        if break_before:
            pf.page_break_before = True
        if no_indent:
            pf.first_line_indent = Pt(0)
        return para

    def heading(self, text: str, level: int, *, break_before: bool = False) -> Paragraph:
        style = {1: self.s.h1, 2: self.s.h2, 3: self.s.h3}.get(level, self.s.h4)
        return self.p(text, style, break_before=break_before, no_indent=True)

    def orientation(self, landscape: bool) -> bool:
        """Start a new section when the orientation changes; True when a new page was started."""
        if landscape == self.landscape:
            return False
        section = self.d.add_section(WD_SECTION.NEW_PAGE)
        # The new section copies the cover's "different first page" flag; only the cover has one.
        section.different_first_page_header_footer = False
        _page(section, landscape)
        self.landscape = landscape
        return True

    def grid(self, grid: Grid) -> None:
        style = self.s.table_small if self.landscape else self.s.table_text
        tbl = parse_xml(_table_xml(grid, style, self.landscape))
        self.d.element.body.sectPr.addprevious(tbl)

    # parts
    def cover(self) -> None:
        md = self.doc.metadata
        c = WD_ALIGN_PARAGRAPH.CENTER
        for _ in range(6):
            self.p(no_indent=True)
        if md.department:
            run = self.p(align=c, no_indent=True).add_run(_clean(md.department))
            run.font.size, run.font.bold = Pt(22), True
            _east_asia(run, FONT_HEADING)
        if md.alias:
            run = self.p(align=c, no_indent=True).add_run(_clean(f"（{md.alias}）"))
            run.font.size = Pt(16)
        for _ in range(4):
            self.p(no_indent=True)
        run = self.p(align=c, no_indent=True).add_run(_clean(document_title(md)))
        run.font.size, run.font.bold = Pt(28), True
        _east_asia(run, FONT_HEADING)
        for _ in range(10):
            self.p(no_indent=True)
        date = publication_date(md)
        if date:
            run = self.p(align=c, no_indent=True).add_run(date)
            run.font.size = Pt(14)

    def toc(self, overview: list[Section]) -> None:
        """目录 as a Word TOC field whose cached result lists the entries (no page numbers yet).

        Word shows the cached entries until the field is updated (F9), which adds page numbers;
        other readers show the entries as they are.
        """
        # Not a heading style: the title must not list itself in the table of contents.
        title = self.p("目　录", self.s.table_title, break_before=True, no_indent=True)
        title.runs[0].font.size = Pt(18)
        p1, p2, p3, p4 = part_titles(self.doc)
        entries: list[tuple[int, str]] = [(1, p1)]
        entries += [(2, section_heading(s)) for s in overview]
        specs = table_specs(self.doc)
        if specs:
            entries.append((1, p2))
            entries += [(2, f"{cn_number(i)}、{t.title}") for i, (t, _) in enumerate(specs, 1)]
        entries.append((1, p3))
        entries += [(2, section_heading(s)) for s in self.doc.explanation]
        entries.append((1, p4))
        for i, (level, text) in enumerate(entries):
            para = self.d.add_paragraph(style=f"toc {level}")
            if i == 0:
                para._p.append(
                    parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>')
                )
                para._p.append(
                    parse_xml(
                        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-2" '
                        "\\h \\z \\u </w:instrText></w:r>"
                    )
                )
                para._p.append(
                    parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>')
                )
            para.add_run(_clean(text))
            if i == len(entries) - 1:
                para._p.append(
                    parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>')
                )

    def section(self, sec: Section, level: int) -> None:
        if sec.title or sec.number:
            self.heading(section_heading(sec), min(level, 4))
        for para in sec.paragraphs:
            self.p(para.text)
        if sec is self.anchor:
            self.performance()
        for sub in sec.subsections:
            self.section(sub, level + 1)

    def tables(self) -> None:
        first = True
        for t, spec in table_specs(self.doc):
            new_page = self.orientation(spec.landscape)
            label = self.p(
                f"表{t.number}" if t.number is not None else "",
                self.s.table_meta,
                break_before=not first and not new_page,
                no_indent=True,
            )
            label.paragraph_format.keep_with_next = True
            first = False
            self.p(t.title, self.s.h2, align=WD_ALIGN_PARAGRAPH.CENTER, no_indent=True)
            meta = self.p(f"编制部门：{t.department or ''}\t单位：{t.unit}", self.s.table_meta)
            meta.paragraph_format.first_line_indent = Pt(0)
            width = Pt(_text_width_twips(self.landscape) / 20)
            meta.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
            self.grid(budget_grid(t, spec))
            note = t.empty_explanation or ("本表无数据。" if t.is_empty else None)
            if note:
                self.p(note, self.s.note)
        self.orientation(False)

    def performance(self) -> None:
        year = self.doc.metadata.year
        for p in self.doc.performance:
            title = self.p(performance_title(p), self.s.table_title, no_indent=True)
            title.runs[0].font.size = Pt(13)
            y = p.year if p.year is not None else year
            if y is not None:
                self.p(
                    f"（{y}年度）",
                    self.s.table_meta,
                    align=WD_ALIGN_PARAGRAPH.CENTER,
                    no_indent=True,
                )
            self.grid(performance_grid(p))
            self.p(no_indent=True)

    def glossary(self) -> None:
        for num, term, definition in glossary_items(self.doc):
            para = self.p()
            run = para.add_run(_clean(f"{num}{term}"))
            run.bold = True
            para.add_run(_clean(f"：{definition}"))
        md = self.doc.metadata
        if md.full_name or md.publication_date:
            self.p(no_indent=True)
            for text in (md.full_name, publication_date(md)):
                if text:
                    self.p(text, align=WD_ALIGN_PARAGRAPH.RIGHT, no_indent=True)

    def build(self) -> DocxDocument:
        md = self.doc.metadata
        d = self.d
        _page(d.sections[0], False)
        props = d.core_properties
        props.title = _clean(" ".join(x for x in (md.full_name, document_title(md)) if x))
        props.author = _clean(md.full_name or "")
        props.comments = "cnbudget"
        _header_footer(d, md.full_name or "")
        self.cover()
        overview = overview_sections(self.doc)
        self.toc(overview)
        p1, p2, p3, p4 = part_titles(self.doc)
        self.heading(p1, 1, break_before=True)
        for sec in overview:
            self.section(sec, 2)
        if self.doc.tables:
            self.heading(p2, 1, break_before=True)
            self.tables()
        self.heading(p3, 1, break_before=True)
        for sec in self.doc.explanation:
            self.section(sec, 2)
        if self.doc.performance and self.anchor is None:
            self.performance()
        self.heading(p4, 1, break_before=True)
        self.glossary()
        return d


def _east_asia(run: Run, font: str) -> None:
    rpr = run._r.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), font)


def build_docx(doc: Document) -> DocxDocument:
    """The python-docx document of ``doc`` (for callers that add to it before saving)."""
    return _Writer(doc).build()


def write_docx(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as a DOCX file at ``path`` and return the path."""
    p = Path(path)
    build_docx(doc).save(str(p))
    return p
