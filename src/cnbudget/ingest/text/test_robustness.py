"""Variants of the real sample, built in memory by editing its text (nothing is written to disk).

Each variant is something converters or publishers really produce (full-width digits, spaces
inside numbers, lost bold tags, split header rows, doubled blank lines, CRLF, merged code cells)
or plain damage (garbage lines, non-numbers, truncation, binary noise). For each one the amounts
that must survive are compared with the parse of the clean sample, and whatever could not be
read must be a ParseIssue that carries its line number — never an exception.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from cnbudget.ingest.text import read_text
from cnbudget.model import Document

LineMap = Callable[[int], int]

# A printed amount of the sample: 4,701.75 / 152.00 / 0.30.
_AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")
_FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def parse(text: str) -> Document:
    return read_text(text, name="variant.txt")


def same(n: int) -> int:
    return n


def shifted_after(line: int, by: int = 1) -> LineMap:
    """Line numbers of the clean sample once ``by`` lines are inserted after ``line``."""
    return lambda n: n + by if n > line else n


def edit_lines(text: str, line: int, new: list[str]) -> str:
    """Replace the 1-based ``line`` with ``new`` (zero, one or several lines)."""
    lines = text.split("\n")
    lines[line - 1 : line] = new
    return "\n".join(lines)


def insert_after(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    lines.insert(line, new)
    return "\n".join(lines)


def map_amounts_in_rows(text: str, f: Callable[[str], str]) -> str:
    """Apply ``f`` to every printed amount of every tab-separated row."""
    return "\n".join(
        _AMOUNT.sub(lambda m: f(m.group(0)), ln) if "\t" in ln else ln for ln in text.split("\n")
    )


def rows_view(doc: Document, line_map: LineMap = same) -> dict[str, list[tuple]]:
    """Everything a row says except how it was printed (bold, printed text, cell positions)."""
    return {
        t.type: [
            (
                r.kind,
                r.side,
                r.key,
                r.code,
                r.level,
                r.name,
                r.unit_name,
                r.project,
                {k: a.value for k, a in r.values.items()},
                line_map(r.source.line) if r.source and r.source.line else None,
            )
            for r in t.rows
        ]
        for t in doc.tables
    }


def totals_view(doc: Document) -> dict[tuple[str, str | None], dict[str, Decimal]]:
    out = {}
    for t in doc.tables:
        for r in t.rows:
            if r.kind == "total":
                out[(t.type, r.side)] = {k: a.value for k, a in r.values.items()}
    return out


def assert_tables_survive(doc: Document, clean: Document, line_map: LineMap = same) -> None:
    assert [t.type for t in doc.tables] == [t.type for t in clean.tables]
    assert totals_view(doc) == totals_view(clean)
    assert rows_view(doc) == rows_view(clean, line_map)
    assert [t.empty_explanation for t in doc.tables] == [t.empty_explanation for t in clean.tables]


def assert_issue_lines_valid(doc: Document, text: str) -> None:
    n = len(text.split("\n"))
    for i in doc.issues:
        assert i.line is None or 1 <= i.line <= n, i


def perf_amounts(doc: Document) -> list[dict[str, Decimal]]:
    return [{k: a.value for k, a in p.amounts.items()} for p in doc.performance]


# ---------------------------------------------------------------------------------------------
# How numbers are printed
# ---------------------------------------------------------------------------------------------


def _spaced_comma(a: str) -> str:
    return a.replace(",", ", ")


def _spaced_last_digit(a: str) -> str:  # "11.6 0" as in sample line 848
    return f"{a[:-1]} {a[-1]}"


NUMBER_STYLES = {
    "fullwidth": lambda a: a.translate(_FULLWIDTH),  # "４，７０１．７５"
    "comma-space": _spaced_comma,  # "4, 701.75"
    "space-in-decimals": _spaced_last_digit,  # "4,701.7 5"
    "both-spaces": lambda a: _spaced_last_digit(_spaced_comma(a)),  # "4, 701.7 5"
    "no-separators": lambda a: a.replace(",", ""),  # "4701.75"
    "space-separators": lambda a: a.replace(",", " "),  # "4 701.75"
}


@pytest.mark.parametrize("style", sorted(NUMBER_STYLES))
def test_amounts_printed_differently(sample_source: str, sample_doc: Document, style: str) -> None:
    text = map_amounts_in_rows(sample_source, NUMBER_STYLES[style])
    assert text != sample_source
    doc = parse(text)
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)
    assert perf_amounts(doc) == perf_amounts(sample_doc)


def test_fullwidth_amount_keeps_its_printed_text(sample_source: str) -> None:
    doc = parse(map_amounts_in_rows(sample_source, NUMBER_STYLES["fullwidth"]))
    row = doc.table("summary").row_by_key("current_income", "income")
    assert row.value("amount") == Decimal("4701.75")
    assert row.values["amount"].printed == "４，７０１．７５"
    assert row.values["amount"].source.line == 96


def test_single_fullwidth_amount(sample_source: str, sample_doc: Document) -> None:
    """One cell typed with a full-width IME, the rest untouched (sample line 96)."""
    line = "<b>一、本年收入</b>\t<b>４，７０１．７５</b>\t201 一般公共服务支出\t"
    assert sample_source.split("\n")[95] == line.replace("４，７０１．７５", "4,701.75")
    doc = parse(edit_lines(sample_source, 96, [line]))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)


# ---------------------------------------------------------------------------------------------
# Markup and line structure
# ---------------------------------------------------------------------------------------------


def test_bold_tags_removed(sample_source: str, sample_doc: Document) -> None:
    doc = parse(re.sub(r"</?b>", "", sample_source))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)
    assert not any(r.emphasized for t in doc.tables for r in t.rows)
    # Units of 表7 and 表11 are still recognised without the bold that marked them.
    assert [r.name for r in doc.table("general_project").rows if r.kind == "unit"] == [
        r.name for r in sample_doc.table("general_project").rows if r.kind == "unit"
    ]
    assert [r.kind for r in doc.table("carryover").rows] == [
        r.kind for r in sample_doc.table("carryover").rows
    ]


def test_every_newline_doubled(sample_source: str, sample_doc: Document) -> None:
    """Blank lines everywhere: same document, every line number n becomes 2n − 1."""
    doc = parse(sample_source.replace("\n", "\n\n"))
    assert doc.issues == []

    def remap(o: object) -> object:
        if isinstance(o, dict):
            return {
                k: (2 * v - 1 if k == "line" and isinstance(v, int) else remap(v))
                for k, v in o.items()
            }
        if isinstance(o, list):
            return [remap(x) for x in o]
        return o

    want = remap(sample_doc.model_dump(exclude={"source_name", "source_sha256"}))
    assert doc.model_dump(exclude={"source_name", "source_sha256"}) == want


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_other_line_endings(sample_source: str, sample_doc: Document, eol: str) -> None:
    doc = parse(sample_source.replace("\n", eol))
    assert doc.issues == []
    exclude = {"source_name", "source_sha256"}
    assert doc.model_dump(exclude=exclude) == sample_doc.model_dump(exclude=exclude)


def test_trailing_whitespace_and_tabs(sample_source: str, sample_doc: Document) -> None:
    text = "\n".join(ln + ("\t" if "\t" in ln else "  ") for ln in sample_source.split("\n"))
    doc = parse(text)
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)
    assert doc.metadata == sample_doc.metadata


def test_byte_order_mark(sample_source: str, sample_doc: Document) -> None:
    doc = parse("\ufeff" + sample_source)
    assert doc.metadata == sample_doc.metadata
    assert doc.glossary == sample_doc.glossary
    assert_tables_survive(doc, sample_doc)


def test_form_feed_at_page_breaks_keeps_line_numbers(
    sample_source: str, sample_doc: Document
) -> None:
    lines = sample_source.split("\n")
    # The repeated 编制部门 lines of 表2 (156) and 表7 (370) start a new page.
    for no in (156, 370):
        lines[no - 1] = "\f" + lines[no - 1]
    doc = parse("\n".join(lines))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)


# ---------------------------------------------------------------------------------------------
# Header rows split over two lines
# ---------------------------------------------------------------------------------------------

# (table, header line, number of cells kept on the first line)
HEADER_SPLITS = [
    ("summary", 95, 2),
    ("income_summary", 136, 6),
    ("income_summary", 137, 8),
    ("expenditure_summary", 188, 5),
    ("general_expenditure", 272, 5),
    ("general_basic", 306, 3),
    ("general_project", 351, 8),
    ("general_project", 374, 10),  # the repeated header after the page break
    ("three_public", 427, 2),
    ("carryover", 445, 3),
    ("carryover", 446, 5),
]


@pytest.mark.parametrize("keep_columns", [True, False], ids=["aligned", "flush-left"])
@pytest.mark.parametrize(("type_", "line", "cut"), HEADER_SPLITS)
def test_header_row_split_over_two_lines(
    sample_source: str,
    sample_doc: Document,
    type_: str,
    line: int,
    cut: int,
    keep_columns: bool,
) -> None:
    """The continuation either keeps its column positions (empty cells) or starts flush left."""
    cells = sample_source.split("\n")[line - 1].split("\t")
    assert len(cells) > cut
    rest = "\t".join(cells[cut:])
    second = "\t" * cut + rest if keep_columns else rest
    if not keep_columns and "\t" not in rest:
        second += "\t"  # still a table row
    doc = parse(edit_lines(sample_source, line, ["\t".join(cells[:cut]), second]))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc, shifted_after(line))


@pytest.mark.parametrize(
    ("type_", "line"), [("expenditure_summary", 188), ("general_expenditure", 272)]
)
def test_header_split_before_heji_flush_left(
    sample_source: str, sample_doc: Document, type_: str, line: int
) -> None:
    cells = sample_source.split("\n")[line - 1].split("\t")
    assert cells[4] == "合计"
    doc = parse(edit_lines(sample_source, line, ["\t".join(cells[:4]), "\t".join(cells[4:])]))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc, shifted_after(line))


# ---------------------------------------------------------------------------------------------
# Codes printed in one cell
# ---------------------------------------------------------------------------------------------

MERGED_CODES = {
    "code-cells-merged": (
        "206\t04\t04\t科技成果转化与扩散",
        "2060404\t\t\t科技成果转化与扩散",
    ),
    "code-in-name-cell": (
        "206\t04\t04\t科技成果转化与扩散",
        "\t\t\t2060404科技成果转化与扩散",
    ),
    "code-in-name-cell-spaced": (
        "206\t04\t04\t科技成果转化与扩散",
        "\t\t\t2060404 科技成果转化与扩散",
    ),
    "t7-code-cells-merged": (
        "215\t08\t05\t中小企业发展专项\t乌财企【2023】99号",
        "2150805\t\t\t中小企业发展专项\t乌财企【2023】99号",
    ),
    "t6-economic-code-merged": ("301\t01 基本工资", "30101\t基本工资"),
    "t6-economic-code-in-name-cell": ("301\t01 基本工资", "\t30101 基本工资"),
    "t6-economic-code-split": ("301\t01 基本工资", "301\t01\t基本工资"),
    "t1-function-code-own-cell": (
        "\t\t206 科学技术支出\t5,340.70",
        "\t\t206\t科学技术支出\t5,340.70",
    ),
    "t1-function-code-no-space": ("206 科学技术支出", "206科学技术支出"),
}


@pytest.mark.parametrize("variant", sorted(MERGED_CODES))
def test_codes_printed_in_one_cell(sample_source: str, sample_doc: Document, variant: str) -> None:
    old, new = MERGED_CODES[variant]
    assert old in sample_source
    doc = parse(sample_source.replace(old, new))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)


def test_spaced_code_in_name_cell(sample_source: str, sample_doc: Document) -> None:
    old = "206\t04\t04\t科技成果转化与扩散"
    doc = parse(sample_source.replace(old, "\t\t\t206 04 04 科技成果转化与扩散"))
    assert doc.issues == []
    assert_tables_survive(doc, sample_doc)


@pytest.mark.parametrize("name", ["（基本）工资", "Ｆ基本工资", "ﬁ基本工资"])
def test_economic_name_starting_with_fullwidth_character(
    sample_source: str, sample_doc: Document, name: str
) -> None:
    old = "301\t01 基本工资\t485.32"
    assert old in sample_source
    doc = parse(sample_source.replace(old, f"301\t01 {name}\t485.32"))
    (row,) = doc.table("general_basic").rows_by_code("30101")
    (clean,) = sample_doc.table("general_basic").rows_by_code("30101")
    assert row.values == clean.values
    assert row.source == clean.source


# ---------------------------------------------------------------------------------------------
# Damage: garbage lines, non-numbers
# ---------------------------------------------------------------------------------------------

GARBAGE = "@@@ 乱码 ### ?? garbage"
# Insert a garbage line after these sample lines (inside 表1, 表2, 表3, 表6, 表7, 表10, 表11).
GARBAGE_AFTER = [100, 145, 194, 313, 360, 378, 433, 452]


@pytest.mark.parametrize("after", GARBAGE_AFTER)
def test_garbage_line_inside_a_table(sample_source: str, sample_doc: Document, after: int) -> None:
    text = insert_after(sample_source, after, GARBAGE)
    doc = parse(text)
    bad = after + 1
    assert [i.line for i in doc.issues] == [bad]
    assert doc.issues[0].text == GARBAGE
    assert_tables_survive(doc, sample_doc, shifted_after(after))


@pytest.mark.parametrize(("after", "type_"), [(194, "expenditure_summary"), (313, "general_basic")])
def test_garbage_tab_row_inside_a_table(
    sample_source: str, sample_doc: Document, after: int, type_: str
) -> None:
    text = insert_after(sample_source, after, "foo\tbar\tbaz")
    doc = parse(text)
    bad = after + 1
    assert doc.issues, "the garbage row must be reported"
    assert {i.line for i in doc.issues} == {bad}
    assert all("foo" in (i.text or "") for i in doc.issues)
    # Every other row is intact; the totals too.
    assert totals_view(doc) == totals_view(sample_doc)
    got = {k: [r for r in v if r[-1] != bad] for k, v in rows_view(doc).items()}
    assert got == rows_view(sample_doc, shifted_after(after))
    assert_issue_lines_valid(doc, text)


def test_garbage_line_inside_a_performance_table(sample_source: str, sample_doc: Document) -> None:
    text = insert_after(sample_source, 809, "- 12 -")
    doc = parse(text)
    assert [i.line for i in doc.issues] == [810]
    clean = next(p for p in sample_doc.performance if p.source.line == 798)
    got = next(p for p in doc.performance if p.source.line == 798)
    assert [i.level3 for i in got.indicators] == [i.level3 for i in clean.indicators]


# (line, 0-based cell, bad text, table, side, code or key, column key)
NON_NUMBERS = [
    (99, 1, "abc", "summary", "income", "general_transfer", "amount"),
    (101, 3, "5,34O.70", "summary", "expenditure", "206", "amount"),
    (163, 7, "一五二", "income_summary", None, "215", "general_transfer"),
    (194, 4, "17x.00", "expenditure_summary", None, "2060404", "total"),
    (312, 3, "N/A", "general_basic", None, "30101", "personnel"),
    (358, 7, "两千", "general_project", None, "2060499", "e302"),
    (432, 2, "零点三", "three_public", None, "reception", "general"),
    (451, 5, "1三3.99", "carryover", None, "特定目标 1410079F", "fiscal_project"),
]


def _find(doc: Document, type_: str, side: str | None, sel: str, line: int):
    t = doc.table(type_)
    assert t is not None
    found = [
        r
        for r in t.rows
        if r.side == side and sel in (r.code, r.key, r.project) and r.source.line == line
    ]
    assert len(found) == 1, (type_, sel, line)
    return found[0]


@pytest.mark.parametrize(("line", "cell", "bad", "type_", "side", "sel", "col"), NON_NUMBERS)
def test_non_number_in_an_amount_cell(
    sample_source: str,
    sample_doc: Document,
    line: int,
    cell: int,
    bad: str,
    type_: str,
    side: str | None,
    sel: str,
    col: str,
) -> None:
    cells = sample_source.split("\n")[line - 1].split("\t")
    assert re.sub(r"</?b>", "", cells[cell]), "the cell must hold an amount in the sample"
    cells[cell] = bad
    doc = parse(edit_lines(sample_source, line, ["\t".join(cells)]))
    # Reported with its line and the printed text, not raised.
    assert [i.line for i in doc.issues] == [line]
    assert bad in (doc.issues[0].text or "") or bad in doc.issues[0].message_en
    row = _find(doc, type_, side, sel, line)
    clean = _find(sample_doc, type_, side, sel, line)
    assert col in clean.values
    assert col not in row.values
    assert {k: a.value for k, a in row.values.items()} == {
        k: a.value for k, a in clean.values.items() if k != col
    }
    # Nothing else changed.
    want = rows_view(sample_doc)
    got = rows_view(doc)
    for k in want:
        assert [r for r in got[k] if r[-1] != line] == [r for r in want[k] if r[-1] != line]


# ---------------------------------------------------------------------------------------------
# Truncated, empty and noise input
# ---------------------------------------------------------------------------------------------


def test_truncated_to_first_half_of_lines(sample_source: str, sample_doc: Document) -> None:
    lines = sample_source.split("\n")
    text = "\n".join(lines[: len(lines) // 2])
    doc = parse(text)
    # All eleven tables end before the middle of the file (line 461 < 504).
    assert_tables_survive(doc, sample_doc)
    assert doc.metadata.staffing == sample_doc.metadata.staffing
    assert doc.performance == []
    assert doc.glossary == []
    assert_issue_lines_valid(doc, text)


def test_truncated_mid_line(sample_source: str, sample_doc: Document) -> None:
    text = sample_source[: len(sample_source) // 2]
    assert not text.endswith("\n")
    doc = parse(text)
    assert totals_view(doc) == totals_view(sample_doc)
    assert_issue_lines_valid(doc, text)


def test_truncated_inside_table_3(sample_source: str, sample_doc: Document) -> None:
    text = "\n".join(sample_source.split("\n")[:200])
    doc = parse(text)
    assert [t.type for t in doc.tables] == ["summary", "income_summary", "expenditure_summary"]
    want = rows_view(sample_doc)
    got = rows_view(doc)
    assert got["summary"] == want["summary"]
    assert got["income_summary"] == want["income_summary"]
    assert got["expenditure_summary"] == [r for r in want["expenditure_summary"] if r[-1] <= 200]
    # The eight tables that never came are reported.
    assert len(doc.issues) >= 8
    assert_issue_lines_valid(doc, text)


@pytest.mark.parametrize("text", ["", " ", "\n", "\n\n\n", "\t", "\t\t\n\t", "\r\n\r\n"])
def test_empty_input(text: str) -> None:
    doc = parse(text)
    assert isinstance(doc, Document)
    assert doc.tables == []
    assert doc.explanation == [] and doc.performance == [] and doc.glossary == []
    assert any(i.severity == "error" for i in doc.issues)


def _noise(seed: int) -> list[str]:
    rng = random.Random(seed)
    raw = bytes(rng.randrange(256) for _ in range(4000))
    cjk_soup = "".join(
        rng.choice("表部分第一二三四五总计合计类款项※\t\n<b></b>0123456789.,，．万元：")
        for _ in range(4000)
    )
    return [
        raw.decode("latin-1"),
        raw.decode("utf-8", errors="replace"),
        "".join(chr(rng.randrange(1, 0xD800)) for _ in range(3000)),
        cjk_soup,
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_noise(seed: int) -> None:
    for text in _noise(seed):
        doc = parse(text)
        assert isinstance(doc, Document)
        doc.model_dump_json()  # serialisable
        assert_issue_lines_valid(doc, text.replace("\r\n", "\n").replace("\r", "\n"))


def test_sample_with_noise_injected(sample_source: str) -> None:
    rng = random.Random(7)
    chars = list(sample_source)
    for _ in range(300):
        chars[rng.randrange(len(chars))] = rng.choice(["\x00", "\ufffd", "\t", "<b>", "※", "９"])
    doc = parse("".join(chars))
    assert isinstance(doc, Document)
    doc.model_dump_json()
