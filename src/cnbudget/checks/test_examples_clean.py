"""Documents the project writes itself (the bundled example, every seed) pass every check:
the checks agree with the generator about what a consistent disclosure is."""

from __future__ import annotations

import pytest

from cnbudget.checks import check_document
from cnbudget.example import example_text
from cnbudget.ingest.text import read_text


@pytest.mark.parametrize("seed", range(21))
def test_generated_example_has_no_error_or_warning(seed):
    report = check_document(read_text(example_text(seed=seed)))
    bad = [
        (f.rule, f.location.source_line, f.message_zh)
        for f in report.findings
        if f.severity != "notice"
    ]
    assert bad == []
    # notices are only the customary "new item = 增长 100%"
    assert {f.rule for f in report.findings} <= {"NAR-NEW-001"}
