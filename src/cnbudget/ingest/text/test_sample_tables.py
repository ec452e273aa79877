"""The eleven tables of the real sample, checked against values typed by hand from the text.

Every expected value below was read off ``urumqi-gxj-2024-budget.txt`` (the line numbers in the
comments are the sample's 1-based lines). Nothing here is produced by the parser. A blank printed
cell is ``None`` in the literal data and must be *absent* from ``Row.values``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cnbudget.model import Document, Row, Table
from cnbudget.money import format_amount

SELF = "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）"
LEVELS = {3: "类", 5: "款", 7: "项"}


def amounts(row: Row) -> dict[str, Decimal]:
    return {k: a.value for k, a in row.values.items()}


def expected(keys: tuple[str, ...], *printed: str | None) -> dict[str, Decimal]:
    """Column key → Decimal for the non-blank printed cells (``None`` = blank cell)."""
    assert len(keys) == len(printed), "hand-typed row has the wrong number of cells"
    return {k: Decimal(v) for k, v in zip(keys, printed, strict=True) if v is not None}


def table(doc: Document, type_: str) -> Table:
    t = doc.table(type_)
    assert t is not None, f"table {type_} not parsed"
    return t


# ---------------------------------------------------------------------------------------------
# The document as a whole
# ---------------------------------------------------------------------------------------------

# (number, type, printed title, line of the title, line of "表 N")
TABLES = [
    (1, "summary", "部门收支总体情况表", 88, 86),
    (2, "income_summary", "部门收入总体情况表", 130, 128),
    (3, "expenditure_summary", "部门支出总体情况表", 181, 179),
    (4, "fiscal_summary", "财政拨款收支预算总体情况表", 223, 221),
    (5, "general_expenditure", "一般公共预算支出情况表", 265, 263),
    (6, "general_basic", "一般公共预算基本支出情况表", 299, 297),
    (7, "general_project", "一般公共预算项目支出情况表", 345, 343),
    (8, "fund_expenditure", "政府性基金预算支出情况表", 389, 387),
    (9, "soe_expenditure", "国有资本经营预算支出情况表", 404, 402),
    (10, "three_public", "财政拨款“三公”经费支出情况表", 421, 419),
    (11, "carryover", "上年结转结余情况明细表", 439, 437),
]


def test_clean_sample_has_no_issues(sample_doc: Document) -> None:
    assert sample_doc.issues == []


def test_all_eleven_tables_in_order(sample_doc: Document) -> None:
    got = [(t.number, t.type, t.title) for t in sample_doc.tables]
    assert got == [(n, ty, title) for n, ty, title, _, _ in TABLES]


@pytest.mark.parametrize(("number", "type_", "title", "title_line", "no_line"), TABLES)
def test_table_header_facts(
    sample_doc: Document, number: int, type_: str, title: str, title_line: int, no_line: int
) -> None:
    t = table(sample_doc, type_)
    assert sample_doc.table_no(number) is t
    assert t.unit == "万元"
    assert t.scale == Decimal(1)
    assert t.department == SELF  # 编制部门：… printed under every title
    assert t.source is not None
    assert t.source.line in (title_line, no_line)


def test_every_amount_keeps_its_printed_text_and_line(sample_doc: Document) -> None:
    """All table amounts of the sample are printed as ``1,234.56``; provenance is the row's line."""
    n = 0
    for t in sample_doc.tables:
        for r in t.rows:
            assert r.source is not None and r.source.line is not None
            for key, a in r.values.items():
                n += 1
                assert a.printed == format_amount(a.value), (t.type, r.name, key)
                assert a.source is not None
                assert a.source.line == r.source.line, (t.type, r.name, key)
                assert a.source.cell is not None and a.source.cell.startswith("col ")
    assert n > 300


# ---------------------------------------------------------------------------------------------
# Totals of every table (the eight tables with totals; 表8 and 表9 are empty)
# ---------------------------------------------------------------------------------------------

# (type, side, line, {column: printed value}) — every non-blank cell of every total row.
TOTALS = [
    ("summary", "income", 126, {"amount": "33,898.98"}),
    ("summary", "expenditure", 126, {"amount": "33,898.98"}),
    (
        "income_summary",
        None,
        139,
        {
            "total": "33,898.98",
            "fiscal_subtotal": "4,701.75",
            "general": "4,549.75",
            "general_transfer": "152.00",
            "fiscal_carryover": "29,197.23",
        },
    ),
    (
        "expenditure_summary",
        None,
        191,
        {"total": "33,898.98", "basic": "2,359.94", "project": "31,539.04"},
    ),
    ("fiscal_summary", "income", 261, {"total": "4,701.75"}),
    ("fiscal_summary", "expenditure", 261, {"total": "4,701.75", "general": "4,701.75"}),
    (
        "general_expenditure",
        None,
        275,
        {"total": "4,701.75", "basic": "2,359.94", "project": "2,341.81"},
    ),
    (
        "general_basic",
        None,
        310,
        {"total": "2,359.94", "personnel": "2,151.77", "public": "208.17"},
    ),
    ("general_project", None, 354, {"total": "2,341.81", "e302": "2,189.81", "e312": "152.00"}),
    ("three_public", None, 430, {"total": "22.80", "general": "22.80"}),
    (
        "carryover",
        None,
        449,
        {"total": "29,197.23", "fiscal_total": "29,197.23", "fiscal_project": "29,197.23"},
    ),
]


