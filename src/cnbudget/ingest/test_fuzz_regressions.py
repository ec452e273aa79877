"""Regression tests for the crash classes of ``benchmarks/fuzz.py`` (the earlier classes of issue
13 and of the first fuzz runs are in ``test_hardening.py``), each with its minimal reproducer
generated here: the read gives a Document (with a ParseIssue at the right place) or a clear
bilingual ReadError, and the checks run on the Document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnbudget.checks.engine import check_document
from cnbudget.example import example_text
from cnbudget.ingest import read_path
from cnbudget.ingest.test_hardening import _issues, _read_and_check
from cnbudget.ingest.text.narrative import MAX_COUNT_DIGITS, staffing
from cnbudget.model import Paragraph, Section, Source

# -- ValueError at ingest/text/narrative.py _change (fuzz --seed 41, case 551) ----------------
# ``int()`` of a headcount in the staffing sentence ("退休 999…9 人"): Python refuses a string of
# more than 4,300 digits. A headcount of more than MAX_COUNT_DIGITS digits is now left unread
# and reported as ``count-out-of-range`` at the sentence's line.

HUGE_COUNTS = ["9" * 5000, "9" * 4301, "9" * 60, "9" * 8]

#: (field of Staffing, the printed figure to replace in example 2's staffing sentence)
STAFF_FIELDS = [
    ("authorized", "编制数 80"),
    ("actual", "实有人数 127"),
    ("active", "在职 73"),
    ("active_change", "减少 3 人；退休"),
    ("retired", "退休 51"),
    ("retired_change", "增加 3"),
    ("lixiu", "离休 3"),
    ("lixiu_change", "减少 2 人。"),
]


def _staffing_text(field_text: str, huge: str) -> tuple[str, int]:
    text = example_text(2)
    lines = text.split("\n")
    no = next(i for i, ln in enumerate(lines, 1) if "编制数" in ln and "实有人数" in ln)
    line = lines[no - 1]
    assert field_text in line, line
    lines[no - 1] = line.replace(field_text, re.sub(r"\d+", huge, field_text), 1)
    return "\n".join(lines), no


@pytest.mark.parametrize("huge", HUGE_COUNTS)
def test_huge_retired_headcount(tmp_path: Path, huge: str) -> None:
    """The fuzz reproducer: 退休 51 → 退休 999…9 (m_numbers on example-2.txt)."""
    text, no = _staffing_text("退休 51", huge)
    p = tmp_path / "staff.txt"
    p.write_text(text, encoding="utf-8")
    doc = _read_and_check(p)
    st = doc.metadata.staffing
    assert st is not None and st.retired is None
    assert (st.authorized, st.actual, st.active, st.lixiu) == (80, 127, 73, 3)  # the rest is read
    flagged = _issues(doc, "count-out-of-range")
    assert [i.line for i in flagged] == [no]
    assert "退休" in flagged[0].message_zh and "retired" in flagged[0].message_en
    assert str(len(huge)) in flagged[0].message_zh and len(flagged[0].message_zh) < 120
    report = check_document(doc)
    assert any(f.location.source_line == no for f in report.findings)


@pytest.mark.parametrize(("field", "field_text"), STAFF_FIELDS)
def test_every_headcount_and_change_of_the_staffing_sentence(
    tmp_path: Path, field: str, field_text: str
) -> None:
    text, no = _staffing_text(field_text, "9" * 5000)
    p = tmp_path / "staff.txt"
    p.write_text(text, encoding="utf-8")
    doc = _read_and_check(p)
    st = doc.metadata.staffing
    assert st is not None and getattr(st, field) is None
    assert [i.line for i in _issues(doc, "count-out-of-range")] == [no]


def test_longest_headcount_still_read(tmp_path: Path) -> None:
    text, _ = _staffing_text("实有人数 127", "9" * MAX_COUNT_DIGITS)
    p = tmp_path / "staff.txt"
    p.write_text(text, encoding="utf-8")
    doc = _read_and_check(p)
    assert doc.metadata.staffing is not None
    assert doc.metadata.staffing.actual == int("9" * MAX_COUNT_DIGITS)
    assert not _issues(doc, "count-out-of-range")


def test_staffing_issue_carries_page_and_box_in_a_pdf() -> None:
    """The PDF reader shares ``staffing``: the issue names the paragraph's page (and the
    paragraph keeps its box)."""
    src = Source(page=4, bbox=(72.0, 100.0, 520.0, 140.0))
    sec = Section(
        title="机构设置",
        paragraphs=[Paragraph(text=f"编制数 12，实有人数 {'9' * 5000} 人。", source=src)],
    )
    issues: list = []
    st = staffing(sec, issues)
    assert st is not None and st.authorized == 12 and st.actual is None
    assert [(i.code, i.page, i.line) for i in issues] == [("count-out-of-range", 4, None)]
    assert staffing(sec) is not None  # without a list to report into, still no traceback


def test_table_number_of_thousands_of_digits(tmp_path: Path) -> None:
    """``表 999…9`` (m_numbers on a table number line): ``int()`` of it was the same crash;
    such a line is no table number."""
    text = example_text(2)
    m = re.search(r"(?m)^表 1$", text)
    assert m is not None
    no = text.count("\n", 0, m.start()) + 1
    p = tmp_path / "table-no.txt"
    p.write_text(text[: m.start()] + "表 " + "9" * 5000 + text[m.end() :], encoding="utf-8")
    doc = _read_and_check(p)
    assert [t.number for t in doc.tables][:2] == [1, 2]  # table 1 numbered by its title
    assert [i.code for i in doc.issues if i.line == no] == ["unknown-line"]


# -- ValueError at checks/claims.py paragraph_statements (fuzz --seed 43, case 442) -----------
# ``int()`` of "N 个" in a narrative sentence's subject: the same 4,300-digit refusal, in the
# checks this time. A count is now at most 7 digits; a longer run is no count (and, as before,
# the statement's amount is still read and checked).


@pytest.mark.parametrize(("printed", "count"), [("12", 12), ("12345678", None), ("9" * 5000, None)])
def test_count_of_units_in_a_narrative_sentence(printed: str, count: int | None) -> None:
    from cnbudget.checks.claims import paragraph_statements

    para = Paragraph(text=f"2024年部门预算包括{printed}个单位支出100.00万元。")
    statements, _ = paragraph_statements(para, 0, [])
    assert [(s.count, str(s.amount)) for s in statements] == [(count, "100.00")]


def test_huge_count_of_units_in_a_document_is_checked(tmp_path: Path) -> None:
    """The whole path (read, then every check) on example 2 with a 5,000-digit "N 个"."""
    text = example_text(2)
    m = re.search(r"(\d+)\s*个", text)
    assert m is not None, "example 2 prints a count of units"
    p = tmp_path / "count.txt"
    p.write_text(text[: m.start(1)] + "9" * 5000 + text[m.end(1) :], encoding="utf-8")
    _read_and_check(p)


@pytest.mark.parametrize(("printed", "staff"), [("127", 127), ("9" * 5000, None)])
def test_staff_count_for_peer_profiles(tmp_path: Path, printed: str, staff: int | None) -> None:
    """``analysis.peers.staffing_from_text`` had the same ``int()``: a run of thousands of
    digits is no head count (the next figure, 在职 73, is taken instead)."""
    from cnbudget.analysis.peers import staffing_from_text

    text, _ = _staffing_text("实有人数 127", printed)
    p = tmp_path / "staff.txt"
    p.write_text(text, encoding="utf-8")
    found = staffing_from_text(read_path(p))
    assert found == ((127, "actual") if staff else (73, "active"))
