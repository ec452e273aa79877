"""The analysis rule book: valid files, and every rule fires in some test scenario."""

from __future__ import annotations

from decimal import Decimal

from cnbudget.analysis.execution import execution
from cnbudget.analysis.peers import peer_findings, region_peers
from cnbudget.analysis.performance import weak_target_findings
from cnbudget.analysis.reconcile import reconcile
from cnbudget.analysis.rules import RULES_DIR, load_analysis_rules
from cnbudget.analysis.synthetic import final_from_budget, previous_year_example
from cnbudget.checks.rulebook import load_rules
from cnbudget.example import build_example


def test_rule_files_are_valid_and_part_of_the_shared_rule_book() -> None:
    rules = load_analysis_rules()
    assert len(rules) == len(list(RULES_DIR.glob("XY-*.yaml"))) >= 8
    assert set(rules) <= set(load_rules())
    for r in rules.values():
        assert r.id.startswith("XY-") and r.family == "series"
        assert r.rationale and r.message_zh and r.message_en and r.title_zh and r.title_en


def test_every_rule_fires(region_store: str) -> None:
    """On generated data only, so the rule book is exercised without the corpus."""
    fired: set[str] = set()
    prev, cur = previous_year_example(0)
    t10 = prev.table("three_public")
    assert t10 is not None
    for row in t10.rows:
        if "total" in row.values:
            row.values["total"] = row.values["total"].model_copy(
                update={"value": row.values["total"].value + 1}
            )
    t5 = prev.table("general_expenditure")
    assert t5 is not None
    t5.rows.remove(next(r for r in t5.rows if r.code and len(r.code) == 7 and r.values))
    fired |= {f.rule for f in reconcile(prev, cur).findings}

    budget = build_example(3)
    codes = [
        r.code for r in budget.table("general_expenditure").rows if r.code and len(r.code) == 7
    ]  # type: ignore[union-attr]
    final = final_from_budget(
        budget,
        factors={codes[0]: Decimal("0.5")},
        explain=set(),
        three_public_factor=Decimal("0.5"),
        explain_three_public=False,
    )
    para = final.explanation[0].subsections[0].paragraphs[1]
    para.text = para.text.replace("年初预算为", "年初预算为1", 1)
    t7 = final.table("three_public")
    assert t7 is not None
    t7.rows[0].values["budget"] = (
        t7.rows[0].values["budget"].model_copy(update={"value": Decimal("999")})
    )
    fired |= {f.rule for f in execution(final, budget).findings}
    fired |= {f.rule for f in weak_target_findings(budget)}  # "有效提升", "持续改善"
    fired |= {f.rule for f in peer_findings(region_peers(region_store, year=2024))}
    assert fired == set(load_analysis_rules())