@pytest.mark.parametrize(("type_", "side", "line", "printed"), TOTALS)
def test_total_rows(
    sample_doc: Document, type_: str, side: str | None, line: int, printed: dict[str, str]
) -> None:
    t = table(sample_doc, type_)
    totals = [r for r in t.rows if r.kind == "total" and r.side == side]
    assert len(totals) == 1, f"{type_}: exactly one total row per side"
    r = totals[0]
    assert t.total_row(side) is r
    assert r.source is not None and r.source.line == line
    assert {k: a.printed for k, a in r.values.items()} == printed
    assert amounts(r) == {k: Decimal(v.replace(",", "")) for k, v in printed.items()}


# ---------------------------------------------------------------------------------------------
# 表1 部门收支总体情况表 (lines 94–126), both sides in full
# ---------------------------------------------------------------------------------------------

# (printed label, layout key, amount or None, printed bold) — lines 96..120, one per line.
T1_INCOME = [
    ("一、本年收入", "current_income", "4701.75", True),
    ("1. 一般公共预算拨款", "general_budget", "4701.75", True),
    ("其中：一般财力", "general_own", "4549.75", False),
    ("上级一般公共预算安排转移支付", "general_transfer", "152.00", False),
    ("2. 基金预算拨款", "fund_budget", None, True),
    ("其中：政府性基金收入", "fund_own", None, False),
    ("上级政府性基金安排转移支付", "fund_transfer", None, False),
    ("3. 国有资本经营预算拨款", "soe_budget", None, True),
    ("其中：国有资本经营收入", "soe_own", None, False),
    ("上级国有资本经营预算安排转移支付", "soe_transfer", None, False),
    ("4. 财政专户核拨", "special_account", None, True),
    ("5. 单位资金", "unit_funds", None, True),
    ("其中：事业收入", "business_income", None, False),
    ("上级补助收入", "subsidy_income", None, False),
    ("附属单位上缴收入", "affiliated_income", None, False),
    ("事业单位经营收入", "operating_income", None, False),
    ("其他收入", "other_income", None, False),
    ("二、上年结转结余", "carryover", "29197.23", True),
    ("1、财政拨款结转", "fiscal_carryover", "29197.23", True),
    ("其中：一般公共预算拨款", "cf_general", "3397.23", False),
    ("基金预算拨款", "cf_fund", "25800.00", False),
    ("国有资本经营预算拨款", "cf_soe", None, False),
    ("2、非财政拨款结转结余", "nonfiscal_carryover", None, True),
    ("其中：财政专户核拨", "ncf_special", None, False),
    ("单位资金", "ncf_unit", None, False),
]

# The 30 function classes (支出功能分类 类) printed in 表1 and 表4, in order.
CLASSES = [
    ("201", "一般公共服务支出"),
    ("202", "外交支出"),
    ("203", "国防支出"),
    ("204", "公共安全支出"),
    ("205", "教育支出"),
    ("206", "科学技术支出"),
    ("207", "文化旅游体育与传媒支出"),
    ("208", "社会保障和就业支出"),
    ("209", "社会保险基金支出"),
    ("210", "卫生健康支出"),
    ("211", "节能环保支出"),
    ("212", "城乡社区支出"),
    ("213", "农林水支出"),
    ("214", "交通运输支出"),
    ("215", "资源勘探工业信息等支出"),
    ("216", "商业服务业等支出"),
    ("217", "金融支出"),
    ("219", "援助其他地区支出"),
    ("220", "自然资源海洋气象等支出"),
    ("221", "住房保障支出"),
    ("222", "粮油物资储备支出"),
    ("223", "国有资本经营预算支出"),
    ("224", "灾害防治及应急管理支出"),
    ("227", "预备费"),
    ("229", "其他支出"),
    ("230", "转移性支出"),
    ("231", "债务还本支出"),
    ("232", "债务付息支出"),
    ("233", "债务发行费用支出"),
    ("234", "抗疫特别国债安排的支出"),
]
# 表1 预算数 of the classes that are not blank (lines 101, 103, 106, 110, 120).
T1_EXPENDITURE_AMOUNTS = {
    "206": "5340.70",
    "208": "382.95",
    "211": "259.63",
    "215": "2115.70",
    "229": "25800.00",
}


