"""Every rule has a triggering and a non-triggering test, taken from its own rule file."""

from __future__ import annotations

import pytest

from cnbudget.checks import check_document, load_rules
from cnbudget.checks.rulebook import TriggerEdit
from cnbudget.ingest.text import read_text
from cnbudget.testing import sample_text

RULES = load_rules()
#: Rules of the 决算 family are exercised on 决算 documents (checks/test_final.py); all other
#: rules carry an edit of the Urumqi text sample that triggers them.
#: Rules that only a PDF can trigger are exercised on the corpus PDFs instead
#: (RDR-ISSUE-002: codes printed without their leading zero, in ingest/pdf/test_corpus.py and
#: checks/test_trust.py).
PDF_ONLY = {"RDR-ISSUE-002"}
SAMPLE_RULES = {
    k: r for k, r in RULES.items() if r.family not in {"final", "series"} and k not in PDF_ONLY
}


def apply(text: str, edits: list[TriggerEdit]) -> str:
    lines = text.split("\n")
    for e in edits:
        assert e.find in lines[e.line - 1], f"line {e.line} has no {e.find!r}"
        lines[e.line - 1] = lines[e.line - 1].replace(e.find, e.replace)
    return "\n".join(lines)


def rules_fired(text: str) -> dict[str, set[str]]:
    report = check_document(read_text(text))
    out: dict[str, set[str]] = {}
    for f in report.findings:
        out.setdefault(f.rule, set()).add(f.severity)
    return out


def test_every_rule_has_a_trigger_and_rationale():
    assert len(RULES) >= 40
    for rule in SAMPLE_RULES.values():
        assert rule.trigger, rule.id
    for rule in RULES.values():
        assert rule.rationale and rule.message_zh and rule.message_en


@pytest.mark.parametrize("rule_id", sorted(SAMPLE_RULES))
def test_rule_triggers(rule_id):
    rule = RULES[rule_id]
    fired = rules_fired(apply(sample_text(), rule.trigger))
    assert rule_id in fired, f"{rule_id} did not fire; fired: {sorted(fired)}"
    assert fired[rule_id] == {rule.severity}


@pytest.mark.parametrize("rule_id", sorted(SAMPLE_RULES))
def test_rule_does_not_trigger_on_clean_input(rule_id):
    rule = RULES[rule_id]
    fired = rules_fired(apply(sample_text(), rule.clean))
    assert rule_id not in fired


def test_clean_sample_has_no_error_or_warning():
    report = check_document(read_text(sample_text()))
    assert report.count("error") == 0
    assert report.count("warning") == 0
    # The one notice is justified: 2150550 事业运行 is new (prior 0) and printed as 增长 100.00%.
    assert [(f.rule, f.location.source_line) for f in report.findings] == [("NAR-NEW-001", 550)]
    assert report.stats["identities"] > 800
    assert report.stats["narrative_amounts_checked"] >= 70


def test_finding_shape_for_a_table_error():
    text = apply(
        sample_text(), [TriggerEdit(line=312, find="485.32\t485.32", replace="485.32\t486.32")]
    )
    report = check_document(read_text(text))
    f = next(f for f in report.findings if f.rule == "SUM-ROW-001")
    flat = f.flat()
    for key in (
        "rule",
        "severity",
        "table_no",
        "row_code",
        "row_name",
        "column",
        "expected",
        "found",
        "source_line",
        "message",
    ):
        assert key in flat
    assert flat["table_no"] == 6 and flat["row_code"] == "30101"
    assert flat["found"] == "485.32" and flat["expected"] == "486.32"
    assert flat["source_line"] == 312


def test_narrative_finding_carries_sentence():
    text = apply(sample_text(), [TriggerEdit(line=497, find="占 93.04%", replace="占 93.40%")])
    report = check_document(read_text(text))
    f = next(f for f in report.findings if f.rule == "NAR-SHARE-001")
    assert f.location.source_line == 497
    assert "项目支出 31,539.04 万元" in (f.location.sentence or "")
    assert str(f.expected) == "93.04" and str(f.found) == "93.40"
