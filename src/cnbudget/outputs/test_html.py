"""The HTML page: standard order, real tables with merged multi-level headers, escaping, grids."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cnbudget.example import build_example
from cnbudget.layouts import load_layout
from cnbudget.model import Document, Paragraph
from cnbudget.money import format_amount
from cnbudget.outputs.html import (
    budget_grid,
    header_grid,
    part_titles,
    performance_grid,
    render_html,
    table_specs,
    write_html,
)

EVIL = "<script>alert(1)</script>&\"'"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;"


class _Tables(HTMLParser):
    """Collects ids, hrefs, tags and each <table> as rows of (tag, text, attrs) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.tables: list[list[list[tuple[str, str, dict[str, str | None]]]]] = []
        self._cell: tuple[str, list[str], dict[str, str | None]] | None = None
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag not in ("meta", "col", "br"):
            self.stack.append(tag)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = (tag, [], a)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"mis-nested </{tag}> in {self.stack[-3:]}"
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            t, text, a = self._cell
            self.tables[-1][-1].append((t, "".join(text), a))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)


def _parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    p.close()
    assert not p.stack, f"unclosed elements: {p.stack}"
    return p


@pytest.fixture
def sample_html(sample_doc: Document) -> str:
    return render_html(sample_doc)


def test_standalone_page_without_external_resources(sample_html: str) -> None:
    assert sample_html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in sample_html
    assert "<style>" in sample_html
    for bad in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert bad not in sample_html.lower()


def test_standard_order_and_toc_anchors(sample_doc: Document, sample_html: str) -> None:
    p = _parse(sample_html)
    parts = part_titles(sample_doc)
    marks = [
        'id="toc"',
        'id="part-1"',
        *(f'id="table-{t.number}"' for t in sample_doc.tables),
        'id="part-3"',
        'id="perf-0"',
        'id="perf-10"',
        'id="part-4"',
    ]
    positions = [sample_html.index(m) for m in marks]
    assert positions == sorted(positions)
    assert sample_html.index(parts[1]) < sample_html.index('id="table-1"')
    for title in parts:
        assert title in sample_html
    # every 目录 link points to an element of the page
    assert len(p.hrefs) >= 4 + 11 + 12
    for href in p.hrefs:
        assert href.startswith("#") and href[1:] in p.ids, href
    # 12 explanation sections are listed in the 目录
    toc = sample_html[: sample_html.index("<main>")]
    assert toc.count('href="#ex-') == 12
    assert "其他重要事项的情况说明" in toc


def test_every_table_is_a_real_table_with_thead(sample_doc: Document, sample_html: str) -> None:
    p = _parse(sample_html)
    assert sample_html.count('<table class="data') == 11
    assert sample_html.count("<thead>") == 11
    for t in sample_doc.tables:
        assert f'<h2 class="table-title">{t.title}</h2>' in sample_html
    # 11 budget tables and 11 performance tables
    assert len(p.tables) == 22
    # 表2: 财政拨款（补助） over its seven columns, 功能分类科目编码 over 类/款/项
    t2 = p.tables[1]
    heads = {text: a for _, text, a in t2[0]}
    assert heads["财政拨款（补助）"].get("colspan") == "7"
    assert heads["功能分类科目编码"].get("colspan") == "3"
    assert heads["功能分类科目名称"].get("rowspan") == "2"
    assert [text for _, text, _ in t2[1][:3]] == ["类", "款", "项"]
    # 表1 / 表4: the two-sided 收入 / 支出 header
    t1 = p.tables[0]
    assert [(text, a.get("colspan")) for _, text, a in t1[0]] == [("收入", "2"), ("支出", "2")]
    t4 = p.tables[3]
    assert [(text, a.get("colspan")) for _, text, a in t4[0]] == [
        ("财政拨款收入", "2"),
        ("财政拨款支出", "5"),
    ]


def test_amounts_codes_and_emphasis(sample_doc: Document, sample_html: str) -> None:
    p = _parse(sample_html)
    t3 = p.tables[2]
    n_head = len(header_grid(table_specs(sample_doc)[2][1]))
    total = t3[n_head]
    assert [text for _, text, _ in total][3:] == ["总计", "33,898.98", "2,359.94", "31,539.04"]
    assert all("b" in (a.get("class") or "").split() for _, _, a in total[3:])
    row = t3[n_head + 3]  # 206 04 04 科技成果转化与扩散
    assert [text for _, text, _ in row[:4]] == ["206", "04", "04", "科技成果转化与扩散"]
    assert "amount" in (row[4][2].get("class") or "")
    assert "i2" in (row[3][2].get("class") or "")
    assert "b" not in (row[4][2].get("class") or "").split()
    # every printed amount of every table is in the page, in its table
    for k, t in enumerate(sample_doc.tables):
        texts = [text for tr in p.tables[k] for _, text, _ in tr]
        for r in t.rows:
            for a in r.values.values():
                assert format_amount(a.value) in texts, (t.number, r.name)
    for key in ("33,898.98", "4,701.75", "2,359.94", "22.80"):
        assert key in sample_html


