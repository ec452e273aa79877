"""Uploads: a streamed, size-bounded multipart reader, then read → check → store.

Why not FastAPI's ``UploadFile``: it lets the multipart parser spool the *whole* body to a
temporary file before the endpoint runs, whatever its size; a client could fill the disk, and
the size check would come too late. Here the body is read chunk by chunk and refused with 413
as soon as it passes the limit (or at once when ``Content-Length`` already says so), and only
the ``file`` part is written, to a private temporary folder that is removed afterwards.

Storing goes through the store's own functions (:func:`~cnbudget.store.records.prepare_document`
and :func:`~cnbudget.store.importer.store_prepared`) in one transaction, exactly like
``cnbudget import``: the same dedup by SHA-256, versions and department aliases.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from cnbudget.api.errors import ApiError
from cnbudget.api.worker import Parser
from cnbudget.model import Document

__all__ = [
    "Ingested",
    "Parser",
    "ReceivedFile",
    "check_file",
    "check_for_page",
    "check_path",
    "ingest_file",
    "prepare_path",
    "receive_file",
]

#: Room for the multipart envelope (boundaries, part headers, small extra fields).
ENVELOPE_BYTES = 64 * 1024
#: The form field that carries the file.
FILE_FIELD = "file"


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    size: int


def _too_large(limit: int) -> ApiError:
    mib = limit / (1024 * 1024)
    return ApiError(
        413,
        "payload_too_large",
        f"文件过大：上限为 {limit} 字节（{mib:.1f} MiB）",
        f"file too large: the limit is {limit} bytes ({mib:.1f} MiB)",
    )


def safe_filename(raw: str) -> str:
    """The uploaded name without folders, control characters or a leading dot, so that it can
    be used as a file name in the temporary folder and shown as the document's source name."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    name = name[:200]
    return name or "upload.txt"


