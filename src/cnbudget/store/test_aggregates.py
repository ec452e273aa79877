"""The pre-aggregated class totals equal the live ``GROUP BY``, and the search column finds
exactly what the old ``OR`` of ``ILIKE`` found (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cnbudget.example import example_text
from cnbudget.store import aggregates
from cnbudget.store.conftest import ALIAS, NAME, variant
from cnbudget.store.db import make_engine
from cnbudget.store.importer import import_paths
from cnbudget.store.migrate import downgrade, upgrade
from cnbudget.store.queries import class_totals, economic_totals, function_totals
from cnbudget.store.schema import (
    ClassTotalSummaryRow,
    DepartmentRow,
    DocumentRow,
    RegionRow,
    SummaryStateRow,
)
from cnbudget.testing import UNIT, corpus_file, sample_text

#: Every question the summary may answer, and some it must leave to the live query.
CASES: list[dict[str, Any]] = [
    {},
    {"level": "款"},
    {"level": "项"},
    {"level": "total"},
    {"by": ("year", "kind"), "kind": None},
    {"by": ("kind",), "kind": None, "level": "total"},
    {"by": (), "years": [2023, 2024]},
    {"years": 2024, "code_prefix": "21", "level": "款"},
    {"by": ("year", "region")},
    {"by": ("department",), "level": "total"},
]


def _docs(write: Callable[[str, str], Path], seeds: list[tuple[int, int, str]]) -> list[Path]:
    return [
        write(f"doc{i}.txt", example_text(seed, year).replace("示例市", city))
        for i, (seed, year, city) in enumerate(seeds)
    ]


def _both(db: str, fn: Callable[..., Any], **kw: Any) -> tuple[Any, Any]:
    """(through the summary, live) — the live one with the summary switched off."""
    summary = fn(db, **kw)
    real = aggregates.summary_rows
    aggregates.summary_rows = lambda *a, **k: None  # type: ignore[assignment]
    try:
        live = fn(db, **kw)
    finally:
        aggregates.summary_rows = real  # type: ignore[assignment]
    return summary, live


def _summary_used(db: str, **kw: Any) -> bool:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return (
                aggregates.summary_rows(
                    conn,
                    table_type="expenditure_summary",
                    columns=("total", "basic", "project"),
                    level=kw.get("level", "类"),
                    by=kw.get("by", ("year",)),
                    code_prefix=None,
                    years=None,
                    kind="budget",
                )
                is not None
            )
    finally:
        engine.dispose()


def _assert_same(db: str) -> None:
    for kw in CASES:
        for fn in (function_totals, economic_totals):
            summary, live = _both(db, fn, **kw)
            assert summary == live, (fn.__name__, kw)
            assert live or fn is economic_totals, (fn.__name__, kw)  # 表6 has no 项


@pytest.fixture
def generated(db_url: str, write_text: Callable[[str, str], Path]) -> str:
    seeds = [(1, 2023, "甲市"), (1, 2024, "甲市"), (2, 2024, "乙市"), (3, 2024, "丙市")]
    summary = import_paths(_docs(write_text, seeds), db_url, jobs=1)
    assert [r.status for r in summary.results] == ["imported"] * 4
    return db_url


def test_summary_equals_live_query(generated: str) -> None:
    assert _summary_used(generated)
    _assert_same(generated)


def test_summary_follows_a_new_version(
    generated: str, write_text: Callable[[str, str], Path]
) -> None:
    before = function_totals(generated, level="total", years=2024)
    text = example_text(2, 2024).replace("示例市", "乙市")
    # a corrected re-publication: same department, year and kind, other bytes and figures
    fixed = text.replace("编制日期", "编制日期 ", 1) if "编制日期" in text else text + "\n"
    res = import_paths([write_text("fixed.txt", fixed)], generated, jobs=1)
    (r,) = res.results
    assert (r.status, r.version) == ("imported", 2)
    assert _summary_used(generated)
    _assert_same(generated)
    after = function_totals(generated, level="total", years=2024)
    assert after == before  # the old version no longer counts: never counted twice
    engine = make_engine(generated)
    try:
        with Session(engine) as s:
            assert not s.scalars(select(SummaryStateRow.stale)).all().count(True)
    finally:
        engine.dispose()


def test_unit_document_counts_only_without_its_department_document(
    db_url: str, tmp_path: Path
) -> None:
    src = corpus_file(UNIT)
    dst = tmp_path / "in" / UNIT
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    import_paths([dst], db_url, jobs=1)
    assert _summary_used(db_url)  # the import refreshed the unit's year: read from the summary
    for kw in ({"level": "total", "years": 2025}, {"years": 2025}):
        s, live = _both(db_url, function_totals, **kw)
        assert s == live and live
    dept = tmp_path / "in" / "shanghai-putuo-commerce-2025-dept-budget.pdf"
    shutil.copyfile(corpus_file(dept.name), dept)
    import_paths([dept], db_url, jobs=1)
    for kw in ({"level": "total", "years": 2025}, {"years": 2025}):
        s, live = _both(db_url, function_totals, **kw)
        assert s == live and live
        assert max(t.documents for t in s) == 1  # the 部门 document only


def test_refresh_analyzes_a_store_postgresql_has_no_statistics_for(
    db_url: str, write_text: Callable[[str, str], Path]
) -> None:
    """A bulk-loaded store planned as empty made the summary query quadratic (10 minutes at
    100,000 documents): the refresh analyzes ``documents`` first when the statistics know of
    fewer than half its rows."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL statistics only (SQLite plans without them)")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:  # the statistics of the empty table: zero rows
            conn.exec_driver_sql("ANALYZE documents")
            before = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass"
            ).scalar()
        assert before is not None and before <= 0
        import_paths(_docs(write_text, [(1, 2024, "甲市"), (2, 2024, "乙市")]), db_url, jobs=1)
        with engine.connect() as conn:
            known = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass"
            ).scalar()
        assert known == 2
        assert _summary_used(db_url)
    finally:
        engine.dispose()


