"""Findings a finance bureau would accept (issue 11): each rule-logic case built from a corpus
document or an edited copy of the sample, where the old logic cried wolf or kept silent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnbudget.checks import check_document
from cnbudget.checks.corpus_verified import VERIFIED, finding_key
from cnbudget.checks.families.completeness import empty_explained, empty_subject
from cnbudget.checks.findings import Report
from cnbudget.checks.organisation import shiye_outside_civil_service
from cnbudget.checks.subjects import path_of, resolve_path
from cnbudget.ingest.text import read_text
from cnbudget.model import Amount, Document, Row
from cnbudget.testing import FINANCE, WANLI24, WANLI25, corpus_file, corpus_pdf, sample_text

_pdf = corpus_pdf


def _fresh(name: str) -> Document:
    """A private copy of a corpus document the test may edit."""
    return _pdf(name).model_copy(deep=True)


def _edit(line: int, find: str, replace: str, text: str | None = None) -> str:
    lines = (text or sample_text()).split("\n")
    assert find in lines[line - 1], f"line {line} has no {find!r}"
    lines[line - 1] = lines[line - 1].replace(find, replace)
    return "\n".join(lines)


def _check_text(text: str) -> Report:
    return check_document(read_text(text))


def _rules(report: Report, severity: str | None = None) -> list[str]:
    return sorted(f.rule for f in report.findings if severity in (None, f.severity))


def _paragraph(doc: Document, needle: str):
    for sec in doc.explanation:
        for sub in sec.walk():
            for p in sub.paragraphs:
                if needle in p.text:
                    return p
    raise AssertionError(f"no paragraph with {needle!r}")


# -- 1. a subject the narrative names differently is not an amount of 0 ---------------------------


def test_wrong_kuan_name_is_a_naming_warning_not_an_amount_error() -> None:
    text = _edit(
        534,
        "行政事业单位养老支出（款）事业单位离退休（项）",
        "行政事业单位离退休（款）事业单位离退休（项）",
    )
    report = _check_text(text)
    named = [f for f in report.findings if f.rule == "NAR-NAME-001"]
    assert len(named) == 1 and named[0].severity == "warning"
    assert "2080502 事业单位离退休" in named[0].message_zh
    assert named[0].location.source_line == 534
    assert report.count("error") == 0


def test_class_name_in_the_kuan_place_resolves_by_the_item_name_and_amount() -> None:
    """The 决算's "住房保障支出（类）住房改革支出（款）住房公积金（项）" written the way publishers
    sometimes do: "住房保障支出（款）住房公积金（项）" — one naming warning, the amount checked
    against 2210201, and no "not explained" (FIN-ITEM-003)."""
    doc = _fresh(FINANCE)
    p = _paragraph(doc, "住房改革支出（款）住房公积金（项）")
    p.text = p.text.replace(
        "住房保障支出（类）住房改革支出（款）住房公积金（项）", "住房保障支出（款）住房公积金（项）"
    )
    report = check_document(doc)
    named = [f for f in report.findings if f.rule == "NAR-NAME-001"]
    assert len(named) == 1 and "对应为表中的 2210201 住房公积金" in named[0].message_zh
    assert not [f for f in report.findings if f.rule in ("FIN-ITEM-001", "FIN-ITEM-003")]
    # The amount is still compared with the row it resolved to.
    p.text = p.text.replace("支出决算为187.19万元", "支出决算为187.29万元")
    wrong = [f for f in check_document(doc).findings if f.rule == "FIN-ITEM-001"]
    assert [(f.expected, f.found) for f in wrong] == [(Decimal("187.19"), Decimal("187.29"))]


def test_wanli_2025_family_planning_is_one_naming_warning() -> None:
    report = check_document(_pdf(WANLI25))
    narrative = [f for f in report.findings if f.family == "narrative"]
    assert [(f.rule, f.severity, f.location.source_page) for f in narrative] == [
        ("NAR-NAME-001", "warning", 7)
    ]
    assert "21007 计划生育事务" in narrative[0].message_zh


def test_unresolvable_subject_with_an_amount_is_reported_without_an_invented_zero() -> None:
    text = _edit(542, "2024 年预算数为 0.00 万元", "2024 年预算数为 5.00 万元")
    report = _check_text(text)
    missing = [f for f in report.findings if f.rule == "NAR-NAME-002"]
    assert len(missing) == 1 and missing[0].found == Decimal("5.00")
    assert not [f for f in report.findings if f.rule == "NAR-AMT-001"]
    # Stated as 0.00 (the sample as published): nothing to say.
    assert "NAR-NAME-002" not in _rules(_check_text(sample_text()))


def test_resolver_prefers_the_strict_path_and_never_guesses_without_the_amount() -> None:
    rows = [
        Row(kind="item", name="卫生健康支出", code="210"),
        Row(kind="item", name="计划生育事务", code="21007", values=_v("20.00")),
        Row(kind="item", name="计划生育服务", code="2100717", values=_v("20.00")),
        Row(kind="item", name="行政事业单位医疗", code="21011", values=_v("60.99")),
        Row(kind="item", name="行政单位医疗", code="2101101", values=_v("60.99")),
    ]
    value = lambda r: r.value0("total")  # noqa: E731
    exact = resolve_path(
        rows, path_of("卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）")
    )
    assert exact.exact and exact.row is rows[4]
    by_name = resolve_path(
        rows,
        path_of("卫生健康支出（类）卫生健康支出（款）计划生育事务（项）"),
        amount=Decimal("20.00"),
        value=value,
    )
    assert by_name.renamed and by_name.row is rows[1]
    # Nothing by name below 210 and no amount that agrees: no row is chosen.
    none = resolve_path(
        rows,
        path_of("卫生健康支出（类）公共卫生（款）疾病预防控制机构（项）"),
        amount=Decimal("7.00"),
        value=value,
    )
    assert none.row is None
    # The amount alone picks a row below the resolved 类 only when exactly one agrees.
    by_amount = resolve_path(
        rows,
        path_of("卫生健康支出（类）公共卫生（款）其他（项）"),
        amount=Decimal("60.99"),
        value=value,
    )
    assert by_amount.row is rows[4] and by_amount.renamed


def _v(text: str) -> dict[str, Amount]:
    return {"total": Amount(value=Decimal(text), printed=text)}


# -- 2. 财政拨款 means all three budgets -----------------------------------------------------------


def _with_fund_projects(doc: Document, amount: Decimal) -> Document:
    fund = doc.table("fund_expenditure")
    assert fund is not None and fund.total_row() is None  # printed empty in the sample
    fund.rows.append(
        Row(
            kind="total", name="合计", values={"project": Amount(value=amount, printed=str(amount))}
        )
    )
    return doc


def test_fiscal_project_amount_counts_fund_and_soe_projects() -> None:
    doc = read_text(sample_text())
    assert not [f for f in check_document(doc).findings if f.rule == "NAR-AMT-001"]
    # 表8 now prints 100.00 of 政府性基金 projects (without listing them): the sentence
    # "当年财政拨款项目 11 个，涉及预算金额 2,341.81 万元" should say 2,441.81.
    report = check_document(_with_fund_projects(doc, Decimal("100.00")))
    amt = [
        f
        for f in report.findings
        if f.rule == "NAR-AMT-001" and "当年财政拨款项目" in (f.location.sentence or "")
    ]
    assert [(f.expected, f.found) for f in amt] == [(Decimal("2441.81"), Decimal("2341.81"))]
    # The count is unknowable from the tables (表8 lists no projects): not reported.
    assert not [f for f in report.findings if f.rule == "NAR-COUNT-001"]
    fixed = _edit(776, "涉及预算金额 2,341.81 万元", "涉及预算金额 2,441.81 万元")
    report = check_document(_with_fund_projects(read_text(fixed), Decimal("100.00")))
    assert not [f for f in report.findings if "当年财政拨款项目" in (f.location.sentence or "")]


# -- 3. a share's base comes from its sentence -----------------------------------------------------


def test_share_in_a_final_three_public_paragraph_is_of_the_final_total() -> None:
    doc = _fresh(FINANCE)
    p = _paragraph(doc, "“三公”经费财政拨款支出年初预算为0.95万元")
    p.text = (
        "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.30万元，完成预算的31.58%，"
        "其中：公务接待费支出决算为0.30万元，占100.00%。"
    )

    def shares(rule: str = "NAR-SHARE") -> list:
        return [
            f
            for f in check_document(doc).findings
            if f.rule.startswith(rule) and "公务接待费" in (f.location.sentence or "")
        ]

    assert shares() == []  # 0.30 of 0.30, not of the 年初预算 0.95
    p.text = p.text.replace("占100.00%", "占90.00%")
    shares = shares("NAR-SHARE-001")
    assert [(f.expected, f.found) for f in shares] == [(Decimal("100.00"), Decimal("90.00"))]


def test_share_naming_its_base_is_checked_against_that_base_or_not_at_all() -> None:
    doc = _fresh(FINANCE)
    p = _paragraph(doc, "占本年支出合计的100.00%")
    p.text = p.text.replace("占本年支出合计的100.00%", "占本年支出合计的90.00%")
    # 本年支出合计 is not a subject this section states: the share is not guessed against the
    # section's first amount.
    assert not [
        f
        for f in check_document(doc).findings
        if f.rule.startswith("NAR-SHARE") and "本年支出合计" in (f.location.sentence or "")
    ]


def test_published_wrong_share_is_still_found() -> None:
    report = check_document(_pdf(FINANCE))
    share = [f for f in report.findings if f.rule == "NAR-SHARE-001"]
    assert [(f.expected, f.found, f.location.source_page) for f in share] == [
        (Decimal("71.65"), Decimal("71.73"), 21)
    ]


# -- 4. printed precision sets the tolerance -------------------------------------------------------


def test_share_plug_to_100_percent_is_a_notice_but_a_truncated_share_is_not() -> None:
    plugged = _edit(524, "占 41.61%", "占 41.62%", _edit(521, "占 44.73%", "占 44.72%"))
    report = _check_text(plugged)
    assert _rules(report, "notice").count("NAR-SHARE-002") == 2
    assert "NAR-SHARE-001" not in _rules(report)
    truncated = _edit(521, "占 44.73%", "占 44.72%")  # the four shares now sum to 99.99 %
    report = _check_text(truncated)
    assert [(f.rule, f.severity) for f in report.findings if f.rule.startswith("NAR-SHARE")] == [
        ("NAR-SHARE-001", "error")
    ]


def test_narrative_taking_the_other_side_of_a_one_cent_pair_is_a_rounding_notice() -> None:
    """The 决算 prints 社会保障和就业支出 as 326.71 in 表4 and 326.72 in 表5: a narrative that
    states 326.71 where it explains 表5 took 表4's figure — a notice, not an error."""
    doc = _fresh(FINANCE)
    p = _paragraph(doc, "社会保障和就业支出（类）326.72万元")
    p.text = p.text.replace(
        "社会保障和就业支出（类）326.72万元", "社会保障和就业支出（类）326.71万元"
    )
    report = check_document(doc)
    narrative = [
        f
        for f in report.findings
        if f.location.sentence
        and "326.71" in f.location.sentence
        and (f.location.row_name or "").startswith("社会保障")
    ]
    assert [(f.rule, f.severity) for f in narrative] == [("SUM-ROUND-001", "notice")]
    # Two cents off is an error as before.
    p.text = p.text.replace("326.71万元", "326.70万元")
    report = check_document(doc)
    assert "NAR-AMT-001" in _rules(report, "error")


