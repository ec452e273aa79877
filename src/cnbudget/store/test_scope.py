"""Every document kept apart: a 单位预算 never supersedes the 部门预算, money is never counted
twice, templates are stored but are neither departments nor figures (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from cnbudget.store.conftest import NAME, variant
from cnbudget.store.importer import import_paths
from cnbudget.store.migrate import current_revision, downgrade, upgrade
from cnbudget.store.queries import (
    function_totals,
    list_departments,
    list_documents,
    peers,
)
from cnbudget.store.schema import AmountRow, DocumentRow
from cnbudget.testing import corpus_file, sample_text

DEPT = "shanghai-putuo-commerce-2025-dept-budget.pdf"
UNIT = "shanghai-putuo-commerce-2025-unit-budget.pdf"
TEMPLATE = "template-dept-final-2024.pdf"
#: 表3 total of 上海市普陀区商务委员会 2025 (元 in print, 万元 stored): the same in both files,
#: because the commission has one unit.
COMMERCE_TOTAL = Decimal("37151.4655")


def _copy(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        dst = tmp_path / "in" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus_file(name), dst)
        out.append(dst)
    return out


def _total(db_url: str, **kw: Any) -> Decimal:
    rows = function_totals(db_url, level="total", years=2025, **kw)
    return sum((r.values["total"] for r in rows), Decimal(0))


def test_unit_budget_and_department_budget_both_stay_current(db_url: str, tmp_path: Path) -> None:
    unit, dept = _copy(tmp_path, UNIT, DEPT)
    # the unit budget alone: the only figures known for the commission, so they count
    first = import_paths([unit], db_url, jobs=1)
    assert [(r.status, r.scope) for r in first.results] == [("imported", "unit")]
    assert _total(db_url) == COMMERCE_TOTAL

    second = import_paths([dept], db_url, jobs=1)
    (r,) = second.results
    assert (r.status, r.scope, r.version, r.supersedes_id) == ("imported", "department", 1, None)

    docs = list_documents(db_url, current_only=True)
    assert sorted((d.scope, d.version, d.is_current) for d in docs) == [
        ("department", 1, True),
        ("unit", 1, True),
    ]
    assert len({d.department_id for d in docs}) == 1  # one department, two documents
    # never the same money twice: the 部门 document counts, its 单位 document does not
    assert _total(db_url) == COMMERCE_TOTAL
    counted = list_documents(db_url, counted_only=True)
    assert [d.scope for d in counted] == ["department"]
    assert [p.document_id for p in peers(db_url, years=2025)] == [counted[0].id]


def test_a_unit_correction_supersedes_only_the_unit_budget(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    unit, dept = _copy(tmp_path, UNIT, DEPT)
    corrected = tmp_path / "in" / "unit-corrected.pdf"
    corrected.write_bytes(unit.read_bytes() + b"\n% corrected\n")  # same document, new bytes
    summary = import_paths([dept, unit, corrected], db_url, jobs=1)
    assert [r.status for r in summary.results] == ["imported"] * 3
    by_id = {d.id: d for d in list_documents(db_url)}
    d_dept, d_unit, d_corr = (by_id[r.document_id] for r in summary.results)  # type: ignore[index]
    assert (d_dept.scope, d_dept.is_current) == ("department", True)
    assert (d_unit.scope, d_unit.is_current) == ("unit", False)
    assert (d_corr.version, d_corr.supersedes_id, d_corr.is_current) == (2, d_unit.id, True)
    assert _total(db_url) == COMMERCE_TOTAL


def test_template_is_stored_but_neither_a_department_nor_a_figure(
    db_url: str, tmp_path: Path, write_text: Any
) -> None:
    (template,) = _copy(tmp_path, TEMPLATE)
    # the text sample under a placeholder name: a template *with* figures, so that leaving it
    # out of the totals is visible (the text reader does not mark templates; the store does)
    filled = write_text(
        "template-2024.txt", variant(sample_text(), name="乌鲁木齐市XX局", drop_alias=True)
    )
    real = write_text("real-2024.txt", sample_text())
    summary = import_paths([template, filled, real], db_url, jobs=1)
    assert [(r.status, r.is_template) for r in summary.results] == [
        ("imported", True),
        ("imported", True),
        ("imported", False),
    ]
    assert [d.name for d in list_departments(db_url)] == [NAME]
    docs = list_documents(db_url)
    assert sorted(d.is_template for d in docs) == [False, True, True]

    rows = function_totals(db_url, level="total", years=2024, kind="budget")
    assert len(rows) == 1 and rows[0].documents == 1
    only_real = function_totals(db_url, level="total", years=2024, kind="budget", department=NAME)
    assert rows[0].values == only_real[0].values
    assert [p.department for p in peers(db_url, years=2024, kind="budget")] == [
        d.department + (f"（{d.alias}）" if d.alias else "") for d in docs if not d.is_template
    ]
    assert peers(db_url, years=2024, kind="final") == []


def test_migration_0002_keeps_every_row_and_marks_old_documents(
    db_url: str, engine: Engine, sample_path: Path
) -> None:
    """A store written at 0001 upgrades in place: nothing lost (on SQLite the documents table
    is rebuilt, which with foreign keys on would cascade-delete every amount)."""
    assert import_paths([sample_path], db_url, jobs=1).counts["imported"] == 1
    with engine.connect() as conn:
        amounts = conn.scalar(select(func.count()).select_from(AmountRow))
    assert amounts and amounts > 100
    downgrade(db_url, "0001")
    assert current_revision(db_url) == "0001"
    upgrade(db_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AmountRow)) == amounts
        row = conn.execute(select(DocumentRow.scope, DocumentRow.is_template)).one()
    assert (row.scope, row.is_template) == ("department", False)


def test_downgrade_refuses_to_merge_two_scopes(
    db_url: str, engine: Engine, write_text: Any
) -> None:
    """Two scopes of one identity cannot be held by 0001's constraint: the downgrade fails
    rather than dropping a document."""
    text = sample_text()
    import_paths(
        [write_text("a.txt", text), write_text("b.txt", variant(text, staff=291))], db_url, jobs=1
    )
    with engine.begin() as conn:  # make the correction a 单位 document of its own
        newest = conn.scalar(select(func.max(DocumentRow.id)))
        conn.execute(
            update(DocumentRow)
            .where(DocumentRow.id == newest)
            .values(scope="unit", version=1, supersedes_id=None, is_current=True)
        )
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        downgrade(db_url, "0001")
    upgrade(db_url)  # whatever state it is in, head again for the next test
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(DocumentRow)) == 2