def test_t1_income_side_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "summary")
    rows = [r for r in t.rows if r.side == "income" and r.kind != "total"]
    got = [(r.kind, r.name, r.key, amounts(r), r.emphasized, r.source.line) for r in rows]
    want = [
        ("named", name, key, expected(("amount",), v), bold, 96 + i)
        for i, (name, key, v, bold) in enumerate(T1_INCOME)
    ]
    assert got == want


def test_t1_expenditure_side_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "summary")
    rows = [r for r in t.rows if r.side == "expenditure" and r.kind != "total"]
    got = [(r.kind, r.code, r.level, r.name, amounts(r), r.source.line) for r in rows]
    want = [
        ("item", code, "类", name, expected(("amount",), T1_EXPENDITURE_AMOUNTS.get(code)), 96 + i)
        for i, (code, name) in enumerate(CLASSES)
    ]
    assert got == want


def test_t1_totals_and_provenance(sample_doc: Document) -> None:
    t = table(sample_doc, "summary")
    inc, exp = t.total_row("income"), t.total_row("expenditure")
    assert inc is not None and exp is not None
    assert (inc.name, inc.key, inc.emphasized) == ("收入总计", "total", True)
    assert (exp.name, exp.key, exp.emphasized) == ("支出总计", "total", True)
    assert inc.values["amount"].source.cell == "col 2"
    assert exp.values["amount"].source.cell == "col 4"
    # Nothing besides the 25 income rows, the 30 classes and the two totals.
    assert len(t.rows) == len(T1_INCOME) + len(CLASSES) + 2
    assert t.row_by_key("general_own", "income").value("amount") == Decimal("4549.75")
    assert t.row_by_key("cf_fund", "income").value("amount") == Decimal("25800.00")
    science = t.rows_by_code("206")
    assert len(science) == 1 and science[0].values["amount"].printed == "5,340.70"
    assert science[0].source.line == 101
    assert science[0].values["amount"].source.cell == "col 4"


def test_t1_blank_is_not_zero(sample_doc: Document) -> None:
    t = table(sample_doc, "summary")
    fund = t.row_by_key("fund_budget", "income")
    assert fund is not None
    assert "amount" not in fund.values
    assert fund.value("amount") is None
    assert fund.value0("amount") == Decimal(0)


# ---------------------------------------------------------------------------------------------
# Coded tables: the 功能分类 rows shared by 表2 and 表3 (lines 140–175 and 192–219)
# ---------------------------------------------------------------------------------------------

# 表3 部门支出总体情况表 in full: (code, name, 合计, 基本支出, 项目支出), lines 191..219.
T3 = [
    (None, "总计", "33898.98", "2359.94", "31539.04"),
    ("206", "科学技术支出", "5340.70", None, "5340.70"),
    ("20604", "技术与开发", "3978.00", None, "3978.00"),
    ("2060404", "科技成果转化与扩散", "175.00", None, "175.00"),
    ("2060499", "其他技术与开发支出", "3803.00", None, "3803.00"),
    ("20699", "其他科学技术支出", "1362.70", None, "1362.70"),
    ("2069999", "其他科学技术支出", "1362.70", None, "1362.70"),
    ("208", "社会保障和就业支出", "382.95", "382.95", None),
    ("20805", "行政事业单位养老支出", "382.95", "382.95", None),
    ("2080501", "行政单位离退休", "164.33", "164.33", None),
    ("2080502", "事业单位离退休", "19.89", "19.89", None),
    ("2080505", "机关事业单位基本养老保险缴费支出", "198.74", "198.74", None),
    ("211", "节能环保支出", "259.63", "249.35", "10.28"),
    ("21114", "能源管理事务", "259.63", "249.35", "10.28"),
    ("2111450", "事业运行", "249.35", "249.35", None),
    ("2111499", "其他能源管理事务支出", "10.28", None, "10.28"),
    ("215", "资源勘探工业信息等支出", "2115.70", "1727.64", "388.06"),
    ("21502", "制造业", "133.99", None, "133.99"),
    ("2150204", "纺织业", "133.99", None, "133.99"),
    ("21505", "工业和信息产业监管", "1603.15", "1501.08", "102.07"),
    ("2150501", "行政运行", "1447.01", "1447.01", None),
    ("2150502", "一般行政管理事务", "102.07", None, "102.07"),
    ("2150550", "事业运行", "54.07", "54.07", None),
    ("21508", "支持中小企业发展和管理支出", "378.56", "226.56", "152.00"),
    ("2150805", "中小企业发展专项", "152.00", None, "152.00"),
    ("2150899", "其他支持中小企业发展和管理支出", "226.56", "226.56", None),
    ("229", "其他支出", "25800.00", None, "25800.00"),
    ("22904", "其他政府性基金及对应专项债务收入安排的支出", "25800.00", None, "25800.00"),
    ("2290402", "其他地方自行试点项目收益专项债券收入安排的支出", "25800.00", None, "25800.00"),
]
T3_KEYS = ("total", "basic", "project")


