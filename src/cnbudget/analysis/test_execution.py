"""预算↔决算 pairing on generated pairs (variances with and without explanations) and on the
普陀区财政局 2024 决算 of the corpus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cnbudget.analysis._testsupport import PUTUO_FINAL, corpus_doc
from cnbudget.analysis.execution import execution, execution_stored, stated_budgets
from cnbudget.analysis.synthetic import final_from_budget
from cnbudget.example import build_example
from cnbudget.model import Document


def _items(doc: Document) -> list[str]:
    t5 = doc.table("general_expenditure")
    assert t5 is not None
    return [r.code for r in t5.rows if r.code and len(r.code) == 7 and r.value0("total") > 20]


@pytest.fixture
def pair() -> tuple[Document, Document, list[str]]:
    budget = build_example(3)
    codes = _items(budget)
    final = final_from_budget(
        budget,
        factors={codes[0]: Decimal("0.5"), codes[1]: Decimal("1.3")},
        explain={codes[1]},
        three_public_factor=Decimal("0.5"),
        explain_three_public=False,
    )
    return budget, final, codes


def test_unexplained_variance_is_flagged_and_explained_one_is_not(pair) -> None:
    budget, final, codes = pair
    r = execution(final, budget)
    low, high = r.line(codes[0]), r.line(codes[1])
    assert low is not None and high is not None
    assert low.rate == Decimal("50.00") and low.large and not low.explained and low.flagged
    assert high.large and high.explained and not high.flagged
    assert high.explanation is not None and "原因" in (high.explanation.sentence or "")
    flagged = [f for f in r.findings if f.rule == "XY-EXEC-001"]
    assert len(flagged) == 1
    assert codes[0] in flagged[0].message_zh and "50.00%" in flagged[0].message_zh
    # the other 项 were spent at 97 % (basic and project rounded apart): within the threshold
    others = [ln for ln in r.lines if ln.level == "项" and ln.code not in codes[:2]]
    assert others
    assert all(Decimal("96.5") < (ln.rate or 0) < Decimal("97.5") for ln in others if ln.budget)
    assert not any(ln.flagged for ln in others)


def test_class_and_kuan_execution_is_reported(pair) -> None:
    budget, final, codes = pair
    r = execution(final, budget)
    lei = r.line(codes[0][:3])
    assert lei is not None and lei.level == "类" and lei.rate is not None
    assert not lei.flagged  # flags are raised on 项 only


def test_three_public_variance_without_reason(pair) -> None:
    budget, final, _ = pair
    r = execution(final, budget)
    flagged = [f for f in r.findings if f.rule == "XY-EXEC-003"]
    leaves = [
        ln
        for ln in r.lines
        if ln.table_type == "three_public"
        and ln.key in ("outbound", "vehicle_purchase", "vehicle_operation", "reception")
        and ln.budget
        and abs(ln.variance or 0) >= 1
    ]
    assert leaves, "the example must budget some 三公 spending"
    assert len(flagged) == len(leaves)
    total = next(ln for ln in r.lines if ln.key == "total")
    assert total.rate is not None and total.rate < 60


def test_three_public_with_reason_is_not_flagged() -> None:
    budget = build_example(3)
    final = final_from_budget(budget, three_public_factor=Decimal("0.5"))
    r = execution(final, budget)
    assert not [f for f in r.findings if f.rule == "XY-EXEC-003"]


def test_budget_figures_from_the_final_account_itself(pair) -> None:
    _budget, final, codes = pair
    r = execution(final)
    low = r.line(codes[0])
    assert low is not None and low.budget_source == "final_narrative"
    assert low.flagged
    assert [f.rule for f in r.findings if f.rule == "XY-EXEC-001"] == ["XY-EXEC-001"]
    three = next(ln for ln in r.lines if ln.key == "total")
    assert three.budget_source == "final_table"


def test_restated_initial_budget_and_three_public_budget(pair) -> None:
    budget, final, _codes = pair
    para = next(
        p
        for s in final.explanation
        for sub in s.walk()
        for p in sub.paragraphs
        if "年初预算为" in p.text and "（项）" in p.text
    )
    old = para.text.split("年初预算为", 1)[1].split("万元", 1)[0]
    para.text = para.text.replace(f"年初预算为{old}万元", "年初预算为1.00万元")
    t7 = final.table("three_public")
    assert t7 is not None
    row = t7.row_by_key("vehicle_operation")
    assert row is not None and "budget" in row.values
    row.values["budget"] = row.values["budget"].model_copy(
        update={"value": row.values["budget"].value + 3}
    )
    r = execution(final, budget)
    rules = sorted(f.rule for f in r.findings)
    assert "XY-EXEC-002" in rules and "XY-EXEC-004" in rules
    f2 = next(f for f in r.findings if f.rule == "XY-EXEC-002")
    assert f2.found == Decimal("1.00")


def test_threshold_and_minimum_are_honoured(pair) -> None:
    budget, final, _ = pair
    assert not [
        f for f in execution(final, budget, threshold=60).findings if f.rule == "XY-EXEC-001"
    ]
    assert not execution(final, budget, min_amount=100000).findings


def test_kinds_are_checked(pair) -> None:
    budget, final, _ = pair
    with pytest.raises(ValueError):
        execution(budget, final)


# --------------------------------------------------------------------------------------------
# corpus: 普陀区财政局 2024 决算


def test_putuo_final_account_execution() -> None:
    final = corpus_doc(PUTUO_FINAL)
    stated = stated_budgets(final)
    # section 五(三) states 年初预算 and 支出决算 for each of the eleven 项 of 表5
    assert len(stated) == 11
    r = execution(final)
    items = [ln for ln in r.lines if ln.level == "项"]
    assert len(items) == 11
    assert all(ln.budget_source == "final_narrative" for ln in items)
    run = r.line("2010601")
    assert run is not None
    assert (run.budget, run.final, run.rate) == (
        Decimal("1560.05"),
        Decimal("1511.89"),
        Decimal("96.91"),
    )
    assert run.explained and run.explanation is not None and run.explanation.source_page == 22
    # the narrative's 支出决算 equals 表5 for every 项
    for code, (_b, f, _loc) in stated.items():
        ln = r.line(code)
        assert ln is not None and ln.final == f
    # every 项 whose final differs from its budget gives a reason; none is large
    assert all(ln.explained for ln in items if ln.variance)
    assert not r.findings
    # 三公: 预算数 0.95 (公务接待费), 决算 0 — explained ("当年度无“三公”经费支出")
    total = next(ln for ln in r.lines if ln.key == "total")
    assert (total.budget, total.final, total.budget_source) == (
        Decimal("0.95"),
        Decimal("0"),
        "final_table",
    )
    assert total.explained


def test_putuo_final_stored_without_budget(tmp_path) -> None:
    from cnbudget.store import import_paths, list_documents
    from cnbudget.testing import corpus_file

    url = f"sqlite:///{tmp_path / 's.db'}"
    import_paths([corpus_file(PUTUO_FINAL)], url, jobs=1)
    (doc,) = list_documents(url)
    r = execution_stored(url, doc.id)
    assert r.budget is None and r.final.document_id == doc.id
    assert len([ln for ln in r.lines if ln.level == "项"]) == 11