class _Sink:
    """State of one streamed multipart body: writes the ``file`` part, bounds everything."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.out: BinaryIO | None = None
        self.in_file_part = False
        self.received: ReceivedFile | None = None
        self.other_bytes = 0

    # python-multipart callbacks ------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.headers = {}
        self.in_file_part = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if name == FILE_FIELD and self.received is None:
            raw_name = params.get(b"filename", b"").decode("utf-8", "replace")
            filename = safe_filename(raw_name)
            path = self.folder / filename
            self.out = open(path, "wb")
            self.received = ReceivedFile(path, filename, 0)
            self.in_file_part = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        if self.in_file_part and self.out is not None and self.received is not None:
            self.received.size += n
            if self.received.size > self.limit:
                raise _too_large(self.limit)
            self.out.write(data[start:end])
        else:
            self.other_bytes += n
            if self.other_bytes > ENVELOPE_BYTES:
                raise _too_large(self.limit)

    def on_part_end(self) -> None:
        if self.in_file_part:
            self.close()
            self.in_file_part = False

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None

    def callbacks(self) -> dict[str, Callable[..., Any]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }


async def receive_file(request: Request, folder: Path, limit: int) -> ReceivedFile:
    """Stream the request's multipart body, writing the ``file`` part into ``folder``.

    413 as soon as the file passes ``limit`` bytes (or ``Content-Length`` says it will), 415
    for a body that is not ``multipart/form-data``, 422 for a malformed body or no file part.
    """
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            "请以 multipart/form-data 上传，文件字段名为 file",
            "send the file as multipart/form-data in a field named 'file'",
        )
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise ApiError(
            422,
            "malformed_upload",
            "multipart 请求缺少有效的 boundary",
            "the multipart body has no valid boundary",
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit + ENVELOPE_BYTES:
        raise _too_large(limit)

    sink = _Sink(folder, limit)
    parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit + ENVELOPE_BYTES:
                raise _too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(
            422,
            "malformed_upload",
            "无法解析 multipart 请求体",
            f"the multipart body could not be parsed: {exc}",
        ) from exc
    finally:
        sink.close()
    if sink.received is None:
        raise ApiError(
            422,
            "missing_file",
            "请求中没有名为 file 的文件字段",
            "the request has no file field named 'file'",
        )
    return sink.received


# --------------------------------------------------------------------------------------------
# Read and check


#: How :func:`cnbudget.ingest.detect.limit_error` names the limit a file exceeded.
_LIMIT = re.compile(r"\blimit max_\w+=")


def _read(path: Path) -> Document:
    """Read an uploaded file; unreadable formats are 415, unreadable content 422."""
    from cnbudget.ingest import ReadError, read_path

    try:
        doc = read_path(path)
    except ReadError as exc:
        if _LIMIT.search(exc.message_en):  # a reader limit (size, cells, zip bomb): too large
            raise ApiError(413, "limit_exceeded", exc.message_zh, exc.message_en) from exc
        raise ApiError(415, "unsupported_file", exc.message_zh, exc.message_en) from exc
    except Exception as exc:  # a reader choking on garbage (a broken PDF) is the file's fault
        raise ApiError(
            422,
            "unreadable_file",
            f"无法读取该文件：{type(exc).__name__}",
            f"the file could not be read: {type(exc).__name__}",
        ) from exc
    errors = [i for i in doc.issues if i.severity == "error"]
    if errors:
        shown = errors[:3]
        raise ApiError(
            422,
            "parse_errors",
            "解析错误：" + "；".join(_where_zh(i.line) + i.message_zh for i in shown),
            "parse errors: " + "; ".join(_where_en(i.line) + i.message_en for i in shown),
        )
    return doc


def _where_zh(line: int | None) -> str:
    return f"第{line}行 " if line else ""


def _where_en(line: int | None) -> str:
    return f"line {line}: " if line else ""


def _require_identity(doc: Document) -> None:
    md = doc.metadata
    if not md.department:
        raise ApiError(
            422,
            "no_department",
            "未识别出部门名称，无法归档（这是部门预算公开文件吗？）",
            "no department name found, the document cannot be filed (is it a budget disclosure?)",
        )
    if md.year is None:
        raise ApiError(
            422,
            "no_year",
            "未识别出预算年度，无法归档",
            "no budget year found, the document cannot be filed",
        )


def _counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "notice": 0}
    for f in findings:
        out[str(f["severity"])] = out.get(str(f["severity"]), 0) + 1
    return out


def _stored_id(engine: Engine, sha: str) -> int | None:
    from cnbudget.store.schema import DocumentRow

    with engine.connect() as conn:
        return conn.execute(select(DocumentRow.id).where(DocumentRow.sha256 == sha)).scalar()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# The CPU-heavy part (read + check + flatten), runnable in a worker process
#
# Why a worker process: parsing and checking a disclosure takes ~0.1–0.2 s of pure Python. In
# the server process it would hold the GIL that every other request needs, so one upload would
# add its whole parse time to the latency of the document fetches running beside it. The
# functions below take and return only picklable values (paths, the store's ``Prepared`` rows,
# plain dicts, an error tuple) so that :class:`~cnbudget.api.worker.Parser` can run them in a
# limited child process.

ErrorTuple = tuple[int, str, str, str]


def _as_error(exc: ApiError) -> ErrorTuple:
    return (exc.status, exc.code, exc.message_zh, exc.message_en)


def check_path(path: str) -> dict[str, Any] | ErrorTuple:
    """Read and check a file: the ``/api/check`` answer without ``stored_document_id``."""
    from cnbudget.checks import check_document

    try:
        doc = _read(Path(path))
    except ApiError as exc:
        return _as_error(exc)
    report = check_document(doc)
    findings = [f.flat() for f in report.findings]
    md = doc.metadata
    return {
        "document": {
            "source_name": doc.source_name,
            "department": md.full_name,
            "year": md.year,
            "kind": md.kind,
        },
        "counts": _counts(findings),
        "findings": findings,
        "issues": [i.model_dump(mode="json") for i in doc.issues],
    }


def check_for_page(path: str) -> tuple[Document, list[dict[str, Any]], ErrorTuple | None]:
    """The web check page's work: the document, its flat findings, and why it could not be
    stored (``None`` when it could), so that the page never offers to store what cannot be.

    An empty or unreadable file raises :class:`ApiError` (the worker passes it back)."""
    from cnbudget.checks import check_document

    p = Path(path)
    if p.stat().st_size == 0:
        raise ApiError(422, "empty_file", "文件是空的（0 字节）", "the file is empty (0 bytes)")
    doc = _read(p)
    if not doc.tables and not doc.metadata.department:
        raise ApiError(
            422,
            "nothing_read",
            "未能从该文件读出任何表格或部门名称：这不是可读的部门预算/决算公开文件",
            "no table and no department name could be read: this is not a readable "
            "budget disclosure",
        )
    unstorable: ErrorTuple | None = None
    try:
        _require_identity(doc)
    except ApiError as exc:
        unstorable = _as_error(exc)
    report = check_document(doc)
    return doc, [f.flat() for f in report.findings], unstorable


def prepare_path(path: str, filename: str, sha256: str) -> Any:
    """Read, check and flatten a file into the store's rows (``Prepared``) or an error tuple."""
    from cnbudget.checks import check_document
    from cnbudget.store.records import prepare_document

    try:
        doc = _read(Path(path))
        _require_identity(doc)
    except ApiError as exc:
        return _as_error(exc)
    raw = Path(path).read_bytes()  # bounded by the upload limit
    report = check_document(doc)
    return prepare_document(doc, report, path=filename, raw=raw, sha256=sha256)


