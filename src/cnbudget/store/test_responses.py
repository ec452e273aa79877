"""Answers to findings: stored with who/when, inherited by a corrected version where the
finding recurs, counted per rule (SQLite and PostgreSQL, the real sample edited twice)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cnbudget.checks.findings import finding_keys
from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths
from cnbudget.store.queries import findings
from cnbudget.store.responses import (
    AnswerError,
    answer_finding,
    answers,
    export_answers,
    findings_with_answers,
    history,
    rule_quality,
)
from cnbudget.testing import sample_text

#: 表6 总计 changed: five errors (表5/表6 totals, two narrative amounts) that v2 corrects.
TABLE_EDIT = {"\t总计\t2,359.94\t2,151.77\t208.17": "\t总计\t2,400.00\t2,151.77\t248.23"}
#: a part of 政府采购预算 changed in the narrative: NAR-PARTS-001, left in v2 as well.
PARTS_EDIT = {"政府采购货物预算 35.56 万元": "政府采购货物预算 36.56 万元"}
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def versions(db_url: str, write_text: Any) -> tuple[int, int]:
    """(v1, v2): v1 has the table error and the parts error, v2 only the parts error."""
    text = sample_text()
    v1 = write_text("v1.txt", variant(text, replace={**TABLE_EDIT, **PARTS_EDIT}))
    v2 = write_text("v2.txt", variant(text, replace=PARTS_EDIT))
    d1 = import_paths([v1], db_url, jobs=1).results[0].document_id
    d2 = import_paths([v2], db_url, jobs=1).results[0].document_id
    assert d1 is not None and d2 is not None
    return d1, d2


def _key(db_url: str, doc: int, rule: str, n: int = 0) -> str:
    return [f["key"] for f in findings(db_url, doc) if f["rule"] == rule][n]


def test_keys_are_stable_per_place_and_ignore_figures() -> None:
    base = {"rule": "SUM-TOT-001", "table_type": "general_basic", "row_name": "总计"}
    a = finding_keys([{**base, "found": "1"}, {**base, "column": "合计"}])
    b = finding_keys([{**base, "found": "2"}, {**base, "column_label": "合计"}])
    assert a == b  # figures are not the place; column_label (store) = column (flat)
    twice = finding_keys([base, base])
    assert twice[1] == f"{twice[0]}~1"  # repeats told apart by order
    assert finding_keys([{**base, "sentence": "a  b"}]) == finding_keys(
        [{**base, "sentence": "a b"}]
    )


def test_answer_is_stored_with_who_and_when(db_url: str, versions: tuple[int, int]) -> None:
    d1, _ = versions
    key = _key(db_url, d1, "NAR-PARTS-001")
    a = answer_finding(
        db_url, d1, key, "explained", author="市财政局 张三", note="货物含进口设备", now=T0
    )
    assert (a.status, a.author, a.note, a.created_at, a.inherited) == (
        "explained",
        "市财政局 张三",
        "货物含进口设备",
        T0,
        False,
    )
    got = answers(db_url, d1)
    assert set(got) == {key}
    assert got[key].created_at == T0 and got[key].rule == "NAR-PARTS-001"
    marked = {f["key"]: f["answer"] for f in findings_with_answers(db_url, d1)}
    assert marked[key]["status"] == "explained" and marked[key]["author"] == "市财政局 张三"
    assert sum(1 for v in marked.values() if v is None) == len(marked) - 1


def test_corrected_version_inherits_answers_of_recurring_findings(
    db_url: str, versions: tuple[int, int]
) -> None:
    d1, d2 = versions
    parts = _key(db_url, d1, "NAR-PARTS-001")
    total = _key(db_url, d1, "SUM-TOT-001")
    answer_finding(db_url, d1, parts, "false", author="单位 李四", note="含税", now=T0)
    answer_finding(db_url, d1, total, "accepted", author="单位 李四", now=T0)
    got = answers(db_url, d2)
    # the parts finding recurs in v2 (same key): its answer follows; the corrected one does not
    assert parts in {f["key"] for f in findings(db_url, d2)}
    assert set(got) == {parts}
    assert got[parts].inherited and got[parts].document_id == d1 and got[parts].status == "false"
    # an answer given to v2 itself wins over the inherited one
    later = T0 + dt.timedelta(hours=1)
    answer_finding(db_url, d2, parts, "accepted", author="市财政局 张三", now=later)
    got = answers(db_url, d2)
    assert (got[parts].status, got[parts].inherited) == ("accepted", False)
    assert [h.status for h in history(db_url, d2, parts)] == ["false", "accepted"]
    # v1 keeps its own answer
    assert answers(db_url, d1)[parts].status == "false"


def test_open_withdraws_an_answer(db_url: str, versions: tuple[int, int]) -> None:
    d1, _ = versions
    key = _key(db_url, d1, "NAR-PARTS-001")
    answer_finding(db_url, d1, key, "accepted", author="甲", now=T0)
    answer_finding(db_url, d1, key, "open", author="甲", now=T0 + dt.timedelta(minutes=1))
    assert answers(db_url, d1) == {}
    assert [h.status for h in history(db_url, d1, key)] == ["accepted", "open"]


@pytest.mark.parametrize(
    ("status", "author", "note", "code"),
    [
        ("fixed", "甲", None, "bad_status"),
        ("explained", "甲", None, "note_required"),
        ("false", "甲", "   ", "note_required"),
        ("accepted", "  ", None, "no_author"),
        ("accepted", "甲" * 101, None, "author_too_long"),
        ("explained", "甲", "说" * 2001, "note_too_long"),
        ("explained", "甲", "含\x00", "bad_text"),  # PostgreSQL text cannot hold NUL
        ("accepted", "甲\x1b[31m", None, "bad_text"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    db_url: str, versions: tuple[int, int], status: str, author: str, note: str | None, code: str
) -> None:
    d1, _ = versions
    key = _key(db_url, d1, "NAR-PARTS-001")
    with pytest.raises(AnswerError) as err:
        answer_finding(db_url, d1, key, status, author=author, note=note)
    assert err.value.code == code and err.value.zh and err.value.en
    assert export_answers(db_url) == []


def test_crlf_counts_as_one_character(db_url: str, versions: tuple[int, int]) -> None:
    """A browser's textarea sends CRLF; its maxlength counts one character per line break."""
    d1, _ = versions
    key = _key(db_url, d1, "NAR-PARTS-001")
    note = ("说" * 99 + "\r\n") * 19 + "说" * 100  # 2,000 characters with LF, 2,019 with CRLF
    a = answer_finding(db_url, d1, key, "explained", author="甲", note=note)
    assert a.note == note.replace("\r\n", "\n") and len(a.note) == 2000


