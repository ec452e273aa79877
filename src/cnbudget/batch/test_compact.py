"""Compaction and --retry-failed: the lake reads the same rows before and after a compaction, a
compaction killed at either moment leaves a consistent lake, and an input recorded as failed is
read again by --retry-failed and leaves ``failures``.

The lake is written by the real writer from the real per-document function (no cluster needed
for that); the retry runs ``run_batch`` on a small in-process Dask cluster."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cnbudget.batch import DATASETS
from cnbudget.batch.compact import compact_lake
from cnbudget.batch.lake import LakeError, LakeWriter, Manifest, dataset_files
from cnbudget.batch.query import open_lake
from cnbudget.batch.rows import failure, process_bytes
from cnbudget.testing import lake_rows

DOCS = 6


def _texts() -> dict[str, bytes]:
    from cnbudget.example import example_text

    return {
        f"doc{seed}.txt": example_text(seed, 2023 + seed % 2)
        .replace("示例市", f"示例{seed % 2}市")
        .encode()
        for seed in range(DOCS + 1)
    }


@pytest.fixture(scope="module")
def texts() -> dict[str, bytes]:
    return _texts()


@pytest.fixture
def lake(tmp_path: Path, texts: dict[str, bytes]) -> tuple[Path, str]:
    """Six documents committed two at a time (many small files), and the seventh recorded
    as failed (its worker died), as a crashed worker would leave it."""
    import hashlib

    out = tmp_path / "lake"
    writer = LakeWriter(out, commit_docs=2)
    names = sorted(texts)
    for name in names[:DOCS]:
        result = process_bytes(texts[name], name)
        assert result.ok, result.reason
        writer.add(result)
    last = names[DOCS]
    sha = hashlib.sha256(texts[last]).hexdigest()
    writer.add(failure(last, sha, "worker_died", "处理进程异常退出", "the worker died"))
    writer.commit()
    writer.close()
    return out, last


def _files(lake: Path) -> int:
    return sum(len(dataset_files(lake, d)) for d in DATASETS)


def test_compaction_keeps_every_row_in_fewer_files(lake: tuple[Path, str]) -> None:
    out, _ = lake
    before, files_before = lake_rows(out), _files(out)
    s = compact_lake(out)
    assert s.files_before == files_before and s.files_after < files_before
    assert s.partitions >= 4 and s.failures_dropped == 0
    assert lake_rows(out) == before
    # every partition folder now holds exactly one file, and nothing uncommitted is left
    for d in DATASETS:
        parents = Counter(p.parent for p in dataset_files(out, d))
        assert set(parents.values()) <= {1}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*.parquet")}
    assert on_disk == Manifest(out).committed_files()
    assert compact_lake(out).partitions == 0  # a second compaction has nothing to do


def test_compaction_killed_before_its_manifest_line(
    lake: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = lake
    before, files_before = lake_rows(out), _files(out)

    def killed(self: Manifest, entry: dict[str, Any]) -> None:
        raise KeyboardInterrupt  # killed after the new files, before the switch

    monkeypatch.setattr(Manifest, "append", killed)
    with pytest.raises(KeyboardInterrupt):
        compact_lake(out)
    monkeypatch.undo()
    assert lake_rows(out) == before and _files(out) == files_before
    m = Manifest(out)
    m.open()  # the next run deletes the files no commit names
    m.close()
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*.parquet")}
    assert on_disk == Manifest(out).committed_files()


def test_compaction_killed_before_deleting_the_old_files(lake: tuple[Path, str]) -> None:
    out, _ = lake
    before = lake_rows(out)
    old = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    compact_lake(out)
    committed = Manifest(out).committed_files()
    removed = {p: d for p, d in old.items() if str(p.relative_to(out)) not in committed}
    assert removed
    for p, data in removed.items():  # as if the old files had never been deleted
        p.write_bytes(data)
    assert lake_rows(out) == before  # they are not committed any more: not read
    m = Manifest(out)
    m.open()
    m.close()
    assert not any(p.exists() for p in removed)


def test_one_writer_at_a_time(lake: tuple[Path, str], texts: dict[str, bytes]) -> None:
    """A compaction while a batch holds the lake (and a batch while a compaction does) stops
    with a clear error and touches nothing: each would delete the other's files in flight."""
    out, _ = lake
    before, files_before = lake_rows(out), _files(out)
    writer = LakeWriter(out, commit_docs=100)
    try:
        writer.add(process_bytes(texts["doc0.txt"], "again.txt"))  # in flight, not committed
        with pytest.raises(LakeError) as err:
            compact_lake(out)
        assert "另一个进程正在写入" in err.value.message_zh
        assert "another process" in err.value.message_en
        with pytest.raises(LakeError):
            LakeWriter(out)
        assert lake_rows(out) == before and _files(out) == files_before
    finally:
        writer.close()
    assert compact_lake(out).partitions > 0  # released: the lake is writable again


def test_retry_failed_reads_the_failed_input_again(
    lake: tuple[Path, str], texts: dict[str, bytes], tmp_path: Path
) -> None:
    from distributed import LocalCluster

    from cnbudget.batch.engine import run_batch

    out, failed_name = lake
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name, data in texts.items():
        (folder / name).write_bytes(data)
    con = open_lake(out)
    assert con.sql("SELECT count(*) FROM failures").fetchone() == (1,)
    con.close()
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        plain = run_batch([str(folder)], out, scheduler=cluster.scheduler_address)
        assert (plain.skipped, plain.processed, plain.retried) == (DOCS + 1, 0, 0)
        retry = run_batch(
            [str(folder)], out, scheduler=cluster.scheduler_address, retry_failed=True
        )
    assert (retry.retried, retry.ok, retry.skipped) == (1, 1, DOCS)
    con = open_lake(out)
    try:
        assert con.sql("SELECT count(*) FROM failures").fetchone() == (0,)
        assert con.sql("SELECT count(*) FROM documents").fetchone() == (DOCS + 1,)
    finally:
        con.close()
    assert Manifest(out).committed_inputs()[retry_sha(texts[failed_name])].status == "ok"
    # compaction drops the resolved failure row for good
    s = compact_lake(out)
    assert s.failures_dropped == 1
    shutil.rmtree(folder)


def retry_sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_lake_compact_command(lake: tuple[Path, str], tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from cnbudget.cli.main import cli

    out, _ = lake
    r = CliRunner().invoke(cli, ["lake", "compact", "--lake", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["files_after"] < d["files_before"] and d["partitions"] >= 4
    r = CliRunner().invoke(cli, ["lake", "compact", "--lake", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "数据湖" in r.output and "not a" in r.output
