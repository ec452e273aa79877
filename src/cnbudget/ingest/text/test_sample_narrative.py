"""Metadata, narrative sections, performance targets and glossary of the real sample.

Expected values are typed by hand from ``urumqi-gxj-2024-budget.txt`` (line numbers in comments
are the sample's 1-based lines).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from cnbudget.model import Document, Indicator, PerformanceTable, Section
from cnbudget.testing import SAMPLE_NAME

SELF = "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）"


def section(doc: Document, number: str) -> Section:
    s = doc.section(number)
    assert s is not None, f"section {number} not found"
    return s


def paragraphs(s: Section) -> list[str]:
    return [p.text for x in s.walk() for p in x.paragraphs]


# ---------------------------------------------------------------------------------------------
# Metadata (title block, 第一部分 部门概况, signature)
# ---------------------------------------------------------------------------------------------


def test_metadata_identity(sample_doc: Document) -> None:
    md = sample_doc.metadata
    assert md.kind == "budget"
    assert md.year == 2024
    assert md.department == "乌鲁木齐市工业和信息化局"
    assert md.alias == "乌鲁木齐市大数据发展局"
    assert md.full_name == SELF
    assert md.currency_unit == "万元"
    assert md.layout == "budget-11"
    assert sample_doc.source_name == SAMPLE_NAME


def test_metadata_region(sample_doc: Document) -> None:
    region = sample_doc.metadata.region
    assert region.city == "乌鲁木齐市"
    assert region.province == "新疆维吾尔自治区"
    assert region.district is None


def test_publication_date(sample_doc: Document) -> None:
    # Last line of the sample: "2024年2月22日".
    assert sample_doc.metadata.publication_date == dt.date(2024, 2, 22)


def test_budget_units(sample_doc: Document) -> None:
    units = sample_doc.metadata.budget_units
    assert [(u.name, u.is_self, u.source.line) for u in units] == [
        (SELF, True, 75),
        ("乌鲁木齐市节能监察中心", False, 76),
        ("乌鲁木齐市中小企业服务中心", False, 77),
        ("乌鲁木齐市工业和信息化项目中心", False, 78),
    ]


def test_staffing(sample_doc: Document) -> None:
    # Lines 80–82: 编制数 123，实有人数 292 人，其中：在职 112 人，增加 11 人；退休 178 人，
    # 减少 3 人；离休 2 人，减少 5 人。
    st = sample_doc.metadata.staffing
    assert st is not None
    assert (st.authorized, st.actual) == (123, 292)
    assert (st.active, st.active_change) == (112, 11)
    assert (st.retired, st.retired_change) == (178, -3)
    assert (st.lixiu, st.lixiu_change) == (2, -5)
    assert st.source is not None and st.source.line == 80


def test_functions_and_structure(sample_doc: Document) -> None:
    md = sample_doc.metadata
    assert md.functions is not None
    assert md.functions.startswith("（一）贯彻执行国家、自治区和我市有关工业和信息化")
    assert md.functions.endswith("（十二）承办市委、市人民政府交办的其他事项。")
    assert md.structure is not None
    assert "本级下设 14 个处室" in md.structure
    assert "信息安全科。" in md.structure


# ---------------------------------------------------------------------------------------------
# 第一部分 部门概况
# ---------------------------------------------------------------------------------------------


def test_overview_sections(sample_doc: Document) -> None:
    got = [(s.number, s.title, s.level, s.source.line) for s in sample_doc.overview]
    assert got == [("一", "主要职能", 1, 61), ("二", "机构设置及人员情况", 1, 65)]
    assert len(sample_doc.overview[0].paragraphs) == 1
    assert sample_doc.overview[0].paragraphs[0].source.line == 63


def test_overview_paragraph_broken_mid_word_is_joined(sample_doc: Document) -> None:
    """Lines 71 and 73 are one sentence cut inside "工业和信息化局" by the converter."""
    texts = [p.text for p in sample_doc.overview[1].paragraphs]
    joined = (
        "本部门中，行政单位 1 家，事业单位 3 家，纳入乌鲁木齐市工业和信息化局（乌鲁木齐市大数据"
        "发展局）2024年部门预算编制范围的下属预算单位包括："
    )
    assert joined in texts
    assert not any(t.startswith("局（乌鲁木齐市大数据发展局）2024年") for t in texts)


def test_overview_staffing_paragraph_is_one_paragraph(sample_doc: Document) -> None:
    texts = [p.text for p in sample_doc.overview[1].paragraphs]
    staffing = [t for t in texts if "编制数" in t]
    assert len(staffing) == 1
    assert "实有人数 292 人" in staffing[0]
    assert staffing[0].endswith("减少 5 人。")


# ---------------------------------------------------------------------------------------------
# 第三部分 情况说明
# ---------------------------------------------------------------------------------------------

ABOUT = f"关于{SELF}2024 年"
# (number, title, line) of the twelve level-1 sections.
EXPLANATION = [
    ("一", f"{ABOUT}收支预算情况总体说明", 465),
    ("二", f"{ABOUT}收入预算情况说明", 473),
    ("三", f"{ABOUT}支出预算情况说明", 491),
    ("四", f"{ABOUT}财政拨款收支预算情况的总体说明", 499),
    ("五", f"{ABOUT}一般公共预算当年拨款情况说明", 509),
    ("六", f"{ABOUT}一般公共预算基本支出情况说明", 556),
    ("七", f"关于{SELF}2024年一般公共预算项目支出情况说明", 564),
    ("八", f"{ABOUT}政府性基金预算拨款情况说明", 704),
    ("九", f"{ABOUT}国有资本经营预算拨款情况说明", 708),
    ("十", f"{ABOUT}财政拨款“三公”经费预算情况说明", 712),
    ("十一", f"{ABOUT}上年结转结余预算情况说明", 720),
    ("十二", "其他重要事项的情况说明", 746),
]


def test_twelve_explanation_sections(sample_doc: Document) -> None:
    got = [(s.number, s.title, s.source.line) for s in sample_doc.explanation]
    assert got == EXPLANATION
    assert all(s.level == 1 for s in sample_doc.explanation)


def test_section_five_subsections(sample_doc: Document) -> None:
    s = section(sample_doc, "五")
    assert s.paragraphs == []
    got = [(x.number, x.title, x.level, x.source.line) for x in s.subsections]
    assert got == [
        ("（一）", "一般公共预算当年拨款规模变化情况", 2, 511),
        ("（二）", "一般公共预算当年拨款结构情况", 2, 519),
        ("（三）", "一般公共预算当年拨款具体使用情况", 2, 526),
    ]


def test_section_twelve_subsections(sample_doc: Document) -> None:
    s = section(sample_doc, "十二")
    got = [(x.number, x.title, x.source.line) for x in s.subsections]
    assert got == [
        ("（一）", "单位运行经费情况", 748),
        ("（二）", "政府采购情况", 752),
        ("（三）", "国有资产占用使用情况", 758),
        ("（四）", "预算绩效情况", 774),
        # After the eleven performance tables.
        ("（五）", "其他需说明的事项", 984),
    ]
    assert [len(x.paragraphs) for x in s.subsections] == [1, 2, 7, 1, 1]


# Paragraph counts of the sections whose paragraphs are each printed as one block.
PARAGRAPH_COUNTS = {
    "一": 3,
    "二": 8,
    "三": 3,
    "四": 4,
    "六": 3,
    "八": 1,
    "九": 1,
    "十": 2,
    "十一": 12,
}


@pytest.mark.parametrize(("number", "count"), sorted(PARAGRAPH_COUNTS.items()))
def test_paragraph_counts(sample_doc: Document, number: str, count: int) -> None:
    s = section(sample_doc, number)
    assert s.subsections == []
    assert len(s.paragraphs) == count


def test_first_paragraphs_of_sections(sample_doc: Document) -> None:
    one = section(sample_doc, "一").paragraphs[0]
    assert one.source.line == 467
    assert one.text == (
        f"按照全口径预算的原则，{SELF}2024 年所有收入和支出均纳入部门预算管理。"
        "收支总预算 33,898.98 万元。"
    )
    structure = section(sample_doc, "五").subsections[1]
    assert [p.text for p in structure.paragraphs] == [
        "1、科学技术支出（类）2,103.00 万元，占 44.73%。",
        "2、社会保障和就业支出（类）382.95 万元，占 8.14%。",
        "3、节能环保支出（类）259.63 万元，占 5.52%。",
        "4、资源勘探工业信息等支出（类）1,956.17 万元，占 41.61%。",
    ]


def test_paragraphs_broken_by_page_breaks_are_joined(sample_doc: Document) -> None:
    """546/548, 630/632, 656/658 and 716/718 are paragraphs cut by a page break."""
    texts = [t for s in sample_doc.explanation for t in paragraphs(s)]
    assert any("比上年预算增加 30.00 万元，增长 64.47%。" in t for t in texts)  # 546/548
    assert any("乌政阅〔2017〕104号）（附件1)中" in t for t in texts)  # 630/632
    assert any("和市财政局《关于聘请第三方咨询机构" in t for t in texts)  # 656/658
    assert any("主要原因是 2024 年未安排此项预算经费" in t for t in texts)  # 716/718
    assert not any(t.startswith("增长 64.47%") for t in texts)
    assert not any(t.startswith("安排此项预算经费") for t in texts)


def test_paragraph_530_532_is_joined_across_page_break(sample_doc: Document) -> None:
    """The continuation "15.11%。…" (line 532) is not a numbered point "15."."""
    texts = paragraphs(section(sample_doc, "五").subsections[2])
    joined = [t for t in texts if "下降" in t and "15.11%" in t]
    assert joined == [
        "2、社会保障和就业支出（类）行政事业单位养老支出（款）行政单位离退休（项）：2024 年预算数为 "
        "164.33 万元，比上年预算减少 29.26 万元，下降15.11%。主要原因是 2024 年行政离休人员和"
        "退休人员减少，所以离退休支出减少。"
    ]
    # (三) prints twelve numbered points, one paragraph each.
    assert len(texts) == 12
    assert [re.match(r"^(\d+)、", t).group(1) for t in texts] == [str(i) for i in range(1, 13)]


FIELDS = ("设立的政策依据", "预算安排规模", "项目承担单位", "资金分配情况", "资金执行时间")


def test_section_seven_mentions_all_eleven_projects(sample_doc: Document) -> None:
    text = section(sample_doc, "七").text()
    for name in (
        "特定目标 0310016Y",
        "乌财企〔2023〕95号-关于提前下达2024年自治区中小企业发展专项资金预算的通知",
        "工业和信息化项目调研经费",
        "工业和信息化项目专家评审费",
        "2024年乌鲁木齐市益民大厦信息系统运维项目",
        "原机电老干所运行维护费",
        "ppp项目咨询服务费",
        "安全生产工作经费",
        "节能监察工作经费",
        "信息化运维项目",
    ):
        assert name in text
    for field in FIELDS:
        assert len(re.findall(field + "[:：]", text)) == 11, field


def test_section_seven_fields_are_separate_paragraphs(sample_doc: Document) -> None:
    """Lines 566–702: every "label：value" line is its own paragraph (blank line between)."""
    texts = paragraphs(section(sample_doc, "七"))
    for t in texts:
        found = [f for f in FIELDS if re.search(f + "[:：]", t)]
        assert len(found) <= 1, t
    assert "预算安排规模：2.00 万元" in texts  # line 570
    assert "项目承担单位：乌鲁木齐市中小企业服务中心" in texts  # line 698


# ---------------------------------------------------------------------------------------------
# Performance-target tables (部门整体绩效目标表 + 10 项目支出绩效目标表)
# ---------------------------------------------------------------------------------------------

# (title line, kind, 预算单位 / 部门名称, 项目名称, 负责人 / 联系人, amounts, indicator count)
PERFORMANCE = [
    (
        778,
        "department",
        "乌鲁木齐市工业和信息化局 (乌鲁木齐市大数据发展局)",
        None,
        "陈莉君",
        {"upper": "152.00", "own": "4549.75", "other": "29197.23"},
        5,
    ),
    (798, "project", SELF, "2024 年乌鲁木齐市益民大厦信息系统运维项目", "任晓莹", "2068.67", 9),
    (817, "project", SELF, "ppp 项目咨询服务费", "任晓莹", "28.00", 7),
    (834, "project", SELF, "安全生产工作经费", "李大军", "20.50", 8),
    (852, "project", SELF, "工业和信息化项目调研经费", "王展宏", "8.03", 8),
    (870, "project", SELF, "工业和信息化项目专家评审费", "任晓莹", "9.00", 7),
    (887, "project", "乌鲁木齐市节能监察中心", "节能监察工作经费", None, "10.28", 7),
    (904, "project", SELF, "提前下达 2024 年自治区中小企业发展专项资金", "朱华玲", "82.00", 9),
    (
        923,
        "project",
        SELF,
        "提前下达中央财政 2024 年中小企业发展专项资金（专精特新方向）",
        "朱华玲",
        "70.00",
        8,
    ),
    (947, "project", "乌鲁木齐市中小企业服务中心", "信息化运维项目", None, "34.33", 8),
    (965, "project", SELF, "原机电所运行维护费", "王东", "9.00", 9),
]


def perf(doc: Document, line: int) -> PerformanceTable:
    found = [p for p in doc.performance if p.source and p.source.line == line]
    assert len(found) == 1, f"no performance table at line {line}"
    return found[0]


def indicator(doc: Document, line: int) -> Indicator:
    found = [i for p in doc.performance for i in p.indicators if i.source.line == line]
    assert len(found) == 1, f"no indicator at line {line}"
    return found[0]


def test_eleven_performance_tables(sample_doc: Document) -> None:
    got = [(p.kind, p.source.line) for p in sample_doc.performance]
    assert got == [(kind, line) for line, kind, *_ in PERFORMANCE]
    assert all(p.year == 2024 for p in sample_doc.performance)


@pytest.mark.parametrize(
    ("line", "kind", "unit", "project", "owner", "money", "n_indicators"), PERFORMANCE
)
def test_performance_table_header(
    sample_doc: Document,
    line: int,
    kind: str,
    unit: str,
    project: str | None,
    owner: str | None,
    money: str | dict[str, str],
    n_indicators: int,
) -> None:
    p = perf(sample_doc, line)
    assert p.kind == kind
    assert p.unit_name == unit
    assert p.project_name == project
    assert p.owner == owner
    if isinstance(money, str):  # 年度预算总额 = 其中：财政拨款, 其他资金 0.00
        money = {"total": money, "fiscal": money, "other": "0.00"}
    assert {k: a.value for k, a in p.amounts.items()} == {k: Decimal(v) for k, v in money.items()}
    assert len(p.indicators) == n_indicators
    assert p.goal


def test_department_table_details(sample_doc: Document) -> None:
    p = perf(sample_doc, 778)
    assert p.phone == "2819358"
    assert p.goal.startswith("根据三定方案")
    assert p.goal.endswith("着力推动工业经济高质量发展。")
    assert p.amounts["own"].printed == "4,549.75"
    assert p.amounts["own"].source.line == 787
    first = p.indicators[0]
    assert (first.level1, first.level2, first.level3) == (
        "履职效能",
        "数量指标",
        "培育“专精特新”企业",
    )
    assert (first.comparator, first.target_value, first.target_unit) == (">=", Decimal(30), "家")
    assert first.basis == "2024 年工作计划"
    assert [i.level3 for i in p.indicators] == [
        "培育“专精特新”企业",
        "培育“小升规”企业",
        "跟踪推进重点工业项目",
        "计划开展重点用能企业节能监察工作",
        "发布惠企政策信息",
    ]
    assert [i.target_value for i in p.indicators] == [Decimal(v) for v in (30, 50, 80, 50, 150)]


def test_project_amount_provenance(sample_doc: Document) -> None:
    p = perf(sample_doc, 798)
    total = p.amounts["total"]
    assert (total.printed, total.source.line) == ("2,068.67", 804)


# (line, level1, level2, level3, comparator, value, unit, basis, last_year, weight, rule, evidence)
INDICATORS = [
    (
        807,
        "产出指标",
        "数量指标",
        "网络设备日常运维",
        ">=",
        "360",
        "次",
        "计划标准",
        "365 次",
        "8",
        "按照完成比例赋分",
        "工作资料",
    ),
    # A text target: no comparator, no value.
    (
        814,
        "效益指标",
        "社会效益指标",
        "集约高效、安全可靠的服务",
        None,
        None,
        None,
        "自定义",
        "有效提供",
        "30",
        "按评判等级赋分",
        "工作资料",
    ),
    (
        815,
        "满意度指标",
        "满意度指标",
        "服务单位满意度 (%)",
        ">=",
        "90",
        "%",
        "计划标准",
        "90%",
        "10",
        "满意度赋分",
        "工作资料",
    ),
    (
        829,
        "产出指标",
        "时效指标",
        "提供咨询服务工作时长",
        ">=",
        "1",
        "小时/次",
        "计划标准",
        None,
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    (
        847,
        "成本指标",
        "经济成本指标",
        "劳务费",
        "<=",
        "8.90",
        "万元",
        "历史标准",
        "8 万元",
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    # "< =11.6 0 万元": spaces inside the comparator and inside the number.
    (
        848,
        "成本指标",
        "经济成本指标",
        "其他交通费",
        "<=",
        "11.60",
        "万元",
        "历史标准",
        "9 万元",
        "10",
        "按照完成比例赋分",
        "正式材料",
    ),
    (
        866,
        "产出指标",
        "质量指标",
        "出差学习、培训调研任务完成率",
        "=",
        "100",
        "%",
        "计划标准",
        "100%",
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    (
        883,
        "产出指标",
        "时效指标",
        "召开评审论证会时间",
        "<=",
        "8",
        "小时/次",
        "历史标准",
        "7 小时/次",
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    # "产出 指标" / "数量 指标": spaces inside CJK cells folded.
    (
        896,
        "产出指标",
        "数量指标",
        "发放人员工资人数",
        "=",
        "1",
        "人",
        "计划标准",
        "2 人",
        "10",
        "按照完成比例赋分",
        "工作资料, 说明材料",
    ),
    (
        902,
        "效益指标",
        "社会效益指标",
        "有效开展节能监察工作",
        None,
        None,
        None,
        "自定义",
        "有效",
        "40",
        "按评判等级赋分",
        "工作资料, 说明材料",
    ),
    # "> =2336 80 万 元" → >= 233680 万元.
    (
        913,
        "产出指标",
        "数量指标",
        "小微企业年化担保额",
        ">=",
        "233680",
        "万元",
        "历史标准",
        "21000 0 万",
        "8",
        "按照完成比例赋分",
        "工作资料",
    ),
    (
        921,
        "满意度指标",
        "满意度指标",
        "受保企业满意度",
        ">=",
        "90",
        "%",
        "历史标准",
        "90%",
        "10",
        "满意度赋分",
        "工作资料",
    ),
    # 一级 cell missing on the wrapped page (line 938): 产出指标 carried down, row shifted back.
    (
        938,
        "产出指标",
        "质量指标",
        "资金执行率",
        "=",
        "100",
        "%",
        "历史标准",
        None,
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    (
        939,
        "产出指标",
        "质量指标",
        "资金使用合规率",
        "=",
        "100",
        "%",
        "历史标准",
        None,
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
    (
        943,
        "成本指标",
        "经济成本指标",
        "预算成本控制率",
        "=",
        "100",
        "%",
        "历史标准",
        None,
        "20",
        "按照完成比例赋分",
        "工作资料",
    ),
    # 二级 cell missing (line 980): 时效指标 sits in the 一级 column.
    (
        980,
        "产出指标",
        "时效指标",
        "公共设施维修及时率（三个工作日）",
        "=",
        "100",
        "%",
        "自定义",
        "100%",
        "10",
        "按照完成比例赋分",
        "工作资料",
    ),
]


@pytest.mark.parametrize(
    ("line", "l1", "l2", "l3", "comp", "value", "unit", "basis", "last", "weight", "rule", "ev"),
    INDICATORS,
)
def test_indicator_details(
    sample_doc: Document,
    line: int,
    l1: str,
    l2: str,
    l3: str,
    comp: str | None,
    value: str | None,
    unit: str | None,
    basis: str,
    last: str | None,
    weight: str,
    rule: str,
    ev: str,
) -> None:
    i = indicator(sample_doc, line)
    assert (i.level1, i.level2, i.level3) == (l1, l2, l3)
    assert i.comparator == comp
    assert i.target_value == (Decimal(value) if value is not None else None)
    assert i.target_unit == unit
    assert i.basis == basis
    assert i.last_year == last
    assert i.weight == Decimal(weight)
    assert i.scoring_rule == rule
    assert i.evidence == ev
    assert i.raw


def test_text_target_keeps_its_text(sample_doc: Document) -> None:
    i = indicator(sample_doc, 814)
    assert i.target_text == "有效提供"
    assert i.comparator is None and i.target_value is None and i.target_unit is None


def test_indicator_933_shifted_right_is_recovered(sample_doc: Document) -> None:
    """Line 933: empty 指标值 cell, the rest shifted one cell right; text continued on 937."""
    i = indicator(sample_doc, 933)
    assert (i.level1, i.level2, i.level3) == ("产出指标", "数量指标", "重点“小巨人”其他指标")
    assert i.basis == "计划标准"
    assert i.weight == Decimal(5)
    assert i.scoring_rule == "按评判等级赋分"
    assert i.target_text.startswith("按照工业和信息化部审核并备案的")
    assert "创新能力、经营管理、成长性" in i.target_text
    assert i.target_text.endswith("预期目标及成效")


def test_indicator_940_text_target_shifted_left_is_recovered(sample_doc: Document) -> None:
    """Line 940: 二级 cell missing (row shifted left), a text target continued on line 942."""
    i = indicator(sample_doc, 940)
    assert (i.level1, i.level2, i.level3) == ("产出指标", "质量指标", "创业创新预期发展目标")
    assert i.basis == "历史标准"
    assert i.weight == Decimal(10)
    assert i.scoring_rule == "按评判等级赋分"
    assert i.evidence == "工作资料"
    assert i.target_text.startswith("按照工业和信息化部审核并备案的")
    assert "哪些项目开展关键核心技术攻关" in i.target_text  # continued on line 942
    assert i.target_text.endswith("预期目标及成效。")


def test_indicator_levels_of_the_wrapped_table(sample_doc: Document) -> None:
    p = perf(sample_doc, 923)
    assert [i.source.line for i in p.indicators] == [932, 933, 938, 939, 940, 943, 944, 945]
    assert [i.level1 for i in p.indicators] == ["产出指标"] * 5 + [
        "成本指标",
        "效益指标",
        "满意度指标",
    ]


# ---------------------------------------------------------------------------------------------
# 第四部分 名词解释
# ---------------------------------------------------------------------------------------------

GLOSSARY = [
    ("财政拨款", 990),
    ("一般公共预算", 992),
    ("财政专户管理资金", 994),
    ("其他资金", 996),
    ("基本支出", 998),
    ("项目支出", 1000),
    ("“三公”经费", 1002),
    ("机关运行经费", 1004),
]


def test_glossary_terms(sample_doc: Document) -> None:
    got = [(g.term, g.source.line) for g in sample_doc.glossary]
    assert got == GLOSSARY


def test_glossary_definitions(sample_doc: Document) -> None:
    d = {g.term: g.definition for g in sample_doc.glossary}
    assert d["财政拨款"] == "指由一般公共预算、政府性基金预算、国有资本经营预算安排的财政拨款数。"
    assert d["一般公共预算"] == "包括公共财政拨款(补助)资金、专项收入。"
    assert d["财政专户管理资金"] == "包括专户管理行政事业性收费(主要是教育收费)、其他非税收入。"
    assert d["其他资金"] == "包括事业收入、事业经营收入、其他收入等。"
    assert d["基本支出"].startswith("包括人员经费、公用经费(定额)。")
    assert d["“三公”经费"].startswith("指部门(单位)因公出国(境)费")
    # The signature (line 1006) and the date (line 1008) are not part of the last definition.
    assert d["机关运行经费"].endswith("公务用车运行维护费及其他费用。")
    assert all("**" not in g.term for g in sample_doc.glossary)
