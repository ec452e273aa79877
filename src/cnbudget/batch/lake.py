"""The Parquet lake: layout, manifest, and a writer that commits partitions as results stream in.

Layout (hive-style folders; every file also holds its partition columns, so any reader works
with or without hive partitioning)::

    LAKE/_manifest/lake.json          cnbudget and rule-book versions the lake was written with
    LAKE/_manifest/commits.jsonl      one line per commit: its part files and its inputs
    LAKE/<dataset>/year=2024/region=<percent-encoded 省/市/区>/part-000007.parquet
    LAKE/failures/part-000007.parquet (failures have no year or region)

Why commits: a part file is written under a temporary name, fsync'ed, renamed (the folder
fsync'ed too), and only *then* named in a manifest line (appended and fsync'ed): after a power
loss a durable line never names a file the disk does not hold. A run killed at any point leaves at worst renamed part
files that no commit names; the next run deletes them and redoes their inputs, so an
interrupted run resumes to exactly the lake an uninterrupted run writes, and a rerun skips
every input whose SHA-256 is committed.

One writer at a time: a batch and a compaction hold an exclusive lock on
``_manifest/lock`` while they write, since each deletes the part files no commit names — the
other's files in flight. A second writer gets a clear :class:`LakeError`; readers need no lock.

Memory stays bounded: results are buffered only until ``commit_docs`` documents or
``commit_bytes`` bytes of Arrow data are held, then written (by a background thread, while the
next group fills) and released: at most two groups are held.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from cnbudget import __version__
from cnbudget.batch import DATASETS
from cnbudget.batch.rows import DocResult, rulebook_version
from cnbudget.batch.schemas import SCHEMAS

__all__ = ["LakeError", "LakeWriter", "Manifest", "dataset_files", "durable_replace"]

MANIFEST_DIR = "_manifest"
#: Fault injection for the resume test: exit hard after writing the part files of this many
#: commits plus one, before that commit's manifest line (the worst moment to be killed).
CRASH_ENV = "CNBUDGET_BATCH_CRASH_AFTER_COMMITS"


class LakeError(Exception):
    """The lake folder cannot be used (other versions, unreadable manifest)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.message_zh, self.message_en = zh, en


def partition_dir(year: int | None, region: str) -> str:
    """``year=2024/region=…``: the region percent-encoded (it contains ``/`` and CJK)."""
    return f"year={year if year is not None else 'unknown'}/region={quote(region or '_', safe='')}"


def dataset_files(lake: Path, dataset: str) -> list[Path]:
    """The committed part files of ``dataset``, in a stable order."""
    committed = Manifest(lake).committed_files()
    root = lake / dataset
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.parquet") if str(p.relative_to(lake)) in committed)


@dataclass
class InputRecord:
    """One input as the manifest records it."""

    sha256: str
    path: str
    status: str  # ok | failed | duplicate
    reason: str | None = None


