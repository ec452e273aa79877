"""docs/rules/ is the rule book written out: one page per family, never stale."""

from __future__ import annotations

from cnbudget.checks.rulebook import load_rules
from cnbudget.checks.ruledocs import pages
from cnbudget.testing import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs" / "rules"


def test_every_rule_is_documented_with_basis_and_tolerance() -> None:
    text = "\n".join(pages().values())
    for rule in load_rules().values():
        assert f"## {rule.id} " in text
        assert rule.rationale.strip()[:40] in text


def test_rule_docs_are_up_to_date() -> None:
    for name, content in pages().items():
        path = DOCS / name
        assert path.is_file(), f"{path} missing: run `cnbudget rules --docs docs/rules`"
        assert path.read_text(encoding="utf-8") == content, (
            f"{path} is stale: run `cnbudget rules --docs docs/rules`"
        )
