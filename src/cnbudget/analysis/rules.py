"""The analysis rule book: ``rules/XY-*.yaml``, the same schema as :mod:`cnbudget.checks.rulebook`.

Why a separate folder: these rules compare *several* documents (two years, a budget and its final
account, a department and its peers), so they cannot carry the one-document ``trigger`` edit of the
Urumqi sample that every file in ``checks/rules/`` must have, and their family (``series``) is not
yet one of :class:`~cnbudget.checks.rulebook.Rule`'s families. Each rule is exercised by the
analysis tests instead (``test_rulebook.py`` checks that every rule here fires somewhere). Once the
``series`` family exists in the checks' rule book these files can move there unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from cnbudget.checks.findings import Finding, Location
from cnbudget.checks.rulebook import Rule
from cnbudget.money import format_amount

RULES_DIR = Path(__file__).parent / "rules"

#: The one family of the analysis rules: findings about a *series* of documents.
FAMILY = "series"


class SeriesRule(Rule):
    """A rule of the analysis rule book: :class:`Rule` with the ``series`` family."""

    family: Literal["series"]  # type: ignore[assignment]


@cache
def load_analysis_rules() -> dict[str, SeriesRule]:
    """Every ``rules/*.yaml`` file, validated; the file name must be the rule id."""
    rules: dict[str, SeriesRule] = {}
    for path in sorted(RULES_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            rule = SeriesRule.model_validate(yaml.safe_load(fh))
        if rule.id != path.stem:
            raise ValueError(f"rule file {path.name} declares id {rule.id}")
        rules[rule.id] = rule
    return rules


def make_finding(
    rule_id: str,
    location: Location,
    *,
    expected: Decimal | None = None,
    found: Decimal | None = None,
    tolerance: Decimal | None = None,
    related: Iterable[Location] = (),
    **fmt: Any,
) -> Finding:
    """A :class:`Finding` of an analysis rule, its message filled like the checks' ``emit``.

    ``expected``/``found`` are formatted as amounts unless a ``{expected}``/``{found}`` value is
    passed explicitly in ``fmt`` (rates and counts are not amounts).
    """
    rule = load_analysis_rules()[rule_id]
    diff = found - expected if expected is not None and found is not None else None
    values: dict[str, Any] = {
        "expected": format_amount(expected) if expected is not None else "",
        "found": format_amount(found) if found is not None else "",
        "difference": format_amount(diff) if diff is not None else "",
        **fmt,
    }
    zh, en = rule.render(**values)
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        family=rule.family,
        message_zh=zh,
        message_en=en,
        expected=expected,
        found=found,
        difference=diff,
        tolerance=tolerance,
        location=location,
        related=list(related),
    )
