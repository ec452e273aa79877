"""The budget year is found wherever it is printed, and only there."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from cnbudget.ingest.pdf.extract import Char, PageContent, read_pages
from cnbudget.ingest.pdf.reader import run_pages
from cnbudget.ingest.year import find_year
from cnbudget.testing import corpus_file


def test_cover_wins_over_headings() -> None:
    found = find_year(["上海市普陀区财政局", "2024年度部门决算"], ["2023年度部门决算表"] * 5)
    assert found is not None and (found.year, found.where) == (2024, "cover")


def test_headings_and_table_titles_when_the_cover_has_none() -> None:
    lines = [
        "第二部分 上海市普陀区社会工作部2024年度部门决算表",
        "收入支出决算总表",
        "2024年度",
        "与2023年预算相比增加10万元，主要原因是……" * 3,  # prose: never a heading
        "2023年部门预算执行情况",
    ]
    found = find_year(["上海市普陀区社会工作部", "部门决算"], lines, kind="final")
    assert found is not None and (found.year, found.where) == (2024, "heading")
    assert "2024年度部门决算表" in found.text


def test_compilation_date_is_the_last_resort() -> None:
    assert find_year([], ["编制日期：2025年3月10日"], kind="final").year == 2024  # type: ignore[union-attr]
    assert find_year([], ["编制日期: 2024-11-30"], kind="budget").year == 2025  # type: ignore[union-attr]
    assert find_year([], ["编制日期：2025年1月20日"], kind="budget").year == 2025  # type: ignore[union-attr]
    assert find_year([], ["编制日期：2025年1月20日"], kind="budget").where == "compiled"  # type: ignore[union-attr]


def test_nothing_printed_gives_none() -> None:
    assert find_year(["上海市XX局", "部门决算"], ["收入支出决算总表", "单位：万元"]) is None
    assert find_year([], ["人员 2024 人"]) is None


def _without_year(pages: list[PageContent], only_first: bool) -> list[PageContent]:
    """The pages with the digits of every printed year 20xx removed (first page, or all)."""
    out = []
    for pg in pages:
        if only_first and pg.number != 1:
            out.append(pg)
            continue
        text = "".join(c.text for c in pg.chars)
        drop: set[int] = set()
        for m in re.finditer(r"20\d\d(?=\s*年)", text):
            drop.update(range(m.start(), m.end()))
        chars = [c for i, c in enumerate(pg.chars) if i not in drop]
        out.append(dataclasses.replace(pg, chars=chars))
    return out


def test_pdf_reader_finds_the_year_in_headings_when_the_cover_lacks_it() -> None:
    path: Path = corpus_file("shanghai-putuo-finance-2024-dept-final.pdf")
    pages = read_pages(path, None)
    cover = "".join(c.text for c in pages[0].chars)
    assert "2024" in cover
    stripped = _without_year(pages, only_first=True)
    assert "2024" not in "".join(c.text for c in stripped[0].chars)
    doc = run_pages(stripped, None, path.name)
    assert doc.metadata.year == 2024
    assert doc.metadata.kind == "final"
    assert doc.metadata.department == "上海市普陀区财政局"

    nowhere = run_pages(_without_year(pages, only_first=False), None, path.name)
    assert nowhere.metadata.year is None


def _page(number: int, lines: list[str]) -> PageContent:
    """A synthetic text page: each line a row of 12-pt characters."""
    chars = [
        Char(ch, 72 + 12 * i, 100 + 30 * row, 84 + 12 * i, 112 + 30 * row)
        for row, text in enumerate(lines)
        for i, ch in enumerate(text)
    ]
    return PageContent(number=number, width=595, height=842, rotation=0, chars=chars)


def test_social_work_final_with_the_year_only_in_headings() -> None:
    """The 2024 社会工作部 决算: its cover prints the name and 部门决算, no year."""
    pages = [
        _page(1, ["上海市普陀区社会工作部部门决算"]),
        _page(
            2,
            [
                "目录",
                "第一部分上海市普陀区社会工作部概况",
                "第二部分上海市普陀区社会工作部2024年度部门决算表",
            ],
        ),
        _page(3, ["收入支出决算总表", "2024年度", "编制日期：2025年4月"]),
    ]
    doc = run_pages(pages, "mof-final-9", "social-work.pdf")
    md = doc.metadata
    assert (md.year, md.kind, md.department) == (2024, "final", "上海市普陀区社会工作部")
    assert (md.scope, md.is_template) == ("department", False)
