"""Compaction of a lake: many small part files of a partition → one, through the manifest.

Why: each commit writes one part file per partition it touches, so a national run with many
regions and small commits leaves about one document per file; DuckDB, Spark and ``lake load``
pay per file opened. ``cnbudget lake compact`` rewrites every partition holding at least
``min_files`` committed files into one file (streamed file by file through a
``ParquetWriter``: memory is one part file, never a partition), and keeps the lake's promise of
never being half-written:

1. the new files are written under temporary names, fsync'ed and renamed (not committed yet: a run
   killed here leaves files the next open deletes, and the old files still count);
2. one manifest line names the new files and ``removes`` the old ones (the switch);
3. the old files are deleted (a run killed before this leaves files no commit names any more,
   which the next open deletes).

A batch writing to the same lake at the same time would lose its files in flight to step 3's
clean-up (and compaction its own to the batch's): both take the lake's writer lock, so the
second one stops with a clear error instead.

Readers see the same rows before and after (tested), except in ``failures``: there compaction
also keeps only each input's latest failure and drops those a ``--retry-failed`` run has since
read (the ``failures`` view of :func:`cnbudget.batch.query.open_lake` already shows them so).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cnbudget.batch import DATASETS
from cnbudget.batch.lake import Manifest, durable_replace
from cnbudget.batch.schemas import SCHEMAS

__all__ = ["CompactSummary", "compact_lake"]


@dataclass
class CompactSummary:
    partitions: int = 0  # partitions rewritten
    files_before: int = 0  # committed part files before
    files_after: int = 0  # committed part files after
    rows: int = 0  # rows rewritten
    failures_dropped: int = 0  # failure rows of inputs read since, or repeated

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _latest_failures(files: list[Path], ok: set[str]) -> pa.Table:
    """The failure rows of ``files`` (oldest first): the last per input, none for inputs
    that are in the lake now (a retry read them)."""
    table = pa.concat_tables(pq.read_table(f).cast(SCHEMAS["failures"]) for f in files)
    keep: dict[str, int] = {}
    for i, (sha, path) in enumerate(
        zip(table.column("sha256").to_pylist(), table.column("path").to_pylist(), strict=True)
    ):
        if sha and sha in ok:
            continue
        keep[sha or f"path:{path}"] = i
    return table.take(pa.array(sorted(keep.values()), pa.int64()))


def compact_lake(lake: str | Path, *, min_files: int = 2) -> CompactSummary:
    """Rewrite every partition of ``lake`` that holds at least ``min_files`` committed part
    files into one, and ``failures`` whenever it holds resolved or repeated rows (see the
    module doc). Raises ``LakeError`` for a lake of other versions."""
    root = Path(lake)
    manifest = Manifest(root)
    manifest.open()  # the writer's lock; refuses other versions, deletes what a run left
    try:
        return _compact(root, manifest, min_files)
    finally:
        manifest.close()


def _compact(root: Path, manifest: Manifest, min_files: int) -> CompactSummary:
    committed = sorted(manifest.committed_files())
    ok = {sha for sha, rec in manifest.committed_inputs().items() if rec.status == "ok"}
    summary = CompactSummary(files_before=len(committed))
    groups: dict[tuple[str, Path], list[Path]] = defaultdict(list)
    for rel in committed:
        p = Path(rel)
        if p.parts and p.parts[0] in DATASETS:
            groups[(p.parts[0], p.parent)].append(root / p)
    n = manifest.next_commit()
    new_files: list[str] = []
    removes: list[str] = []
    for (dataset, parent), files in sorted(groups.items()):
        files.sort()  # part-NNNNNN: commit order
        failures = _latest_failures(files, ok) if dataset == "failures" else None
        dropped = (
            sum(pq.read_metadata(f).num_rows for f in files) - len(failures)
            if failures is not None
            else 0
        )
        if len(files) < min_files and not dropped:
            continue
        target = root / parent / f"part-{n:06d}.parquet"
        tmp = target.with_name(target.name + ".tmp")
        if failures is not None:
            summary.failures_dropped += dropped
            pq.write_table(failures, tmp, compression="zstd")
            summary.rows += len(failures)
        else:
            with pq.ParquetWriter(tmp, SCHEMAS[dataset], compression="zstd") as w:
                for f in files:
                    t = pq.read_table(f).cast(SCHEMAS[dataset])
                    w.write_table(t)
                    summary.rows += len(t)
        durable_replace(tmp, target)  # before the manifest line that names it
        new_files.append(str(target.relative_to(root)))
        removes.extend(str(f.relative_to(root)) for f in files)
        summary.partitions += 1
    if new_files:
        manifest.append(
            {
                "commit": n,
                "at": dt.datetime.now(dt.UTC).isoformat(),
                "kind": "compact",
                "files": new_files,
                "removes": removes,
                "inputs": [],
            }
        )
        for rel in removes:
            (root / rel).unlink(missing_ok=True)
    summary.files_after = len(manifest.committed_files())
    return summary