def test_stale_or_foreign_documents_fall_back_to_the_live_query(generated: str) -> None:
    engine = make_engine(generated)
    try:
        with engine.begin() as conn:
            aggregates.mark_stale(conn, 2024, "budget")
        assert not _summary_used(generated)
        summary, live = _both(generated, function_totals)
        assert summary == live
        with engine.begin() as conn:
            assert aggregates.refresh_summaries(conn) == [(2024, "budget")]
        assert _summary_used(generated)
        # a summary that never saw the newest document (written by something else) is not read
        with engine.begin() as conn:
            conn.execute(update(SummaryStateRow).values(max_document_id=0))
        assert not _summary_used(generated)
        with engine.begin() as conn:
            aggregates.rebuild_all_summaries(conn)
        assert _summary_used(generated)
    finally:
        engine.dispose()


def test_other_table_types_run_live(generated: str) -> None:
    rows = class_totals(generated, table_type="general_expenditure", columns=("total",))
    assert rows  # not summarised, answered by the live GROUP BY


def test_migration_fills_search_text_and_summaries(generated: str) -> None:
    engine = make_engine(generated)
    try:
        with Session(engine) as s:
            texts = dict(s.execute(select(DocumentRow.id, DocumentRow.search_text)).all())
        expected = function_totals(generated, by=("year", "kind"), kind=None)
        downgrade(generated, "0004")
        upgrade(generated)
        with Session(engine) as s:
            assert dict(s.execute(select(DocumentRow.id, DocumentRow.search_text)).all()) == texts
            assert s.scalar(select(func.count(ClassTotalSummaryRow.id)))
        assert _summary_used(generated)
        assert function_totals(generated, by=("year", "kind"), kind=None) == expected
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# Search


def _old_search(engine: Any, q: str) -> set[int]:
    """The API's condition before migration 0005 (ILIKE over every name), as the reference."""
    stmt = (
        select(DocumentRow.id)
        .join(DepartmentRow, DepartmentRow.id == DocumentRow.department_id)
        .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
        .where(aggregates.names_contain(q))
    )
    with Session(engine) as s:
        return set(s.scalars(stmt))


def _new_search(engine: Any, q: str) -> set[int]:
    from cnbudget.api.search import search_documents

    with Session(engine) as s:
        total, page = search_documents(s, q=q, limit=1000)
    assert total == len(page)
    return {d.id for d in page}


QUERIES = [
    "能源",
    "甲市",
    "乙",
    "局",
    "2024",
    ".txt",
    ".TXT",
    "DOC1",
    "TX",
    "_a",
    "a%",
    "源发",
    "发展局",
    "%",
    "_",
    "/",
    "市\n甲",
    "乌鲁木齐",
    "大数据",
    "新名字",
    "没有这个",
]


def test_search_column_finds_what_the_old_condition_found(
    generated: str, write_text: Callable[[str, str], Path]
) -> None:
    # the sample's department, then a version printing a new name: the old documents are
    # found under the new name too (the department's aliases are in every document's text)
    text = sample_text()
    import_paths([write_text("DOC_a%b.txt", text)], generated, jobs=1)
    renamed = variant(text, name="乌鲁木齐市新名字局", alias=NAME, year=2023)
    assert ALIAS  # the sample's second name
    import_paths([write_text("renamed.txt", renamed)], generated, jobs=1)
    engine = make_engine(generated)
    try:
        for q in QUERIES:
            assert _new_search(engine, q) == _old_search(engine, q), q
        assert len(_new_search(engine, "新名字")) == 2
    finally:
        engine.dispose()


