"""The batch review report: real documents checked, the workbook and the page read back."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cnbudget.checks import check_document
from cnbudget.ingest import ReadError, read_path
from cnbudget.outputs.review_report import (
    COLUMNS,
    SUMMARY_SHEET,
    ReportFormatError,
    ReviewItem,
    render_review_html,
    write_review_report,
)
from cnbudget.testing import FINANCE, SAMPLE_NAME, corpus_file, corpus_pdf

HOSTILE_DEPT = '<script>alert("部门")</script>&'
HOSTILE_FILE = '"><img src=x onerror=alert(1)>.pdf'


@pytest.fixture(scope="module")
def items() -> list[ReviewItem]:
    """The 2024 普陀区财政局 决算 (PDF), the 乌鲁木齐 budget (text), and the latter again under
    a hostile department and file name (names come from the departments: never trusted)."""
    fin = corpus_pdf(FINANCE)
    txt = read_path(corpus_file(SAMPLE_NAME))
    hostile = txt.model_copy(deep=True)
    hostile.metadata.department = HOSTILE_DEPT
    hostile.metadata.alias = None
    return [
        (FINANCE, fin, check_document(fin)),
        (SAMPLE_NAME, txt, check_document(txt)),
        (HOSTILE_FILE, hostile, check_document(hostile)),
    ]


def _header_index(ws, row: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """English header → 1-based column, from a header row written ``中文\\nEnglish``."""
    out = {}
    for cell in ws[row]:
        if isinstance(cell.value, str) and "\n" in cell.value:
            out[cell.value.split("\n", 1)[1]] = cell.column
    return out


def test_xlsx_summary_counts_and_links(items: list[ReviewItem], tmp_path: Path) -> None:
    path = write_review_report(items, tmp_path / "review.xlsx")
    wb = load_workbook(path)
    summary = wb[SUMMARY_SHEET]
    assert wb.sheetnames[0] == SUMMARY_SHEET and len(wb.sheetnames) == 1 + len(items)
    assert summary["B1"].value.startswith("部门\n")  # Chinese first, English below
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref
    col = _header_index(summary, 1)
    assert summary.column_dimensions["E"].width >= 30  # file names are long
    for i, (source, doc, report) in enumerate(items, start=2):
        assert summary.cell(i, col["Document"]).value == source
        assert summary.cell(i, col["Year"]).value == doc.metadata.year
        assert summary.cell(i, col["Errors"]).value == report.count("error")
        assert summary.cell(i, col["Warnings"]).value == report.count("warning")
        assert summary.cell(i, col["Notices"]).value == report.count("notice")
        link = summary.cell(i, col["Findings sheet"]).hyperlink
        target = link.location or link.target
        sheet = target.lstrip("#").split("!")[0].strip("'")
        assert sheet in wb.sheetnames
        ws = wb[sheet]
        # one row per finding under the two header lines
        rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[1]]
        assert len(rows) == len(report.findings)
    fin_report = items[0][2]
    assert summary.cell(2, col["Department"]).value == "上海市普陀区财政局"
    assert summary.cell(2, col["Worst rule"]).value.split()[0] in {
        f.rule for f in fin_report.errors
    }


def test_xlsx_finding_row_has_rule_page_and_figures(
    items: list[ReviewItem], tmp_path: Path
) -> None:
    path = write_review_report(items, tmp_path / "review.xlsx")
    wb = load_workbook(path)
    ws = wb[wb.sheetnames[1]]
    assert ws.freeze_panes == "C3" and ws.auto_filter.ref.startswith("A2:")
    col = _header_index(ws, 2)
    assert list(col) == [en for _k, _zh, en, _w in COLUMNS]
    assert ws.cell(2, col["Rule"]).value == "规则\nRule"
    report = items[0][2]
    amt = next(f for f in report.findings if f.rule == "NAR-AMT-001")
    row = next(
        r for r in range(3, ws.max_row + 1) if ws.cell(r, col["Rule"]).value == "NAR-AMT-001"
    )
    r = row
    assert ws.cell(r, col["Page"]).value == amt.location.source_page == 21
    assert Decimal(str(ws.cell(r, col["Expected"]).value)) == amt.expected
    assert Decimal(str(ws.cell(r, col["Found"]).value)) == amt.found
    assert Decimal(str(ws.cell(r, col["Difference"]).value)) == amt.difference
    assert ws.cell(r, col["Message (Chinese)"]).value == amt.message_zh
    assert ws.cell(r, col["Message (English)"]).value == amt.message_en
    assert ws.cell(r, col["Severity"]).value == "错误 error"
    assert ws.cell(r, col["Status"]).value is None  # kept for answering findings
    assert ws.cell(r, col["Expected"]).number_format.startswith("#,##0.00")
    # most serious first: no error after a notice
    sev = [ws.cell(r, col["Severity"]).value for r in range(3, 3 + len(report.findings))]
    assert sev == sorted(sev, key=lambda s: {"错误": 0, "警告": 1, "提示": 2}[s.split()[0]])
    # a table finding names its table, row code and column
    cell = next(f for f in report.findings if f.location.table_no)
    r2 = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col["Row code"]).value)
    assert ws.cell(r2, col["Table"]).value == f"表{cell.location.table_no}"
    assert ws.cell(r2, col["Row code"]).value == cell.location.row_code


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(a["id"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped(items: list[ReviewItem], tmp_path: Path) -> None:
    path = write_review_report(items, tmp_path / "review.html")
    page = path.read_text(encoding="utf-8")
    assert page == render_review_html(items)
    p = _Collector()
    p.feed(page)
    names = [t for t, _ in p.tags]
    assert "script" not in names and "img" not in names and "link" not in names
    assert "iframe" not in names and "object" not in names
    for tag, attrs in p.tags:
        assert "src" not in attrs, tag
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith("#") and href[1:] in p.ids, href  # only in-page links
    assert "url(" not in page and "@import" not in page and "http" not in page
    text = "".join(p.text)
    assert HOSTILE_DEPT in text and HOSTILE_FILE in text  # shown as text, not markup
    # the summary links to every document's section, and each section lists its findings
    links = [a["href"] for t, a in p.tags if t == "a" and a.get("href", "").startswith("#doc-")]
    assert links == [f"#doc-{i}" for i in range(1, len(items) + 1)]
    rows = [a for t, a in p.tags if t == "tr" and a.get("class") in {"error", "warning", "notice"}]
    assert len(rows) == sum(len(r.findings) for _s, _d, r in items)
    fin = items[0][2]
    assert all(f.message_zh in text for f in fin.findings)


def test_unknown_suffix_is_refused_in_both_languages(
    items: list[ReviewItem], tmp_path: Path
) -> None:
    with pytest.raises(ReportFormatError) as exc:
        write_review_report(items, tmp_path / "review.csv")
    assert "不支持的报告格式" in exc.value.message_zh and ".csv" in exc.value.message_en
    assert not (tmp_path / "review.csv").exists()


def test_unreadable_files_are_listed_not_dropped(items: list[ReviewItem], tmp_path: Path) -> None:
    """A file the reader refuses gets a summary line with the reason in both formats."""
    broken = tmp_path / "<b>坏.bin"
    broken.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(ReadError) as exc:
        read_path(broken)
    reason = f"{exc.value.message_zh} / {exc.value.message_en}"
    failed = [(broken.name, reason)]
    wb = load_workbook(write_review_report(items[:1], tmp_path / "r.xlsx", failed=failed))
    summary = wb[SUMMARY_SHEET]
    assert summary.cell(3, 5).value == broken.name
    assert summary.cell(3, 9).value == f"无法读取 / unreadable: {reason}"
    assert summary.auto_filter.ref.endswith("3") and len(wb.sheetnames) == 2
    page = write_review_report(items[:1], tmp_path / "r.html", failed=failed).read_text("utf-8")
    p = _Collector()
    p.feed(page)
    assert "b" not in [t for t, _ in p.tags]
    assert broken.name in "".join(p.text) and "共 2 个文件" in page
