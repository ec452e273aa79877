"""The Dask distributed adapter: feed inputs to :func:`~cnbudget.batch.rows.process_bytes` on
a cluster and stream the results into the lake.

Why Dask distributed: it runs the same job on a laptop (``LocalCluster``) and on a cluster
(``--scheduler tcp://HOST:8786``) with workers started by ``dask worker`` on each machine,
with no code change. The driver reads each input once (to hash it and to ship its bytes, so
workers need no shared file system) and keeps at most ``window`` inputs in flight, so memory
stays bounded however many files the run has. Results are written as they complete.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnbudget.batch.lake import InputRecord, LakeWriter
from cnbudget.batch.rows import DocResult, failure, process_bytes

__all__ = ["BATCH_PATTERNS", "BatchSummary", "expand_inputs", "run_batch"]

#: What a folder contributes: every format the readers accept.
BATCH_PATTERNS: tuple[str, ...] = ("*.txt", "*.pdf", "*.PDF", "*.xlsx", "*.html", "*.htm")

#: Called once per input as it is resolved: (path, status, done, total).
Progress = Callable[[str, str, int, int], None]


@dataclass
class BatchSummary:
    """What a batch run did."""

    files: int = 0
    processed: int = 0  # read and checked in this run (ok or failed)
    ok: int = 0
    skipped: int = 0  # already in the lake (same SHA-256 and versions)
    retried: int = 0  # failed in an earlier run, read again (--retry-failed)
    duplicates: int = 0  # same bytes as another input of this run
    pages: int = 0
    amounts: int = 0
    wall_seconds: float = 0.0
    compute_seconds: float = 0.0  # per-document function time summed over workers
    write_seconds: float = 0.0  # the driver writing commits (overlapped with the workers)
    write_wait_seconds: float = 0.0  # the driver waiting for a commit instead of taking results
    workers: int = 0
    commits: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def docs_per_second(self) -> float:
        return self.processed / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "processed": self.processed,
            "ok": self.ok,
            "failed": self.failed,
            "skipped": self.skipped,
            "retried": self.retried,
            "duplicates": self.duplicates,
            "pages": self.pages,
            "amounts": self.amounts,
            "workers": self.workers,
            "commits": self.commits,
            "wall_seconds": round(self.wall_seconds, 3),
            "compute_seconds": round(self.compute_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "write_wait_seconds": round(self.write_wait_seconds, 3),
            "docs_per_second": round(self.docs_per_second, 3),
            "failures_by_reason": dict(sorted(self.failures.items())),
        }


def expand_inputs(inputs: Iterable[str], list_files: Sequence[str] = ()) -> list[Path]:
    """Files and folders (recursive, every readable format), plus the paths named one per line
    in each list file (blank lines and ``#`` comments ignored)."""
    from cnbudget.store.importer import expand_paths

    paths = list(inputs)
    for lf in list_files:
        for line in Path(lf).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                paths.append(line)
    return expand_paths(paths, BATCH_PATTERNS)


def _read(path: Path) -> tuple[bytes | None, DocResult | None]:
    try:
        return path.read_bytes(), None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, failure(
            str(path),
            None,
            "unreadable",
            f"无法读取文件：{path}（{reason}）",
            f"cannot read {path}: {reason}",
        )


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """``(client, cluster)``; the cluster is ``None`` when joining an existing scheduler."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster), cluster


def run_batch(
    inputs: Iterable[str],
    out: str | os.PathLike[str],
    *,
    list_files: Sequence[str] = (),
    scheduler: str | None = None,
    workers: int | None = None,
    commit_docs: int = 200,
    progress: Progress | None = None,
    retry_failed: bool = False,
) -> BatchSummary:
    """Read and check every input on Dask and write the lake at ``out``.

    Raises :class:`~cnbudget.batch.lake.LakeError` only when the lake folder cannot be used;
    every per-file problem becomes a ``failures`` row. ``retry_failed`` reads again the inputs
    whose latest outcome in the lake is a failure (a worker killed, a timeout, a reader since
    fixed under the same versions); one that now succeeds leaves ``failures``.
    """
    t0 = time.perf_counter()
    files = expand_inputs(inputs, list_files)
    summary = BatchSummary(files=len(files))
    writer = LakeWriter(Path(out), commit_docs=commit_docs)  # holds the lake's writer lock
    try:
        return _run(writer, files, summary, t0, scheduler, workers, retry_failed, progress)
    finally:
        writer.close()


def _run(
    writer: LakeWriter,
    files: list[Path],
    summary: BatchSummary,
    t0: float,
    scheduler: str | None,
    workers: int | None,
    retry_failed: bool,
    progress: Progress | None,
) -> BatchSummary:
    """The batch proper, with the lake's writer open."""
    from distributed import as_completed

    committed = writer.manifest.committed_inputs()
    done = 0

    def resolved(path: str, status: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(path, status, done, len(files))

    def take(result: DocResult) -> None:
        summary.processed += 1
        summary.compute_seconds += result.seconds
        if result.ok:
            summary.ok += 1
            summary.pages += result.pages
            summary.amounts += result.amounts
        else:
            summary.failures[result.reason or "unknown"] += 1
        writer.add(result)
        resolved(result.path, "ok" if result.ok else "failed")

    client, cluster = _client(scheduler, workers)
    try:
        summary.workers = len(client.scheduler_info(n_workers=-1)["workers"])
        window = max(2, summary.workers * 4)
        pending = as_completed()
        in_flight = 0
        seen: dict[str, str] = {}

        def drain(limit: int) -> None:
            nonlocal in_flight
            while in_flight > limit:
                fut = next(pending)
                path = fut.key_path  # type: ignore[attr-defined]
                try:
                    result = fut.result()
                except Exception as exc:  # a worker died (killed, out of memory)
                    result = failure(
                        path,
                        fut.sha256,  # type: ignore[attr-defined]
                        "worker_died",
                        f"处理进程异常退出：{type(exc).__name__}: {exc}",
                        f"the worker failed: {type(exc).__name__}: {exc}",
                    )
                fut.release()
                in_flight -= 1
                take(result)

        for f in files:
            data, bad = _read(f)
            if bad is not None:
                take(bad)
                continue
            assert data is not None
            sha = hashlib.sha256(data).hexdigest()
            if sha in committed:
                if not (retry_failed and committed[sha].status == "failed"):
                    summary.skipped += 1
                    resolved(str(f), "skipped")
                    continue
                summary.retried += 1
                del committed[sha]  # a second copy of these bytes in this run is a duplicate
            if sha in seen:
                summary.duplicates += 1
                writer.note(InputRecord(sha, str(f), "duplicate", f"same as {seen[sha]}"))
                resolved(str(f), "duplicate")
                continue
            seen[sha] = str(f)
            fut = client.submit(process_bytes, data, str(f), pure=False)
            fut.key_path, fut.sha256 = str(f), sha  # type: ignore[attr-defined]
            pending.add(fut)
            in_flight += 1
            drain(window)
        drain(0)
        writer.commit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.commits = writer.commits_written
    summary.write_seconds = writer.write_seconds
    summary.write_wait_seconds = writer.wait_seconds
    summary.wall_seconds = time.perf_counter() - t0
    return summary