def test_whole_yuan_figure_restating_a_yuan_and_fen_figure_is_within_half_a_yuan() -> None:
    doc = _fresh(WANLI25)
    t1, t3 = doc.table("summary"), doc.table("expenditure_summary")
    assert t1 is not None and t3 is not None
    a = t3.total_row().values["total"]  # type: ignore[union-attr]
    # 表3 prints the total to the 分, 0.25 元 below 表1's whole-元 figure.
    exact = a.value - Decimal("0.000025")
    t3.total_row().values["total"] = Amount(  # type: ignore[union-attr]
        value=exact, printed=f"{exact * 10000:,.2f}", source=a.source
    )
    report = check_document(doc)
    assert report.count("error") == 0, [f.message_zh for f in report.errors]
    # Printed to the 分 on both sides, the same 0.25 元 is a real difference.
    for row in t1.rows:
        for k, v in list(row.values.items()):
            if v.value == a.value:
                row.values[k] = Amount(
                    value=v.value, printed=f"{v.value * 10000:,.2f}", source=v.source
                )
    assert check_document(doc).count("error") >= 1


# -- 5. 机关运行经费 vs 公用经费 --------------------------------------------------------------------------


def test_admin_costs_below_public_costs_is_right_with_shiye_units() -> None:
    lower = _edit(750, "财政拨款预算 208.17 万元", "财政拨款预算 200.00 万元")
    assert "NAR-AMT-002" not in _rules(_check_text(lower))  # 事业单位 3 家
    only_admin = _edit(71, "事业单位 3 家", "事业单位 0 家", lower)
    report = _check_text(only_admin)
    assert [f.severity for f in report.findings if f.rule == "NAR-AMT-002"] == ["warning"]
    higher = _edit(750, "财政拨款预算 208.17 万元", "财政拨款预算 209.17 万元")
    assert "NAR-AMT-002" in _rules(_check_text(higher))  # can never exceed 公用经费