def _coded_view(t: Table) -> list[tuple]:
    return [(r.kind, r.code, r.level, r.name, amounts(r)) for r in t.rows]


def _coded_want(rows: list[tuple], keys: tuple[str, ...]) -> list[tuple]:
    return [
        (
            "total" if code is None else "item",
            code,
            None if code is None else LEVELS[len(code)],
            name,
            expected(keys, *vals),
        )
        for code, name, *vals in rows
    ]


def test_hand_typed_t3_is_consistent() -> None:
    """Guard against typing errors: 合计 = 基本支出 + 项目支出 on every typed row."""
    for code, name, total, basic, project in T3:
        parts = sum(Decimal(v) for v in (basic, project) if v is not None)
        assert Decimal(total) == parts, (code, name)


def test_t3_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "expenditure_summary")
    assert _coded_view(t) == _coded_want(T3, T3_KEYS)
    assert [r.source.line for r in t.rows] == list(range(191, 220))
    # Bold: the total and every 类 / 款 row; 项 rows are plain.
    assert [r.emphasized for r in t.rows] == [code is None or len(code) < 7 for code, *_ in T3]


def test_t3_provenance(sample_doc: Document) -> None:
    t = table(sample_doc, "expenditure_summary")
    total = t.total_row()
    assert total is not None and total.source.line == 191
    assert {k: a.source.cell for k, a in total.values.items()} == {
        "total": "col 5",
        "basic": "col 6",
        "project": "col 7",
    }
    assert {k: a.printed for k, a in total.values.items()} == {
        "total": "33,898.98",
        "basic": "2,359.94",
        "project": "31,539.04",
    }
    (row,) = t.rows_by_code("2150805")
    assert row.source.line == 215
    assert "basic" not in row.values


def test_t2_rows_codes_and_page_break(sample_doc: Document) -> None:
    """表2 continues after a page break (lines 156–162 repeat the header): no row is lost."""
    t = table(sample_doc, "income_summary")
    want = [(code, name) for code, name, *_ in T3]
    assert [(r.code, r.name) for r in t.rows] == want
    lines = [r.source.line for r in t.rows]
    assert lines == [*range(139, 155), *range(163, 176)]
    assert [r.kind for r in t.rows] == ["total"] + ["item"] * 28


T2_KEYS = (
    "total",
    "fiscal_subtotal",
    "general",
    "general_transfer",
    "fund",
    "fund_transfer",
    "soe",
    "soe_transfer",
    "special_account",
    "unit_funds",
    "fiscal_carryover",
    "nonfiscal_carryover",
)
# (code, line, the 12 cells as printed) for a few 表2 rows.
T2_ROWS = [
    ("206", 140, ("5340.70", "2103.00", "2103.00", *[None] * 7, "3237.70", None)),
    ("2060404", 142, ("175.00", *[None] * 9, "175.00", None)),
    ("2080505", 150, ("198.74", "198.74", "198.74", *[None] * 9)),
    # First row after the page break.
    ("215", 163, ("2115.70", "1956.17", "1804.17", "152.00", *[None] * 6, "159.53", None)),
    ("2150502", 168, ("102.07", "76.53", "76.53", *[None] * 7, "25.54", None)),
    ("2150805", 171, ("152.00", "152.00", None, "152.00", *[None] * 8)),
    ("2290402", 175, ("25800.00", *[None] * 9, "25800.00", None)),
]


@pytest.mark.parametrize(("code", "line", "cells"), T2_ROWS)
def test_t2_selected_rows(sample_doc: Document, code: str, line: int, cells: tuple) -> None:
    t = table(sample_doc, "income_summary")
    (row,) = t.rows_by_code(code)
    assert row.source.line == line
    assert amounts(row) == expected(T2_KEYS, *cells)


def test_t2_carryover_column_provenance(sample_doc: Document) -> None:
    t = table(sample_doc, "income_summary")
    total = t.total_row()
    assert total is not None
    assert total.values["total"].source.cell == "col 5"
    assert total.values["fiscal_carryover"].source.cell == "col 15"


# ---------------------------------------------------------------------------------------------
# 表4 财政拨款收支预算总体情况表 (lines 229–261)
# ---------------------------------------------------------------------------------------------

