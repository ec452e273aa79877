"""Bulk-load a lake into the store: what ``cnbudget import`` would store, amounts by ``COPY``.

How, and why:

* Per documents part file (one commit × one year × one region), **one transaction**: the
  documents not yet stored (by SHA-256, so a second load changes nothing) go through the
  importer's own :func:`~cnbudget.store.importer.store_prepared` *without their amounts* —
  regions, departments and aliases, versions and ``is_current``, raw bytes, the document JSON,
  tables, parse warnings, the check run and its findings are then exactly what an import
  writes — and their amounts (99 % of the rows) are streamed with PostgreSQL ``COPY … FROM
  STDIN`` (psycopg 3 ``cursor.copy``) on the same connection and transaction.
* Nothing is parsed again: the lake already holds every field the store needs.
* On SQLite (no ``COPY``) the amounts go in as one ``executemany`` per part file.
* ``jobs`` > 1 (PostgreSQL): that many processes, each with its own connection, load disjoint
  groups of regions (:mod:`cnbudget.batch.region_groups`: every two regions the importer could
  take for the same place are in one group, so no two processes resolve the same department
  or series). Each transaction marks the class-total summaries of its (year, kind) stale last,
  in sorted order, so the processes do not wait on each other's state rows until their
  commits; the parent rebuilds the summaries once at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, bindparam, insert, select, update

from cnbudget.batch.lake import dataset_files
from cnbudget.batch.region_groups import Region, compatible_groups, share_out
from cnbudget.batch.schemas import FINDING_FIGURES
from cnbudget.store.aggregates import mark_stale
from cnbudget.store.importer import (
    FINDING_COLUMNS,
    Resolver,
    _open,
    refresh_after_import,
    store_prepared,
)
from cnbudget.store.records import AMOUNT_FIELDS, Prepared
from cnbudget.store.schema import AmountRow, DocumentRow, RegionRow, TableRow

__all__ = ["LoadSummary", "load_lake"]

#: Columns written by COPY, in order (``document_id`` and ``table_id`` resolved on load).
COPY_COLUMNS: tuple[str, ...] = ("document_id", "table_id", *AMOUNT_FIELDS[1:])
_LAKE_OF = {"column_label": "column", "value": "value"}  # store field → lake column
_REGION_LEVELS = (RegionRow.province, RegionRow.city, RegionRow.district)

#: A lake finding's fields as stored: the importer's columns less the two ids set on load.
_FINDING_KEYS = tuple(c for c in FINDING_COLUMNS if c not in ("check_run_id", "document_id"))

Progress = Callable[[int, int], None]


@dataclass
class LoadSummary:
    """What a load did."""

    loaded: int = 0
    skipped: int = 0
    amounts: int = 0
    wall_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    jobs: int = 1  # processes that loaded

    def as_dict(self) -> dict[str, Any]:
        return {
            "loaded": self.loaded,
            "skipped": self.skipped,
            "amounts": self.amounts,
            "wall_seconds": round(self.wall_seconds, 3),
            "amounts_per_second": round(self.amounts / self.wall_seconds, 1)
            if self.wall_seconds
            else 0.0,
            "failures": self.failures,
            "jobs": self.jobs,
        }


def _companion(lake: Path, doc_file: Path, dataset: str) -> Path:
    rel = doc_file.relative_to(lake / "documents")
    return lake / dataset / rel


def _read_file(path: Path) -> pa.Table:
    with pq.ParquetFile(path) as pf:
        return pf.read()


def _read_table(path: Path, shas: list[str]) -> pa.Table | None:
    """The rows of ``shas`` in one part file (``None`` where the file does not exist).

    Why not ``pq.read_table(path, filters=…)``: on the small part files of a national lake
    (one commit × one partition: often one document) its dataset machinery cost more than the
    read itself (5.4 against 2.4 ms a file, measured with the profile of ``lake load``); the
    file is read whole — usually every row is wanted — and filtered in Arrow.
    """
    if not path.is_file():
        return None
    table = _read_file(path)
    keep = pc.is_in(table["sha256"], value_set=pa.array(shas, pa.string()))
    return table if pc.all(keep).as_py() else table.filter(keep)


def _read(path: Path, shas: list[str]) -> list[dict[str, Any]]:
    table = _read_table(path, shas)
    return [] if table is None else table.to_pylist()


def _stored(conn: Connection, shas: list[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(shas), 500):
        chunk = shas[i : i + 500]
        out.update(
            conn.execute(select(DocumentRow.sha256).where(DocumentRow.sha256.in_(chunk))).scalars()
        )
    return out


def _prepared(
    doc: dict[str, Any], blob: dict[str, Any], findings: list[dict[str, Any]]
) -> Prepared:
    tables = json.loads(doc["tables_json"])
    for t in tables:
        t["scale"] = Decimal(t["scale"])
    fnds = []
    for f in sorted(findings, key=lambda f: f["position"]):
        rec = {k: f[k] for k in _FINDING_KEYS}
        for fig in FINDING_FIGURES:  # the exact text, not the rounded query column
            text = f[f"{fig}_text"]
            rec[fig] = Decimal(text) if text is not None else None
        fnds.append(rec)
    meta = json.loads(doc["meta_json"])
    if meta.get("publication_date"):
        meta["publication_date"] = dt.date.fromisoformat(meta["publication_date"])
    return Prepared(
        path=doc["path"],
        sha256=doc["sha256"],
        raw_size=blob["size"],
        raw_compression=blob["compression"],
        raw_data=blob["data"],
        source_name=doc["source_name"],
        meta=meta,
        document_json_zlib=doc["document_json_zlib"],
        tables=tables,
        amounts=[],  # streamed by COPY below
        issues=json.loads(doc["issues_json"]),
        stats=json.loads(doc["stats_json"]),
        findings=fnds,
    )


def _copy_amounts(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.name == "postgresql":
        from psycopg import sql

        stmt = sql.SQL("COPY amounts ({}) FROM STDIN").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS)
        )
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(stmt) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    elif rows:
        conn.execute(
            insert(AmountRow.__table__), [dict(zip(COPY_COLUMNS, r, strict=True)) for r in rows]
        )


def _load_parts(
    conn: Connection, lake: Path, doc_files: list[Path], resolver: Any, summary: LoadSummary
) -> None:
    """Store the new documents of ``doc_files`` (one transaction, owned by the caller)."""
    docs: list[tuple[Path, dict[str, Any]]] = [
        (f, d) for f in doc_files for d in _read_file(f).to_pylist()
    ]
    stored = _stored(conn, [d["sha256"] for _, d in docs])
    todo = [(f, d) for f, d in docs if d["sha256"] not in stored]
    summary.skipped += len(docs) - len(todo)
    if not todo:
        return
    by_file: dict[Path, list[str]] = {}
    for f, d in todo:
        by_file.setdefault(f, []).append(d["sha256"])
    blobs: dict[str, dict[str, Any]] = {}
    findings: dict[str, list[dict[str, Any]]] = {}
    for f, shas in by_file.items():
        blobs.update((b["sha256"], b) for b in _read(_companion(lake, f, "blobs"), shas))
        for fnd in _read(_companion(lake, f, "findings"), shas):
            findings.setdefault(fnd["sha256"], []).append(fnd)
    doc_ids: dict[str, int] = {}
    stale: set[tuple[int, str]] = set()
    for _, d in todo:
        sha = d["sha256"]
        res = store_prepared(
            conn,
            _prepared(d, blobs[sha], findings.get(sha, [])),
            resolver,
            refresh_totals=False,
            stale=stale,
        )
        if res.status == "imported" and res.document_id is not None:
            doc_ids[sha] = res.document_id
        else:
            summary.skipped += 1
    if doc_ids:
        _copy_new_amounts(conn, lake, by_file, doc_ids, summary)
    # last, in a fixed order: the state rows stay locked only until the commit that follows
    for year, kind in sorted(stale):
        mark_stale(conn, year, kind)


def _copy_new_amounts(
    conn: Connection,
    lake: Path,
    by_file: dict[Path, list[str]],
    doc_ids: dict[str, int],
    summary: LoadSummary,
) -> None:
    """COPY the amounts of the documents just stored (``doc_ids``: SHA-256 → id)."""
    table_ids: dict[tuple[int, int], int] = {}
    for tid, did, pos in conn.execute(
        select(TableRow.id, TableRow.document_id, TableRow.position).where(
            TableRow.document_id.in_(list(doc_ids.values()))
        )
    ):
        table_ids[(did, pos)] = tid
    fields = AMOUNT_FIELDS[1:]
    rows: list[tuple[Any, ...]] = []
    counts: dict[int, int] = {}
    for f, shas in by_file.items():
        wanted = [s for s in shas if s in doc_ids]
        table = _read_table(_companion(lake, f, "amounts"), wanted)
        if table is None:
            continue
        # column by column: a dict and a generator per row took 1.7 s of a 22.8 s profiled
        # load of 200 documents
        columns = [table[c].to_pylist() for c in ("sha256", "table_pos")]
        columns += [table[_LAKE_OF.get(k, k)].to_pylist() for k in fields]
        for sha, pos, *values in zip(*columns, strict=True):
            did = doc_ids[sha]
            tid = table_ids[(did, pos)] if pos is not None else None
            rows.append((did, tid, *values))
            counts[did] = counts.get(did, 0) + 1
    _copy_amounts(conn, rows)
    conn.execute(
        update(DocumentRow.__table__)
        .where(DocumentRow.__table__.c.id == bindparam("b_id"))
        .values(amount_count=bindparam("b_n")),
        [{"b_id": did, "b_n": counts.get(did, 0)} for did in doc_ids.values()],
    )
    summary.loaded += len(doc_ids)
    summary.amounts += len(rows)


def _batches(files: list[tuple[Path, int]], batch_docs: int) -> list[list[Path]]:
    """Consecutive part files (with their document counts) grouped to about ``batch_docs``
    documents per transaction (a national lake has many small partitions: one transaction
    each would cost more than the rows)."""
    out: list[list[Path]] = []
    current: list[Path] = []
    n = 0
    for f, rows in files:
        current.append(f)
        n += rows
        if n >= batch_docs:
            out.append(current)
            current, n = [], 0
    if current:
        out.append(current)
    return out


def _plan(
    files: list[Path], jobs: int, stored: list[Region], batch_docs: int
) -> list[list[list[Path]]]:
    """The batches of each job. One job takes every part file; several get the part files
    dealt out by group of compatible regions (:mod:`cnbudget.batch.region_groups`, the
    regions already ``stored`` included) so that no two jobs ever resolve the same
    department. Each job keeps the lake's order, so the versions of a series are stored in
    the order of a sequential load."""
    if jobs == 1:
        return [_batches([(f, pq.ParquetFile(f).metadata.num_rows) for f in files], batch_docs)]
    rows: list[int] = []
    regions_of: list[list[Region]] = []
    for f in files:
        with pq.ParquetFile(f) as pf:
            t = pf.read(columns=["province", "city", "district"])
        rows.append(t.num_rows)
        regions_of.append(list(zip(*(t[c].to_pylist() for c in t.column_names), strict=True)))
    group = compatible_groups(stored, together=regions_of)
    file_group = [group[rs[0]] if rs else -1 for rs in regions_of]
    weights: dict[int, int] = {}
    for g, n in zip(file_group, rows, strict=True):
        weights[g] = weights.get(g, 0) + n
    return [
        _batches(
            [(f, n) for f, g, n in zip(files, file_group, rows, strict=True) if g in share],
            batch_docs,
        )
        for share in share_out(weights, jobs)
    ]


def _run_batches(
    engine: Any,
    root: Path,
    batches: list[list[Path]],
    summary: LoadSummary,
    tick: Callable[[], None],
) -> None:
    """One transaction per batch; a batch that fails is rolled back whole and reported."""
    resolver = Resolver()
    for group in batches:
        try:
            with engine.begin() as conn:
                _load_parts(conn, root, group, resolver, summary)
            resolver.commit()
        except Exception as exc:
            resolver.rollback()
            msg = str(exc).splitlines()[0] if str(exc) else ""
            summary.failures.append(
                f"{group[0].relative_to(root)} 起 {len(group)} 个分区文件：未写入（已回滚）/ "
                f"{len(group)} part files from {group[0].relative_to(root)}: not stored "
                "(rolled back): "
                f"{type(exc).__name__}: {msg}"
            )
        tick()


_ticks: Any = None  # a job process's progress queue (set by the pool's initializer)


def _init_job(ticks: Any) -> None:
    global _ticks
    _ticks = ticks


def _job(lake: str, url: str, batches: list[list[str]]) -> LoadSummary:
    """One ``--jobs`` process: its own connection, the batches of its groups of regions."""
    engine, _ = _open(url, migrate=False)
    summary = LoadSummary()
    try:
        _run_batches(
            engine, Path(lake), [[Path(f) for f in b] for b in batches], summary, _tick_parent
        )
    finally:
        engine.dispose()
    return summary


def _tick_parent() -> None:
    _ticks.put(1)


def _run_jobs(
    engine: Any,
    root: Path,
    plans: list[list[list[Path]]],
    summary: LoadSummary,
    tick: Callable[[], None],
) -> None:
    """The plans in parallel processes (spawned: a forked SQLAlchemy pool is not safe)."""
    import multiprocessing
    import queue
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    ticks = ctx.Queue()
    with ProcessPoolExecutor(
        len(plans), mp_context=ctx, initializer=_init_job, initargs=(ticks,)
    ) as pool:
        futures = {
            pool.submit(_job, str(root), url, [[str(f) for f in b] for b in plan]): plan
            for plan in plans
        }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while True:
                try:
                    ticks.get_nowait()
                except queue.Empty:
                    break
                tick()
            for fut in done:
                plan = futures[fut]
                try:
                    part = fut.result()
                except Exception as exc:  # the process died: its batches not reported
                    files = sum(len(b) for b in plan)
                    summary.failures.append(
                        f"载入进程失败，其 {files} 个分区文件可能未全部写入（重跑可补齐）/ a load "
                        f"process failed; of its {files} part files some may not be stored "
                        f"(a rerun loads them): {type(exc).__name__}: {exc}"
                    )
                    continue
                summary.loaded += part.loaded
                summary.skipped += part.skipped
                summary.amounts += part.amounts
                summary.failures.extend(part.failures)


def load_lake(
    lake: str | Path,
    url: Any,
    *,
    batch_docs: int = 500,
    jobs: int = 1,
    progress: Progress | None = None,
) -> LoadSummary:
    """Load every committed document of ``lake`` not yet in the store at ``url``.

    ``jobs`` > 1 (PostgreSQL only; SQLite has one writer) loads in that many processes, each
    with its own connection, the part files dealt out by group of compatible regions.

    Raises :class:`~cnbudget.store.importer.StoreError` when the database cannot be opened;
    a batch (about ``batch_docs`` documents) that cannot be stored is rolled back whole and
    reported in ``failures``; a rerun loads it once the cause is fixed.
    """
    t0 = time.perf_counter()
    root = Path(lake)
    summary = LoadSummary()
    engine, owned = _open(url, migrate=True)
    try:
        files = dataset_files(root, "documents")
        if engine.dialect.name != "postgresql" or len(files) < 2:
            jobs = 1
        stored: list[Region] = []
        if jobs > 1:
            with engine.connect() as conn:
                stored = [tuple(r) for r in conn.execute(select(*_REGION_LEVELS))]
        plans = _plan(files, jobs, stored, batch_docs)
        summary.jobs = len(plans)
        total = sum(len(p) for p in plans)
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total)

        if len(plans) == 1:
            _run_batches(engine, root, plans[0], summary, tick)
        else:
            _run_jobs(engine, root, plans, summary, tick)
        if summary.loaded:
            # the importer's store_prepared marked each (year, kind) it touched stale
            refresh_after_import(engine)
    finally:
        if owned:
            engine.dispose()
    summary.wall_seconds = time.perf_counter() - t0
    return summary
