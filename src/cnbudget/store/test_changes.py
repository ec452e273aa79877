"""What a corrected version changed: findings resolved / new / unchanged and the amounts, from
two versions of the real sample (SQLite and PostgreSQL).

v1 (sent back) has two wrong figures in 表6: 基本工资's 人员经费 (485.35 where the row's 合计 is
485.32) and 办公费's 公用经费 (74.11 for 74.01). v2 (the correction) fixes 基本工资, gets 办公费
wrong another way (74.21) and breaks 离休费 (35.26 for 35.21). So, by rule and row:

* resolved: SUM-ROW-001 30101;
* new: SUM-HIER-001 303 and SUM-ROW-001 30301;
* unchanged: SUM-HIER-001 302 and SUM-ROW-001 30201 (their expected sums moved) and the
  sample's own notice NAR-NEW-001 (it prints "增长 100.00%" on a 0 base);
* amounts changed: exactly those three cells.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from cnbudget.store.changes import (
    FindingChange,
    NotAVersion,
    UnknownDocument,
    version_changes,
)
from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths
from cnbudget.store.queries import jsonable
from cnbudget.store.schema import CheckRunRow, FindingRow
from cnbudget.testing import sample_text

#: 表6 rows as the sample prints them (code, name, 合计, 人员经费, 公用经费).
WAGES = "301\t01 基本工资\t485.32\t485.32"
OFFICE = "302\t01 办公费\t74.01\t\t74.01"
RETIRED = "303\t01 离休费\t35.21\t35.21"
#: The version sent back: 基本工资 and 办公费 wrong.
V1_EDITS = {WAGES: "301\t01 基本工资\t485.32\t485.35", OFFICE: "302\t01 办公费\t74.01\t\t74.11"}
#: The correction: 基本工资 fixed, 办公费 still wrong (differently), 离休费 newly wrong.
V2_EDITS = {OFFICE: "302\t01 办公费\t74.01\t\t74.21", RETIRED: "303\t01 离休费\t35.21\t35.26"}

RESOLVED = [("SUM-ROW-001", "30101")]
NEW = [("SUM-HIER-001", "303"), ("SUM-ROW-001", "30301")]
UNCHANGED = [("SUM-HIER-001", "302"), ("SUM-ROW-001", "30201"), ("NAR-NEW-001", None)]
#: (row code, column key, old, new, difference) of every amount that changed.
AMOUNTS = [
    ("30101", "personnel", Decimal("485.35"), Decimal("485.32"), Decimal("-0.03")),
    ("30201", "public", Decimal("74.11"), Decimal("74.21"), Decimal("0.10")),
    ("30301", "personnel", Decimal("35.21"), Decimal("35.26"), Decimal("0.05")),
]


def version_texts(name: str | None = None) -> tuple[str, str]:
    """(v1, v2) of the sample as above, under another department name if given."""
    text = sample_text()
    return variant(text, name=name, replace=V1_EDITS), variant(text, name=name, replace=V2_EDITS)


def import_versions(folder: Path, url: str, name: str | None = None) -> tuple[int, int]:
    """Import v1, then v2 (a new version of the same document); their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i, text in enumerate(version_texts(name), start=1):
        p = folder / f"v{i}.txt"
        p.write_text(text, encoding="utf-8")
        result = import_paths([p], url, jobs=1).results[0]
        assert result.document_id is not None, result.reason
        ids.append(result.document_id)
    return ids[0], ids[1]


def where(items: list[FindingChange]) -> list[tuple[str, str | None]]:
    return [(f.rule, f.row_code) for f in items]


@pytest.fixture
def versions(db_url: str, tmp_path: Path) -> tuple[int, int]:
    return import_versions(tmp_path / "versions", db_url)


def test_findings_resolved_new_unchanged(db_url: str, versions: tuple[int, int]) -> None:
    v1, v2 = versions
    vc = version_changes(db_url, v2)
    assert vc.status == "compared" and vc.compared
    assert vc.against is not None and vc.against.id == v1 and vc.document.id == v2
    assert (vc.against.version, vc.document.version) == (1, 2)
    assert where(vc.resolved) == RESOLVED
    assert where(vc.new) == NEW
    assert where(vc.unchanged) == UNCHANGED
    assert vc.counts == {
        "resolved": {"error": 1, "warning": 0, "notice": 0},
        "new": {"error": 2, "warning": 0, "notice": 0},
        "unchanged": {"error": 2, "warning": 0, "notice": 1},
    }
    (fixed,) = vc.resolved
    assert fixed.new is None and fixed.old is not None
    assert (fixed.old.found, fixed.old.expected) == (Decimal("485.32"), Decimal("485.35"))
    assert fixed.column == "一般公共预算基本支出 / 合计" and fixed.table_no == 6
    assert all(f.old is None and f.new is not None for f in vc.new)
    assert vc.new[1].new is not None and vc.new[1].new.expected == Decimal("35.26")


def test_unchanged_findings_show_both_versions_figures(
    db_url: str, versions: tuple[int, int]
) -> None:
    vc = version_changes(db_url, versions[1])
    hier, office, notice = vc.unchanged
    assert office.old is not None and office.new is not None
    assert (office.old.found, office.old.expected) == (Decimal("74.01"), Decimal("74.11"))
    assert (office.new.found, office.new.expected) == (Decimal("74.01"), Decimal("74.21"))
    assert office.figures_changed and office.figures is office.new
    assert "74.21" in office.new.message and "74.11" in office.old.message
    assert hier.old is not None and hier.new is not None
    assert (hier.old.expected, hier.new.expected) == (Decimal("208.27"), Decimal("208.37"))
    assert hier.figures_changed
    assert not notice.figures_changed and notice.sentence and "54.07" in notice.sentence