def test_shiye_units_from_the_overview() -> None:
    doc = read_text(sample_text())
    assert shiye_outside_civil_service(doc) is True
    doc.metadata.structure = "本部门中，行政单位1家，参照公务员法管理的事业单位1家，事业单位1家。"
    doc.overview = []
    assert shiye_outside_civil_service(doc) is False
    assert shiye_outside_civil_service(_pdf(FINANCE)) in (False, None)


# -- 6. an empty table is explained by its zero or by "none" --------------------------------------


def test_empty_table_explanations() -> None:
    assert empty_subject("上年结转结余情况明细表") == "上年结转结余"
    assert empty_explained("上年结转结余情况明细表", "本部门2024年上年结转结余 0.00 万元。")
    assert empty_explained(
        "政府性基金预算财政拨款收入支出决算表",
        "上海市普陀区财政局2024年度无政府性基金预算财政拨款收入和支出。",
    )
    assert empty_explained("政府性基金预算支出表", "政府性基金预算支出情况表为空表。")
    assert not empty_explained("上年结转结余情况明细表", "上年结转结余 29,197.23 万元。")
    assert not empty_explained("政府性基金预算支出表", "收入全部为一般公共预算拨款。")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=40))
def test_empty_explained_never_raises(narrative: str, title: str) -> None:
    assert empty_explained(title, narrative) in (True, False)


