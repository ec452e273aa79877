"""Import disclosure files into the store: parse and check in parallel, write one document per
transaction.

How it works, and why:

1. **Expand** the paths: folders recursively, every kind a reader reads (PDF, XLSX, HTML, text:
   by extension, or by content for a file named otherwise); any other file found in a folder is
   ``skipped`` with the reason, hidden entries are passed over. Files named explicitly are
   tried whatever they are (:func:`cnbudget.ingest.read_path` explains the ones it refuses).
2. **Hash** every file in the parent and look the hashes up: a file whose bytes are already
   stored is ``unchanged`` without being parsed, so re-importing a folder is cheap and changes
   nothing.
3. **Parse + check** the rest in worker processes (:class:`~concurrent.futures.
   ProcessPoolExecutor`); each worker also flattens the document into plain rows
   (:mod:`cnbudget.store.records`), so the parent only writes.
4. **Store** in the parent, in input order (so versions are numbered deterministically), each
   document in its own transaction: region, department and aliases, raw bytes, document row,
   tables, every amount, parse warnings, the check run and its findings — all or nothing.

Every per-file problem becomes a ``failed`` :class:`FileResult` with a bilingual reason; only a
database that cannot be opened at all raises (:class:`StoreError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cnbudget import __version__
from cnbudget.store.aggregates import (
    DepartmentParts,
    apply_summary_delta,
    counted_ids,
    department_parts,
    department_search_values,
    mark_stale,
    refresh_search_text,
    refresh_summaries,
)
from cnbudget.store.db import DbLike, make_engine
from cnbudget.store.records import AMOUNT_FIELDS, Prepared, prepare_document
from cnbudget.store.schema import (
    AmountRow,
    BlobRow,
    CheckRunRow,
    DepartmentAliasRow,
    DepartmentRow,
    DocumentRow,
    FindingRow,
    ParseIssueRow,
    RegionRow,
    TableRow,
)

_log = logging.getLogger(__name__)
__all__ = [
    "DEFAULT_PATTERNS",
    "READABLE_SUFFIXES",
    "Expanded",
    "FileResult",
    "ImportSummary",
    "Resolver",
    "StoreError",
    "expand_paths",
    "import_paths",
    "prepare_file",
    "scan_paths",
    "store_prepared",
]

#: What a folder contributes by extension (case-insensitive); a file named explicitly is always
#: tried, and a folder's file with another extension is taken when its content is a PDF, XLSX
#: or HTML (a download saved without its extension).
READABLE_SUFFIXES: tuple[str, ...] = (".pdf", ".xlsx", ".html", ".htm", ".txt")
#: The same as glob patterns (for callers that list folders themselves).
DEFAULT_PATTERNS: tuple[str, ...] = tuple(f"*{s}" for s in READABLE_SUFFIXES)

Status = Literal["imported", "unchanged", "failed", "skipped"]
Progress = Callable[["FileResult", int, int], None]


class StoreError(Exception):
    """The database itself cannot be used (unreachable, not migratable)."""


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: Status
    sha256: str | None = None
    document_id: int | None = None
    version: int | None = None
    supersedes_id: int | None = None
    department: str | None = None
    year: int | None = None
    kind: str | None = None
    scope: str | None = None
    is_template: bool = False
    amounts: int = 0
    findings: int = 0
    reason_zh: str | None = None
    reason_en: str | None = None
    notes: list[str] = field(default_factory=list)
    parse_seconds: float = 0.0
    store_seconds: float = 0.0

    @property
    def reason(self) -> str | None:
        """``中文 / English`` reason of a failure or of ``unchanged``."""
        if self.reason_zh is None:
            return None
        return f"{self.reason_zh} / {self.reason_en}"


@dataclass
class ImportSummary:
    """All file results in input order, with timings (seconds)."""

    results: list[FileResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    jobs: int = 1

    def _with(self, status: Status) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def imported(self) -> list[FileResult]:
        return self._with("imported")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    @property
    def failed(self) -> list[FileResult]:
        return self._with("failed")

    @property
    def skipped(self) -> list[FileResult]:
        """Files found in a folder that are not of a kind any reader reads."""
        return self._with("skipped")

    @property
    def counts(self) -> dict[str, int]:
        return {s: len(self._with(s)) for s in ("imported", "unchanged", "failed", "skipped")}

    @property
    def nothing_stored(self) -> bool:
        """No file is in the store after this run (none imported, none already there): the
        caller should exit non-zero, because "imported 0" is never a success."""
        return not self.imported and not self.unchanged

    @property
    def parse_seconds(self) -> float:
        """Parse + check + flatten time summed over workers (CPU-side work, not wall time)."""
        return sum(r.parse_seconds for r in self.results)

    @property
    def store_seconds(self) -> float:
        """Time the parent spent writing (all transactions)."""
        return sum(r.store_seconds for r in self.results)

    @property
    def docs_per_second(self) -> float:
        n = len(self.imported)
        return n / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--format json`` and the REST API)."""
        return {
            "counts": self.counts,
            "wall_seconds": round(self.wall_seconds, 3),
            "parse_seconds": round(self.parse_seconds, 3),
            "store_seconds": round(self.store_seconds, 3),
            "jobs": self.jobs,
            "results": [
                {
                    "path": r.path,
                    "status": r.status,
                    "sha256": r.sha256,
                    "document_id": r.document_id,
                    "version": r.version,
                    "supersedes_id": r.supersedes_id,
                    "department": r.department,
                    "year": r.year,
                    "kind": r.kind,
                    "scope": r.scope,
                    "is_template": r.is_template,
                    "amounts": r.amounts,
                    "findings": r.findings,
                    "reason": r.reason_zh,
                    "reason_en": r.reason_en,
                    "notes": r.notes,
                }
                for r in self.results
            ],
        }