def test_unknown_document_or_finding_is_refused(db_url: str, versions: tuple[int, int]) -> None:
    d1, d2 = versions
    with pytest.raises(AnswerError) as err:
        answer_finding(db_url, d2 + 100, "x", "accepted", author="甲")
    assert err.value.code == "no_document"
    # a finding of v1 that v2 corrected cannot be answered on v2
    total = _key(db_url, d1, "SUM-TOT-001")
    with pytest.raises(AnswerError) as err:
        answer_finding(db_url, d2, total, "accepted", author="甲")
    assert err.value.code == "no_finding"


def test_rule_quality_counts_each_finding_once(db_url: str, versions: tuple[int, int]) -> None:
    d1, d2 = versions
    parts = _key(db_url, d1, "NAR-PARTS-001")
    answer_finding(db_url, d1, parts, "false", author="甲", note="货物含税", now=T0)
    answer_finding(db_url, d1, _key(db_url, d1, "SUM-TOT-001"), "accepted", author="甲", now=T0)
    quality = {q.rule: q for q in rule_quality(db_url)}
    # counted on the current version (v2): the parts finding once, inherited as false
    q = quality["NAR-PARTS-001"]
    assert (q.findings, q.answered, q.false, q.accepted, q.false_rate) == (1, 1, 1, 0, 1.0)
    # SUM-TOT-001 no longer occurs in the current version: nothing counted for it
    assert "SUM-TOT-001" not in quality
    assert rule_quality(db_url)[0].rule == "NAR-PARTS-001"  # worst first
    rows = export_answers(db_url)
    assert [(r["status"], r["document_id"], r["version"]) for r in rows] == [
        ("false", d1, 1),
        ("accepted", d1, 1),
    ]
    assert rows[0]["department"] and rows[0]["year"] == 2024 and d2 != d1
