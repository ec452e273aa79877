"""Generated documents with known analysis results, for the API and web tests (issue 8).

One department (the generator's seed 0, moved to the fictional city ``示例乙市`` so that it is
distinct from other test documents) with:

* ``series-2023``: the previous year's budget (:func:`previous_year_example`), whose 三公
  公务接待费 cell is raised by :data:`RESTATED_BY` — a deliberate restatement that the 2024
  budget's 比上年 sentence on 公务接待费 must reveal;
* ``series-2024``: the budget of 2024 (``example_text(0)``);
* ``series-2024-final``: a 决算 of 2024 (:func:`final_from_budget`) whose first sizeable 项 is
  spent at 50 % with no reason given (an unexplained variance).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

CITY = "示例乙市"
RESTATED_BY = Decimal(1)


@cache
def series_texts() -> dict[str, str]:
    """``{name: text}`` of the three documents (names sort by year and kind)."""
    from cnbudget.analysis.synthetic import final_from_budget, previous_year_example
    from cnbudget.example import build_example, example_text
    from cnbudget.outputs.text import render_text

    prev, _ = previous_year_example(0)
    t10 = prev.table("three_public")
    assert t10 is not None
    row = t10.row_by_key("reception")
    assert row is not None
    cell = row.values["total"]
    row.values["total"] = cell.model_copy(update={"value": cell.value + RESTATED_BY})
    budget = build_example(0)
    t5 = budget.table("general_expenditure")
    assert t5 is not None
    codes = [r.code for r in t5.rows if r.code and len(r.code) == 7 and r.value0("total") > 20]
    final = final_from_budget(budget, factors={codes[0]: Decimal("0.5")}, explain=set(codes[1:]))
    texts = {
        "series-2023": render_text(prev),
        "series-2024": example_text(0, 2024),
        "series-2024-final": render_text(final),
    }
    return {k: v.replace("示例市", CITY) for k, v in texts.items()}
