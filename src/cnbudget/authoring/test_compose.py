"""Building from the sample's own data reproduces every share and growth rate its 第三部分 states.

The prior-year figures and the expected figures below are typed from the sample (last year =
this year ∓ the stated change), not computed by cnbudget.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from cnbudget.authoring import AuthoringInput, compose
from cnbudget.checks import check_document
from cnbudget.ingest.text import read_text
from cnbudget.outputs.text import render_text

D = Decimal
PRIOR = {
    "income_summary:total:general": D("5065.59"),
    "income_summary:total:general_transfer": D("1277.00"),
    "income_summary:total:fund": D("0"),
    "income_summary:total:soe": D("0"),
    "income_summary:total:fiscal_carryover": D("18542.38"),
    "expenditure_summary:total:basic": D("2149.92"),
    "expenditure_summary:total:project": D("22735.05"),
    "general_expenditure:total:basic": D("2149.92"),
    "general_expenditure:total:project": D("4192.66"),
    "general_expenditure:code=2060499:total": D("2180.00"),
    "general_expenditure:code=2080501:total": D("193.59"),
    "general_expenditure:code=2080502:total": D("9.18"),
    "general_expenditure:code=2080505:total": D("168.83"),
    "general_expenditure:code=2111450:total": D("249.21"),
    "general_expenditure:code=2111499:total": D("10.28"),
    "general_expenditure:code=2129999:total": D("678.85"),
    "general_expenditure:code=2150501:total": D("1320.69"),
    "general_expenditure:code=2150502:total": D("46.53"),
    "general_expenditure:code=2150550:total": D("0.00"),
    "general_expenditure:code=2150805:total": D("1277.00"),
    "general_expenditure:code=2150899:total": D("208.44"),
    "three_public:total:total": D("24.05"),
    "three_public:key=outbound:total": D("0"),
    "three_public:key=vehicle_purchase:total": D("0"),
    "three_public:key=vehicle_operation:total": D("23.75"),
    "three_public:key=reception:total": D("0.30"),
    "general_basic:total:public": D("194.45"),
}
# Reasons as the sample gives them (a 三公 change without its reason is a warning).
REASONS = {
    "income_summary:total:general": "2024 年一般公共预算减少机动车智能服务平台项目",
    "three_public:key=outbound:total": "2024 年未安排此项预算经费",
    "three_public:key=vehicle_purchase:total": "2024 年未安排此项预算经费",
    "three_public:key=vehicle_operation:total": "按照厉行节约压减了公务用车运行费",
    "three_public:key=reception:total": "2024 年预算严格执行公务接待标准",
    "general_basic:total:public": "2024 年新增在职人员，导致机关运行经费预算增长",
}
# (section, shares in order, growth rates in order) as the sample prints them.
EXPECTED = {
    "二": (["13.42", "0.45", "0.00", "0.00", "86.13"], ["10.18", "88.10", "0.00", "0.00", "57.46"]),
    "三": (["6.96", "93.04"], ["9.77", "38.72"]),
    "五": (
        ["44.73", "8.14", "5.52", "41.61"],
        [
            "9.77",
            "44.15",
            "3.53",
            "15.11",
            "116.67",
            "17.72",
            "0.06",
            "0.00",
            "100.00",
            "9.56",
            "64.47",
            "100.00",
            "88.10",
            "8.69",
        ],
    ),
    "十": ([], ["5.20", "0.00", "0.00", "5.26", "0.00"]),
    "十二": ([], ["7.06"]),
}
_SHARE = re.compile(r"占 (\d+\.\d{2})%")
_RATE = re.compile(r"(?:增长|下降) (\d+\.\d{2})%")


@pytest.fixture
def composed(sample_doc):
    doc = sample_doc.model_copy(update={"explanation": []})
    return compose(AuthoringInput(document=doc, prior=PRIOR, reasons=REASONS))


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_every_share_and_rate_of_the_sample_is_reproduced(composed, number):
    section = composed.section(number)
    assert section is not None
    text = section.text()
    shares, rates = EXPECTED[number]
    assert _SHARE.findall(text) == shares
    assert _RATE.findall(text) == rates


def test_amounts_restated_from_the_tables(composed):
    text = "\n".join(s.text() for s in composed.explanation)
    for figure in (
        "33,898.98",
        "4,549.75",
        "29,197.23",
        "2,359.94",
        "31,539.04",
        "4,701.75",
        "2,151.77",
        "208.17",
        "22.80",
        "2,068.67",
        "34.33",
    ):
        assert figure in text


def test_composed_document_renders_parses_and_checks_clean(composed):
    doc = read_text(render_text(composed))
    assert doc.issues == []
    report = check_document(doc)
    assert [f for f in report.findings if f.severity != "notice"] == []
    # The sample's new 项 (2150550, last year 0) is written 增长 100.00% and noticed as such.
    assert {f.rule for f in report.findings} == {"NAR-NEW-001"}
    assert report.stats["narrative_rates_checked"] >= 25


def test_missing_three_public_reasons_are_reported(sample_doc):
    doc = sample_doc.model_copy(update={"explanation": []})
    composed = compose(AuthoringInput(document=doc, prior=PRIOR))
    report = check_document(read_text(render_text(composed)))
    assert "CMP-3PUB-001" in {f.rule for f in report.findings}


def test_section_seven_lists_every_project_and_hides_secret_ones(composed):
    text = composed.section("七").text()
    assert text.count("项目名称：") == 11
    assert "项目名称：特定目标 0310016Y" in text and "完全不予公开" in text