T4_INCOME = [
    ("一、财政拨款（补助）", "fiscal_income", "4701.75", 231),
    ("一般公共预算", "general", "4701.75", 232),
    ("政府性基金预算", "fund", None, 233),
    ("国有资本经营预算", "soe", None, 234),
]
# (合计, 一般公共预算) of the non-blank classes; 政府性基金 and 国有资本经营 columns are blank.
T4_EXPENDITURE = {
    "206": ("2103.00", "2103.00"),
    "208": ("382.95", "382.95"),
    "211": ("259.63", "259.63"),
    "215": ("1956.17", "1956.17"),
}


def test_t4_income_side(sample_doc: Document) -> None:
    t = table(sample_doc, "fiscal_summary")
    rows = [r for r in t.rows if r.side == "income" and r.kind != "total"]
    got = [(r.kind, r.name, r.key, amounts(r), r.source.line) for r in rows]
    want = [("named", n, k, expected(("total",), v), line) for n, k, v, line in T4_INCOME]
    assert got == want


def test_t4_expenditure_side(sample_doc: Document) -> None:
    t = table(sample_doc, "fiscal_summary")
    rows = [r for r in t.rows if r.side == "expenditure" and r.kind != "total"]
    got = [(r.code, r.name, amounts(r), r.source.line) for r in rows]
    want = [
        (
            code,
            name,
            expected(("total", "general"), *T4_EXPENDITURE.get(code, (None, None))),
            231 + i,
        )
        for i, (code, name) in enumerate(CLASSES)
    ]
    assert got == want
    (science,) = t.rows_by_code("206")
    assert science.values["total"].source.cell == "col 4"
    assert science.values["general"].source.cell == "col 5"


# ---------------------------------------------------------------------------------------------
# 表5 一般公共预算支出情况表 (lines 275–295)
# ---------------------------------------------------------------------------------------------

T5 = [
    (None, "总计", "4701.75", "2359.94", "2341.81"),
    ("206", "科学技术支出", "2103.00", None, "2103.00"),
    ("20604", "技术与开发", "2103.00", None, "2103.00"),
    ("2060499", "其他技术与开发支出", "2103.00", None, "2103.00"),
    ("208", "社会保障和就业支出", "382.95", "382.95", None),
    ("20805", "行政事业单位养老支出", "382.95", "382.95", None),
    ("2080501", "行政单位离退休", "164.33", "164.33", None),
    ("2080502", "事业单位离退休", "19.89", "19.89", None),
    ("2080505", "机关事业单位基本养老保险缴费支出", "198.74", "198.74", None),
    ("211", "节能环保支出", "259.63", "249.35", "10.28"),
    ("21114", "能源管理事务", "259.63", "249.35", "10.28"),
    ("2111450", "事业运行", "249.35", "249.35", None),
    ("2111499", "其他能源管理事务支出", "10.28", None, "10.28"),
    ("215", "资源勘探工业信息等支出", "1956.17", "1727.64", "228.53"),
    ("21505", "工业和信息产业监管", "1577.61", "1501.08", "76.53"),
    ("2150501", "行政运行", "1447.01", "1447.01", None),
    ("2150502", "一般行政管理事务", "76.53", None, "76.53"),
    ("2150550", "事业运行", "54.07", "54.07", None),
    ("21508", "支持中小企业发展和管理支出", "378.56", "226.56", "152.00"),
    ("2150805", "中小企业发展专项", "152.00", None, "152.00"),
    ("2150899", "其他支持中小企业发展和管理支出", "226.56", "226.56", None),
]


def test_t5_rows(sample_doc: Document) -> None:
    t = table(sample_doc, "general_expenditure")
    assert _coded_view(t) == _coded_want(T5, T3_KEYS)
    assert [r.source.line for r in t.rows] == list(range(275, 296))


# ---------------------------------------------------------------------------------------------
# 表6 一般公共预算基本支出情况表 (lines 305–341): 经济分类 "301\t01 基本工资"
# ---------------------------------------------------------------------------------------------

