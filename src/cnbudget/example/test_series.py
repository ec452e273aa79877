"""The bundled example's years reconcile: year N+1 restates year N's figures as its 上年."""

from __future__ import annotations

import pytest

from cnbudget.analysis.reconcile import reconcile
from cnbudget.example.build import build_example, example_text
from cnbudget.example.figures import draw
from cnbudget.ingest.text.reader import read_text


@pytest.mark.parametrize("department", [0, 1, 2])
def test_two_generated_years_reconcile_without_restatement(department: int) -> None:
    """What ``scripts/demo.sh`` imports: each 比上年 statement of 2024 is 2023's figure."""
    prev = read_text(example_text(department, 2023, department))
    cur = read_text(example_text(department, 2024, department))
    result = reconcile(prev, cur)
    assert result.same_department
    assert len(result.comparisons) >= 20  # the narrative states many changes: not vacuous
    assert {c.status for c in result.comparisons} == {"match"}
    assert not [f for f in result.findings if f.rule.startswith("XY-RESTATE")]


def test_prior_figures_are_last_years_figures() -> None:
    prev, cur = draw(1, 2023, 1), draw(1, 2024, 1)
    assert cur.previous is not None
    assert cur.prior_general == {c: it.general for c, it in prev.items.items() if it.general}
    assert (cur.prior_basic, cur.prior_project) == (prev.basic, prev.project)
    assert (cur.prior_fund, cur.prior_carry, cur.prior_public) == (
        prev.fund,
        prev.carry,
        prev.public,
    )
    assert {k: v[1] for k, v in cur.three_public.items()} == {
        k: v[0] for k, v in prev.three_public.items()
    }
    active = sum(u.active for u in cur.units) - sum(u.active for u in prev.units)
    assert cur.changes[0] == active


def test_a_year_is_the_same_document_alone_or_in_a_series() -> None:
    """Restating changes only the 上年 figures: this year's own tables do not move."""
    alone = build_example(2, year=2024)  # no department: drawn on its own, priors drawn too
    series = build_example(2, year=2024, department=alone_index(alone))
    assert [t.model_dump() for t in alone.tables] == [t.model_dump() for t in series.tables]


def alone_index(doc: object) -> int:
    from cnbudget.example.data import TEMPLATES

    name = doc.metadata.department  # type: ignore[attr-defined]
    return next(i for i, t in enumerate(TEMPLATES) if t.department == name)
