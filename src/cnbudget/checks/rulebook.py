"""The rule book: every rule is a YAML file in ``rules/`` (ID, severity, family, bilingual title
and message template, rationale, and the edit of the sample that triggers it).

Keeping rules as data (like the DATA Act broker's one-file-per-rule) lets reviewers read and
discuss a rule without reading code; the code that evaluates a family lives in ``families/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

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
        "arithmetic", "cross", "narrative", "catalog", "completeness", "reader", "final", "series"
    ]
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    rationale: str
    trigger: list[TriggerEdit] = Field(default_factory=list)
    clean: list[TriggerEdit] = Field(default_factory=list)

    def render(self, **values: Any) -> tuple[str, str]:
        """Fill the message templates (``{row}``, ``{expected}`` …), tolerating missing keys."""

        class _D(dict):
            def __missing__(self, key: str) -> str:
                return "?"

        v = _D(values)
        return self.message_zh.format_map(v), self.message_en.format_map(v)


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
