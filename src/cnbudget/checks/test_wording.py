"""The `wording` family: template residue, years, department names, punctuation, 决算 direction
words. Each rule on an edited copy of the Urumqi sample (and the near miss that must stay silent),
the exact findings on every corpus document (each one checked by reading the page), the generated
examples clean, and arbitrary text never making the family raise."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnbudget.checks import check_document
from cnbudget.checks.context import Context
from cnbudget.checks.families import wording
from cnbudget.checks.rulebook import TriggerEdit
from cnbudget.example import example_text
from cnbudget.ingest.text import read_text
from cnbudget.model import Document, GlossaryEntry, Paragraph, Section
from cnbudget.testing import (
    COMMERCE,
    FINANCE,
    TEMPLATE,
    UNIT,
    WANLI24,
    WANLI25,
    corpus_pdf,
    sample_text,
)


def apply(text: str, edits: list[tuple[int, str, str]]) -> str:
    lines = text.split("\n")
    for line, find, replace in edits:
        assert find in lines[line - 1], f"line {line} has no {find!r}"
        lines[line - 1] = lines[line - 1].replace(find, replace)
    return "\n".join(lines)


def wording_findings(doc: Document):
    ctx = Context.for_document(doc)
    wording.run(ctx)
    return ctx.findings


_pdf = corpus_pdf


# -- each rule on the sample ------------------------------------------------------------------------

#: rule → (edits that trigger it, the line the finding must point at, a text of its sentence,
#: the near-miss edits that must not trigger it)
CASES: dict[str, tuple[list, int, str, list]] = {
    "WRD-TPL-001": (
        [(477, "下降 10.18%", "下降（增长）10.18%")],
        477,
        "下降（增长）10.18%",
        [(477, "下降 10.18%", "下降 10.18%（7×24 小时）")],
    ),
    "WRD-TPL-002": (
        [(752 + 2, "其中：", "其中：（不涉及的不列）")],
        754,
        "不涉及的不列",
        [],
    ),
    "WRD-TPL-003": (
        [(750, "主要原因是 2024 年新增在职人员，导致机关运行经费预算增长。", "主要原因是：")],
        750,
        "主要原因是：",
        # the reason follows in the next paragraph of the section: not empty
        [(528, "主要原因是 2024 年预算按照厉行节约压减了项目支出。", "主要原因是：")],
    ),
    "WRD-YEAR-001": (
        [(88, "部门收支总体情况表", "2023年部门收支总体情况表")],
        88,
        "2023年部门收支总体情况表",
        [(88, "部门收支总体情况表", "2024年部门收支总体情况表")],
    ),
    "WRD-YEAR-002": (
        [(772, "2024 年部门预算未安排", "2023 年部门预算未安排")],
        772,
        "2023 年部门预算未安排",
        [(772, "2024 年部门预算未安排", "比 2023 年部门预算未安排")],
    ),
    "WRD-DEPT-001": (
        [(473, "关于乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）", "关于乌鲁木齐市财政局")],
        473,
        "关于乌鲁木齐市财政局",
        [(473, "关于乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）", "关于市工信局")],
    ),
    "WRD-DEPT-002": (
        [(990, "指由一般公共预算", "指区级预算主管部门由一般公共预算")],
        990,
        "区级预算主管部门",
        [(990, "指由一般公共预算", "指市级预算主管部门由一般公共预算")],
    ),
    "WRD-PUNC-001": (
        [(497, "增长 38.72%，", "增长 38.72%，，")],
        497,
        "38.72%，，",
        [],
    ),
    "WRD-PUNC-002": (
        [(497, "增长 38.72%", "增长 38.72")],
        497,
        "增长 38.72，",
        [(497, "增长 38.72%", "增长 38.72 个百分点")],
    ),
    "WRD-FIN-001": (
        [
            (
                986,
                "上年结转",
                "年初预算为 5.00 万元，支出决算为 6.00 万元，决算数低于年初预算。上年结转",
            )
        ],
        986,
        "决算数低于年初预算",
        [
            (
                986,
                "上年结转",
                "年初预算为 5.00 万元，支出决算为 6.00 万元，决算数高于年初预算。上年结转",
            )
        ],
    ),
    "WRD-FIN-002": (
        [
            (
                986,
                "上年结转",
                "年初预算为 5.00 万元，支出决算为 5.00 万元，决算数大于预算数。上年结转",
            )
        ],
        986,
        "决算数大于预算数",
        [
            (
                986,
                "上年结转",
                "年初预算为 5.00 万元，支出决算为 5.00 万元，决算数等于预算数。上年结转",
            )
        ],
    ),
}


def test_every_wording_rule_has_a_case():
    from cnbudget.checks import load_rules

    assert {k for k, r in load_rules().items() if r.family == "wording"} == set(CASES)


def test_clean_sample_has_no_wording_finding():
    doc = read_text(sample_text())
    assert wording_findings(doc) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_points_at_the_sentence(rule_id):
    edits, line, text, _ = CASES[rule_id]
    found = [
        f for f in wording_findings(read_text(apply(sample_text(), edits))) if f.rule == rule_id
    ]
    assert len(found) == 1, [(f.rule, f.location.source_line, f.message_zh) for f in found]
    f = found[0]
    assert f.location.source_line == line
    assert text in (f.location.sentence or "")
    assert "?" not in f.message_zh and "?" not in f.message_en  # every placeholder filled


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_near_miss_does_not_trigger(rule_id):
    _, _, _, near = CASES[rule_id]
    found = [
        f for f in wording_findings(read_text(apply(sample_text(), near))) if f.rule == rule_id
    ]
    assert found == []


def test_one_finding_per_sentence_listing_every_residue():
    text = apply(
        sample_text(),
        [(477, "减少 515.84 万元，下降 10.18%", "减少（增加）XX 万元，下降（增长）X.XX%")],
    )
    found = [f for f in wording_findings(read_text(text)) if f.family == "wording"]
    assert [(f.rule, f.location.source_line) for f in found] == [("WRD-TPL-001", 477)]
    for word in ("减少（增加）", "XX", "下降（增长）", "X.XX"):
        assert word in found[0].message_zh


def test_empty_lead_in_is_one_finding_not_a_punctuation_one_too():
    text = apply(sample_text(), CASES["WRD-TPL-003"][0])
    found = [f for f in wording_findings(read_text(text)) if f.location.source_line == 750]
    assert [f.rule for f in found] == ["WRD-TPL-003"]
    text = apply(sample_text(), [(750, "主要原因是 2024 年", "主要原因是：。2024 年")])
    found = [f for f in wording_findings(read_text(text)) if f.location.source_line == 750]
    assert [f.rule for f in found] == ["WRD-TPL-003"]


def test_legitimate_years_are_not_findings():
    # prior-year comparisons, carry-over and project names with years, a budget's assets as at the
    # end of the previous year: all in the clean sample already; a project heading with a year too
    text = apply(
        sample_text(),
        [(748, "(一) 单位运行经费情况", "(一) 2023年益民大厦信息系统运维项目情况")],
    )
    assert [f for f in wording_findings(read_text(text)) if f.rule.startswith("WRD-YEAR")] == []


def test_direction_uses_the_pair_stated_before_it():
    para = (
        "年初预算为 10.00 万元，支出决算为 8.00 万元，决算数小于预算数的主要原因是项目调整；"
        "年初预算为 3.00 万元，支出决算为 4.00 万元，决算数小于预算数的主要原因是新增任务。上年结转"
    )
    text = apply(sample_text(), [(986, "上年结转", para)])
    found = [f for f in wording_findings(read_text(text)) if f.rule.startswith("WRD-FIN")]
    assert [(f.rule, str(f.expected), str(f.found)) for f in found] == [
        ("WRD-FIN-001", "3.00", "4.00")
    ]


# -- helpers ------------------------------------------------------------------------------------------


def test_fold_keeps_thousands_separators():
    assert wording.fold("增加 1,234.50 万元, 下降 3 %;") == "增加1,234.50万元，下降3%；"


def test_sentences_keep_doubled_marks_together():
    assert wording.sentences("甲。。乙，。丙") == ["甲。。", "乙，。", "丙"]


def test_department_names():
    doc = read_text(sample_text())
    assert wording.name_matches("乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）", doc)
    assert wording.name_matches("乌鲁木齐市工业和信息化局 (乌鲁木齐市大数据发展局)", doc)
    assert wording.name_matches("市工信局（大数据局）", doc)
    assert wording.name_matches("乌鲁木齐市节能监察中心", doc)  # a budget unit
    assert not wording.name_matches("乌鲁木齐市财政局", doc)
    assert not wording.name_matches("上海市规划和自然资源局", doc)


# -- the corpus -------------------------------------------------------------------------------------

#: Every wording finding on each corpus document as (rule, page) → count, each read on the page:
#: * the Wanli 2024 budget is 区级 ("上海市普陀区2024年区级部门预算") but four glossary definitions on
#:   page 5 say "是市级预算主管部门…" / "与市级财政…使用市级财政拨款…" (the 2025 edition says 区级);
#: * the 决算 template: every sentence with "XX"/"XXX"/"XXXXXXXX", "增加（减少）", "大于（小于）" … and
#:   every writer's instruction ("（如持平作持平表述）", "作下述说明", "由主管部门…填写"), pages 4–22,
#:   plus the three placeholder unit names of page 4;
#: * the others have none (the finance 决算's ten "决算数小于/与预算数基本持平" sentences agree with
#:   their figures).
CORPUS: dict[str, dict[tuple[str, int], int]] = {
    COMMERCE: {},
    UNIT: {},
    FINANCE: {},
    WANLI24: {("WRD-DEPT-002", 5): 4},
    WANLI25: {},
    TEMPLATE: {
        ("WRD-TPL-001", 4): 5,
        ("WRD-TPL-001", 13): 1,
        ("WRD-TPL-001", 14): 1,
        ("WRD-TPL-001", 15): 11,
        ("WRD-TPL-001", 16): 11,
        ("WRD-TPL-001", 17): 7,
        ("WRD-TPL-001", 18): 18,
        ("WRD-TPL-001", 19): 9,
        ("WRD-TPL-001", 20): 6,
        ("WRD-TPL-001", 21): 2,
        ("WRD-TPL-001", 22): 3,
        ("WRD-TPL-002", 4): 2,
        ("WRD-TPL-002", 15): 3,
        ("WRD-TPL-002", 16): 2,
        ("WRD-TPL-002", 17): 1,
        ("WRD-TPL-002", 18): 2,
        ("WRD-TPL-002", 19): 3,
        ("WRD-TPL-002", 20): 1,
    },
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_findings(name):
    report = check_document(_pdf(name))
    found = Counter(
        (f.rule, f.location.source_page) for f in report.findings if f.family == "wording"
    )
    assert dict(found) == CORPUS[name]
    for f in report.findings:
        if f.family == "wording":
            assert f.location.sentence and f.location.source_bbox is not None


def test_text_sample_has_no_wording_finding_in_the_full_check():
    report = check_document(read_text(sample_text()))
    assert [f for f in report.findings if f.family == "wording"] == []


def test_template_findings_name_the_sentence():
    found = wording_findings(_pdf(TEMPLATE))
    places = {(f.location.sentence, f.location.source_page, f.location.source_bbox) for f in found}
    assert len(places) == len(found)  # one finding per sentence
    f = next(
        f
        for f in found
        if f.location.sentence == "与2023年度相比,收入支出总计增加（减少）XXX万元,增长（下降）XX%。"
    )
    assert f.rule == "WRD-TPL-001" and f.location.source_page == 15
    assert "增加（减少）" in f.message_zh and "增长（下降）" in f.message_zh


def test_finance_directions_checked_and_a_flipped_one_found():
    doc = _pdf(FINANCE).model_copy(deep=True)
    ctx = Context.for_document(doc)
    wording.run(ctx)
    assert ctx.stats["wording_directions_checked"] == 10
    sec = next(s for s in doc.explanation if s.number == "五").subsections[2]
    p = next(p for p in sec.paragraphs if p.text.startswith("3、"))
    p.text = p.text.replace("决算数小于预算数", "决算数大于预算数")
    found = wording_findings(doc)
    assert [(f.rule, f.location.source_page, str(f.expected), str(f.found)) for f in found] == [
        ("WRD-FIN-001", 22, "135.90", "135.25")
    ]
    assert found[0].location.source_bbox == p.source.bbox


def test_another_departments_heading_in_a_putuo_document():
    doc = _pdf(COMMERCE).model_copy(deep=True)
    doc.tables[0].department = "上海市规划和自然资源局"
    doc.overview[0].title = "上海市规划和自然资源局主要职能"
    # legitimate: the parent bureau and 区财政局 in prose, a budget unit as 编制单位
    doc.overview[0].paragraphs[0].text += "区财政局下达的资金由上海市商务委员会指导使用。"
    doc.tables[1].department = "上海市普陀区中小企业服务中心"
    found = wording_findings(doc)
    assert sorted((f.rule, f.location.source_page, f.location.sentence) for f in found) == [
        ("WRD-DEPT-001", 3, "上海市规划和自然资源局主要职能"),
        ("WRD-DEPT-001", 9, "上海市规划和自然资源局"),
    ]


# -- the generated examples and arbitrary text -----------------------------------------------------


@pytest.mark.parametrize("seed", range(21))
def test_generated_examples_have_no_wording_finding(seed):
    doc = read_text(example_text(seed=seed))
    assert [(f.rule, f.location.source_line, f.message_zh) for f in wording_findings(doc)] == []


@cache
def _base() -> Document:
    return read_text(sample_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list(
                "0123456789.,，。；、：:%％（）()XＸ×…年度月日底万元增长下降加减少大于小于等持平决算预算为是主要原因用于截至局委中心 "
            )
        )
        | st.characters(),
        max_size=120,
    ),
    year=st.one_of(st.none(), st.integers(min_value=0, max_value=9999)),
    kind=st.sampled_from(["budget", "final"]),
)
def test_arbitrary_text_never_raises(text, year, kind):
    doc = _base().model_copy(deep=True)
    doc.metadata.year = year
    doc.metadata.kind = kind
    doc.metadata.department = text or None
    doc.tables[0].title = text
    doc.tables[0].department = text
    doc.explanation.append(
        Section(title=text, paragraphs=[Paragraph(text=text), Paragraph(text=text + text)])
    )
    doc.glossary.append(GlossaryEntry(term=text, definition=text))
    for f in wording_findings(doc):
        assert f.rule.startswith("WRD-")


def test_trigger_edits_are_line_edits():
    # the rule files' own trigger/clean edits are exercised by test_rules.py; they edit real lines
    from cnbudget.checks import load_rules

    for rule in load_rules().values():
        if rule.family != "wording":
            continue
        for e in (*rule.trigger, *rule.clean):
            assert isinstance(e, TriggerEdit)
            assert e.find in sample_text().split("\n")[e.line - 1]


def test_years_in_pdf_documents():
    final = _pdf(FINANCE).model_copy(deep=True)
    assets = next(s for s in final.explanation[-1].subsections if "国有资产" in s.title)
    assets.paragraphs[0].text = assets.paragraphs[0].text.replace("截至2024年", "截至2023年")
    found = wording_findings(final)
    assert [(f.rule, f.location.source_page) for f in found] == [("WRD-YEAR-002", 24)]
    assert "截至2023年12月31日" in found[0].message_zh

    budget = _pdf(COMMERCE).model_copy(deep=True)
    budget.tables[1].title = "2024年部门收入预算总表"
    budget.explanation[0].title = "2024年预算执行情况说明"  # about last year's execution: fine
    found = wording_findings(budget)
    assert [(f.rule, f.location.source_page, f.location.table_no) for f in found] == [
        ("WRD-YEAR-001", 10, 2)
    ]
