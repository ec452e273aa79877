"""Every narrative sentence (paragraph), claim, heading and glossary entry of a PDF carries its
page and its whole box (issue 14): the union of the boxes of all the visual lines it spans on the
page where it starts, so that ``cnbudget annotate`` frames the whole sentence, not its first line.

The boxes are compared with the characters of the page as an independent reader sees them:
pdfplumber where it is installed, else pdfium's own text page (not cnbudget's extractor).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache

import pytest

from cnbudget.checks.engine import check_document
from cnbudget.ingest.pdf.grid import TextLine
from cnbudget.ingest.pdf.narrative import (
    Margins,
    _fold_fragments,
    _with_pages,
    split_blocks,
    to_lines,
)
from cnbudget.ingest.text.narrative import sections
from cnbudget.model import Document, Source
from cnbudget.testing import (
    COMMERCE,
    FINANCE,
    TEMPLATE,
    UNIT,
    WANLI24,
    WANLI25,
    corpus_file,
    corpus_pdf,
)

FILES = [COMMERCE, UNIT, FINANCE, WANLI24, WANLI25, TEMPLATE]
#: Points of slack between two readers' boxes of one glyph (font box vs. glyph box, rounding).
TOL = 1.5

Box = tuple[float, float, float, float]


# -- an independent reading of the page -----------------------------------------------------


@cache
def _chars(name: str, page: int) -> list[tuple[str, Box]]:
    """(character, (x0, top, x1, bottom)) of every glyph on 1-based ``page``, y downwards."""
    path = corpus_file(name)
    try:
        import pdfplumber
    except ImportError:  # pdfium's text page: a different code path from cnbudget's extractor
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        pg = pdf[page - 1]
        assert pg.get_rotation() == 0 and tuple(pg.get_cropbox())[:2] == (0, 0)
        height = pg.get_height()
        tp = pg.get_textpage()
        out = []
        for i in range(tp.count_chars()):
            ch = tp.get_text_range(i, 1)
            if not ch or ch.isspace():
                continue
            left, bottom, right, top = tp.get_charbox(i)
            out.append((ch, (left, height - top, right, height - bottom)))
        return out
    with pdfplumber.open(path) as pdf:
        pg = pdf.pages[page - 1]
        return [
            (c["text"], (c["x0"], c["top"], c["x1"], c["bottom"]))
            for c in pg.chars
            if c["text"].strip()
        ]


@cache
def _page_size(name: str, page: int) -> tuple[float, float]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(corpus_file(name)))
    w, h = pdf[page - 1].get_size()
    return w, h


def _clean(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def _centre_in(box: Box, outer: Box) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] - TOL <= x <= outer[2] + TOL and outer[1] - TOL <= y <= outer[3] + TOL


def _inside(box: Box, outer: Box) -> bool:
    return (
        box[0] >= outer[0] - TOL
        and box[1] >= outer[1] - TOL
        and box[2] <= outer[2] + TOL
        and box[3] <= outer[3] + TOL
    )


def _text_in(name: str, src: Source) -> Counter[str]:
    assert src.page is not None and src.bbox is not None
    return Counter(_clean("".join(c for c, b in _chars(name, src.page) if _centre_in(b, src.bbox))))


def _units(doc: Document) -> Iterator[tuple[str, str, Source | None]]:
    """(kind, text, source) of every heading, paragraph and glossary entry of the narrative."""
    for top in (*doc.overview, *doc.explanation):
        for sec in top.walk():
            if sec.title:
                yield "heading", sec.title, sec.source
            for p in sec.paragraphs:
                yield "paragraph", p.text, p.source
    for g in doc.glossary:
        yield "glossary", g.term, g.source


def _paragraph(doc: Document, start: str):
    hits = [
        p
        for top in (*doc.overview, *doc.explanation)
        for sec in top.walk()
        for p in sec.paragraphs
        if p.text.startswith(start)
    ]
    assert len(hits) == 1, [p.text[:40] for p in hits]
    return hits[0]


def _line_of(name: str, page: int, text: str) -> Box:
    """The box of the visual line holding ``text`` (its glyphs, in reading order)."""
    chars = [(c, b) for c, b in _chars(name, page)]
    flat = _clean("".join(c for c, _ in chars))
    at = flat.find(_clean(text))
    assert at >= 0, text
    # map the position in the cleaned text back to glyphs (one glyph → one or more characters)
    glyphs, pos = [], 0
    for c, b in chars:
        n = len(_clean(c))
        if pos + n > at and pos < at + len(_clean(text)):
            glyphs.append(b)
        pos += n
    return (
        min(b[0] for b in glyphs),
        min(b[1] for b in glyphs),
        max(b[2] for b in glyphs),
        max(b[3] for b in glyphs),
    )


# -- a known sentence over three lines -------------------------------------------------------


def test_multiline_sentence_box_spans_first_line_top_to_last_line_bottom() -> None:
    """FINANCE p. 21: "上海市普陀区财政局2024年度收入支出总计2995.39万元。…减少支付。" runs over three
    visual lines between the headings 一、 and 二、."""
    doc = corpus_pdf(FINANCE)
    p = _paragraph(doc, "上海市普陀区财政局2024年度收入支出总计2995.39万元")
    assert p.text.endswith("以及项目支出中合同支付进度条款等原因减少支付。")
    src = p.source
    assert src is not None and src.page == 21 and src.bbox is not None
    first = _line_of(FINANCE, 21, "上海市普陀区财政局2024年度收入支出总计")
    middle = _line_of(FINANCE, 21, "支出总计减少56.95万元")
    last = _line_of(FINANCE, 21, "以及项目支出中合同支付进度条款等原因减少支付")
    _x0, top, _x1, bottom = src.bbox
    assert top <= first[1] + TOL and abs(top - first[1]) < 8  # from the first line's top …
    assert bottom >= last[3] - TOL and abs(bottom - last[3]) < 8  # … to the last line's bottom
    for line in (first, middle, last):
        assert _inside(line, src.bbox), (line, src.bbox)
    # every glyph between the two headings (the sentence's words) is inside the box
    head1 = _line_of(FINANCE, 21, "一、收入支出决算总体情况说明")
    head2 = _line_of(FINANCE, 21, "二、收入决算情况说明")
    words = [
        (c, b) for c, b in _chars(FINANCE, 21) if b[1] > head1[3] and b[3] < head2[1] and b[0] > 50
    ]
    assert len(words) > 90
    assert all(_inside(b, src.bbox) for _, b in words), [
        c for c, b in words if not _inside(b, src.bbox)
    ]
    assert Counter(_clean(p.text)) <= _text_in(FINANCE, src)
    # and the box stops before the next heading
    assert bottom < head2[1] and top > head1[1]


def test_claims_on_a_multiline_sentence_frame_all_its_lines() -> None:
    """NAR-SHARE-001 on FINANCE p. 21 is about a four-line sentence; the finding's box holds
    its last line ("15.16%;"), not only its first."""
    doc = corpus_pdf(FINANCE)
    found = [f for f in check_document(doc).findings if f.rule == "NAR-SHARE-001"]
    assert found
    loc = found[0].location
    assert loc.source_page == 21 and loc.source_bbox is not None
    p = _paragraph(doc, "一般公共预算财政拨款支出2940.05万元,主要用于以下方面")
    assert p.source is not None and loc.source_bbox == p.source.bbox
    first = _line_of(FINANCE, 21, "一般公共预算财政拨款支出2940.05万元，主要用于以下方面")
    last = _line_of(FINANCE, 21, "15.16%；")
    assert _inside(first, loc.source_bbox) and _inside(last, loc.source_bbox)


# -- every sentence, heading and glossary entry of every corpus PDF --------------------------


@pytest.mark.parametrize("name", FILES)
def test_every_narrative_unit_has_page_and_box_inside_the_page(name: str) -> None:
    doc = corpus_pdf(name)
    units = list(_units(doc))
    assert sum(k == "paragraph" for k, _, _ in units) > 20
    n_pages = len(_pdf_pages(name))
    for kind, text, src in units:
        assert src is not None and src.page is not None and src.bbox is not None, (kind, text)
        assert 1 <= src.page <= n_pages
        w, h = _page_size(name, src.page)
        x0, top, x1, bottom = src.bbox
        assert 0 <= x0 < x1 <= w and 0 <= top < bottom <= h, (kind, text[:30], src)
    for u in doc.metadata.budget_units:
        assert u.source is not None and u.source.page and u.source.bbox, u.name
    st = doc.metadata.staffing
    if st is not None:
        assert st.source is not None and st.source.page and st.source.bbox


@cache
def _pdf_pages(name: str) -> list[int]:
    import pypdfium2 as pdfium

    return list(range(1, len(pdfium.PdfDocument(str(corpus_file(name)))) + 1))


@pytest.mark.parametrize("name", FILES)
def test_every_box_holds_the_text_of_its_lines_on_its_page(name: str) -> None:
    """The glyphs inside a paragraph's box hold all its characters; a paragraph continued on
    the next page holds its part on its first page in its box, and the rest is on the next."""
    doc = corpus_pdf(name)
    crossing = 0
    for kind, text, src in _units(doc):
        assert src is not None and src.page is not None
        have = _text_in(name, src)
        want = _clean(text)
        if Counter(want) <= have:
            continue
        # the longest prefix inside the box; the rest must start the next page's text
        k, acc = 0, Counter()
        for ch in want:
            acc[ch] += 1
            if acc[ch] > have[ch]:
                break
            k += 1
        rest = want[k:]
        nxt = _clean("".join(c for c, _ in _chars(name, src.page + 1)))
        assert kind == "paragraph" and k >= 10 and rest[:12] in nxt, (kind, src.page, want[:40])
        crossing += 1
    if name in (COMMERCE, TEMPLATE):
        assert crossing >= 1  # these documents have sentences cut by a page break


def test_sentence_across_a_page_break_keeps_its_first_page_and_box_there() -> None:
    """TEMPLATE: the sentence under 五（一） starts on p. 15 ("一般公共预算财政拨款支出XXX万元，占本年
    支出合计的" / "XX%。与2023年度相比…") and ends on p. 16 ("XXX万元，增长（下降）XX%。…" /
    "持平表述）"): its page is 15, its box covers its two lines there, and nothing of p. 16."""
    doc = corpus_pdf(TEMPLATE)
    p = _paragraph(doc, "一般公共预算财政拨款支出XXX万元,占本年支出合计的XX%。")
    assert p.text.endswith("（如持平作持平表述）")  # one paragraph across the break
    src = p.source
    assert src is not None and src.page == 15 and src.bbox is not None
    first = _line_of(TEMPLATE, 15, "一般公共预算财政拨款支出XXX万元，占本年支出合计的")
    last = _line_of(TEMPLATE, 15, "XX%。与2023年度相比，一般公共预算财政拨款支出增加")
    assert _inside(first, src.bbox) and _inside(last, src.bbox)
    assert abs(src.bbox[1] - first[1]) < 8 and abs(src.bbox[3] - last[3]) < 8
    # exactly its two lines on p. 15 are in the box: not the heading above, nor the text below
    two_lines = "一般公共预算财政拨款支出XXX万元，占本年支出合计的XX%。与2023年度相比，一般公共预算财政拨款支出增加（减少）"
    assert _text_in(TEMPLATE, src) == Counter(_clean(two_lines))
    heading = _line_of(TEMPLATE, 15, "（一）一般公共预算财政拨款支出决算总体情况")
    assert src.bbox[1] > heading[3] - TOL


def test_headings_and_block_titles_have_their_own_boxes() -> None:
    doc = corpus_pdf(COMMERCE)
    title = doc.overview[0]
    assert title.title == "上海市普陀区商务委员会主要职能"
    assert title.source is not None and title.source.page == 3 and title.source.bbox is not None
    assert _inside(_line_of(COMMERCE, 3, title.title), title.source.bbox)
    fin = corpus_pdf(FINANCE)
    five = fin.section("五")
    assert five is not None and five.source is not None and five.source.bbox is not None
    line = _line_of(FINANCE, 21, "五、一般公共预算财政拨款支出决算情况说明")
    assert _inside(line, five.source.bbox)
    assert five.source.bbox[3] - five.source.bbox[1] < 30  # one line, not the section's text


# -- the rules on made-up lines: wrapped titles, fragments, page breaks ----------------------


def _tl(page: int, top: float, text: str, x0: float = 72.0, x1: float = 520.0) -> TextLine:
    return TextLine(page, (x0, top, x1, top + 12.0), text)


def _read(lines: list[TextLine]):
    margins = Margins(lines, {1: 595.0, 2: 595.0})
    blocks = split_blocks(lines, margins)
    src = blocks[0].lines
    secs, pre = sections(to_lines(src, margins))
    _with_pages(secs, pre, src)
    return secs, pre


def test_made_up_lines_paragraph_heading_and_page_break() -> None:
    body = "这是正文的一行文字用来占满整行宽度以便判断段落是否结束并且继续到下一行去"
    lines = [
        _tl(1, 100, "一、收入情况", x1=160),
        _tl(1, 120, body, x0=96),
        _tl(1, 140, body),
        _tl(1, 160, "结束。", x1=110),
        _tl(1, 180, "二、支出情况", x1=160),
        _tl(1, 200, body, x0=96),
        _tl(1, 780, body),
        _tl(2, 60, body),  # continues on page 2
        _tl(2, 80, "完。", x1=100),
        # more lines so that the margins of both pages are found
        _tl(2, 100, "三、其他情况", x1=160),
        _tl(2, 120, body, x0=96),
        _tl(2, 140, "完毕。", x1=110),
    ]
    secs, pre = _read(lines)
    assert not pre and [s.number for s in secs] == ["一", "二", "三"]
    one, two = secs[0], secs[1]
    assert one.source == Source(page=1, bbox=(72.0, 100.0, 160.0, 112.0))
    assert [p.source for p in one.paragraphs] == [Source(page=1, bbox=(72.0, 120.0, 520.0, 172.0))]
    para = two.paragraphs[0]
    assert para.text.endswith("完。")  # joined across the page break …
    assert para.source == Source(page=1, bbox=(72.0, 200.0, 520.0, 792.0))  # … boxed on p. 1


def test_number_alone_at_the_foot_of_a_page_takes_the_box_of_its_line() -> None:
    lines = [
        _tl(1, 100, "甲" * 30),
        _tl(1, 120, "乙" * 30, x1=300),
        _tl(1, 780, "（一）", x1=110),
        _tl(2, 60, "项目情况", x1=170),
        _tl(2, 80, "丙" * 30),
        _tl(2, 100, "丁" * 30, x1=300),
    ]
    folded = _fold_fragments(lines)
    joined = next(ln for ln in folded if ln.text.startswith("（一）"))
    assert joined.page == 2 and joined.bbox == (72.0, 60.0, 170.0, 72.0)
    same_page = _fold_fragments([_tl(1, 100, "（一）", x1=110), _tl(1, 114, "项目情况", x1=170)])
    assert same_page[0].bbox == (72.0, 100.0, 170.0, 126.0)


def test_section_title_wrapped_over_two_lines_is_boxed_whole() -> None:
    body = "这是正文的一行文字用来占满整行宽度以便判断段落是否结束并且继续到下一行去"
    lines = [
        _tl(1, 100, "一、关于上海市某某区某某局二〇二四年度部门收入和支出预算编制的"),
        _tl(1, 118, "总体情况说明", x1=160),
        _tl(1, 140, body, x0=96),
        _tl(1, 160, body),
        _tl(1, 180, "结束。", x1=110),
        _tl(1, 200, "二、其他情况", x1=160),
        _tl(1, 220, body, x0=96),
        _tl(1, 240, "完。", x1=100),
    ]
    secs, _ = _read(lines)
    one = secs[0]
    assert one.title.endswith("总体情况说明")
    assert one.source == Source(page=1, bbox=(72.0, 100.0, 520.0, 130.0))
    assert one.paragraphs[0].source == Source(page=1, bbox=(72.0, 140.0, 520.0, 192.0))


def test_annotate_frames_the_whole_multiline_sentence(tmp_path) -> None:
    """``cnbudget annotate``: the frame of NAR-SHARE-001 on FINANCE p. 21 encloses all four
    lines of its sentence (from "一般公共预算财政拨款支出2940.05万元" to "15.16%；")."""
    from pypdf import PdfReader

    from cnbudget.outputs.annotate import annotate_pdf

    doc = corpus_pdf(FINANCE)
    report = check_document(doc)
    out = tmp_path / "finance.审核.pdf"
    result = annotate_pdf(corpus_file(FINANCE), report, out, doc=doc)
    page = PdfReader(out).pages[result.cover_pages + 20]
    height = float(page.cropbox.height)
    frames = []
    for ref in page.get("/Annots", []):
        a = ref.get_object()
        if a.get("/Subtype") == "/Square" and "71.65%" in str(a.get("/Contents")):
            x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
            frames.append((x0, height - y1, x1, height - y0))  # back to display coordinates
    assert len(frames) == 1
    first = _line_of(FINANCE, 21, "一般公共预算财政拨款支出2940.05万元，主要用于以下方面")
    last = _line_of(FINANCE, 21, "15.16%；")
    assert _inside(first, frames[0]) and _inside(last, frames[0])