def _raise(result: Any) -> Any:
    if isinstance(result, tuple):
        status, code, zh, en = result
        raise ApiError(status, code, zh, en)
    return result


def check_file(
    engine: Engine, received: ReceivedFile, parser: Parser | None = None
) -> dict[str, Any]:
    """Read and check without storing (the web UI's "check a file")."""
    parser = parser or Parser(0)
    sha = _sha256(received.path)
    out = _raise(parser.run(check_path, str(received.path)))
    out["document"]["sha256"] = sha
    out["document"]["stored_document_id"] = _stored_id(engine, sha)
    return out  # type: ignore[no-any-return]


@dataclass
class Ingested:
    status: str  # imported | unchanged
    document_id: int
    notes: list[str] = field(default_factory=list)


def ingest_file(engine: Engine, received: ReceivedFile, parser: Parser | None = None) -> Ingested:
    """Read → check → store one uploaded file in one transaction.

    A file whose bytes are already stored is ``unchanged`` without being parsed again. Two
    clients uploading the same new file at once race on the unique SHA-256; the loser's
    transaction rolls back and the retry (which looks the hash up) reports ``unchanged``.
    """
    from cnbudget.store.importer import store_prepared
    from cnbudget.store.types import MoneyPrecisionError

    parser = parser or Parser(0)
    sha = _sha256(received.path)
    existing = _stored_id(engine, sha)
    if existing is not None:
        return Ingested("unchanged", existing)
    prep = _raise(parser.run(prepare_path, str(received.path), received.filename, sha))
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                result = store_prepared(conn, prep)
            break
        except IntegrityError:
            if attempt == 2:
                raise
        except MoneyPrecisionError as exc:
            raise ApiError(
                422,
                "unstorable_amount",
                f"金额无法精确保存（未保存任何内容）：{exc}",
                f"an amount cannot be stored exactly (nothing was saved): {exc}",
            ) from exc
    if result.status == "failed" or result.document_id is None:  # pragma: no cover - defensive
        raise ApiError(
            500,
            "store_failed",
            "写入数据库失败（未保存任何内容）",
            "could not store the document (nothing was saved)",
        )
    return Ingested(result.status, result.document_id, list(result.notes))


def temp_folder() -> tempfile.TemporaryDirectory[str]:
    """A private folder for one upload (mode 0700), removed when the request ends."""
    return tempfile.TemporaryDirectory(prefix="cnbudget-upload-")
