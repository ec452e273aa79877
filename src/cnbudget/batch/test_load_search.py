"""``lake load`` fills the search column and the class-total summaries exactly as an import
(SQLite, and PostgreSQL where a server is reachable). The lake is written without Dask —
``process_bytes`` and the lake writer are what the workers and the driver run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnbudget.batch.lake import LakeWriter
from cnbudget.batch.load import load_lake
from cnbudget.batch.rows import process_bytes
from cnbudget.example import example_text
from cnbudget.store.conftest import _empty, pg_url  # noqa: F401 - the session PostgreSQL fixture
from cnbudget.store.db import make_engine
from cnbudget.store.importer import import_paths
from cnbudget.store.migrate import upgrade
from cnbudget.store.queries import function_totals
from cnbudget.store.schema import DocumentRow, SummaryStateRow

# cities the reader recognises (a document naming no region would join every group of regions)
SEEDS = [(1, 2023, "示例甲市"), (1, 2024, "示例甲市"), (2, 2024, "示例乙市")]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("load-search")
    folder = root / "docs"
    folder.mkdir()
    writer = LakeWriter(root / "lake", commit_docs=100)
    for i, (seed, year, city) in enumerate(SEEDS):
        path = folder / f"doc{i}.txt"
        path.write_text(example_text(seed, year).replace("示例市", city), encoding="utf-8")
        result = process_bytes(path.read_bytes(), str(path))
        assert result.ok
        writer.add(result)
    writer.commit()
    writer.close()
    return folder, root / "lake"


def _texts(url: str) -> dict[str, str | None]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return dict(s.execute(select(DocumentRow.sha256, DocumentRow.search_text)).all())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("backend", "jobs"), [("sqlite", 1), ("sqlite", 2), ("postgresql", 1), ("postgresql", 2)]
)
def test_lake_load_fills_search_and_summaries_as_an_import(
    backend: str,
    jobs: int,
    inputs: tuple[Path, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Also with ``jobs=2``: two processes (示例甲市 and 示例乙市: two groups of regions) mark the
    summaries stale at the end of their transactions; the refresh after them sees both."""
    folder, lake = inputs
    imported = f"sqlite:///{tmp_path / 'imported.db'}"
    import_paths([folder], imported, jobs=1)
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'loaded.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
        _empty(url)
    summary = load_lake(lake, url, jobs=jobs)
    assert summary.failures == [] and summary.loaded == len(SEEDS)
    assert summary.jobs == (jobs if backend == "postgresql" else 1)  # SQLite: one writer
    texts = _texts(url)
    assert texts == _texts(imported) and all(texts.values())
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert not conn.execute(
                select(SummaryStateRow.stale).where(SummaryStateRow.stale.is_(True))
            ).all()
    finally:
        engine.dispose()
    for kw in ({}, {"level": "total", "by": ("year", "kind"), "kind": None}):
        assert function_totals(url, **kw) == function_totals(imported, **kw)


def test_lake_load_command_with_jobs(inputs: tuple[Path, Path], pg_url: str) -> None:  # noqa: F811
    from click.testing import CliRunner

    import cnbudget.cli.batch_commands  # noqa: F401 - registers the commands
    from cnbudget.cli.main import cli

    _, lake = inputs
    _empty(pg_url)
    args = ["lake", "load", "--lake", str(lake), "--db", pg_url, "--jobs", "2"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert f"载入 loaded {len(SEEDS)}" in r.output and "进程 jobs 2" in r.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "载入 loaded 0" in again.output and f"跳过 skipped {len(SEEDS)}" in again.output
    bad = CliRunner().invoke(cli, [*args[:-1], "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output
