"""Importing: every amount stored exactly, dedup, versions, aliases, failures and atomicity."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from cnbudget.checks import check_document
from cnbudget.export import long_rows
from cnbudget.ingest import read_path
from cnbudget.store import importer
from cnbudget.store.conftest import ALIAS, NAME, variant
from cnbudget.store.importer import FileResult, StoreError, expand_paths, import_paths
from cnbudget.store.queries import (
    findings,
    list_departments,
    list_documents,
    load_document,
    raw_file,
)
from cnbudget.store.schema import (
    AmountRow,
    BlobRow,
    CheckRunRow,
    DepartmentAliasRow,
    DepartmentRow,
    DocumentRow,
    FindingRow,
    RegionRow,
    TableRow,
    metadata,
)
from cnbudget.testing import sample_text


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in metadata.sorted_tables
        }


def _s(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def test_sample_every_amount_stored_exactly(db_url: str, engine: Engine, sample_path: Path) -> None:
    summary = import_paths([sample_path], db_url, jobs=1)
    assert summary.counts == {"imported": 1, "unchanged": 0, "failed": 0, "skipped": 0}
    res = summary.results[0]
    doc = read_path(sample_path)
    records = long_rows(doc)
    assert res.amounts == len(records) > 400

    with engine.connect() as conn:
        stored = conn.execute(
            select(AmountRow).where(AmountRow.document_id == res.document_id).order_by(AmountRow.id)
        ).all()
    assert len(stored) == len(records)
    for rec, row in zip(records, stored, strict=True):
        assert isinstance(row.value, Decimal)
        assert row.value == Decimal(rec["value"])  # exact, not float-close
        for field in ("table_type", "row_kind", "row_name", "column_key", "printed"):
            assert getattr(row, field) == rec[field]
        assert row.column_label == rec["column"]
        for field in ("table_no", "unit_name", "side", "row_key", "row_code", "row_level"):
            assert _s(getattr(row, field)) == rec[field], field
        assert _s(row.project) == rec["project"]
        assert _s(row.source_line) == rec["source_line"]
        assert _s(row.source_cell) == rec["source_cell"]

    # totals computed by the database are exact too
    with engine.connect() as conn:
        total = conn.scalar(
            select(func.sum(AmountRow.value)).where(
                AmountRow.document_id == res.document_id,
                AmountRow.table_type == "expenditure_summary",
                AmountRow.row_level == "类",
                AmountRow.column_key == "total",
            )
        )
    assert total == Decimal("33898.98")

    # the document, its raw bytes, its tables and its check run are kept
    assert raw_file(db_url, res.document_id) == sample_path.read_bytes()
    stored_doc = load_document(db_url, res.document_id)
    assert stored_doc == doc
    report = check_document(doc)
    flat = findings(db_url, res.document_id)
    assert [f["rule"] for f in flat] == [f.rule for f in report.findings]
    assert [f["message"] for f in flat] == [f.message_zh for f in report.findings]
    counts = _counts(engine)
    assert counts["tables"] == len(doc.tables)
    assert counts["check_runs"] == 1
    assert counts["blobs"] == 1
    info = list_documents(db_url)[0]
    assert info.sha256 == hashlib.sha256(sample_path.read_bytes()).hexdigest()
    assert (info.year, info.kind, info.version, info.is_current) == (2024, "budget", 1, True)
    assert info.region == "新疆维吾尔自治区/乌鲁木齐市"
    assert info.staff_actual == 292


def test_reimport_is_unchanged(db_url: str, engine: Engine, sample_path: Path) -> None:
    first = import_paths([sample_path], db_url, jobs=1)
    before = _counts(engine)
    again = import_paths([sample_path, sample_path.parent / sample_path.name], db_url, jobs=1)
    assert again.counts == {"imported": 0, "unchanged": 1, "failed": 0, "skipped": 0}
    r = again.results[0]
    assert r.status == "unchanged" and r.document_id == first.results[0].document_id
    assert r.reason_en == "already imported"
    assert _counts(engine) == before


def test_same_bytes_twice_in_one_run(db_url: str, write_text: Any) -> None:
    text = sample_text()
    a, b = write_text("a.txt", text), write_text("copy/b.txt", text)
    summary = import_paths([a.parent], db_url, jobs=1)
    assert [r.status for r in summary.results] == ["imported", "unchanged"]
    assert summary.results[1].document_id == summary.results[0].document_id
    assert str(a) in (summary.results[1].reason_en or "")
    assert b.exists()


def test_corrected_document_is_a_new_version(db_url: str, engine: Engine, write_text: Any) -> None:
    text = sample_text()
    v1 = write_text("v1.txt", text)
    corrected = variant(
        text, replace={"\t总计\t2,359.94\t2,151.77\t208.17": "\t总计\t2,400.00\t2,151.77\t248.23"}
    )
    v2 = write_text("v2.txt", corrected)
    s1 = import_paths([v1], db_url, jobs=1)
    s2 = import_paths([v2], db_url, jobs=1)
    r1, r2 = s1.results[0], s2.results[0]
    assert r2.status == "imported"
    assert (r2.version, r2.supersedes_id) == (2, r1.document_id)
    docs = {d.id: d for d in list_documents(db_url)}
    assert len(docs) == 2
    assert docs[r1.document_id].is_current is False  # old version kept, no longer current
    assert docs[r2.document_id].is_current is True
    assert [d.id for d in list_documents(db_url, current_only=True)] == [r2.document_id]
    with engine.connect() as conn:
        n_amounts = conn.scalar(
            select(func.count())
            .select_from(AmountRow)
            .where(AmountRow.document_id == r1.document_id)
        )
    assert n_amounts == r1.amounts  # nothing of v1 was touched
    # a third version supersedes the second
    v3 = write_text("v3.txt", corrected + "\n")
    r3 = import_paths([v3], db_url, jobs=1).results[0]
    assert (r3.version, r3.supersedes_id) == (3, r2.document_id)
    assert [d.version for d in list_documents(db_url, current_only=True)] == [3]


def test_department_aliases_resolve_to_one_department(db_url: str, write_text: Any) -> None:
    text = sample_text()
    files = [
        write_text("both-2024.txt", text),
        # the two names swapped: the bureau printed under its other name first
        write_text("swapped-2023.txt", variant(text, name=ALIAS, alias=NAME, year=2023)),
        # only the first name
        write_text("name-2022.txt", variant(text, drop_alias=True, year=2022)),
        # only the second name
        write_text(
            "alias-2021.txt",
            variant(text, drop_alias=True, year=2021, replace={NAME: ALIAS}),
        ),
        # another department of the same city
        write_text(
            "other-2024.txt",
            variant(text, name="乌鲁木齐市商务局", alias="乌鲁木齐市口岸办"),
        ),
    ]
    summary = import_paths(files, db_url, jobs=1)
    assert summary.counts["imported"] == 5, [r.reason for r in summary.failed]
    dept_ids = [r.document_id for r in summary.results]
    docs = {d.id: d for d in list_documents(db_url)}
    same = {docs[i].department_id for i in dept_ids[:4]}
    assert len(same) == 1
    assert docs[dept_ids[4]].department_id not in same
    depts = {d.id: d for d in list_departments(db_url)}
    bureau = depts[same.pop()]
    assert bureau.name == NAME
    assert {NAME, ALIAS, f"{NAME}（{ALIAS}）", f"{ALIAS}（{NAME}）"} <= set(bureau.aliases)
    assert bureau.documents == 4
    assert bureau.region == "新疆维吾尔自治区/乌鲁木齐市"
    # every year is version 1 of its own series
    assert {docs[i].version for i in dept_ids} == {1}


def test_region_without_province_matches_the_same_bureau(
    db_url: str, engine: Engine, write_text: Any
) -> None:
    """One year names the province, another only the city: still one department."""
    text = sample_text()
    first = import_paths([write_text("a.txt", text)], db_url, jobs=1).results[0]
    prep = importer.prepare_file(str(write_text("b.txt", variant(text, year=2023))))
    assert not isinstance(prep, importer._Failure)
    prep.meta["province"] = ""  # as if the reader had found only 乌鲁木齐市
    with engine.begin() as conn:
        second = importer.store_prepared(conn, prep)
    docs = {d.id: d for d in list_documents(db_url)}
    assert docs[second.document_id].department_id == docs[first.document_id].department_id
    # a different city is a different place, even for the same name
    prep = importer.prepare_file(str(write_text("c.txt", variant(text, year=2022))))
    assert not isinstance(prep, importer._Failure)
    prep.meta["city"] = "昌吉市"
    with engine.begin() as conn:
        third = importer.store_prepared(conn, prep)
    docs = {d.id: d for d in list_documents(db_url)}
    assert docs[third.document_id].department_id != docs[first.document_id].department_id
    assert docs[third.document_id].region == "新疆维吾尔自治区/昌吉市"


def test_failures_are_reported_never_raised(
    db_url: str, engine: Engine, write_text: Any, tmp_path: Path
) -> None:
    junk = write_text("junk.txt", "hello world\n")
    pdf = tmp_path / "docs" / "scan.txt"
    pdf.write_bytes(b"%PDF-1.7\n...")
    binary = tmp_path / "docs" / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    missing = tmp_path / "docs" / "missing.txt"
    summary = import_paths([junk, pdf, binary, missing], db_url, jobs=1)
    assert summary.counts == {"imported": 0, "unchanged": 0, "failed": 4, "skipped": 0}
    reasons = {Path(r.path).name: r for r in summary.results}
    assert "no-structure" in (reasons["junk.txt"].reason_en or "")
    assert "PDF" in (reasons["scan.txt"].reason_en or "")
    assert "not a text file" in (reasons["blob.txt"].reason_en or "")
    assert "file not found" in (reasons["missing.txt"].reason_en or "")
    for r in summary.failed:
        assert r.reason_zh and r.reason_en and r.reason and " / " in r.reason
    assert sum(_counts(engine).values()) == 0


def test_reader_crash_is_a_failure(
    db_url: str, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cnbudget.checks

    def boom(doc: object) -> None:
        raise RuntimeError("rule book broken")

    monkeypatch.setattr(cnbudget.checks, "check_document", boom)
    summary = import_paths([sample_path], db_url, jobs=1)
    (r,) = summary.results
    assert r.status == "failed"
    assert "RuntimeError: rule book broken" in (r.reason_en or "")


@pytest.mark.parametrize("step", ["_insert_tables_and_amounts", "_insert_check_run"])
def test_failure_mid_insert_stores_nothing_of_that_document(
    db_url: str,
    engine: Engine,
    sample_path: Path,
    write_text: Any,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    other = write_text("other.txt", variant(sample_text(), name="乌鲁木齐市商务局", year=2023))
    original = getattr(importer, step)
    calls: list[int] = []

    def fail_on_second(conn: Any, doc_id: int, prep: Any) -> None:
        original(conn, doc_id, prep)  # the rows are written …
        calls.append(doc_id)
        if len(calls) == 2:
            raise RuntimeError("disk full (simulated)")  # … then the transaction fails

    monkeypatch.setattr(importer, step, fail_on_second)
    summary = import_paths([other, sample_path], db_url, jobs=1)
    assert [r.status for r in summary.results] == ["imported", "failed"]
    bad = summary.results[1]
    assert "disk full (simulated)" in (bad.reason_en or "")
    assert "nothing was saved" in (bad.reason_en or "")
    sha = hashlib.sha256(sample_path.read_bytes()).hexdigest()
    good_id = summary.results[0].document_id
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(DocumentRow.sha256 == sha)) == 0
        assert conn.scalar(select(func.count()).where(BlobRow.sha256 == sha)) == 0
        for table in (AmountRow, TableRow, FindingRow, CheckRunRow):
            assert (
                conn.scalar(
                    select(func.count()).select_from(table).where(table.document_id != good_id)  # type: ignore[attr-defined]
                )
                == 0
            ), table.__tablename__
        # the failed document's department, names and region were rolled back as well
        names = set(conn.scalars(select(DepartmentAliasRow.name)))
        assert NAME not in names and f"{NAME}（{ALIAS}）" not in names
        assert conn.scalar(select(func.count()).select_from(DepartmentRow)) == 1
        assert conn.scalar(select(func.count()).select_from(RegionRow)) == 1
    # and importing it again later works
    monkeypatch.setattr(importer, step, original)
    again = import_paths([sample_path, other], db_url, jobs=1)
    assert [r.status for r in again.results] == ["imported", "unchanged"]


def test_folders_recursive_parallel_with_progress(
    db_url: str, write_text: Any, tmp_path: Path
) -> None:
    text = sample_text()
    write_text("2024/a.txt", text)
    write_text("2023/deep/b.txt", variant(text, year=2023))
    write_text("2022/c.txt", variant(text, year=2022))
    write_text("2021/d.txt", variant(text, year=2021, name="乌鲁木齐市商务局"))
    write_text("notes.md", "not a disclosure")
    write_text(".hidden/e.txt", variant(text, year=2020))
    write_text("junk.txt", "hello")
    folder = tmp_path / "docs"
    files = expand_paths([folder])
    assert [f.relative_to(folder).as_posix() for f in files] == [
        "2021/d.txt",
        "2022/c.txt",
        "2023/deep/b.txt",
        "2024/a.txt",
        "junk.txt",
    ]
    seen: list[tuple[str, int, int]] = []

    def progress(res: FileResult, done: int, total: int) -> None:
        seen.append((res.status, done, total))

    summary = import_paths([folder], db_url, jobs=2, progress=progress)
    assert summary.jobs == 2
    assert summary.counts == {"imported": 4, "unchanged": 0, "failed": 1, "skipped": 1}
    (skipped,) = summary.skipped
    assert Path(skipped.path).name == "notes.md"
    assert "not a kind cnbudget reads (.md" in (skipped.reason_en or "")
    assert "不是可读取的文件类型" in (skipped.reason_zh or "")
    assert [d for _, d, _ in seen] == [1, 2, 3, 4, 5, 6]
    assert {t for _, _, t in seen} == {6}
    assert summary.parse_seconds > 0 and summary.store_seconds > 0
    years = sorted(d.year for d in list_documents(db_url))
    assert years == [2021, 2022, 2023, 2024]
    as_dict = summary.as_dict()
    assert as_dict["counts"] == summary.counts and len(as_dict["results"]) == 6


def test_unreachable_database_raises_store_error(sample_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database") as info:
        import_paths(
            [sample_path],
            "postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=1",
        )
    assert "secret" not in str(info.value)


def test_amount_with_too_many_decimals_fails_cleanly(
    db_url: str, engine: Engine, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the store would have to round is refused, not silently rounded."""
    original = importer.prepare_file

    def finer(path: str, year: int | None = None) -> Any:
        prep = original(path, year)
        first = list(prep.amounts[0])
        first[14] = Decimal("1.0000001")  # value
        prep.amounts[0] = tuple(first)
        return prep

    monkeypatch.setattr(importer, "prepare_file", finer)
    (r,) = import_paths([sample_path], db_url, jobs=1).results
    assert r.status == "failed"
    assert "more than 6 decimals" in (r.reason_en or "")
    assert sum(_counts(engine).values()) == 0


