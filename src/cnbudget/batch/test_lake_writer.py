"""The lake writer's background commits: the same lake as commits written in the caller's
thread, commits in order, a failed background commit raised to the caller, and no more than two
groups of results held.

Real per-document results (``process_bytes`` on generated disclosures); no cluster needed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from cnbudget.batch import lake as lake_module
from cnbudget.batch.lake import LakeWriter, Manifest
from cnbudget.batch.rows import DocResult, process_bytes
from cnbudget.testing import lake_rows

DOCS = 7


@pytest.fixture(scope="module")
def results() -> list[DocResult]:
    from cnbudget.example import example_text

    out = []
    for seed in range(DOCS):
        text = example_text(seed, 2023 + seed % 2).replace("示例市", f"示例{seed % 3}市")
        r = process_bytes(text.encode(), f"doc{seed}.txt")
        assert r.ok, r.reason
        out.append(r)
    return out


def _write(out: Path, results: list[DocResult], *, background: bool) -> LakeWriter:
    writer = LakeWriter(out, commit_docs=2, background=background)
    try:
        for r in results:
            writer.add(r)
        writer.commit()
    finally:
        writer.close()
    return writer


def test_background_commits_write_the_same_lake_in_order(
    tmp_path: Path, results: list[DocResult]
) -> None:
    fg = _write(tmp_path / "fg", results, background=False)
    bg = _write(tmp_path / "bg", results, background=True)
    assert lake_rows(tmp_path / "bg") == lake_rows(tmp_path / "fg")
    assert sum(lake_rows(tmp_path / "bg")["amounts"].values()) == sum(r.amounts for r in results)
    commits = Manifest(tmp_path / "bg").commits()
    # 7 documents in groups of 2: commits 1..4, numbered in order, every input once, in order
    assert [c["commit"] for c in commits] == [1, 2, 3, 4]
    assert [i["path"] for c in commits for i in c["inputs"]] == [r.path for r in results]
    assert (bg.commits_written, bg.files_written) == (fg.commits_written, fg.files_written)
    assert bg.write_seconds > 0
    # every part file a commit names is on disk under its commit number
    for c in commits:
        for f in c["files"]:
            assert (tmp_path / "bg" / f).is_file()
            assert f.endswith(f"part-{c['commit']:06d}.parquet")


def test_a_failed_background_commit_is_raised_to_the_caller(
    tmp_path: Path, results: list[DocResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(tmp: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    writer = LakeWriter(tmp_path / "lake", commit_docs=2)  # the lake opens, then the disk fills
    monkeypatch.setattr(lake_module, "durable_replace", disk_full)
    try:
        with pytest.raises(OSError, match="No space left"):
            for r in results:  # the third add waits for the first commit and raises its error
                writer.add(r)
            writer.commit()
    finally:
        writer.close()
    # nothing was committed: the manifest names no file
    assert Manifest(tmp_path / "lake").commits() == []


def test_at_most_two_groups_are_held(
    tmp_path: Path, results: list[DocResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a commit is being written the caller fills the next group; the one after that
    waits. The first commit is held back by an event to make the moment observable."""
    release = threading.Event()
    started = threading.Event()
    real = LakeWriter._write_commit

    def slow(self: LakeWriter, n: int, res: list[DocResult], extra: list) -> None:
        if n == 1:
            started.set()
            assert release.wait(30)
        real(self, n, res, extra)

    monkeypatch.setattr(LakeWriter, "_write_commit", slow)
    writer = LakeWriter(tmp_path / "lake", commit_docs=2)
    try:
        writer.add(results[0])
        writer.add(results[1])  # commit 1 starts in the background and blocks
        assert started.wait(30)
        writer.add(results[2])
        assert len(writer._buffer) == 1  # the caller went on while commit 1 was being written
        done = threading.Event()

        def fill() -> None:
            writer.add(results[3])  # group 2 is full: waits for commit 1
            done.set()

        t = threading.Thread(target=fill)
        t.start()
        assert not done.wait(0.5)  # still waiting: two groups held, no third
        release.set()
        t.join(30)
        assert done.is_set()
        writer.commit()
    finally:
        release.set()
        writer.close()
    lines = (tmp_path / "lake" / "_manifest" / "commits.jsonl").read_text().splitlines()
    assert [json.loads(x)["commit"] for x in lines] == [1, 2]
    assert writer.wait_seconds > 0
