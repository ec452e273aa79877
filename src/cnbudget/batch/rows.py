"""The one pure per-document function of a batch: ``bytes → rows`` (no engine inside).

Why pure and engine-free: Dask runs it today; Ray, Spark or a process pool would run the very
same function, so a new engine is a few lines of adapter and the lake cannot depend on which
engine wrote it. It reads and checks exactly as ``cnbudget import`` does (it calls the
importer's :func:`~cnbudget.store.importer.prepare_file` on a private temporary copy, because
the readers take a path), so the lake holds what the store would hold, and
:mod:`cnbudget.batch.load` can store it without reading the file again.

It never raises: a file that cannot be read or checked comes back as a failure row with a
short reason code and the bilingual reason.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from cnbudget import __version__
from cnbudget.batch import schemas
from cnbudget.model.longform import PERFORMANCE_TITLES

__all__ = ["DocResult", "process_bytes", "region_of", "rulebook_version"]

_FIGURE_QUANTUM = Decimal(1).scaleb(-10)


@cache
def rulebook_version() -> str:
    """``rules-<12 hex>``: the SHA-256 of every rule file and every check data file.

    Why a content hash and not a number: a rule edited without a version bump still changes
    what the checks find, and the lake must then not count an old result as current.
    """
    from cnbudget.checks.rulebook import RULES_DIR

    h = hashlib.sha256()
    roots = [RULES_DIR, RULES_DIR.parent / "data"]
    for root in roots:
        for f in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            h.update(str(f.relative_to(root.parent)).encode())
            h.update(f.read_bytes())
    return f"rules-{h.hexdigest()[:12]}"


def region_of(province: str, city: str, district: str) -> str:
    """``省/市/区`` with the levels the document names (the store's display name)."""
    return "/".join(p for p in (province, city, district) if p)


@dataclass
class DocResult:
    """What one input became: Arrow tables per dataset, or one failure row."""

    sha256: str
    path: str
    ok: bool
    year: int | None = None
    region: str = ""
    pages: int = 0
    amounts: int = 0
    seconds: float = 0.0
    reason: str | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        """Arrow memory held (the lake writer bounds its buffer by it)."""
        return sum(t.nbytes for t in self.tables.values())


# The importer's failure messages, by their stable Chinese opening → reason code.
_REASONS = (
    ("解析错误", "parse_errors"),
    ("未识别出部门名称", "no_department"),
    ("未识别出预算年度", "no_year"),
    ("处理时出现内部错误", "internal_error"),
    ("不是文本文件", "not_a_document"),
    ("无法识别文本编码", "not_a_document"),
    ("旧版 Excel", "unsupported_format"),
    ("不是 XLSX 的 ZIP", "unsupported_format"),
    ("文件过大", "too_large"),
)


def _reason_code(zh: str) -> str:
    for prefix, code in _REASONS:
        if prefix in zh:
            return code
    return "unreadable"


def failure(
    path: str, sha: str | None, reason: str, zh: str, en: str, seconds: float = 0.0
) -> DocResult:
    """A failure row (also used by engines for what never reached the function: a dead
    worker, an unreadable input)."""
    row = {
        "sha256": sha,
        "path": path,
        "reason": reason,
        "reason_zh": zh,
        "reason_en": en,
        "seconds": seconds,
        "cnbudget_version": __version__,
        "rulebook_version": rulebook_version(),
    }
    return DocResult(
        sha256=sha or "",
        path=path,
        ok=False,
        seconds=seconds,
        reason=reason,
        tables={"failures": pa.Table.from_pylist([row], schema=schemas.FAILURES)},
    )


def process_bytes(data: bytes, path: str) -> DocResult:
    """Read, check and flatten one file's ``data`` (``path`` names it). Never raises."""
    t0 = time.perf_counter()
    sha = hashlib.sha256(data).hexdigest()
    try:
        result = _process(data, path, sha)
    except Exception as exc:  # a reader, checker or conversion bug must not stop the batch
        result = failure(
            path,
            sha,
            "internal_error",
            f"处理时出现内部错误：{type(exc).__name__}: {exc}",
            f"internal error while reading or checking: {type(exc).__name__}: {exc}",
        )
    result.seconds = time.perf_counter() - t0
    if "failures" in result.tables:
        result.tables["failures"] = result.tables["failures"].set_column(
            5, "seconds", pa.array([result.seconds], pa.float64())
        )
    return result


def _process(data: bytes, path: str, sha: str) -> DocResult:
    from cnbudget.ingest.detect import sniff
    from cnbudget.model import Document
    from cnbudget.store.importer import prepare_file

    name = Path(path).name or "input"
    pages = 0
    with tempfile.TemporaryDirectory(prefix="cnbudget-batch-") as tmp:
        p = Path(tmp) / name
        p.write_bytes(data)
        reader = sniff(data)
        if reader == "pdf":
            from cnbudget.ingest.pdf.extract import page_count

            try:
                pages = page_count(p)
            except Exception:
                pages = 0  # the reader says why the PDF cannot be read
        prep = prepare_file(str(p))
    if not hasattr(prep, "document_json_zlib"):  # the importer's _Failure
        zh, en = prep.reason_zh, prep.reason_en
        return failure(path, sha, _reason_code(zh), zh, en)
    doc = Document.model_validate_json(zlib.decompress(prep.document_json_zlib))
    meta = prep.meta
    region = region_of(meta["province"], meta["city"], meta["district"])
    key = {"sha256": sha, "year": meta["year"], "kind": meta["kind"], "region": region}
    claims = _claim_columns(doc, key)
    findings = _finding_columns(prep.findings, key)
    sev = [f["severity"] for f in prep.findings]
    documents = {
        **{k: [v] for k, v in key.items()},
        "path": [path],
        "source_name": [prep.source_name],
        "reader": [reader],
        "province": [meta["province"]],
        "city": [meta["city"]],
        "district": [meta["district"]],
        "department": [meta["department"]],
        "alias": [meta["alias"]],
        "full_name": [meta["full_name"]],
        "publication_date": [meta["publication_date"]],
        "layout": [meta["layout"]],
        "staff_authorized": [meta["staff_authorized"]],
        "staff_actual": [meta["staff_actual"]],
        "staff_active": [meta["staff_active"]],
        "pages": [pages],
        "table_count": [len(prep.tables)],
        "amount_count": [len(prep.amounts)],
        "finding_count": [len(prep.findings)],
        "errors": [sev.count("error")],
        "warnings": [sev.count("warning")],
        "notices": [sev.count("notice")],
        "claim_count": [len(claims["sha256"])],
        "seconds": [0.0],
        "cnbudget_version": [__version__],
        "rulebook_version": [rulebook_version()],
        "scope": [meta.get("scope")],
        "meta_json": [json.dumps(meta, ensure_ascii=False, default=str)],
        "document_json_zlib": [prep.document_json_zlib],
        "tables_json": [json.dumps(prep.tables, ensure_ascii=False, default=str)],
        "issues_json": [json.dumps(prep.issues, ensure_ascii=False)],
        "stats_json": [json.dumps(prep.stats, sort_keys=True)],
    }
    blobs = {
        **{k: [v] for k, v in key.items()},
        "size": [prep.raw_size],
        "compression": [prep.raw_compression],
        "data": [prep.raw_data],
    }
    tables = {
        "documents": pa.table(documents, schema=schemas.DOCUMENTS),
        "amounts": pa.table(_amount_columns(prep, key), schema=schemas.AMOUNTS),
        "findings": pa.table(findings, schema=schemas.FINDINGS),
        "narrative_claims": pa.table(claims, schema=schemas.NARRATIVE_CLAIMS),
        "blobs": pa.table(blobs, schema=schemas.BLOBS),
    }
    return DocResult(
        sha256=sha,
        path=path,
        ok=True,
        year=meta["year"],
        region=region,
        pages=pages,
        amounts=len(prep.amounts),
        tables=tables,
    )


def _amount_columns(prep: Any, key: dict[str, Any]) -> dict[str, list[Any]]:
    """The long form of :func:`cnbudget.model.longform.long_rows`, built from the importer's
    amount tuples (``test_records`` proves those equal ``long_rows`` field by field; this
    package's tests prove the lake equals ``long_rows`` too)."""
    from cnbudget.store.records import AMOUNT_FIELDS

    n = len(prep.amounts)
    cols: dict[str, list[Any]] = {f: [] for f in AMOUNT_FIELDS}
    if n:
        cols = dict(
            zip(AMOUNT_FIELDS, (list(c) for c in zip(*prep.amounts, strict=True)), strict=True)
        )
    titles = [t["title"] for t in prep.tables]
    meta = prep.meta
    table_title = [
        titles[pos]
        if pos is not None
        else PERFORMANCE_TITLES.get(tt.removeprefix("performance_"), "")
        for pos, tt in zip(cols["table_pos"], cols["table_type"], strict=True)
    ]
    return {
        "sha256": [key["sha256"]] * n,
        "document": [prep.source_name] * n,
        "year": [key["year"]] * n,
        "department": [meta["full_name"]] * n,
        "table_no": cols["table_no"],
        "table_type": cols["table_type"],
        "table_title": table_title,
        "unit_name": cols["unit_name"],
        "side": cols["side"],
        "row_kind": cols["row_kind"],
        "row_key": cols["row_key"],
        "row_code": cols["row_code"],
        "row_level": cols["row_level"],
        "row_name": cols["row_name"],
        "project": cols["project"],
        "column_key": cols["column_key"],
        "column": cols["column_label"],
        "value": cols["value"],
        "printed": cols["printed"],
        "source_line": cols["source_line"],
        "source_cell": cols["source_cell"],
        "kind": [key["kind"]] * n,
        "region": [key["region"]] * n,
        "province": [meta["province"]] * n,
        "city": [meta["city"]] * n,
        "district": [meta["district"]] * n,
        "table_pos": cols["table_pos"],
        "row_position": cols["row_position"],
        "source_page": cols["source_page"],
    }


def _figure(value: Decimal | None) -> Decimal | None:
    """A figure for the ``decimal128(38, 10)`` query column (finer values are rounded there;
    findings keep their exact text beside it)."""
    if value is None:
        return None
    value = Decimal(value)
    if value.as_tuple().exponent < -10:  # type: ignore[operator]
        return value.quantize(_FIGURE_QUANTUM, rounding=ROUND_HALF_EVEN)
    return value


def _finding_columns(findings: list[dict[str, Any]], key: dict[str, Any]) -> dict[str, list[Any]]:
    n = len(findings)
    out: dict[str, list[Any]] = {k: [v] * n for k, v in key.items()}
    for name in schemas.FINDINGS.names:
        if name in out:
            continue
        if name.endswith("_text"):
            fig = name.removesuffix("_text")
            out[name] = [None if f[fig] is None else str(f[fig]) for f in findings]
        elif name in schemas.FINDING_FIGURES:
            out[name] = [_figure(f[name]) for f in findings]
        else:
            out[name] = [f[name] for f in findings]
    return out


def _claim_columns(doc: Any, key: dict[str, Any]) -> dict[str, list[Any]]:
    """Every statement the narrative makes (:mod:`cnbudget.checks.claims`), one row each."""
    from cnbudget.checks.claims import section_claims

    md = doc.metadata
    names = [n for n in (md.full_name, md.department, md.alias) if n]
    rows: list[dict[str, Any]] = []
    for sec in doc.explanation:
        for st in section_claims(sec, names).statements:
            rows.append(
                {
                    "section": sec.title,
                    "paragraph": st.paragraph,
                    "line": st.line,
                    "subject": st.subject,
                    "raw_subject": st.raw_subject,
                    "sentence": st.sentence,
                    "amount": _figure(st.amount),
                    "share": _figure(st.share),
                    "share_base": st.share_base,
                    "change": _figure(st.change),
                    "change_word": st.change_word,
                    "rate": _figure(st.rate),
                    "rate_word": st.rate_word,
                    "count": st.count,
                }
            )
    out: dict[str, list[Any]] = {k: [v] * len(rows) for k, v in key.items()}
    for name in schemas.NARRATIVE_CLAIMS.names:
        if name not in out:
            out[name] = [r[name] for r in rows]
    return out
