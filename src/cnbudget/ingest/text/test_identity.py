"""The text reader finds the year where it is printed, the 部门/单位 scope and templates, as the
PDF reader does (issue 12)."""

from __future__ import annotations

from cnbudget.ingest.text import read_text
from cnbudget.testing import sample_text


def test_year_from_headings_when_the_cover_prints_none() -> None:
    text = sample_text().replace("2024 年部门预算公开", "部门预算公开", 1)
    assert "2024 年部门预算公开" not in text.split("# 目 录")[0]
    assert read_text(text).metadata.year == 2024  # "第一部分 2024年…" and the table titles


def test_no_year_anywhere_is_none() -> None:
    lines = [ln for ln in sample_text().split("\n") if "20" not in ln]
    assert read_text("\n".join(lines)).metadata.year is None


def test_scope_and_template() -> None:
    md = read_text(sample_text()).metadata
    assert (md.scope, md.is_template) == ("department", False)
    blank = sample_text().replace("乌鲁木齐市工业和信息化局  ", "乌鲁木齐市XX局  ", 1)
    assert read_text(blank).metadata.is_template
