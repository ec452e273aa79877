"""The batch path end to end on a real Dask ``LocalCluster`` (2 worker processes).

One cluster and one lake per module (the expensive part): 50 generated disclosures, three
corrupt files and the corpus PDFs (named in a list file, so they are read in place) go through
``run_batch``; the tests then prove the lake against the importer and the SQLite store, the
rerun, a killed run, the failures, DuckDB's lock and the COPY load into PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cnbudget.batch.engine import run_batch
from cnbudget.batch.lake import CRASH_ENV, Manifest, dataset_files
from cnbudget.batch.load import load_lake
from cnbudget.batch.query import lake_function_totals, open_lake, run_query
from cnbudget.store.conftest import _empty, pg_url  # noqa: F401 - the session PostgreSQL fixture
from cnbudget.testing import CORPUS_DIR

GENERATED = 50
CORRUPT = {
    "binary.txt": b"\x00\x01\x02 not a disclosure \x00" * 20,
    "truncated.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n",  # cut off: no pages, no xref
    "no-department.txt": "2024年部门预算公开\n\n第二部分 部门预算表\n".encode(),
}


@pytest.fixture(scope="module")
def cluster() -> Any:
    from distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield c
    c.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A folder of generated and corrupt files, and a list file naming the corpus PDFs."""
    from cnbudget.example import example_text

    root = tmp_path_factory.mktemp("inputs")
    folder = root / "docs"
    for seed in range(GENERATED):
        text = example_text(seed, 2024 - seed % 3).replace("示例市", f"示例{seed // 3}市")
        sub = folder / f"y{2024 - seed % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc{seed:03d}.txt").write_text(text, encoding="utf-8")
    for name, data in CORRUPT.items():
        (folder / name).write_bytes(data)
    pdfs = sorted(CORPUS_DIR.glob("*.pdf")) if CORPUS_DIR.is_dir() else []
    listing = root / "corpus.list"
    listing.write_text("# corpus PDFs, read in place\n" + "".join(f"{p}\n" for p in pdfs))
    return {"folder": folder, "list": listing, "pdfs": pdfs}