# -- reader issues that lose nothing are notices ---------------------------------------------------


def test_repaired_codes_are_notices() -> None:
    report = check_document(_pdf(WANLI24))
    reader = [(f.rule, f.severity) for f in report.findings if f.family == "reader"]
    assert reader == [("RDR-ISSUE-002", "notice")] * 2


@pytest.mark.parametrize("seed", range(3))
def test_generated_examples_stay_clean(seed: int) -> None:
    from cnbudget.example import example_text

    assert _rules(_check_text(example_text(seed=seed)), "error") == []


# -- every corpus document gives exactly its verified errors and warnings -------------------------


@pytest.mark.parametrize("name", sorted(VERIFIED))
def test_corpus_document_gives_exactly_its_verified_findings(name: str) -> None:
    path = corpus_file(name)
    doc = read_text(path.read_text(encoding="utf-8")) if path.suffix == ".txt" else _pdf(name)
    report = check_document(doc)
    got = {finding_key(f) for f in report.findings if f.severity != "notice"}
    assert got == VERIFIED[name]


# -- regressions found by benchmarks/false_findings.py on generated documents ---------------------


def test_generic_item_name_under_another_class_is_not_taken() -> None:
    """ "文化旅游体育与传媒支出（类）文物（款）行政运行（项）：0.00 万元" (last year's item, gone this
    year) must not land on 2150501 行政运行 of another 类."""
    rows = [
        Row(kind="item", name="资源勘探工业信息等支出", code="215", values=_v("401.28")),
        Row(kind="item", name="行政运行", code="2150501", values=_v("401.28")),
    ]
    res = resolve_path(
        rows,
        path_of("文化旅游体育与传媒支出（类）文物（款）行政运行（项）"),
        amount=Decimal("0.00"),
        value=lambda r: r.value0("total"),
    )
    assert res.row is None


def test_item_name_with_a_dunhao_stays_whole() -> None:
    from cnbudget.checks.claims import paragraph_statements
    from cnbudget.model import Paragraph

    para = Paragraph(
        text="8、节能环保支出（类）环境保护管理事务（款）环境保护法规、规划及标准（项）："
        "2024 年预算数为 75.45 万元，比上年预算减少 10.56 万元，下降 12.28%。"
    )
    (st, *_), _ = paragraph_statements(para, 0, [])
    assert path_of(st.subject)[-1] == ("环境保护法规、规划及标准", "项")


def test_fiscal_section_reads_the_column_of_the_budget_its_sentence_names() -> None:
    from cnbudget.checks.families.narrative import _rows_ref, _vocabulary

    fiscal = next(c for c in _vocabulary("budget-11")["contexts"] if c["id"] == "fiscal")
    assert _rows_ref(fiscal, "一般公共预算支出包括：城乡社区支出 245.70 万元") == (
        "fiscal_summary.expenditure:general"
    )
    assert _rows_ref(fiscal, "政府性基金预算支出包括：城乡社区支出 2,084.63 万元") == (
        "fiscal_summary.expenditure:fund"
    )
    assert _rows_ref(fiscal, "收入预算包括") == "fiscal_summary.expenditure:total"