def test_empty_tables_print_their_explanation(sample_doc: Document, sample_html: str) -> None:
    t8 = sample_doc.table_no(8)
    assert t8 is not None and t8.is_empty and t8.empty_explanation
    assert f'<p class="empty-note">{t8.empty_explanation}</p>' in sample_html


def test_narrative_performance_and_glossary(sample_doc: Document, sample_html: str) -> None:
    assert "收支总预算 33,898.98 万元。" in sample_html
    assert "<h2>十二、其他重要事项的情况说明</h2>" in sample_html
    assert "<h3>（四）预算绩效情况</h3>" in sample_html
    assert sample_html.count('class="perf-title"') == len(sample_doc.performance) == 11
    # performance tables follow 预算绩效情况 and precede （五）
    assert (
        sample_html.index("（四）预算绩效情况")
        < sample_html.index('id="perf-0"')
        < sample_html.index("（五）其他需说明的事项")
    )
    assert "<strong>一、财政拨款</strong>：" in sample_html
    assert "2024年2月22日" in sample_html


def test_untrusted_text_is_escaped() -> None:
    doc = build_example(0)
    doc.metadata.department = EVIL
    doc.metadata.alias = EVIL
    doc.tables[2].rows[1].name = EVIL
    doc.tables[2].department = EVIL
    doc.explanation[0].paragraphs.append(Paragraph(text=EVIL))
    doc.explanation[0].title = EVIL
    doc.glossary[0].term = EVIL
    doc.performance[0].goal = EVIL
    html = render_html(doc)
    assert "<script" not in html
    assert "alert(1)</script>" not in html
    assert html.count(EVIL_ESCAPED) >= 8
    _parse(html)  # still well nested


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_example_documents(seed: int, tmp_path) -> None:
    doc = build_example(seed)
    path = write_html(doc, tmp_path / "x.html")
    html = path.read_text(encoding="utf-8")
    p = _parse(html)
    assert len(p.tables) == len(doc.tables) + len(doc.performance)
    for t in doc.tables:
        assert t.title in html


def test_header_spans_tile_the_header() -> None:
    """Every header position is covered by exactly one cell, for every table of the layout."""
    for spec in load_layout("budget-11").tables:
        rows = header_grid(spec)
        ncols = sum(c.colspan for c in rows[0].cells)
        covered = [[0] * ncols for _ in rows]
        for r, row in enumerate(rows):
            for c in row.cells:
                for rr in range(r, r + c.rowspan):
                    for cc in range(c.col, c.col + c.colspan):
                        covered[rr][cc] += 1
        assert all(v == 1 for line in covered for v in line), spec.type
        # a label with text is never left blank, and the value headers keep the layout's words
        words = {c.text for row in rows for c in row.cells}
        for col in spec.columns:
            assert set(col.header) <= words, (spec.type, col.header)


def test_grids_fit_their_width(sample_doc: Document) -> None:
    for t, spec in table_specs(sample_doc):
        g = budget_grid(t, spec)
        assert len(g.widths) == g.ncols
        for row in g.body:
            cols = [c.col for c in row.cells]
            assert cols == sorted(cols)
            assert sum(c.colspan for c in row.cells) == g.ncols, (t.number, row)
    for perf in sample_doc.performance:
        g = performance_grid(perf)
        assert len(g.widths) == g.ncols
        assert all(c.col + c.colspan <= g.ncols for row in g.body for c in row.cells)


def test_two_sided_pairs_income_and_expenditure(sample_doc: Document) -> None:
    t, spec = table_specs(sample_doc)[0]
    g = budget_grid(t, spec)
    first = [c.text for c in g.body[0].cells]
    assert first == ["一、本年收入", "4,701.75", "201 一般公共服务支出", ""]
    last = [c.text for c in g.body[-1].cells]
    assert last == ["收入总计", "33,898.98", "支出总计", "33,898.98"]
    assert len(g.body) == 1 + max(
        sum(1 for r in t.rows if r.side == "income" and r.kind != "total"),
        sum(1 for r in t.rows if r.side == "expenditure" and r.kind != "total"),
    )
    assert re.fullmatch(r"\d{3} .+", g.body[5].cells[2].text)