# (code, name, 合计, 人员经费, 公用经费), lines 310..341.
T6 = [
    (None, "总计", "2359.94", "2151.77", "208.17"),
    ("301", "工资福利支出", "1940.81", "1940.81", None),
    ("30101", "基本工资", "485.32", "485.32", None),
    ("30102", "津贴补贴", "369.51", "369.51", None),
    ("30103", "奖金", "288.26", "288.26", None),
    ("30107", "绩效工资", "109.26", "109.26", None),
    ("30108", "机关事业单位基本养老保险缴费", "198.74", "198.74", None),
    ("30110", "职工基本医疗保险缴费", "196.62", "196.62", None),
    ("30111", "公务员医疗补助缴费", "50.31", "50.31", None),
    ("30112", "其他社会保障缴费", "4.11", "4.11", None),
    ("30113", "住房公积金", "160.61", "160.61", None),
    ("30199", "其他工资福利支出", "78.07", "78.07", None),
    ("302", "商品和服务支出", "208.17", None, "208.17"),
    ("30201", "办公费", "74.01", None, "74.01"),
    ("30202", "印刷费", "1.50", None, "1.50"),
    ("30207", "邮电费", "5.00", None, "5.00"),
    ("30211", "差旅费", "2.80", None, "2.80"),
    ("30213", "维修（护）费", "0.30", None, "0.30"),
    ("30216", "培训费", "1.00", None, "1.00"),
    ("30217", "公务接待费", "0.30", None, "0.30"),
    ("30226", "劳务费", "38.10", None, "38.10"),
    ("30227", "委托业务费", "4.80", None, "4.80"),
    ("30228", "工会经费", "19.89", None, "19.89"),
    ("30229", "福利费", "26.95", None, "26.95"),
    ("30231", "公务用车运行维护费", "22.50", None, "22.50"),
    ("30299", "其他商品和服务支出", "11.02", None, "11.02"),
    ("303", "对个人和家庭的补助", "210.96", "210.96", None),
    ("30301", "离休费", "35.21", "35.21", None),
    ("30302", "退休费", "149.00", "149.00", None),
    ("30305", "生活补助", "9.10", "9.10", None),
    ("30307", "医疗费补助", "13.20", "13.20", None),
    ("30399", "其他对个人和家庭的补助", "4.45", "4.45", None),
]
T6_KEYS = ("total", "personnel", "public")


def test_hand_typed_t6_is_consistent() -> None:
    for code, name, total, personnel, public in T6:
        parts = sum(Decimal(v) for v in (personnel, public) if v is not None)
        assert Decimal(total) == parts, (code, name)
    # Each 类 row is the sum of its 款 rows.
    for cls in ("301", "302", "303"):
        head = next(r for r in T6 if r[0] == cls)
        items = [r for r in T6 if r[0] and r[0].startswith(cls) and len(r[0]) == 5]
        assert Decimal(head[2]) == sum(Decimal(r[2]) for r in items), cls


def test_t6_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "general_basic")
    assert _coded_view(t) == _coded_want(T6, T6_KEYS)
    assert [r.source.line for r in t.rows] == list(range(310, 342))
    # Only the three 类 rows are printed bold (the 总计 row on line 310 is not).
    assert [r.code for r in t.rows if r.emphasized] == ["301", "302", "303"]


def test_t6_economic_code_split_over_two_cells(sample_doc: Document) -> None:
    """``301\t01 基本工资`` is one row with code 30101, not a 类 row named ``01 基本工资``."""
    t = table(sample_doc, "general_basic")
    (row,) = t.rows_by_code("30101")
    assert row.name == "基本工资"
    assert row.source.line == 312
    assert row.values["total"].source.cell == "col 3"
    assert row.values["personnel"].source.cell == "col 4"
    (reception,) = t.rows_by_code("30217")
    assert reception.value("public") == Decimal("0.30")
    assert reception.value("personnel") is None


# ---------------------------------------------------------------------------------------------
# 表7 一般公共预算项目支出情况表 (lines 351–385): units, classes and projects
# ---------------------------------------------------------------------------------------------

ENERGY = "乌鲁木齐市节能监察中心"
SME = "乌鲁木齐市中小企业服务中心"
PROJECT_95 = "乌财企〔2023〕95号-关于提前下达2024年自治区中小企业发展专项资金预算的通知"
PROJECT_99 = (
    "乌财企【2023】99号-关于提前下达中央财政2024年中小企业发展专项资金预算（专精特新方向）的通知"
)

