"""A stored document reconciles with last year's document of its own scope (部门 / 单位)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from cnbudget.analysis.reconcile import previous_document_id
from cnbudget.store import import_paths, list_documents, make_engine
from cnbudget.store.conftest import variant
from cnbudget.store.schema import DocumentRow
from cnbudget.testing import sample_text


def test_previous_document_has_the_same_scope(tmp_path: Path) -> None:
    text = sample_text()
    unit_2023 = tmp_path / "unit-2023.txt"
    unit_2023.write_text(variant(text, year=2023), encoding="utf-8")
    dept_2024 = tmp_path / "dept-2024.txt"
    dept_2024.write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert import_paths([unit_2023, dept_2024], url, jobs=1).counts["imported"] == 2
    docs = {d.year: d for d in list_documents(url)}
    engine = make_engine(url)
    with engine.begin() as conn:  # last year's document is a 单位预算 of the department
        conn.execute(
            update(DocumentRow).where(DocumentRow.id == docs[2023].id).values(scope="unit")
        )
    engine.dispose()
    assert previous_document_id(url, docs[2024].id) is None

    dept_2023 = tmp_path / "dept-2023.txt"
    dept_2023.write_text(variant(text, year=2023, staff=291), encoding="utf-8")
    (r,) = import_paths([dept_2023], url, jobs=1).results
    assert (r.status, r.version) == ("imported", 1)  # a 部门 document beside the 单位 one
    assert previous_document_id(url, docs[2024].id) == r.document_id