@pytest.fixture(scope="module")
def lake(inputs: dict[str, Any], cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("lake") / "lake"
    summary = run_batch(
        [str(inputs["folder"])],
        out,
        list_files=[str(inputs["list"])],
        scheduler=cluster.scheduler_address,
        commit_docs=10,
    )
    return out, summary


@pytest.fixture(scope="module")
def sqlite_store(inputs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same inputs imported by the existing importer into a SQLite file."""
    from cnbudget.store.importer import import_paths

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"
    paths = [str(inputs["folder"]), *map(str, inputs["pdfs"])]
    import_paths(paths, url, jobs=2, patterns=("*.txt", "*.pdf"))
    return url


def _rows(
    lake_dir: Path, dataset: str, where: str = "", params: list[Any] | None = None
) -> Counter:
    """A dataset's rows as a multiset (timings left out: they differ from run to run)."""
    con = open_lake(lake_dir)
    try:
        cols = [c for c in con.sql(f"SELECT * FROM {dataset} LIMIT 0").columns if c != "seconds"]
        sel = ", ".join(f'"{c}"' for c in cols)
        return Counter(con.execute(f"SELECT {sel} FROM {dataset} {where}", params or []).fetchall())
    finally:
        con.close()


def test_every_input_is_in_the_lake_or_in_failures(lake: Any, inputs: dict[str, Any]) -> None:
    out, s = lake
    n_pdfs = len(inputs["pdfs"])
    assert s.files == GENERATED + len(CORRUPT) + n_pdfs
    assert s.ok == GENERATED + n_pdfs
    assert s.failed == len(CORRUPT)
    assert s.workers == 2
    assert s.commits >= 5  # partitions were written as results came in, not at the end
    _, docs = run_query(
        out, "SELECT count(*), count(DISTINCT sha256), sum(amount_count) FROM documents"
    )
    assert docs[0][0] == docs[0][1] == GENERATED + n_pdfs
    _, amounts = run_query(out, "SELECT count(*) FROM amounts")
    assert amounts[0][0] == docs[0][2] == s.amounts > GENERATED * 200
    # partitioned by year and region: a document's rows are all in its partition folder
    for f in dataset_files(out, "amounts"):
        year, region = f.parent.parent.name, f.parent.name
        assert year.startswith("year=") and region.startswith("region=")


def test_corrupt_inputs_land_in_failures_with_reasons(lake: Any) -> None:
    out, s = lake
    _, rows = run_query(
        out, "SELECT path, reason, reason_zh, reason_en FROM failures ORDER BY path"
    )
    by_name = {Path(p).name: (reason, zh, en) for p, reason, zh, en in rows}
    assert set(by_name) == set(CORRUPT)
    assert by_name["binary.txt"][0] == "not_a_document"
    assert by_name["no-department.txt"][0] in ("no_department", "no_year", "parse_errors")
    for _reason, zh, en in by_name.values():
        assert zh and en and zh != en  # bilingual, Chinese first
    assert sum(s.failures.values()) == len(CORRUPT)


def test_lake_amounts_are_the_long_form(lake: Any, inputs: dict[str, Any]) -> None:
    """Each amount row is :func:`long_rows` of the document, field by field, value exact."""
    from cnbudget.ingest import read_path
    from cnbudget.model.longform import LONG_COLUMNS, long_rows

    out, _ = lake
    for path in [next(inputs["folder"].rglob("doc007.txt")), *inputs["pdfs"][:1]]:
        expected = long_rows(read_path(path))
        con = open_lake(out)
        sel = ", ".join(f'"{c}"' for c in LONG_COLUMNS)
        got = con.execute(
            f"SELECT {sel} FROM amounts a WHERE sha256 = "
            "(SELECT sha256 FROM documents WHERE path = ?)",
            [str(path)],
        ).fetchall()
        con.close()
        assert len(got) == len(expected) > 0
        for row, exp in zip(got, expected, strict=True):
            rec = dict(zip(LONG_COLUMNS, row, strict=True))
            assert isinstance(rec["value"], Decimal)
            assert rec.pop("value") == Decimal(exp.pop("value"))
            assert {k: "" if v is None else str(v) for k, v in rec.items()} == exp


def test_duckdb_totals_equal_the_sqlite_store(lake: Any, sqlite_store: str) -> None:
    """Every version counts in both (the lake keeps every input; versions resolve in the store)."""
    from cnbudget.store.queries import function_totals

    out, _ = lake
    for level in ("类", "款", "total"):
        store = function_totals(sqlite_store, level=level, kind=None, current_only=False)
        assert store, level
        assert lake_function_totals(out, level=level, kind=None) == store


def test_rerun_is_a_no_op(lake: Any, inputs: dict[str, Any], cluster: Any) -> None:
    out, first = lake
    files_before = sorted(str(p) for p in out.rglob("*") if p.is_file())
    commits_before = Manifest(out).commits()
    again = run_batch(
        [str(inputs["folder"])],
        out,
        list_files=[str(inputs["list"])],
        scheduler=cluster.scheduler_address,
    )
    assert again.processed == 0 and again.commits == 0
    assert again.skipped == first.files
    assert sorted(str(p) for p in out.rglob("*") if p.is_file()) == files_before
    assert Manifest(out).commits() == commits_before


def test_killed_run_resumes_to_the_same_lake(
    lake: Any, inputs: dict[str, Any], cluster: Any, tmp_path: Path
) -> None:
    """A CLI run killed after its first commit (part files renamed, manifest line not yet
    written) resumes to exactly the rows an uninterrupted run wrote."""
    full, _ = lake
    out = tmp_path / "lake"
    folder = inputs["folder"] / "y2024"  # a third of the generated documents keeps it quick
    n_files = len(list(folder.glob("*.txt")))
    cmd = [
        sys.executable,
        "-c",
        "import cnbudget.cli.batch_commands; from cnbudget.cli.main import cli; cli()",
        "batch",
        str(folder),
        "--out",
        str(out),
        "--scheduler",
        cluster.scheduler_address,
        "--commit-docs",
        "5",
    ]
    killed = subprocess.run(
        cmd, env={**os.environ, CRASH_ENV: "1"}, capture_output=True, timeout=600
    )
    assert killed.returncode == 137, killed.stderr.decode()[-2000:]
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*.parquet")}
    committed = Manifest(out).committed_files()
    assert committed and on_disk - committed  # the kill left uncommitted part files behind

    resumed = subprocess.run(cmd, capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    shas = [
        r[0]
        for r in run_query(
            out, "SELECT sha256 FROM documents UNION ALL SELECT sha256 FROM failures"
        )[1]
    ]
    assert len(shas) == len(set(shas)) == n_files  # nothing twice, nothing lost
    for dataset in ("documents", "amounts", "findings", "narrative_claims", "failures"):
        where = "WHERE list_contains(?, sha256)"
        assert _rows(out, dataset) == _rows(full, dataset, where, [shas]), dataset


def test_user_sql_cannot_touch_files(lake: Any, tmp_path: Path) -> None:
    out, _ = lake
    target = tmp_path / "leak.csv"
    with pytest.raises(duckdb.Error):
        run_query(out, f"COPY amounts TO '{target}'")
    with pytest.raises(duckdb.Error):
        run_query(out, "SELECT * FROM read_csv('/etc/passwd')")
    assert not target.exists()


def test_lake_query_command(lake: Any) -> None:
    from click.testing import CliRunner

    import cnbudget.cli.batch_commands  # noqa: F401 - registers the commands
    from cnbudget.cli.main import cli

    out, s = lake
    r = CliRunner().invoke(
        cli,
        [
            "lake",
            "query",
            "--lake",
            str(out),
            "--format",
            "csv",
            "SELECT count(*) AS n FROM documents",
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["n", str(s.ok)]
    bad = CliRunner().invoke(cli, ["lake", "query", "--lake", str(out), "SELECT * FROM nowhere"])
    assert bad.exit_code == 2 and "查询出错" in bad.output and "query failed" in bad.output


def _store_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from cnbudget.store.db import make_engine
    from cnbudget.store.schema import metadata

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("jobs", [1, 3])
def test_load_into_postgresql_equals_the_import(
    lake: Any,
    sqlite_store: str,
    pg_url: str,  # noqa: F811
    jobs: int,
) -> None:
    """Sequential and parallel (``--jobs``) loads store exactly what the import stores."""
    from cnbudget.store.queries import function_totals, list_documents

    out, s = lake
    _empty(pg_url)
    first = load_lake(out, pg_url, jobs=jobs)
    assert first.failures == []
    assert first.jobs == jobs  # 17 generated cities and the corpus' regions: groups to share
    assert first.loaded == s.ok and first.amounts == s.amounts
    assert _store_counts(pg_url) == _store_counts(sqlite_store)
    for level in ("类", "total"):
        assert function_totals(pg_url, level=level, kind=None) == function_totals(
            sqlite_store, level=level, kind=None
        )  # current versions only: the load resolves versions exactly as the import
    key = lambda d: (d.sha256, d.amount_count, d.version, d.is_current)  # noqa: E731
    assert sorted(map(key, list_documents(pg_url))) == sorted(
        map(key, list_documents(sqlite_store))
    )

    counts = _store_counts(pg_url)
    second = load_lake(out, pg_url)
    assert second.loaded == 0 and second.skipped == s.ok
    assert _store_counts(pg_url) == counts


def test_corpus_pdfs_are_read_with_their_pages(lake: Any) -> None:
    from cnbudget.testing import corpus_file

    out, s = lake
    path = corpus_file("shanghai-putuo-wanli-street-2024-dept-budget.pdf")
    _, rows = run_query(
        out,
        f"SELECT reader, pages, amount_count, year, region FROM documents WHERE path = '{path}'",
    )
    assert rows == [("pdf", 33, 875, 2024, "上海市/上海市/普陀区")]
    assert s.pages >= 33