def test_amounts_that_changed(db_url: str, versions: tuple[int, int]) -> None:
    vc = version_changes(db_url, versions[1])
    got = [(d.row_code, d.column_key, d.a, d.b, d.diff) for d in vc.amounts_changed]
    assert got == AMOUNTS
    assert all(d.table_no == 6 and d.table_type == "general_basic" for d in vc.amounts_changed)
    assert vc.amounts_added == [] and vc.amounts_removed == []
    assert vc.table_titles["general_basic"] == "一般公共预算基本支出情况表"
    # exact decimal text in the JSON, never floats
    js = jsonable(vc)
    assert js["amounts_changed"][0]["a"] == "485.35" and js["amounts_changed"][0]["b"] == "485.32"
    assert js["unchanged"][1]["new"]["expected"] == "74.21"


def test_first_version_has_nothing_to_compare(db_url: str, versions: tuple[int, int]) -> None:
    vc = version_changes(db_url, versions[0])
    assert vc.status == "no_previous_version" and vc.against is None
    assert vc.resolved == vc.new == vc.unchanged == vc.amounts_changed == []
    assert vc.counts["new"] == {"error": 0, "warning": 0, "notice": 0}


def test_against_an_explicit_version_and_backwards(db_url: str, versions: tuple[int, int]) -> None:
    v1, v2 = versions
    assert where(version_changes(db_url, v2, against=v1).resolved) == RESOLVED
    back = version_changes(db_url, v1, against=v2)  # from v2 to v1: the roles swap
    assert where(back.resolved) == NEW and where(back.new) == RESOLVED
    changed = {d.row_code: (d.a, d.b) for d in back.amounts_changed}
    assert changed["30201"] == (Decimal("74.21"), Decimal("74.11"))


def test_refusals(db_url: str, versions: tuple[int, int], tmp_path: Path) -> None:
    v2 = versions[1]
    with pytest.raises(UnknownDocument):
        version_changes(db_url, 999_999)
    with pytest.raises(UnknownDocument):
        version_changes(db_url, v2, against=999_999)
    with pytest.raises(NotAVersion):
        version_changes(db_url, v2, against=v2)
    other = tmp_path / "other.txt"
    other.write_text(variant(sample_text(), name="乌鲁木齐市商务局", alias="口岸办"), "utf-8")
    other_id = import_paths([other], db_url, jobs=1).results[0].document_id
    assert other_id is not None
    with pytest.raises(NotAVersion) as exc:
        version_changes(db_url, v2, against=other_id)
    assert exc.value.code == "not_a_version" and "/compare" in exc.value.en


def test_answers_follow_the_version_shown(db_url: str, versions: tuple[int, int]) -> None:
    responses = pytest.importorskip("cnbudget.store.responses")
    v1, v2 = versions
    t0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    before = version_changes(db_url, v2)
    fixed, office = before.resolved[0], before.unchanged[1]
    added = before.new[0]
    responses.answer_finding(db_url, v1, fixed.key, "accepted", author="审核员甲", now=t0)
    responses.answer_finding(
        db_url, v1, office.key, "explained", author="部门乙", note="四舍五入", now=t0
    )
    responses.answer_finding(
        db_url, v2, added.key, "false", author="审核员甲", note="<b>不是错</b>", now=t0
    )
    vc = version_changes(db_url, v2)
    assert vc.answers_available
    a = vc.resolved[0].answer
    assert a is not None and (a.status, a.author, a.inherited) == ("accepted", "审核员甲", False)
    b = vc.unchanged[1].answer  # given to v1, inherited by v2 where the finding recurs
    assert b is not None and (b.status, b.note, b.inherited) == ("explained", "四舍五入", True)
    c = vc.new[0].answer
    assert c is not None and (c.status, c.inherited, c.note) == ("false", False, "<b>不是错</b>")
    assert vc.new[1].answer is None and vc.unchanged[0].answer is None


def test_without_the_answers_module(
    db_url: str, versions: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cnbudget.store.responses", None)  # import fails
    vc = version_changes(db_url, versions[1])
    assert not vc.answers_available
    assert where(vc.resolved) == RESOLVED and all(f.answer is None for f in vc.unchanged)


def test_keys_computed_when_the_store_gives_none(
    db_url: str, versions: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cnbudget.store.changes as changes

    real = changes.findings

    def without_keys(db: Any, doc_id: int) -> list[dict[str, Any]]:
        return [{k: v for k, v in f.items() if k != "key"} for f in real(db, doc_id)]

    expected = version_changes(db_url, versions[1])
    monkeypatch.setattr(changes, "findings", without_keys)
    vc = version_changes(db_url, versions[1])
    assert [f.key for f in vc.unchanged] == [f.key for f in expected.unchanged]
    assert where(vc.resolved) == RESOLVED and where(vc.new) == NEW


def test_unchecked_version_compares_amounts_only(
    db_url: str, engine: Any, versions: tuple[int, int]
) -> None:
    v2 = versions[1]
    with engine.begin() as conn:
        conn.execute(delete(FindingRow).where(FindingRow.document_id == v2))
        conn.execute(delete(CheckRunRow).where(CheckRunRow.document_id == v2))
    vc = version_changes(engine, v2)
    assert vc.status == "not_checked"
    assert vc.resolved == vc.new == vc.unchanged == []  # never "all resolved"
    assert [d.row_code for d in vc.amounts_changed] == ["30101", "30201", "30301"]