# --------------------------------------------------------------------------------------------
# Paths


@dataclass
class Expanded:
    """The files to read, and the files of folders that were left out with the reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[FileResult] = field(default_factory=list)


def _readable(f: Path) -> bool:
    """Whether a file found in a folder is of a kind a reader reads: by extension, else by its
    first bytes (PDF, XLSX, HTML only: any file would pass as "text")."""
    if f.suffix.lower() in READABLE_SUFFIXES:
        return True
    from cnbudget.ingest.detect import sniff

    try:
        with f.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return True  # let the reader report why it cannot be read
    if head.startswith(b"PK\x03\x04"):
        try:
            return sniff(f.read_bytes()) == "xlsx"
        except OSError:
            return True
    return sniff(head) in ("pdf", "html")


def _skip(f: Path) -> FileResult:
    kind = f.suffix.lower() or "无扩展名"
    kind_en = f.suffix.lower() or "no extension"
    return FileResult(
        str(f),
        "skipped",
        reason_zh=f"不是可读取的文件类型（{kind}；可读取 PDF、XLSX、HTML、文本 .txt）",
        reason_en=f"not a kind cnbudget reads ({kind_en}; it reads PDF, XLSX, HTML, text .txt)",
    )


def scan_paths(
    paths: Iterable[str | os.PathLike[str]], patterns: Sequence[str] | None = None
) -> Expanded:
    """Files to import, each once, in a stable order (folder contents sorted): folders searched
    recursively (hidden entries passed over) for every readable kind — or only ``patterns``
    when given — and files kept as given.

    A folder's other files become ``skipped`` results with their reason (never silently lost);
    a path that does not exist is kept, so that its failure is reported.
    """
    out = Expanded()
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.files.append(p)

    for raw in paths:
        p = Path(raw).expanduser()
        if not p.is_dir():
            add(p)
            continue
        found: set[Path] = set()
        for pattern in patterns or ("*",):
            for f in p.rglob(pattern):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    found.add(f)
        for f in sorted(found):
            if patterns or _readable(f):
                add(f)
            elif f.resolve() not in seen:
                seen.add(f.resolve())
                out.skipped.append(_skip(f))
    return out


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], patterns: Sequence[str] | None = None
) -> list[Path]:
    """The files :func:`scan_paths` would read (its skipped files left out)."""
    return scan_paths(paths, patterns).files


# --------------------------------------------------------------------------------------------
# Worker side: read, check, flatten


@dataclass
class _Failure:
    path: str
    reason_zh: str
    reason_en: str
    sha256: str | None = None
    parse_seconds: float = 0.0


def prepare_file(path: str, year: int | None = None) -> Prepared | _Failure:
    """Read, check and flatten one file (runs in a worker process). Never raises.

    ``year`` is the budget year to file the document under when it prints none (``--year``);
    a year the document prints always wins.
    """
    t0 = time.perf_counter()
    try:
        return _prepare_file(path, t0, year)
    except Exception as exc:  # a reader or checker bug must not abort the whole import
        return _Failure(
            path,
            f"处理时出现内部错误：{type(exc).__name__}: {exc}",
            f"internal error while reading or checking: {type(exc).__name__}: {exc}",
            parse_seconds=time.perf_counter() - t0,
        )


def _prepare_file(path: str, t0: float, year: int | None = None) -> Prepared | _Failure:
    from cnbudget.checks import check_document
    from cnbudget.ingest import ReadError, read_path

    def fail(zh: str, en: str, sha: str | None = None) -> _Failure:
        return _Failure(path, zh, en, sha, time.perf_counter() - t0)

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return fail(f"找不到文件：{p}", f"file not found: {p}")
    except OSError as exc:
        return fail(f"无法读取文件：{p}（{exc.strerror}）", f"cannot read {p}: {exc.strerror}")
    sha = hashlib.sha256(raw).hexdigest()
    try:
        doc = read_path(p)
    except ReadError as exc:
        return fail(exc.message_zh, exc.message_en, sha)
    if doc.source_sha256 is not None and doc.source_sha256 != sha:
        return fail(
            f"{p.name}：读取期间文件被修改", f"{p.name}: the file changed while it was read", sha
        )
    errors = [i for i in doc.issues if i.severity == "error"]
    if errors:
        shown = errors[:3]
        more = f"（另有 {len(errors) - 3} 项）" if len(errors) > 3 else ""
        more_en = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return fail(
            "解析错误：" + "；".join(f"{i.code} 第{i.line}行 {i.message_zh}" for i in shown) + more,
            "parse errors: "
            + "; ".join(f"{i.code} line {i.line}: {i.message_en}" for i in shown)
            + more_en,
            sha,
        )
    md = doc.metadata
    if not md.department:
        return fail(
            f"{p.name}：未识别出部门名称，无法归档",
            f"{p.name}: no department name found, cannot file the document",
            sha,
        )
    if md.year is None and year is not None:
        md.year = year
    if md.year is None:
        return fail(
            f"{p.name}：未识别出预算年度（封面、标题、表名和编制日期都没有印出），无法归档；"
            "请用 --year 指定年度",
            f"{p.name}: no budget year found (not on the cover, in headings, table titles or "
            "the compilation date), cannot file the document; give it with --year",
            sha,
        )
    report = check_document(doc)
    prepared = prepare_document(doc, report, path=path, raw=raw, sha256=sha)
    prepared.parse_seconds = time.perf_counter() - t0
    return prepared


# --------------------------------------------------------------------------------------------
# Parent side: store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_REGIONS = RegionRow.__table__
_DEPTS = DepartmentRow.__table__
_ALIASES = DepartmentAliasRow.__table__
_DOCS = DocumentRow.__table__
_BLOBS = BlobRow.__table__
_TABLES = TableRow.__table__


class Resolver:
    """Region and department ids already resolved in this run, so that importing many
    documents of known departments skips the look-ups.

    Only what a *committed* transaction wrote is remembered: :meth:`commit` moves the pending
    entries of the current document into the cache, :meth:`rollback` forgets them, so a
    rolled-back document can never leave a dangling id behind.
    """

    def __init__(self) -> None:
        self.regions: dict[tuple[str, str, str], int] = {}
        self.departments: dict[tuple[int, tuple[str, ...]], int] = {}
        self._pending_r: dict[tuple[str, str, str], int] = {}
        self._pending_d: dict[tuple[int, tuple[str, ...]], int] = {}
        # department id → region parts and names for the search text: a department's names
        # change only through _department_id, which reports it (``renamed``)
        self.search_parts: dict[int, DepartmentParts] = {}
        self._pending_s: dict[int, DepartmentParts] = {}

    def commit(self) -> None:
        self.regions.update(self._pending_r)
        self.departments.update(self._pending_d)
        self.search_parts.update(self._pending_s)
        self.rollback()

    def rollback(self) -> None:
        self._pending_r, self._pending_d, self._pending_s = {}, {}, {}


def _region_id(conn: Connection, meta: dict[str, Any], resolver: Resolver) -> int:
    key = (meta["province"], meta["city"], meta["district"])
    cached = resolver.regions.get(key)
    if cached is not None:
        return cached
    rid = conn.execute(
        select(_REGIONS.c.id).where(
            _REGIONS.c.province == key[0], _REGIONS.c.city == key[1], _REGIONS.c.district == key[2]
        )
    ).scalar()
    if rid is None:
        rid = conn.execute(
            insert(_REGIONS)
            .values(province=key[0], city=key[1], district=key[2])
            .returning(_REGIONS.c.id)
        ).scalar_one()
    resolver._pending_r[key] = rid
    return rid


def _compatible(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Two regions may be the same place: no level named differently by both.

    Why: one year's disclosure prints 「新疆维吾尔自治区乌鲁木齐市」, another only 「乌鲁木齐市」;
    the bureau is still the same.
    """
    return all(x == y or not x or not y for x, y in zip(a, b, strict=True))


