"""render_text: the published text format written back, exactly as the reader reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cnbudget.ingest.text import read_text
from cnbudget.layouts import load_layout
from cnbudget.model import (
    BudgetUnit,
    Document,
    GlossaryEntry,
    Metadata,
    Paragraph,
    Section,
    Staffing,
)
from cnbudget.outputs import render_text
from cnbudget.outputs.text import cn_number, header_rows

PROVENANCE = {"source", "source_name", "source_sha256"}


def strip_provenance(obj: Any) -> Any:
    """A model dump without provenance: every ``source`` key (and the document's name/hash)."""
    if isinstance(obj, dict):
        return {k: strip_provenance(v) for k, v in obj.items() if k not in PROVENANCE}
    if isinstance(obj, list):
        return [strip_provenance(v) for v in obj]
    return obj


def model(doc: Document) -> Any:
    return strip_provenance(doc.model_dump())


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two dumps differ first, for a readable assertion message."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}: missing on one side"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


# -- the sample --------------------------------------------------------------------------------
def test_sample_round_trip_gives_the_same_model(sample_doc: Document) -> None:
    again = read_text(render_text(sample_doc))
    diff = first_difference(model(sample_doc), model(again))
    assert diff is None, diff


def test_sample_rendering_parses_without_issues(sample_doc: Document) -> None:
    assert sample_doc.issues == []
    assert read_text(render_text(sample_doc)).issues == []


def test_sample_render_parse_render_is_a_fixed_point(sample_doc: Document) -> None:
    text = render_text(sample_doc)
    assert render_text(read_text(text)) == text


def test_sample_rendering_keeps_the_printed_layout(sample_doc: Document) -> None:
    text = render_text(sample_doc)
    lines = text.splitlines()
    assert lines[:4] == [
        "乌鲁木齐市工业和信息化局",
        "(乌鲁木齐市大数据发展局)",
        "",
        "2024 年部门预算公开",
    ]
    assert "<b>一、本年收入</b>\t<b>4,701.75</b>\t201 一般公共服务支出\t" in lines
    assert (
        "206\t04\t99\t其他技术与开发支出\t3,803.00\t2,103.00\t2,103.00" + "\t" * 8 + "1,700.00\t"
        in lines
    )
    assert "<b>301</b>\t<b>工资福利支出</b>\t<b>1,940.81</b>\t<b>1,940.81</b>\t" in lines
    assert "301\t01 基本工资\t485.32\t485.32\t" in lines
    assert "- 1、乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）（本级）" in lines
    assert (
        "一、**财政拨款**:指由一般公共预算、政府性基金预算、国有资本经营预算安排的财政拨款数。"
        in lines
    )
    assert lines[-1] == "2024年2月22日"
    # the performance tables follow 十二（四）预算绩效情况 and precede （五）
    perf = lines.index("## 部门整体绩效目标表")
    assert lines.index("### （四）预算绩效情况") < perf < lines.index("### （五）其他需说明的事项")
    assert text.count("## 项目支出绩效目标表") == 10


def test_indicator_rows_spilled_over_lines_are_printed_as_published(sample_doc: Document) -> None:
    text = render_text(sample_doc)
    assert "\t\t\t营管 理、成 长性 等方 面的 预期 目标 及成 效\t\t\t\t\t" in text.splitlines()


def test_layout_headers_reproduce_the_sample_headers(sample_doc: Document) -> None:
    layout = load_layout("budget-11")
    for number in (1, 4, 10, 11):
        t = sample_doc.table_no(number)
        assert t is not None
        spec = layout.table(t.type)
        assert spec is not None
        assert header_rows(spec) == t.printed_header, number


def test_tables_without_printed_header_get_the_layout_header(sample_doc: Document) -> None:
    layout = load_layout("budget-11")
    for t in sample_doc.tables:
        t.printed_header = []
    again = read_text(render_text(sample_doc))
    assert again.issues == []
    for t in again.tables:
        spec = layout.table(t.type)
        assert spec is not None
        assert t.printed_header == header_rows(spec), t.type
    for a, b in zip(sample_doc.tables, again.tables, strict=True):
        assert model(a)["rows"] == model(b)["rows"]


# -- paragraphs the reader would otherwise glue or take for headings ------------------------------
def _small_doc(paragraphs: list[str]) -> Document:
    md = Metadata(
        year=2024,
        department="示例市测试局",
        publication_date=dt.date(2024, 2, 1),
        layout="budget-11",
    )
    return Document(
        metadata=md,
        explanation=[
            Section(
                number="一",
                title="测试说明",
                paragraphs=[Paragraph(text=t) for t in paragraphs],
            )
        ],
        glossary=[GlossaryEntry(term="基本支出", definition="包括人员经费和公用经费")],
    )


def test_paragraphs_that_would_be_joined_or_read_as_headings_survive() -> None:
    paras = [
        "收入预算包括",  # no sentence end: the next block would be glued to it
        "一般公共预算拨款",
        "二、看似标题的段落",  # a heading without the escape
        "（三）短标题",
        "# 井号开头",
        "- 减号开头",
        "15.11%。主要原因是人员减少。",
        "预算安排规模：2.00 万元",
        "项目承担单位：示例市测试局",
    ]
    doc = _small_doc(paras)
    text = render_text(doc)
    again = read_text(text)
    sec = again.section("一")
    assert sec is not None
    assert [p.text for p in sec.paragraphs] == paras
    assert render_text(again) == text


def test_overview_is_rebuilt_from_metadata_when_there_are_no_sections() -> None:
    doc = _small_doc(["说明。"])
    md = doc.metadata
    md.alias = "示例市测试中心"
    md.functions = "（一）负责测试工作；（二）完成交办的其他任务。"
    md.budget_units = [
        BudgetUnit(name="示例市测试局（示例市测试中心）", is_self=True),
        BudgetUnit(name="示例市测试服务站"),
    ]
    md.staffing = Staffing(
        authorized=30,
        actual=41,
        active=28,
        active_change=2,
        retired=12,
        retired_change=-1,
        lixiu=1,
        lixiu_change=0,
    )
    again = read_text(render_text(doc))
    assert again.issues == []
    assert again.metadata.alias == "示例市测试中心"
    assert again.metadata.functions == md.functions
    assert [(u.name, u.is_self) for u in again.metadata.budget_units] == [
        ("示例市测试局（示例市测试中心）", True),
        ("示例市测试服务站", False),
    ]
    st = again.metadata.staffing
    assert st is not None
    assert st.model_dump(exclude={"source"}) == md.staffing.model_dump(exclude={"source"})


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五")]
)
def test_cn_number(n: int, text: str) -> None:
    assert cn_number(n) == text