def test_bytes_stored_meanwhile_by_another_importer_are_unchanged(
    db_url: str, engine: Engine, sample_path: Path
) -> None:
    """The parent looks hashes up before parsing; if another process stores the same file in
    between, the unique hash refuses the insert and the retry reports ``unchanged``."""
    prep = importer.prepare_file(str(sample_path))
    assert not isinstance(prep, importer._Failure)
    first = importer._store_one(engine, prep, importer.Resolver())
    before = _counts(engine)
    second = importer._store_one(engine, prep, importer.Resolver())
    assert (first.status, second.status) == ("imported", "unchanged")
    assert second.document_id == first.document_id
    assert _counts(engine) == before


def _import_in_other_process(args: tuple[list[str], str]) -> dict[str, int]:
    paths, url = args
    return import_paths(paths, url, jobs=1).counts


def test_two_importers_at_once_store_each_file_once(
    db_url: str, engine: Engine, write_text: Any
) -> None:
    """Two processes importing the same folder (the CLI and the REST API, say) race on every
    file; each document must still be stored exactly once, with one version per series."""
    from concurrent.futures import ProcessPoolExecutor

    text = sample_text()
    files = [
        write_text(f"{year}-{i}.txt", variant(text, year=year, name=name, alias=alias))
        for year in (2021, 2022, 2023)
        for i, (name, alias) in enumerate([(NAME, ALIAS), ("乌鲁木齐市商务局", "乌鲁木齐市口岸办")])
    ]
    args = ([str(f) for f in files], db_url)
    with ProcessPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(_import_in_other_process, [args, args]))
    assert sum(c["failed"] for c in counts) == 0, counts
    assert sum(c["imported"] for c in counts) == len(files)
    assert sum(c["unchanged"] for c in counts) == len(files)
    docs = list_documents(db_url)
    assert len(docs) == len(files)
    assert {d.version for d in docs} == {1}
    assert len({d.department_id for d in docs}) == 2
    assert _counts(engine)["departments"] == 2