def _names(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The names a document gives its department, most specific first."""
    out: list[tuple[str, str]] = []
    for name, kind in (
        (meta["department"], "name"),
        (meta["alias"], "alias"),
        (meta["full_name"], "full"),
    ):
        if name and name not in [n for n, _ in out]:
            out.append((name, kind))
    return out


def _search_parts(
    conn: Connection, dept_id: int, resolver: Resolver, *, renamed: bool
) -> DepartmentParts:
    """The department's region and names for a new document's search text: looked up once
    per department and run (a look-up per document cost ~1 ms of the parent's ~9), again when
    this document gave the department a new name."""
    parts = None if renamed else resolver.search_parts.get(dept_id)
    if parts is None:
        parts = department_parts(conn, dept_id)
        resolver._pending_s[dept_id] = parts
    return parts


def _department_id(
    conn: Connection,
    meta: dict[str, Any],
    region_id: int,
    resolver: Resolver,
    notes: list[str],
    renamed: list[int] | None = None,
) -> int:
    """Find the department by any of its printed names, or create it; record new names.

    The department's own name decides before its alias; a department of the same region wins
    over one of a compatible region. A name already given to *another* department is left with
    it (and noted): merging two departments is a human decision. ``renamed`` receives the id
    of an existing department that gained a name here (its documents' search text changes).
    """
    names = _names(meta)
    cache_key = (region_id, tuple(n for n, _ in names))
    cached = resolver.departments.get(cache_key)
    if cached is not None:
        return cached
    region = (meta["province"], meta["city"], meta["district"])
    rows = conn.execute(
        select(
            _ALIASES.c.name,
            _ALIASES.c.department_id,
            _ALIASES.c.region_id,
            _REGIONS.c.province,
            _REGIONS.c.city,
            _REGIONS.c.district,
        )
        .join(_REGIONS, _REGIONS.c.id == _ALIASES.c.region_id)
        .where(_ALIASES.c.name.in_([n for n, _ in names]))
    ).all()
    candidates = [r for r in rows if _compatible((r[3], r[4], r[5]), region)]
    dept_id: int | None = None
    dept_region = region_id
    for name, _kind in names:
        exact = [r for r in candidates if r[0] == name and r[2] == region_id]
        loose = [r for r in candidates if r[0] == name]
        if exact:
            dept_id = exact[0][1]
            break
        if len({r[1] for r in loose}) == 1:
            dept_id, dept_region = loose[0][1], loose[0][2]
            break
    existed = dept_id is not None
    if dept_id is None:
        dept_id = conn.execute(
            insert(_DEPTS)
            .values(region_id=region_id, name=names[0][0], created_at=_now())
            .returning(_DEPTS.c.id)
        ).scalar_one()
    else:
        dept_region = conn.execute(
            select(_DEPTS.c.region_id).where(_DEPTS.c.id == dept_id)
        ).scalar_one()
    taken = {(r[2], r[0]): r[1] for r in rows}
    new_aliases = []
    for name, kind in names:
        owner = taken.get((dept_region, name))
        if owner is None:
            new_aliases.append(
                {"department_id": dept_id, "region_id": dept_region, "name": name, "kind": kind}
            )
        elif owner != dept_id:
            notes.append(f"name {name!r} belongs to department {owner}, not {dept_id}")
    if new_aliases:
        conn.execute(insert(_ALIASES), new_aliases)
        if existed and renamed is not None:
            renamed.append(dept_id)
    if not notes:
        resolver._pending_d[cache_key] = dept_id
    return dept_id


def _insert_blob(conn: Connection, prep: Prepared) -> None:
    """The raw bytes, unless already there (a document deleted and imported again shares
    them): ``ON CONFLICT DO NOTHING`` where the dialect has it, one look-up otherwise."""
    values = {
        "sha256": prep.sha256,
        "size": prep.raw_size,
        "compression": prep.raw_compression,
        "data": prep.raw_data,
    }
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        dialect_insert = sqlite_insert if name == "sqlite" else pg_insert
        conn.execute(
            dialect_insert(_BLOBS)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
    elif (
        conn.execute(select(_BLOBS.c.sha256).where(_BLOBS.c.sha256 == prep.sha256)).first() is None
    ):
        conn.execute(insert(_BLOBS).values(**values))


def store_prepared(
    db: Session | Connection,
    prep: Prepared,
    resolver: Resolver | None = None,
    *,
    check_existing: bool = True,
    refresh_totals: bool = True,
    stale: set[tuple[int, str]] | None = None,
) -> FileResult:
    """Write one prepared document; the caller owns the transaction (all or nothing).

    ``refresh_totals``: rebuild the class-total summary of the document's (year, kind) in the
    same transaction (a single upload); :func:`import_paths` and ``lake load`` pass ``False``
    and rebuild once at the end of the run (:func:`refresh_after_import`).

    ``stale``: where given (with ``refresh_totals=False``), the document's (year, kind) is
    added to it instead of being marked stale here; the caller marks the set, sorted, in the
    same transaction just before committing. Why: marking locks the (year, kind) state row
    until the commit, so parallel ``lake load`` jobs marking early would run one at a time (and
    two jobs locking years in different orders would deadlock).

    Returns an ``unchanged`` result when the bytes are already stored. :func:`import_paths`
    looked all hashes up before parsing and passes ``check_existing=False``; if another
    importer stored the same bytes meanwhile, the unique SHA-256 refuses the insert and the
    retry (with the check) reports ``unchanged``. Plain Core statements: the ORM's unit of
    work would double the parent's time per document, and the parent is the one writer.
    """
    resolver = resolver or Resolver()
    conn = db.connection() if isinstance(db, Session) else db
    meta = prep.meta
    result = FileResult(
        path=prep.path,
        status="imported",
        sha256=prep.sha256,
        department=meta["full_name"],
        year=meta["year"],
        kind=meta["kind"],
        scope=meta["scope"],
        is_template=meta["is_template"],
        parse_seconds=prep.parse_seconds,
    )
    if check_existing:
        existing = conn.execute(select(_DOCS.c.id).where(_DOCS.c.sha256 == prep.sha256)).scalar()
        if existing is not None:
            result.status = "unchanged"
            result.document_id = existing
            result.reason_zh, result.reason_en = "文件已导入", "already imported"
            return result

    region_id = _region_id(conn, meta, resolver)
    renamed: list[int] = []
    dept_id = _department_id(conn, meta, region_id, resolver, result.notes, renamed)

    # A document's identity: department (region included), year, 预算/决算 and 部门/单位 scope;
    # a new version replaces only the same identity (a 单位预算 never supersedes the 部门预算).
    series = (
        _DOCS.c.department_id == dept_id,
        _DOCS.c.year == meta["year"],
        _DOCS.c.kind == meta["kind"],
        _DOCS.c.scope == meta["scope"],
    )
    prev_q = (
        select(_DOCS.c.id, _DOCS.c.version).where(*series).order_by(_DOCS.c.version.desc()).limit(1)
    )
    if conn.dialect.name == "postgresql":
        prev_q = prev_q.with_for_update()  # serialise two importers of the same series
    prev = conn.execute(prev_q).first()
    if refresh_totals:  # what totals counted of this department, year and kind before
        top_before = conn.execute(select(func.max(_DOCS.c.id))).scalar() or 0
        counted_before = counted_ids(conn, dept_id, meta["year"], meta["kind"])
    if prev is not None:
        conn.execute(
            update(_DOCS).where(*series, _DOCS.c.is_current.is_(True)).values(is_current=False)
        )

    _insert_blob(conn, prep)

    version = prev.version + 1 if prev is not None else 1
    supersedes = prev.id if prev is not None else None
    doc_id = conn.execute(
        insert(_DOCS)
        .values(
            department_id=dept_id,
            year=meta["year"],
            kind=meta["kind"],
            scope=meta["scope"],
            is_template=meta["is_template"],
            version=version,
            supersedes_id=supersedes,
            is_current=True,
            sha256=prep.sha256,
            source_name=prep.source_name,
            imported_at=_now(),
            publication_date=meta["publication_date"],
            layout=meta["layout"],
            department_name=meta["department"],
            department_alias=meta["alias"],
            staff_authorized=meta["staff_authorized"],
            staff_actual=meta["staff_actual"],
            staff_active=meta["staff_active"],
            table_count=len(prep.tables),
            amount_count=len(prep.amounts),
            document_json_zlib=prep.document_json_zlib,
            **department_search_values(
                conn,
                _search_parts(conn, dept_id, resolver, renamed=bool(renamed)),
                department_name=meta["department"],
                department_alias=meta["alias"],
                source_name=prep.source_name,
            ),
        )
        .returning(_DOCS.c.id)
    ).scalar_one()
    if renamed:  # a new name of the department: its other documents are found by it too
        refresh_search_text(conn, renamed)

    _insert_tables_and_amounts(conn, doc_id, prep)
    _insert_issues(conn, doc_id, prep)
    _insert_check_run(conn, doc_id, prep)
    # Totals of this (year, kind) change (a new document, a superseded version, a 单位
    # document a new 部门 document now covers). ``lake load`` COPYs the amounts after this
    # call, in the same transaction, so it never refreshes here.
    # A single upload follows the change in its summary (exact, milliseconds); a run of
    # many documents, or a change a delta cannot follow, rebuilds the (year, kind).
    year, kind = meta["year"], meta["kind"]
    followed = False
    if refresh_totals:
        counted_after = counted_ids(conn, dept_id, year, kind)
        followed = apply_summary_delta(
            conn,
            year,
            kind,
            added=counted_after - counted_before,
            removed=counted_before - counted_after,
            top_before=top_before,
        )
    if not followed:
        if stale is not None and not refresh_totals:
            stale.add((year, kind))
        else:
            mark_stale(conn, year, kind)
        if refresh_totals:
            refresh_summaries(conn)

    result.document_id = doc_id
    result.version = version
    result.supersedes_id = supersedes
    result.amounts = len(prep.amounts)
    result.findings = len(prep.findings)
    return result


#: Compiled INSERT statements per (table, columns, dialect): see :func:`_bulk_insert`.
_INSERT_CACHE: dict[tuple[str, tuple[str, ...], str], tuple[str, list[Any], list[int] | None]] = {}


def _bulk_insert(
    conn: Connection, table: Any, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """``executemany`` of an INSERT that SQLAlchemy compiled, with the column types' own bind
    processors applied (so :class:`~cnbudget.store.types.Money` stays exact).

    Why not ``session.execute(insert(...), dicts)``: for the ~350 amounts of a document,
    SQLAlchemy's per-row parameter handling cost more than SQLite's own insert work and was the
    importer's bottleneck. The SQL text still comes from an ``insert()`` expression and every
    value is a bound parameter.
    """
    if not rows:
        return
    dialect = conn.dialect
    key = (table.name, columns, dialect.name)
    cached = _INSERT_CACHE.get(key)
    if cached is None:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
        procs = [table.c[c].type.bind_processor(dialect) for c in columns]
        order: list[int] | None = None
        if compiled.positiontup is not None:
            order = [columns.index(name) for name in compiled.positiontup]
            if order == list(range(len(columns))):
                order = []  # positional, already in column order
        cached = (str(compiled), procs, order)
        _INSERT_CACHE[key] = cached
    sql, procs, order = cached
    active = [(i, p) for i, p in enumerate(procs) if p is not None]
    params: list[Any] = []
    for row in rows:
        values = list(row)
        for i, proc in active:
            values[i] = proc(values[i])
        if order is None:
            params.append(dict(zip(columns, values, strict=True)))
        elif order:
            params.append(tuple([values[i] for i in order]))
        else:
            params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


_AMOUNT_COLUMNS: tuple[str, ...] = ("document_id", "table_id", *AMOUNT_FIELDS[1:])
_TABLE_POS = AMOUNT_FIELDS.index("table_pos")
assert _TABLE_POS == 0  # rows are built as (document_id, table_id, *record[1:])


def _insert_tables_and_amounts(conn: Connection, doc_id: int, prep: Prepared) -> None:
    table_ids: list[int] = []
    if prep.tables:
        table_ids = list(
            conn.execute(
                insert(_TABLES).returning(_TABLES.c.id, sort_by_parameter_order=True),
                [{**t, "document_id": doc_id} for t in prep.tables],
            ).scalars()
        )
    rows = [
        (doc_id, table_ids[rec[_TABLE_POS]] if rec[_TABLE_POS] is not None else None, *rec[1:])
        for rec in prep.amounts
    ]
    _bulk_insert(conn, AmountRow.__table__, _AMOUNT_COLUMNS, rows)


def _insert_issues(conn: Connection, doc_id: int, prep: Prepared) -> None:
    if prep.issues:
        conn.execute(
            insert(ParseIssueRow.__table__), [{**i, "document_id": doc_id} for i in prep.issues]
        )


#: Columns of a stored finding, in insert order (the batch loader shares them).
FINDING_COLUMNS: tuple[str, ...] = (
    "check_run_id",
    "document_id",
    "position",
    "rule",
    "severity",
    "family",
    "table_no",
    "table_type",
    "unit_name",
    "row_code",
    "row_key",
    "row_name",
    "column_label",
    "sentence",
    "expected",
    "found",
    "difference",
    "tolerance",
    "source_line",
    "message_zh",
    "message_en",
    "related_json",
)


def _insert_check_run(conn: Connection, doc_id: int, prep: Prepared) -> None:
    sev = [f["severity"] for f in prep.findings]
    run_id = conn.execute(
        insert(CheckRunRow.__table__)
        .values(
            document_id=doc_id,
            ran_at=_now(),
            cnbudget_version=__version__,
            errors=sev.count("error"),
            warnings=sev.count("warning"),
            notices=sev.count("notice"),
            stats_json=json.dumps(prep.stats, sort_keys=True),
        )
        .returning(CheckRunRow.__table__.c.id)
    ).scalar_one()
    ids = {"check_run_id": run_id, "document_id": doc_id}
    _bulk_insert(
        conn,
        FindingRow.__table__,
        FINDING_COLUMNS,
        [tuple(ids.get(c, f.get(c)) for c in FINDING_COLUMNS) for f in prep.findings],
    )


def _store_one(engine: Engine, prep: Prepared, resolver: Resolver) -> FileResult:
    """One transaction per document; retried once on a uniqueness race with another importer.

    Any exception rolls the whole document back and becomes a ``failed`` result: a store
    failure must never leave half a document nor end the run with a traceback.
    """
    t0 = time.perf_counter()
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                result = store_prepared(
                    conn, prep, resolver, check_existing=attempt == 2, refresh_totals=False
                )
            resolver.commit()
            break
        except IntegrityError as exc:
            resolver.rollback()
            if attempt == 2:
                result = _store_failure(prep, exc)
        except Exception as exc:
            resolver.rollback()
            result = _store_failure(prep, exc)
            break
    result.store_seconds = time.perf_counter() - t0
    return result


def _store_failure(prep: Prepared, exc: Exception) -> FileResult:
    msg = str(exc).splitlines()[0] if str(exc) else ""
    return FileResult(
        path=prep.path,
        status="failed",
        sha256=prep.sha256,
        department=prep.meta.get("full_name"),
        year=prep.meta.get("year"),
        kind=prep.meta.get("kind"),
        reason_zh=f"写入数据库失败（未保存任何内容）：{type(exc).__name__}: {msg}",
        reason_en=f"could not store the document (nothing was saved): {type(exc).__name__}: {msg}",
        parse_seconds=prep.parse_seconds,
    )


# --------------------------------------------------------------------------------------------
# The whole import


def _hash_file(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None  # the worker reports why


def _known_hashes(engine: Engine, hashes: Iterable[str]) -> dict[str, Any]:
    """The stored documents among ``hashes``, as light rows (no JSON or raw bytes), looked up
    in chunks so that bound-parameter lists stay short."""
    wanted = sorted(set(hashes))
    known: dict[str, Any] = {}
    cols = (
        _DOCS.c.sha256,
        _DOCS.c.id,
        _DOCS.c.version,
        _DOCS.c.supersedes_id,
        _DOCS.c.department_name,
        _DOCS.c.department_alias,
        _DOCS.c.year,
        _DOCS.c.kind,
        _DOCS.c.scope,
        _DOCS.c.is_template,
        _DOCS.c.amount_count,
    )
    with engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for row in conn.execute(select(*cols).where(_DOCS.c.sha256.in_(chunk))):
                known[row.sha256] = row
    return known


def _open(url: DbLike, migrate: bool) -> tuple[Engine, bool]:
    if isinstance(url, Engine):
        engine, owned = url, False
    elif isinstance(url, Session):
        engine, owned = url.get_bind(), False  # type: ignore[assignment]
    else:
        engine, owned = make_engine(url), True
    try:
        if migrate:
            from cnbudget.store.migrate import upgrade

            upgrade(engine)
        else:
            with engine.connect():
                pass
    except Exception as exc:
        where = engine.url.render_as_string(hide_password=True)
        if owned:
            engine.dispose()
        raise StoreError(
            f"无法打开数据库 {where}：{exc} / cannot open the database {where}: {exc}"
        ) from exc
    return engine, owned


def import_paths(
    paths: Iterable[str | os.PathLike[str]],
    url: DbLike = None,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    patterns: Sequence[str] | None = None,
    migrate: bool = True,
    year: int | None = None,
) -> ImportSummary:
    """Import files and folders into the store at ``url`` and say what happened to each.

    ``jobs``: worker processes for parsing and checking (default: the number of CPUs; ``1``
    parses in this process). ``progress(result, done, total)`` is called once per file as it
    is resolved: skipped and already stored files first, then the others in input order.
    ``patterns`` limits what folders contribute (default: every readable kind, the rest
    ``skipped``). ``year`` files documents that print no year (``--year``). ``migrate`` brings
    the schema to head first (cheap when it is already there). Raises :class:`StoreError` only
    if the database cannot be opened.
    """
    t_start = time.perf_counter()
    scanned = scan_paths(paths, patterns)
    files = scanned.files
    total = len(files) + len(scanned.skipped)
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    summary = ImportSummary(jobs=jobs)
    engine, owned = _open(url, migrate)
    try:
        hashes = {str(f): _hash_file(f) for f in files}
        known = _known_hashes(engine, [h for h in hashes.values() if h])
        results: dict[str, FileResult] = {}
        first_of: dict[str, str] = {}  # sha256 → first path in this run
        to_parse: list[str] = []
        duplicates: list[str] = []
        for f in files:
            key, sha = str(f), hashes[str(f)]
            if sha is not None and sha in known:
                stored = known[sha]
                results[key] = FileResult(
                    key,
                    "unchanged",
                    sha256=sha,
                    document_id=stored.id,
                    version=stored.version,
                    supersedes_id=stored.supersedes_id,
                    department=stored.department_name
                    + (f"（{stored.department_alias}）" if stored.department_alias else ""),
                    year=stored.year,
                    kind=stored.kind,
                    scope=stored.scope,
                    is_template=bool(stored.is_template),
                    amounts=stored.amount_count,
                    reason_zh="文件已导入",
                    reason_en="already imported",
                )
            elif sha is not None and sha in first_of:
                duplicates.append(key)
            else:
                if sha is not None:
                    first_of[sha] = key
                to_parse.append(key)

        done = 0
        resolver = Resolver()

        def report(res: FileResult) -> None:
            nonlocal done
            results[res.path] = res
            done += 1
            if progress is not None:
                progress(res, done, total)

        for res in scanned.skipped:
            report(res)

        for key in (str(f) for f in files):
            if key in results:
                report(results[key])

        for prep in _prepared_in_order(to_parse, jobs, year):
            if isinstance(prep, _Failure):
                res = FileResult(
                    prep.path,
                    "failed",
                    sha256=prep.sha256,
                    reason_zh=prep.reason_zh,
                    reason_en=prep.reason_en,
                    parse_seconds=prep.parse_seconds,
                )
            else:
                res = _store_one(engine, prep, resolver)
            report(res)

        for key in duplicates:
            sha = hashes[key]
            assert sha is not None
            first = results[first_of[sha]]
            if first.status == "failed":
                dup = FileResult(
                    key, "failed", sha256=sha, reason_zh=first.reason_zh, reason_en=first.reason_en
                )
            else:
                dup = FileResult(
                    key,
                    "unchanged",
                    sha256=sha,
                    document_id=first.document_id,
                    reason_zh=f"与本次导入的 {first.path} 内容相同",
                    reason_en=f"same content as {first.path} in this import",
                )
            report(dup)
        if any(r.status == "imported" for r in results.values()):
            refresh_after_import(engine)
    finally:
        if owned:
            engine.dispose()
    summary.results = [results[str(f)] for f in files] + scanned.skipped
    summary.wall_seconds = time.perf_counter() - t_start
    return summary


def refresh_after_import(engine: Engine) -> None:
    """Rebuild the class-total summaries the run made stale (:mod:`cnbudget.store.aggregates`).

    Its own transaction, after every document is committed; if it fails, the documents stay
    stored and the summaries stay marked stale, so totals run live (slower, still exact) until
    the next import or lake load refreshes them.
    """
    try:
        with engine.begin() as conn:
            refresh_summaries(conn)
    except Exception:  # documents are stored; stale summaries are only slower
        _log.warning(
            "汇总表未能刷新，合计将实时计算 / summaries not refreshed, totals run live",
            exc_info=True,
        )


def _prepared_in_order(
    paths: list[str], jobs: int, year: int | None = None
) -> Iterable[Prepared | _Failure]:
    """Worker results in input order, with a bounded number of files in flight.

    In order, so that two versions of one document in the same run are numbered as given;
    bounded, so that memory stays flat on large folders.
    """
    if jobs <= 1 or len(paths) <= 1:
        for p in paths:
            yield prepare_file(p, year)
        return
    window = jobs * 4
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        pending: deque[tuple[str, Future[Prepared | _Failure]]] = deque()
        it = iter(paths)
        for p in it:
            pending.append((p, pool.submit(prepare_file, p, year)))
            if len(pending) >= window:
                break
        while pending:
            path, fut = pending.popleft()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(prepare_file, nxt, year)))
            try:
                yield fut.result()
            except Exception as exc:  # a worker died (killed, out of memory)
                yield _Failure(
                    path,
                    f"解析进程异常退出：{type(exc).__name__}: {exc}",
                    f"the parsing worker failed: {type(exc).__name__}: {exc}",
                )
