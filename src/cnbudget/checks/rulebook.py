"""The rule book: every rule is a YAML file in ``rules/`` (ID, severity, family, bilingual title
and message template, rationale, and the edit of the sample that triggers it).

Keeping rules as data (like the DATA Act broker's one-file-per-rule) lets reviewers read and
discuss a rule without reading code; the code that evaluates a family lives in ``families/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cnbudget.checks.findings import Finding, Location
from cnbudget.money import format_amount

RULES_DIR = Path(__file__).parent / "rules"


class TriggerEdit(BaseModel):
    """A text edit of the sample that must make the rule fire (used by the rule's own test)."""

    line: int
    find: str
    replace: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    severity: Literal["error", "warning", "notice"]
    family: Literal[
        "arithmetic",
        "cross",
        "narrative",
        "wording",
        "catalog",
        "completeness",
        "reader",
        "final",
        "series",
    ]
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    rationale: str
    #: How exact the comparison is and why (docs/rules/<family>.md quotes it); empty for rules
    #: that compare no figures.
    tolerance: str = ""
    trigger: list[TriggerEdit] = Field(default_factory=list)
    clean: list[TriggerEdit] = Field(default_factory=list)

    def render(self, **values: Any) -> tuple[str, str]:
        """Fill the message templates (``{row}``, ``{expected}`` …), tolerating missing keys."""

        class _D(dict):
            def __missing__(self, key: str) -> str:
                return "?"

        v = _D(values)
        return self.message_zh.format_map(v), self.message_en.format_map(v)


def build_finding(
    rule: Rule,
    location: Location,
    /,
    *,
    expected: Decimal | None = None,
    found: Decimal | None = None,
    tolerance: Decimal | None = None,
    related: Iterable[Location] = (),
    **fmt: Any,
) -> Finding:
    """A :class:`Finding` of ``rule`` with its messages filled in.

    ``expected``/``found``/``difference`` are formatted as amounts unless ``fmt`` passes them
    explicitly (rates and counts are not amounts). One builder for the one-document checks and
    the analyses over several documents.
    """
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


@cache
def load_rules() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in sorted(RULES_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            rule = Rule.model_validate(yaml.safe_load(fh))
        if rule.id != path.stem:
            raise ValueError(f"rule file {path.name} declares id {rule.id}")
        rules[rule.id] = rule
    return rules
