"""The narrative of the corpus PDFs: parts and blocks, numbered sections, paragraphs joined across
lines and pages, the glossary, budget units — as the text reader gives them for text files."""

from __future__ import annotations

from functools import cache

import pytest

from cnbudget.checks.engine import check_document
from cnbudget.ingest.pdf.corpus_expected import LAYOUTS
from cnbudget.ingest.pdf.reader import read_pdf
from cnbudget.model import Document
from cnbudget.testing import corpus_file

FILES = list(LAYOUTS)
COMMERCE = "shanghai-putuo-commerce-2025-dept-budget.pdf"
UNIT = "shanghai-putuo-commerce-2025-unit-budget.pdf"
FINANCE = "shanghai-putuo-finance-2024-dept-final.pdf"
WANLI24 = "shanghai-putuo-wanli-street-2024-dept-budget.pdf"
TEMPLATE = "template-dept-final-2024.pdf"


@cache
def _doc(name: str) -> Document:
    return read_pdf(corpus_file(name))


@pytest.mark.parametrize("name", FILES)
def test_glossary_read_and_no_missing_glossary_finding(name: str) -> None:
    doc = _doc(name)
    terms = [g.term for g in doc.glossary]
    assert terms[0] == "财政拨款收入"
    assert "机关运行经费" in terms
    assert len(terms) == (11 if LAYOUTS[name] == "mof-final-9" else 8)
    assert all(g.definition and g.source and g.source.page for g in doc.glossary)
    assert "CMP-GLOSS-001" not in {f.rule for f in check_document(doc).findings}


def test_final_sections_numbers_titles_and_subsections() -> None:
    doc = _doc(FINANCE)
    numbers = [s.number for s in doc.explanation]
    assert numbers == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]
    five = doc.section("五")
    assert five is not None and five.title == "一般公共预算财政拨款支出决算情况说明"
    assert [s.number for s in five.subsections] == ["（一）", "（二）", "（三）"]
    items = [p.text for p in five.subsections[2].paragraphs if p.text[:2] in ("1、", "4、")]
    # The 项 paragraph runs over three visual lines and is one paragraph.
    assert items[1].startswith("4、一般公共服务支出（类）财政事务（款）财政委托业务支出（项）")
    assert "年初预算为450.52万元,支出决算为449.52万元" in items[1]
    three = doc.section("七")
    assert three is not None
    # "（一）“三公”经费财政拨款支出决算总体情况说明。" is a heading although it ends with 。
    assert three.subsections[0].title == "“三公”经费财政拨款支出决算总体情况说明"
    p = doc.section("二").paragraphs[0]
    assert p.text.startswith("本年收入合计2946.25万元")
    assert p.source is not None and p.source.page == 21 and p.source.bbox is not None


def test_final_overview_and_units_from_the_units_table() -> None:
    doc = _doc(FINANCE)
    assert [s.title for s in doc.overview] == ["主要职能", "部门决算单位构成"]
    units = doc.metadata.budget_units
    assert [(u.name, u.is_self) for u in units] == [
        ("上海市普陀区财政局", True),
        ("上海市普陀区财政局财政所", False),
        ("上海市普陀区国库收付中心", False),
    ]
    assert all(u.source and u.source.page == 5 for u in units)
    assert doc.metadata.functions and "财政工作" in doc.metadata.functions


def test_template_units_skip_placeholders() -> None:
    names = [u.name for u in _doc(TEMPLATE).metadata.budget_units]
    assert names == ["上海市XX局", "上海市XX中心", "上海市XX研究所"]


def test_shanghai_blocks() -> None:
    doc = _doc(COMMERCE)
    assert [s.title for s in doc.overview] == [
        "上海市普陀区商务委员会主要职能",
        "上海市普陀区商务委员会机构设置",
    ]
    titles = [(s.number, s.title) for s in doc.explanation]
    assert titles[0] == (None, "2025年部门预算编制说明")
    assert titles[1] == ("一", "2025年“三公”经费预算情况说明")
    assert ("二", "机关运行经费预算") in titles
    project = next(s for s in doc.explanation if s.title == "科技创新专项经费情况说明")
    assert [s.title for s in project.subsections][:2] == ["项目概述", "立项依据"]
    assert all(s.level == 2 for s in project.subsections)
    first = doc.explanation[0].paragraphs[0].text
    assert first.startswith("2025年,上海市普陀区商务委员会收入预算37,151.47万元")
    assert first.endswith("其他收入0万元。")  # two visual lines, one paragraph


def test_shanghai_units_from_the_numbered_list() -> None:
    units = _doc(WANLI24).metadata.budget_units
    assert len(units) == 6
    assert units[0].name == "上海市普陀区人民政府万里街道办事处" and units[0].is_self
    assert not any(u.is_self for u in units[1:])


def test_numbered_points_wrapped_over_lines_are_not_headings() -> None:
    """ "一、加强党的建设。落实…" runs over two lines: one paragraph, not a section titled by its
    first line."""
    functions = _doc(WANLI24).overview[0]
    texts = [p.text for p in functions.paragraphs]
    assert any(
        t.startswith("一、加强党的建设。") and t.endswith("提高党建工作的有效性。") for t in texts
    )
    assert not functions.subsections


def test_text_off_the_page_is_ignored() -> None:
    """The commerce budget carries a copy of page 3's text above page 4's top edge."""
    doc = _doc(COMMERCE)
    boxes = [p.source.bbox for s in doc.overview for p in s.paragraphs if p.source]
    assert boxes and all(b[1] >= 0 for b in boxes)
