"""The transparency scorecard: every point cites its evidence; removing a section lowers the
score under the right criterion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from cnbudget.analysis._testsupport import PUTUO_FINAL, WANLI_2025, corpus_doc
from cnbudget.analysis.scorecard import (
    criteria,
    score_department,
    score_document,
    score_region,
)
from cnbudget.model import Document


def test_criteria_are_documented_and_add_up_to_100() -> None:
    specs = criteria()
    for kind in ("budget", "final"):
        total = sum(Decimal(str(c["points"])) for c in specs if kind in c["applies_to"])
        assert total == 100, kind
    for c in specs:
        assert c["basis"] and c["how"] and c["title_zh"] and c["title_en"]
    assert len({c["id"] for c in specs}) == len(specs)


def test_every_point_of_the_sample_cites_its_evidence_line(sample_doc: Document) -> None:
    card = score_document(sample_doc)
    assert card.percent is not None and card.percent >= 95
    for c in card.criteria:
        if not c.applicable:
            assert c.key == "timeliness" and c.na_reason  # no approval date in a disclosure
            continue
        assert c.points, c.key
        for p in c.points:
            if p.awarded:
                assert p.evidence, (c.key, p.label_zh)
                for e in p.evidence:
                    assert e.location.source_line is not None, (c.key, e.what)
                    assert f"L{e.location.source_line}" in e.cite()
            if not p.met:
                assert p.absence, (c.key, p.label_zh)


def test_sample_details(sample_doc: Document) -> None:
    card = score_document(sample_doc)
    proc = card.criterion("procurement")
    assert [e.location.source_line for p in proc.points for e in p.evidence] == [754, 754, 756]
    empty = card.criterion("empty_tables_explained")
    assert [e.location.source_line for e in empty.points[0].evidence] == [706, 710]
    perf = card.criterion("performance_targets")
    weak = perf.points[2]
    assert not weak.met and "10 个指标" in (weak.absence or "")


def _drop_section(word: str) -> Callable[[Document], None]:
    def edit(doc: Document) -> None:
        for top in doc.explanation:
            top.subsections = [s for s in top.subsections if word not in s.title]
        doc.explanation = [s for s in doc.explanation if word not in s.title]

    return edit


def _drop_glossary(doc: Document) -> None:
    doc.glossary = []


def _drop_performance(doc: Document) -> None:
    doc.performance = []


def _drop_empty_sentences(doc: Document) -> None:
    for t in doc.tables:
        t.empty_explanation = None
    _drop_section("政府性基金")(doc)
    _drop_section("国有资本经营")(doc)


def _drop_table(number: int) -> Callable[[Document], None]:
    def edit(doc: Document) -> None:
        doc.tables = [t for t in doc.tables if t.number != number]

    return edit


@pytest.mark.parametrize(
    ("edit", "criterion", "lost"),
    [
        (_drop_section("政府采购"), "procurement", Decimal("6.00")),
        (_drop_section("三公"), "three_public_reasons", Decimal("5.00")),
        (_drop_section("单位运行经费"), "running_costs", Decimal("5.00")),
        (_drop_section("国有资产"), "assets", Decimal("5.00")),
        (_drop_glossary, "glossary", Decimal("4.00")),
        (_drop_empty_sentences, "empty_tables_explained", Decimal("4.00")),
        (_drop_table(6), "economic_detail", Decimal("8.00")),
        (_drop_table(7), "tables_complete", Decimal("1.09")),
    ],
)
def test_removing_a_section_lowers_the_right_criterion(
    sample_doc: Document, edit: Callable[[Document], None], criterion: str, lost: Decimal
) -> None:
    before = score_document(sample_doc)
    edited = sample_doc.model_copy(deep=True)
    edit(edited)
    after = score_document(edited)
    c_before, c_after = before.criterion(criterion), after.criterion(criterion)
    assert c_before.awarded - c_after.awarded == lost
    assert after.total < before.total
    assert any(p.absence for p in c_after.points)


def test_removing_performance_tables_falls_back_to_the_sentence(sample_doc: Document) -> None:
    edited = sample_doc.model_copy(deep=True)
    _drop_performance(edited)
    c = score_document(edited).criterion("performance_targets")
    # the 预算绩效情况 sentence still says how many projects have targets: 2 of 5 points
    assert c.points[0].awarded == 2 and c.points[0].evidence[0].location.source_line == 776
    assert c.points[1].awarded == 0 and c.points[2].awarded == 0


def test_three_public_items_fall_back_to_the_narrative(sample_doc: Document) -> None:
    edited = sample_doc.model_copy(deep=True)
    _drop_table(10)(edited)
    c = score_document(edited).criterion("three_public_items")
    assert c.awarded == 5
    assert all(e.location.source_line == 714 for p in c.points for e in p.evidence)


def test_timeliness_when_dates_are_known(sample_doc: Document) -> None:
    published = sample_doc.metadata.publication_date
    assert published == dt.date(2024, 2, 22)
    ok = score_document(sample_doc, approval_date=dt.date(2024, 2, 10))
    late = score_document(sample_doc, approval_date=dt.date(2024, 1, 10))
    assert ok.criterion("timeliness").awarded == 4
    assert late.criterion("timeliness").awarded == 0
    assert "43" in (late.criterion("timeliness").points[0].absence or "")
    assert ok.max_points == 100 and score_document(sample_doc).max_points == 96


def test_pdf_evidence_cites_pages() -> None:
    card = score_document(corpus_doc(WANLI_2025))
    for c in card.criteria:
        for p in c.points:
            for e in p.evidence:
                assert e.location.source_page is not None, (c.key, e.what)
    # Shanghai district budgets publish no performance tables, no staffing figures
    assert card.criterion("performance_targets").awarded == 2
    assert card.criterion("staffing").awarded == 0
    assert card.percent is not None and 75 < card.percent < 95


def test_final_account_criteria() -> None:
    card = score_document(corpus_doc(PUTUO_FINAL))
    keys = [c.key for c in card.criteria]
    assert "execution_explained" in keys and "project_detail" not in keys
    assert card.criterion("execution_explained").awarded == 4


def test_region_and_department_scores(region_store: str) -> None:
    scored = score_region(region_store, region="示例市", year=2024)
    assert len(scored) == 6
    percents = [s.scorecard.percent for s in scored]
    assert percents == sorted(percents, reverse=True)
    assert all(p is not None and p > 90 for p in percents)
    one = score_department(region_store, scored[0].department.split("（")[0])
    assert [s.year for s in one] == [2024]
    assert one[0].scorecard.total == scored[0].scorecard.total


def test_as_dict(sample_doc: Document) -> None:
    import json

    data = score_document(sample_doc).as_dict()
    json.dumps(data, ensure_ascii=False)
    first = data["criteria"][0]["points"][0]["evidence"][0]
    assert first["cite"] == "表1 L88" and first["location"]["source_line"] == 88