class Manifest:
    """``_manifest/``: the lake's versions and its append-only commit log."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self.dir = lake / MANIFEST_DIR
        self.commits_path = self.dir / "commits.jsonl"
        self.info_path = self.dir / "lake.json"
        self._lock: Any = None  # the open lock file while this process writes

    def commits(self) -> list[dict[str, Any]]:
        """Every complete commit line; a torn last line (killed mid-write) is ignored."""
        if not self.commits_path.is_file():
            return []
        out = []
        for line in self.commits_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                break
        return out

    def committed_files(self) -> set[str]:
        """The part files the lake consists of: every commit's ``files``, minus those a later
        commit (a compaction, :mod:`cnbudget.batch.compact`) ``removes``."""
        files: set[str] = set()
        for c in self.commits():
            files.update(c["files"])
            files.difference_update(c.get("removes", ()))
        return files

    def committed_inputs(self) -> dict[str, InputRecord]:
        """sha256 → the input's latest outcome (``ok`` or ``failed``; a ``--retry-failed``
        run that now succeeds makes it ``ok``), with the first path that committed it."""
        out: dict[str, InputRecord] = {}
        for c in self.commits():
            for i in c["inputs"]:
                if i["sha256"] and i["status"] != "duplicate":
                    first = out.get(i["sha256"])
                    rec = InputRecord(**i)
                    out[i["sha256"]] = (
                        rec
                        if first is None
                        else InputRecord(rec.sha256, first.path, rec.status, rec.reason)
                    )
        return out

    def open(self) -> None:
        """Take the writer's lock, create the lake or check that it was written by these
        versions, and delete what a killed run left uncommitted. :meth:`close` releases the
        lock (so does the end of the process, however it ends)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            self._check_versions()
            self._drop_uncommitted()
        except BaseException:
            self.close()
            raise

    def _take_lock(self) -> None:
        if self._lock is not None:
            return
        lock = (self.dir / "lock").open("a+b")
        try:
            import fcntl  # POSIX; elsewhere one writer at a time is the operator's care

            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except OSError as exc:
            lock.close()
            raise LakeError(
                f"另一个进程正在写入该数据湖（批处理或合并）：{self.lake}；请等它结束后再运行",
                f"another process (a batch or a compaction) is writing to the lake {self.lake}; "
                "run again when it has finished",
            ) from exc
        self._lock = lock

    def close(self) -> None:
        """Release the writer's lock."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the flock
            self._lock = None

    def _check_versions(self) -> None:
        mine = {"cnbudget_version": __version__, "rulebook_version": rulebook_version()}
        if self.info_path.is_file():
            try:
                info = json.loads(self.info_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise LakeError(
                    f"湖清单无法读取：{self.info_path}（{exc}）",
                    f"cannot read the lake manifest {self.info_path}: {exc}",
                ) from exc
            theirs = {k: info.get(k) for k in mine}
            if theirs != mine:
                raise LakeError(
                    f"该湖由 cnbudget {theirs['cnbudget_version']}、规则 {theirs['rulebook_version']} "
                    f"写成，当前为 {mine['cnbudget_version']}、{mine['rulebook_version']}；"
                    "请写入新的 --out 目录，以免新旧结果混在一起",
                    f"this lake was written by cnbudget {theirs['cnbudget_version']} with rules "
                    f"{theirs['rulebook_version']}, this is {mine['cnbudget_version']} with "
                    f"{mine['rulebook_version']}; write to a new --out folder so that old and "
                    "new results never mix",
                )
        else:
            info = {**mine, "format": 1, "created": dt.datetime.now(dt.UTC).isoformat()}
            _write_atomic(self.info_path, json.dumps(info, indent=2).encode())

    def _drop_uncommitted(self) -> None:
        committed = self.committed_files()
        for dataset in DATASETS:
            root = self.lake / dataset
            if not root.is_dir():
                continue
            for p in root.rglob("*"):
                if p.is_file() and (
                    p.name.endswith(".tmp")
                    or (p.suffix == ".parquet" and str(p.relative_to(self.lake)) not in committed)
                ):
                    p.unlink()
        # A torn last line would hide every later commit: cut it off.
        if self.commits_path.is_file():
            good = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in self.commits())
            if good != self.commits_path.read_text(encoding="utf-8"):
                _write_atomic(self.commits_path, good.encode())

    def next_commit(self) -> int:
        return max((c["commit"] for c in self.commits()), default=0) + 1

    def append(self, entry: dict[str, Any]) -> None:
        """Append one commit line and make it durable before returning."""
        with self.commits_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())


def durable_replace(tmp: Path, target: Path) -> None:
    """Rename the finished ``tmp`` to ``target`` so that both survive a power loss: the file's
    data is fsync'ed before the rename and the folder's entry after it."""
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    with contextlib.suppress(OSError):  # some file systems cannot open a folder for fsync
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    durable_replace(tmp, path)


class LakeWriter:
    """Buffers :class:`DocResult` values and commits them in groups (see the module doc).

    A commit that :meth:`add` triggers is written by one background thread while the caller
    goes on collecting results: while the batch driver wrote a commit of thousands of part
    files itself (each fsync'ed with its folder), no result was taken and the Dask workers ran
    dry. Commits still happen one at a time and in order (the next waits for the previous
    one), so at most two commits' worth of results are held and the manifest stays a sequence.
    :meth:`commit` writes everything still buffered and returns only when all of it is
    durable; an error of a background commit is raised there (or by the next :meth:`add` that
    commits). ``background=False`` writes in the caller's thread (the behaviour before; the
    benchmark's baseline).
    """

    def __init__(
        self,
        lake: Path,
        *,
        commit_docs: int = 200,
        commit_bytes: int = 128 * 1024 * 1024,  # two groups are held: 256 MB, as one was
        background: bool = True,
    ) -> None:
        self.lake = lake
        self.manifest = Manifest(lake)
        self.manifest.open()
        self.commit_docs = commit_docs
        self.commit_bytes = commit_bytes
        self._buffer: list[DocResult] = []
        self._extra_inputs: list[InputRecord] = []
        self._bytes = 0
        self._next = self.manifest.next_commit()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="lake-commit") if background else None
        self._pending: Future[None] | None = None
        self.commits_written = 0
        self.files_written = 0
        self.write_seconds = 0.0  # time spent writing commits (in the background thread or not)
        self.wait_seconds = 0.0  # time the caller waited for a background commit to finish

    def close(self) -> None:
        """Release the lake for other writers (after the last :meth:`commit`). A background
        commit still running is waited for; its error, if any, was the last :meth:`commit`'s
        to raise — a writer closed without that call (the caller is failing already) drops
        it: the lake stays consistent either way (module doc)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.manifest.close()

    def add(self, result: DocResult) -> None:
        self._buffer.append(result)
        self._bytes += result.nbytes
        if len(self._buffer) >= self.commit_docs or self._bytes >= self.commit_bytes:
            self._start_commit()

    def note(self, record: InputRecord) -> None:
        """An input recorded without rows (a duplicate of another input's bytes)."""
        self._extra_inputs.append(record)

    def commit(self) -> None:
        """Write what is buffered and return once it and every earlier commit are durable."""
        self._start_commit()
        self._wait()

    def _wait(self) -> None:
        """Wait for the background commit, raising its error."""
        if self._pending is None:
            return
        t = time.perf_counter()
        pending, self._pending = self._pending, None
        try:
            pending.result()
        finally:
            self.wait_seconds += time.perf_counter() - t

    def _start_commit(self) -> None:
        """Hand the buffer to the commit thread (after the previous commit), or write it here."""
        if not self._buffer and not self._extra_inputs:
            return
        self._wait()
        results, extra, n = self._buffer, self._extra_inputs, self._next
        self._buffer, self._extra_inputs, self._bytes = [], [], 0
        self._next += 1
        if self._pool is None:
            self._write_commit(n, results, extra)
        else:
            self._pending = self._pool.submit(self._write_commit, n, results, extra)

    def _write_commit(self, n: int, results: list[DocResult], extra: list[InputRecord]) -> None:
        """Write ``results`` as part files, then name them in one manifest line."""
        t = time.perf_counter()
        groups: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
        for r in results:
            for dataset, table in r.tables.items():
                where = "" if dataset == "failures" else partition_dir(r.year, r.region)
                groups[(dataset, where)].append(table)
        files: list[str] = []
        for (dataset, where), tables in sorted(groups.items()):
            rel = (
                Path(dataset, where, f"part-{n:06d}.parquet")
                if where
                else Path(dataset, f"part-{n:06d}.parquet")
            )
            target = self.lake / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            table = pa.concat_tables(tables).cast(SCHEMAS[dataset])
            pq.write_table(table, tmp, compression="zstd")
            durable_replace(tmp, target)
            files.append(str(rel))
        crash = os.environ.get(CRASH_ENV)
        if crash is not None and self.commits_written >= int(crash):
            os._exit(137)  # simulated kill: files renamed, manifest line not yet written
        inputs = [
            InputRecord(r.sha256, r.path, "ok" if r.ok else "failed", r.reason).__dict__
            for r in results
        ] + [i.__dict__ for i in extra]
        self.manifest.append(
            {
                "commit": n,
                "at": dt.datetime.now(dt.UTC).isoformat(),
                "files": files,
                "inputs": inputs,
            }
        )
        self.commits_written += 1
        self.files_written += len(files)
        self.write_seconds += time.perf_counter() - t
