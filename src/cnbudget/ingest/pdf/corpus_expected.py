"""Hand-typed figures of the corpus PDFs, read off the rendered pages (``pdftoppm``) — the truth
the PDF reader's tests and ``benchmarks/bench_pdf.py`` (per-cell accuracy) compare against.

Each :class:`Expect` names a cell by layout table type, row (``total``, ``code=…``, ``key=…``),
column key and side, and holds the amount *as printed* and the page it is printed on. The
value in 万元 follows from the unit printed in that table's header (元 ÷ 10000, exactly).
Nothing here was produced by the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Expect:
    table: str
    row: str
    column: str
    printed: str
    page: int
    side: str | None = None
    unit: str = "元"

    @property
    def value(self) -> Decimal:
        """The amount in 万元: the printed figure scaled exactly from the table's unit."""
        v = Decimal(self.printed.replace(",", ""))
        return v / Decimal(10000) if self.unit == "元" else v


_W = "万元"

#: Layout table types every file must yield (all nine printed tables; Shanghai's table 9 yields
#: two typed tables: the 三公 items and the 机关运行经费).
SHANGHAI_TYPES = [
    "summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_summary",
    "general_expenditure",
    "fund_expenditure",
    "soe_expenditure",
    "general_basic",
    "three_public",
    "admin_costs",
]
MOF_TYPES = [
    "summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_summary",
    "general_expenditure",
    "general_basic",
    "three_public",
    "fund_expenditure",
    "soe_expenditure",
]

LAYOUTS = {
    "shanghai-putuo-commerce-2025-dept-budget.pdf": "shanghai-budget-9",
    "shanghai-putuo-commerce-2025-unit-budget.pdf": "shanghai-unit-budget-9",
    "shanghai-putuo-wanli-street-2024-dept-budget.pdf": "shanghai-budget-9",
    "shanghai-putuo-wanli-street-2025-dept-budget.pdf": "shanghai-budget-9",
    "shanghai-putuo-finance-2024-dept-final.pdf": "mof-final-9",
    "template-dept-final-2024.pdf": "mof-final-9",
}

TYPES = {
    name: (MOF_TYPES if layout == "mof-final-9" else SHANGHAI_TYPES)
    for name, layout in LAYOUTS.items()
}

E = Expect