def test_web_search_uses_the_column_and_finds_the_same(generated: str) -> None:
    from cnbudget.web.data import search_documents

    engine = make_engine(generated)
    try:
        hits = search_documents(engine, "甲市 2024")
        assert [(h.year, h.department.startswith("甲市")) for h in hits] == [(2024, True)]
        assert len(search_documents(engine, "局")) == 4
        assert search_documents(engine, "没有这个") == []
    finally:
        engine.dispose()


def test_like_pattern_escapes() -> None:
    assert aggregates.like_pattern("a%b_c/d") == "%a/%b/_c//d%"


def test_a_single_upload_refreshes_its_summary(
    generated: str, write_text: Callable[[str, str], Path]
) -> None:
    """``store_prepared`` alone (the API's upload) rebuilds the summary in its transaction."""
    from cnbudget.store.importer import prepare_file, store_prepared

    path = write_text("upload.txt", example_text(4, 2024).replace("示例市", "丁市"))
    prep = prepare_file(str(path))
    engine = make_engine(generated)
    try:
        with engine.begin() as conn:
            assert store_prepared(conn, prep).status == "imported"  # type: ignore[arg-type]
    finally:
        engine.dispose()
    assert _summary_used(generated)
    _assert_same(generated)


def _summary_table(db: str) -> list[tuple[Any, ...]]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            t = ClassTotalSummaryRow.__table__
            return sorted(
                tuple(r)
                for r in conn.execute(select(*[t.c[c] for c in aggregates._SUMMARY_COLUMNS]))
            )
    finally:
        engine.dispose()


def _rebuilt(db: str) -> list[tuple[Any, ...]]:
    """The summary table as a rebuild from scratch writes it (rolled back afterwards)."""
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            aggregates.rebuild_all_summaries(conn)
            t = ClassTotalSummaryRow.__table__
            rows = sorted(
                tuple(r)
                for r in conn.execute(select(*[t.c[c] for c in aggregates._SUMMARY_COLUMNS]))
            )
            trans.rollback()
            return rows
    finally:
        engine.dispose()


def test_single_uploads_follow_the_summary_by_delta(
    generated: str,
    write_text: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each single upload — a new department, a corrected version with the same names, one
    whose 类 row is renamed and its figure changed (the representative name is looked up
    again), a 单位 document and then its 部门 document — leaves exactly the summary a rebuild
    writes, and only the first document of a year without a summary rebuilds."""
    from cnbudget.store.importer import prepare_file, store_prepared

    rebuilds: list[int] = []
    real_refresh = aggregates.refresh_summaries

    def counting_refresh(conn: Any) -> Any:
        rebuilds.append(1)
        return real_refresh(conn)

    import cnbudget.store.importer as importer

    monkeypatch.setattr(importer, "refresh_summaries", counting_refresh)

    def upload(path: Path, *, rebuilt: bool = False) -> None:
        rebuilds.clear()
        engine = make_engine(generated)
        try:
            with engine.begin() as conn:
                r = store_prepared(conn, prepare_file(str(path)))  # type: ignore[arg-type]
                assert r.status == "imported", r
        finally:
            engine.dispose()
        assert _summary_table(generated) == _rebuilt(generated), path.name
        assert _summary_used(generated)
        assert rebuilds == ([1] if rebuilt else []), path.name  # else a delta followed it

    text = example_text(4, 2024).replace("示例市", "丁市")
    upload(write_text("new.txt", text))  # a new department
    upload(write_text("v2.txt", text + "\n"))  # a corrected version: same names and figures
    lines = text.split("\n")
    no = next(i for i, ln in enumerate(lines) if re.match(r"\d{3}\t[^\t]+\t[\d,]+\.\d\d", ln))
    code, name, first, *rest = lines[no].split("\t")
    lines[no] = "\t".join([code, name + "（改）", first.replace(".", "1.", 1), *rest])
    upload(write_text("v3.txt", "\n".join(lines)))  # a 类 row renamed and its figure changed
    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    shutil.copyfile(corpus_file(UNIT), unit_dir / UNIT)
    upload(unit_dir / UNIT, rebuilt=True)  # 2025 had no summary yet: built, not followed
    dept = "shanghai-putuo-commerce-2025-dept-budget.pdf"
    shutil.copyfile(corpus_file(dept), unit_dir / dept)
    upload(unit_dir / dept)  # the 部门 document takes the 单位 one out of the counts
    _assert_same(generated)