# (line, kind, unit_name, code, name, project, 项目支出合计, 商品服务支出 e302, 对企业补助 e312, bold)
T7 = [
    (354, "total", None, None, "总计", None, "2341.81", "2189.81", "152.00", False),
    (355, "unit", SELF, None, SELF, None, "2297.20", "2145.20", "152.00", False),
    (356, "item", SELF, "206", "科学技术支出", None, "2068.67", "2068.67", None, False),
    (357, "item", SELF, "20604", "技术与开发", None, "2068.67", "2068.67", None, False),
    (
        358,
        "project",
        SELF,
        "2060499",
        "其他技术与开发支出",
        "2024年乌鲁木齐市益民大厦信息系统运维项目",
        "2068.67",
        "2068.67",
        None,
        False,
    ),
    (359, "item", SELF, "215", "资源勘探工业信息等支出", None, "228.53", "76.53", "152.00", False),
    (360, "item", SELF, "21505", "工业和信息产业监管", None, "76.53", "76.53", None, False),
    (
        361,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "特定目标 0310016Y",
        "2.00",
        "2.00",
        None,
        False,
    ),
    (
        362,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "工业和信息化项目调研经费",
        "8.03",
        "8.03",
        None,
        False,
    ),
    (
        363,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "工业和信息化项目专家评审费",
        "9.00",
        "9.00",
        None,
        False,
    ),
    (
        364,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "原机电老干所运行维护费",
        "9.00",
        "9.00",
        None,
        False,
    ),
    (
        365,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "PPP项目咨询服务费",
        "28.00",
        "28.00",
        None,
        False,
    ),
    (
        366,
        "project",
        SELF,
        "2150502",
        "一般行政管理事务",
        "安全生产工作经费",
        "20.50",
        "20.50",
        None,
        False,
    ),
    (
        367,
        "item",
        SELF,
        "21508",
        "支持中小企业发展和管理支出",
        None,
        "152.00",
        None,
        "152.00",
        False,
    ),
    (
        368,
        "project",
        SELF,
        "2150805",
        "中小企业发展专项",
        PROJECT_95,
        "82.00",
        None,
        "82.00",
        False,
    ),
    # After the page break and the repeated header (lines 370–376).
    (
        377,
        "project",
        SELF,
        "2150805",
        "中小企业发展专项",
        PROJECT_99,
        "70.00",
        None,
        "70.00",
        False,
    ),
    (378, "unit", ENERGY, None, ENERGY, None, "10.28", "10.28", None, True),
    (379, "item", ENERGY, "211", "节能环保支出", None, "10.28", "10.28", None, True),
    (380, "item", ENERGY, "21114", "能源管理事务", None, "10.28", "10.28", None, True),
    (
        381,
        "project",
        ENERGY,
        "2111499",
        "其他能源管理事务支出",
        "节能监察工作经费",
        "10.28",
        "10.28",
        None,
        False,
    ),
    (382, "unit", SME, None, SME, None, "34.33", "34.33", None, True),
    (383, "item", SME, "206", "科学技术支出", None, "34.33", "34.33", None, True),
    (384, "item", SME, "20604", "技术与开发", None, "34.33", "34.33", None, True),
    (
        385,
        "project",
        SME,
        "2060499",
        "其他技术与开发支出",
        "信息化运维项目",
        "34.33",
        "34.33",
        None,
        False,
    ),
]


def test_hand_typed_t7_is_consistent() -> None:
    projects = [r for r in T7 if r[1] == "project"]
    assert sum(Decimal(r[6]) for r in projects) == Decimal("2341.81")
    units = [r for r in T7 if r[1] == "unit"]
    assert sum(Decimal(r[6]) for r in units) == Decimal("2341.81")


def test_t7_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "general_project")
    got = [
        (
            r.source.line,
            r.kind,
            r.unit_name,
            r.code,
            r.level,
            r.name,
            r.project,
            amounts(r),
            r.emphasized,
        )
        for r in t.rows
    ]
    want = [
        (
            line,
            kind,
            unit,
            code,
            None if code is None else LEVELS[len(code)],
            name,
            project,
            expected(("total", "e302", "e312"), total, e302, e312),
            bold,
        )
        for line, kind, unit, code, name, project, total, e302, e312, bold in T7
    ]
    assert got == want


def test_t7_row_after_page_break(sample_doc: Document) -> None:
    t = table(sample_doc, "general_project")
    (row,) = [r for r in t.rows if r.project == PROJECT_99]
    assert row.source.line == 377
    assert row.code == "2150805"
    assert {k: (a.printed, a.source.cell) for k, a in row.values.items()} == {
        "total": ("70.00", "col 6"),
        "e312": ("70.00", "col 14"),
    }


def test_t7_projects_per_unit(sample_doc: Document) -> None:
    t = table(sample_doc, "general_project")
    per_unit: dict[str, Decimal] = {}
    for r in t.rows:
        if r.kind == "project":
            per_unit[r.unit_name] = per_unit.get(r.unit_name, Decimal(0)) + r.value0("total")
    assert per_unit == {
        SELF: Decimal("2297.20"),
        ENERGY: Decimal("10.28"),
        SME: Decimal("34.33"),
    }


# ---------------------------------------------------------------------------------------------
# 表8 / 表9: printed empty, with the "…为空表" sentence
# ---------------------------------------------------------------------------------------------

EMPTY = {
    "fund_expenditure": (
        "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）2024 年没有使用政府性基金预算拨款"
        "安排的支出，政府性基金预算支出情况表为空表。"
    ),
    "soe_expenditure": (
        "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）2024 年没有使用国有资本经营预算拨款"
        "安排的支出，国有资本经营预算支出情况表为空表。"
    ),
}