EXPECTED: dict[str, list[Expect]] = {
    "shanghai-putuo-commerce-2025-dept-budget.pdf": [
        # p9 2025年部门财务收支预算总表 (元)
        E("summary", "total", "amount", "371,514,655.00", 9, "income"),
        E("summary", "key=general_budget", "amount", "371,514,655.00", 9, "income"),
        E("summary", "code=215", "amount", "293,810,000.00", 9, "expenditure"),
        E("summary", "code=210", "amount", "881,803.00", 9, "expenditure"),
        E("summary", "total", "amount", "371,514,655.00", 9, "expenditure"),
        # p10–11 2025年部门收入预算总表
        E("income_summary", "code=2080505", "total", "1,410,886.00", 10),
        E("income_summary", "code=2011350", "fiscal", "2,901,820.00", 10),
        E("income_summary", "code=2210203", "total", "1,488,000.00", 11),
        E("income_summary", "total", "total", "371,514,655.00", 11),
        # p12–13 2025年部门支出预算总表
        E("expenditure_summary", "code=20113", "basic", "12,291,733.00", 12),
        E("expenditure_summary", "code=20113", "project", "9,310,000.00", 12),
        E("expenditure_summary", "total", "basic", "19,830,655.00", 13),
        # p15–16 2025年部门一般公共预算支出功能分类预算表 (header repeated on p16)
        E("general_expenditure", "code=2080506", "total", "705,443.00", 15),
        E("general_expenditure", "code=2080599", "basic", "13,260.00", 16),
        E("general_expenditure", "code=2150899", "project", "293,810,000.00", 16),
        E("general_expenditure", "total", "total", "371,514,655.00", 16),
        E("general_expenditure", "total", "project", "351,684,000.00", 16),
        # p19–20 2025年部门一般公共预算基本支出部门预算经济分类预算表
        E("general_basic", "code=30101", "personnel", "1,952,616.00", 19),
        E("general_basic", "code=30217", "public", "10,000.00", 20),
        E("general_basic", "code=310", "total", "78,000.00", 20),
        E("general_basic", "total", "personnel", "18,120,593.00", 20),
        # p21 2025年部门“三公”经费和机关运行经费预算表 (万元)
        E("three_public", "total", "total", "1.00", 21, unit=_W),
        E("three_public", "key=reception", "total", "1.00", 21, unit=_W),
        E("admin_costs", "key=admin_costs", "amount", "171.01", 21, unit=_W),
    ],
    "shanghai-putuo-commerce-2025-unit-budget.pdf": [
        # p9 2025年预算单位财务收支预算总表: 预算数 split into 合计 / 人员经费 / 公用经费 / 项目支出
        E("summary", "total", "amount", "371,514,655.00", 9, "income"),
        E("summary", "code=201", "amount", "21,601,733.00", 9, "expenditure"),
        E("summary", "code=201", "personnel", "10,823,891.00", 9, "expenditure"),
        E("summary", "code=201", "public", "1,467,842.00", 9, "expenditure"),
        E("summary", "code=201", "project", "9,310,000.00", 9, "expenditure"),
        E("summary", "code=208", "public", "242,220.00", 9, "expenditure"),
        E("summary", "total", "project", "351,684,000.00", 9, "expenditure"),
        # p10–11 2025年预算单位收入预算总表
        E("income_summary", "code=2011301", "total", "9,389,913.00", 10),
        E("income_summary", "total", "fiscal", "371,514,655.00", 11),
        # p14 2025年预算单位财政拨款收支预算总表
        E("fiscal_summary", "key=general", "total", "371,514,655.00", 14, "income"),
        E("fiscal_summary", "code=206", "general", "17,200,000.00", 14, "expenditure"),
        E("fiscal_summary", "total", "total", "371,514,655.00", 14, "expenditure"),
        # p19–20 经济分类
        E("general_basic", "code=30102", "personnel", "7,533,376.00", 19),
        E("general_basic", "code=30228", "public", "194,962.00", 20),
        E("general_basic", "total", "total", "19,830,655.00", 20),
        # p21 三公 (万元)
        E("three_public", "total", "total", "1.00", 21, unit=_W),
        E("admin_costs", "key=admin_costs", "amount", "171.01", 21, unit=_W),
    ],
    "shanghai-putuo-wanli-street-2024-dept-budget.pdf": [
        # p10 2024年部门财务收支预算总表 (元, integers)
        E("summary", "key=fiscal_income", "amount", "156,211,123", 10, "income"),
        E("summary", "code=212", "amount", "119,385,303", 10, "expenditure"),
        E("summary", "code=205", "amount", "250,000", 10, "expenditure"),
        E("summary", "total", "amount", "156,211,123", 10, "expenditure"),
        # p11–15 2024年部门收入预算总表: 合计 alone on p15, in columns of its own
        E("income_summary", "code=2010507", "total", "257,700", 11),
        E("income_summary", "code=2010507", "business", "0", 11),
        E("income_summary", "code=2080505", "fiscal", "4,608,515", 13),
        E("income_summary", "code=2120101", "total", "16,603,248", 14),
        E("income_summary", "total", "total", "156,211,123", 15),
        E("income_summary", "total", "other", "0", 15),
        # p16–20 2024年部门支出预算总表
        E("expenditure_summary", "code=201", "basic", "0", 16),
        E("expenditure_summary", "total", "basic", "99,706,020", 20),
        E("expenditure_summary", "total", "project", "56,505,103", 20),
        # p29–30 经济分类 (p29 prints 款 "2" and "7" without the leading zero)
        E("general_basic", "code=30102", "personnel", "16,623,810", 29),
        E("general_basic", "code=30107", "total", "11,447,100", 29),
        E("general_basic", "code=301", "total", "88,282,511", 29),
        E("general_basic", "total", "public", "11,168,569", 30),
        # p31 三公 (万元, integers such as 25 printed without decimals)
        E("three_public", "total", "total", "47.91", 31, unit=_W),
        E("three_public", "key=outbound", "total", "0", 31, unit=_W),
        E("three_public", "key=vehicles", "total", "46.56", 31, unit=_W),
        E("three_public", "key=vehicle_purchase", "total", "25", 31, unit=_W),
        E("three_public", "key=vehicle_operation", "total", "21.56", 31, unit=_W),
        E("admin_costs", "key=admin_costs", "amount", "443.18", 31, unit=_W),
    ],
    "shanghai-putuo-wanli-street-2025-dept-budget.pdf": [
        # p9 2025年部门财务收支预算总表
        E("summary", "total", "amount", "189,767,551", 9, "income"),
        E("summary", "code=208", "amount", "16,091,895", 9, "expenditure"),
        E("summary", "code=212", "amount", "154,369,326", 9, "expenditure"),
        # p10–13 收入预算总表
        E("income_summary", "code=2120101", "total", "17,887,739", 12),
        E("income_summary", "code=2210201", "fiscal", "3,846,732", 13),
        E("income_summary", "total", "total", "189,767,551", 13),
        # p14–18 支出预算总表
        E("expenditure_summary", "code=2120101", "project", "150,000", 17),
        E("expenditure_summary", "total", "basic", "101,341,746", 18),
        E("expenditure_summary", "total", "project", "88,425,805", 18),
        # p27–28 经济分类
        E("general_basic", "code=30217", "public", "13,500", 28),
        E("general_basic", "code=30231", "total", "215,600", 28),
        E("general_basic", "total", "personnel", "90,514,044", 28),
        # p29 三公 (万元)
        E("three_public", "total", "total", "37.91", 29, unit=_W),
        E("three_public", "key=reception", "total", "1.35", 29, unit=_W),
        E("three_public", "key=vehicle_purchase", "total", "15", 29, unit=_W),
        E("admin_costs", "key=admin_costs", "amount", "464.64", 29, unit=_W),
    ],
    "shanghai-putuo-finance-2024-dept-final.pdf": [
        # p6–7 收入支出决算总表 (万元), continued on p7 without a repeated header
        E("summary", "key=general_budget", "amount", "2,940.05", 6, "income", _W),
        E("summary", "key=other_income", "amount", "6.20", 6, "income", _W),
        E("summary", "key=current_income", "amount", "2,946.25", 6, "income", _W),
        E("summary", "key=opening_balance", "amount", "49.14", 7, "income", _W),
        E("summary", "total", "amount", "2,995.39", 7, "income", _W),
        E("summary", "code=221", "amount", "445.69", 6, "expenditure", _W),
        E("summary", "total", "amount", "2,940.05", 6, "expenditure", _W),
        E("summary", "key=closing_balance", "amount", "55.34", 7, "expenditure", _W),
        E("summary", "key=grand_total", "amount", "2,995.39", 7, "expenditure", _W),
        # p8–9 收入决算表 (names wrapped over two lines inside their cells)
        E("income_summary", "total", "total", "2,946.25", 8, unit=_W),
        E("income_summary", "total", "other", "6.20", 8, unit=_W),
        E("income_summary", "code=2010601", "total", "1,511.90", 8, unit=_W),
        E("income_summary", "code=2010601", "other", "0.01", 8, unit=_W),
        E("income_summary", "code=2080505", "fiscal", "160.75", 8, unit=_W),
        E("income_summary", "code=2210203", "total", "258.50", 9, unit=_W),
        # p10–11 支出决算表 (basic / project printed at the top of their cells)
        E("expenditure_summary", "total", "basic", "2,336.91", 10, unit=_W),
        E("expenditure_summary", "total", "project", "603.14", 10, unit=_W),
        E("expenditure_summary", "code=2010601", "project", "8.37", 10, unit=_W),
        E("expenditure_summary", "code=2080506", "total", "80.38", 10, unit=_W),
        # p12–13 财政拨款收入支出决算总表
        E("fiscal_summary", "key=general", "total", "2,940.05", 12, "income", _W),
        E("fiscal_summary", "key=opening_balance", "total", "21.63", 13, "income", _W),
        E("fiscal_summary", "key=cf_general", "total", "21.63", 13, "income", _W),
        E("fiscal_summary", "total", "total", "2,961.68", 13, "income", _W),
        E("fiscal_summary", "code=210", "general", "60.99", 12, "expenditure", _W),
        E("fiscal_summary", "key=grand_total", "general", "2,961.68", 13, "expenditure", _W),
        # p15 一般公共预算财政拨款支出决算表
        E("general_expenditure", "code=2010608", "project", "449.52", 15, unit=_W),
        E("general_expenditure", "total", "basic", "2,336.91", 15, unit=_W),
        # p16–17 基本支出决算表: two halves (人员经费 | 公用经费)
        E("general_basic", "code=30101", "personnel", "262.33", 16, unit=_W),
        E("general_basic", "code=30211", "public", "1.20", 16, unit=_W),
        E("general_basic", "code=30309", "personnel", "0.31", 17, unit=_W),
        E("general_basic", "code=31002", "public", "13.58", 17, unit=_W),
        E("general_basic", "total", "personnel", "2,152.26", 17, unit=_W),
        E("general_basic", "total", "public", "184.65", 17, unit=_W),
        # p18 财政拨款“三公”经费支出决算表 (items as columns, 预算数 / 决算数)
        E("three_public", "total", "budget", "0.95", 18, unit=_W),
        E("three_public", "key=reception", "budget", "0.95", 18, unit=_W),
    ],
    # The template prints no figures: its checks are the tables, rows and codes (test_corpus).
    "template-dept-final-2024.pdf": [],
}


__all__ = ["EXPECTED", "LAYOUTS", "MOF_TYPES", "SHANGHAI_TYPES", "TYPES", "Expect"]
