"""The analysis rules: the ``series`` family of the shared rule book (``checks/rules/XY-*.yaml``).

These rules compare *several* documents (two years, a budget and its final account, a
department and its peers), so they carry no one-document ``trigger`` edit of the sample; each is
exercised by the analysis tests instead (``test_rulebook.py`` checks that every one fires).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from cnbudget.checks.findings import Finding, Location
from cnbudget.checks.rulebook import RULES_DIR, Rule, build_finding, load_rules

#: The one family of the analysis rules: findings about a *series* of documents.
FAMILY = "series"

__all__ = ["FAMILY", "RULES_DIR", "load_analysis_rules", "make_finding"]


def load_analysis_rules() -> dict[str, Rule]:
    """The ``series`` rules of the shared rule book."""
    return {k: r for k, r in load_rules().items() if r.family == FAMILY}


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
    """A :class:`Finding` of an analysis rule (see :func:`cnbudget.checks.rulebook.build_finding`)."""
    return build_finding(
        load_analysis_rules()[rule_id],
        location,
        expected=expected,
        found=found,
        tolerance=tolerance,
        related=related,
        **fmt,
    )