@pytest.mark.parametrize("type_", sorted(EMPTY))
def test_empty_tables(sample_doc: Document, type_: str) -> None:
    t = table(sample_doc, type_)
    assert t.rows == []
    assert t.is_empty
    assert t.total_row() is None
    assert t.empty_explanation == EMPTY[type_]
    assert [c.key for c in t.columns] == ["total", "basic_personnel", "basic_public", "project"]


# ---------------------------------------------------------------------------------------------
# 表10 财政拨款“三公”经费支出情况表 (lines 427–435)
# ---------------------------------------------------------------------------------------------

# (line, kind, key, printed name, 合计, 一般公共预算, bold); 政府性基金 / 国有资本经营 all blank.
T10 = [
    (430, "total", "total", "合计", "22.80", "22.80", True),
    (431, "named", "outbound", "因公出国（境）费", None, None, False),
    (432, "named", "reception", "公务接待费", "0.30", "0.30", False),
    (433, "named", "vehicles", "公务用车购置及运行费（小计）", "22.50", "22.50", True),
    (434, "named", "vehicle_purchase", "其中：公务用车购置费", None, None, False),
    (435, "named", "vehicle_operation", "公务用车运行费", "22.50", "22.50", False),
]


def test_t10_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "three_public")
    got = [(r.source.line, r.kind, r.key, r.name, amounts(r), r.emphasized) for r in t.rows]
    want = [
        (line, kind, key, name, expected(("total", "general"), total, general), bold)
        for line, kind, key, name, total, general, bold in T10
    ]
    assert got == want
    assert [c.key for c in t.columns] == ["total", "general", "fund", "soe"]


def test_t10_matches_t6_public_items(sample_doc: Document) -> None:
    """公务接待费 and 公务用车运行维护费 of 表6 reappear in 表10 (typed, both tables)."""
    t10 = table(sample_doc, "three_public")
    t6 = table(sample_doc, "general_basic")
    assert t10.row_by_key("reception").value("general") == t6.rows_by_code("30217")[0].value(
        "total"
    )
    assert t10.row_by_key("vehicle_operation").value("general") == (
        t6.rows_by_code("30231")[0].value("total")
    )


# ---------------------------------------------------------------------------------------------
# 表11 上年结转结余情况明细表 (lines 445–461)
# ---------------------------------------------------------------------------------------------

# (line, kind, printed name, amount); every row prints the same amount in 总计, 财政拨款合计 and
# 财政拨款项目支出, and leaves the other six columns blank.
T11 = [
    (449, "total", "总计", "29197.23"),
    (450, "unit", SELF, "29197.23"),
    (451, "project", "特定目标 1410079F", "133.99"),
    (452, "project", "新疆城建冷链物流项目（2023年第七批新增地方政府专项债券）", "2500.00"),
    (453, "project", "2022年乌鲁木齐市本级调增项目（新疆城建冷链物流项目）", "23300.00"),
    (454, "project", "2023年度政务云第三方评估服务项目资金（第一批）", "175.00"),
    (455, "project", "特定目标 5910129X", "1.00"),
    (456, "project", "2023年益民大厦信息系统运维项目", "1700.00"),
    (457, "project", "2022年度忠诚干净担当好班子奖金", "10.00"),
    (458, "project", "特定目标 0710193B", "1355.00"),
    (459, "project", "特定目标 3710004G", "9.14"),
    (460, "project", "2023年替代工作经费", "7.70"),
    (461, "project", "安全生产工作经费", "5.40"),
]


def test_hand_typed_t11_is_consistent() -> None:
    assert sum(Decimal(r[3]) for r in T11 if r[1] == "project") == Decimal(T11[0][3])


def test_t11_in_full(sample_doc: Document) -> None:
    t = table(sample_doc, "carryover")
    got = [
        (r.source.line, r.kind, r.name, r.unit_name, r.project, amounts(r), r.emphasized)
        for r in t.rows
    ]
    want = [
        (
            line,
            kind,
            name,
            None if kind == "total" else SELF,
            name if kind == "project" else None,
            {k: Decimal(v) for k in ("total", "fiscal_total", "fiscal_project")},
            kind != "project",
        )
        for line, kind, name, v in T11
    ]
    assert got == want
    assert [c.key for c in t.columns] == [
        "total",
        "fiscal_total",
        "fiscal_basic_personnel",
        "fiscal_basic_public",
        "fiscal_project",
        "nonfiscal_total",
        "nonfiscal_basic_personnel",
        "nonfiscal_basic_public",
        "nonfiscal_project",
    ]


def test_t11_provenance(sample_doc: Document) -> None:
    t = table(sample_doc, "carryover")
    (row,) = [r for r in t.rows if r.project == "特定目标 3710004G"]
    assert row.source.line == 459
    assert {k: a.source.cell for k, a in row.values.items()} == {
        "total": "col 2",
        "fiscal_total": "col 3",
        "fiscal_project": "col 6",
    }
