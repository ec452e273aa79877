"""The server stays up under abuse (issue 13), on SQLite and PostgreSQL.

The server runs for real — uvicorn in a child process on 127.0.0.1 and a free port — so that a
parser eating all memory or a killed worker could only ever take *that* process down, never the
test; and the tests then prove it does not go down either. The abuse:

* an XLSX zip bomb (≈0.7 MB that inflates to ≈300 MB of sheet XML), once against the readers'
  own limits and once with those limits lifted, so that only the worker's memory and time
  limits stand between the bomb and the server;
* a 100 MB upload, streamed both with and without ``Content-Length``: refused with 413 long
  before the client has sent it all (the server never reads it whole);
* 20 uploads at once (valid files, bombs, garbage) while another client keeps reading
  ``/api/documents``: every answer is a defined status (503 always with ``Retry-After``), the
  reader is never refused, and the store holds exactly the uploads answered 201 — nothing
  half-stored.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from cnbudget.api.conftest import AUTH, TOKEN, example
from cnbudget.store.db import make_engine
from cnbudget.store.schema import (
    AmountRow,
    CheckRunRow,
    DocumentRow,
    FindingRow,
    ParseIssueRow,
    TableRow,
)

#: Statuses an upload may get; anything else (or no answer at all) is a failure.
DEFINED = {200, 201, 413, 415, 422, 429, 503}

_SERVE = """
import json, os, sys
from cnbudget.api import Settings
from cnbudget.api.server import run
cfg = json.loads(os.environ["CNBUDGET_TEST_SETTINGS"])
run(Settings(**cfg), "127.0.0.1", int(sys.argv[1]), log_level="warning", access_log=False)
"""

# -- an XLSX zip bomb, written in a stream (the test never holds the inflated XML) ------------
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    'workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/></Relationships>'
)


def zip_bomb(path: Path, inflated_mb: int = 300) -> Path:
    """An XLSX whose one sheet inflates to ``inflated_mb`` MB of cells (written 1 MB at a time)."""
    row = "<row>" + "<c><v>1</v></c>" * 200 + "</row>"
    block = (row * 256).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            written = 0
            while written < inflated_mb * 1024 * 1024:
                f.write(block)
                written += len(block)
            f.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = zip_bomb(tmp_path_factory.mktemp("bomb") / "预算.xlsx")
    data = path.read_bytes()
    assert len(data) < 4 * 1024 * 1024  # a few MB at most on the wire
    with zipfile.ZipFile(path) as z:  # … that inflates to hundreds of MB
        assert sum(i.file_size for i in z.infolist()) > 250 * 1024 * 1024
    return data


# -- the server ----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``cnbudget`` under uvicorn in a child process."""

    def __init__(self, db_url: str, env: dict[str, str] | None = None, **settings: Any) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cfg = {"db_url": db_url, "token": TOKEN, **settings}
        self.log = open(os.devnull, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(self.port)],
            env={**os.environ, "CNBUDGET_TEST_SETTINGS": json.dumps(cfg), **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited at start with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("the server did not start within 90 s")
            time.sleep(0.2)

    def alive(self) -> bool:
        """Still running and answering."""
        if self.proc.poll() is not None:
            return False
        return httpx.get(self.base + "/healthz", timeout=30).status_code == 200

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture
def serve(db_url: str) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(**kw: Any) -> Server:
        s = Server(db_url, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def _counts(db_url: str) -> dict[str, int]:
    """Rows per table of everything an upload stores, and rows whose document is missing."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            out = {
                m.__tablename__: conn.execute(sql_select(func.count()).select_from(m)).scalar_one()
                for m in (DocumentRow, TableRow, AmountRow, ParseIssueRow, CheckRunRow)
            }
            out["findings"] = conn.execute(
                sql_select(func.count()).select_from(FindingRow)
            ).scalar_one()
            docs = sql_select(DocumentRow.id)
            out["orphans"] = sum(
                conn.execute(
                    sql_select(func.count()).select_from(m).where(m.document_id.not_in(docs))
                ).scalar_one()
                for m in (TableRow, AmountRow, ParseIssueRow, CheckRunRow)
            )
            # a stored document always has its tables and its check run: never half of it
            out["docs_without_tables"] = conn.execute(
                sql_select(func.count())
                .select_from(DocumentRow)
                .where(DocumentRow.id.not_in(sql_select(TableRow.document_id)))
            ).scalar_one()
            out["docs_without_check_run"] = conn.execute(
                sql_select(func.count())
                .select_from(DocumentRow)
                .where(DocumentRow.id.not_in(sql_select(CheckRunRow.document_id)))
            ).scalar_one()
    finally:
        engine.dispose()
    return out


def _post(base: str, path: str, name: str, data: bytes, timeout: float = 120) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return httpx.post(base + path, files=files, headers=AUTH, timeout=timeout)


# -- zip bomb ------------------------------------------------------------------------------------
def test_zip_bomb_refused_by_the_reader_limits(
    serve: Callable[..., Server], bomb: bytes, db_url: str
) -> None:
    server = serve(worker_memory_mb=512, worker_seconds=20)
    before = _counts(db_url)
    for path in ("/api/documents", "/api/check"):
        r = _post(server.base, path, "预算.xlsx", bomb)
        assert r.status_code == 413, (path, r.status_code, r.text[:300])
        err = r.json()["error"]
        assert err["code"] == "limit_exceeded" and "max_xlsx" in err["message_en"]
        assert err["message_zh"]
    # the web check page says the same, as a page
    r = httpx.post(
        server.base + "/check", files={"file": ("预算.xlsx", bomb, "application/zip")}, timeout=120
    )
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert 'id="check-error"' in r.text and "max_xlsx" in r.text
    assert server.alive()
    assert _counts(db_url) == before


def test_zip_bomb_stopped_by_the_worker_limits(
    serve: Callable[..., Server], bomb: bytes, db_url: str
) -> None:
    """With the readers' own limits lifted, only the worker's memory and time limits are left:
    the upload is refused, the worker is killed, the server answers on."""
    lifted = {
        "CNBUDGET_MAX_XLSX_BYTES": str(10**12),
        "CNBUDGET_MAX_XLSX_RATIO": str(10**9),
        "CNBUDGET_MAX_SHEET_CELLS": str(10**12),
    }
    server = serve(env=lifted, worker_memory_mb=400, worker_seconds=6)
    before = _counts(db_url)
    r = _post(server.base, "/api/documents", "预算.xlsx", bomb)
    assert r.status_code in (413, 422), r.text[:300]
    assert r.json()["error"]["code"] in ("too_large_to_read", "read_timeout", "reader_crashed")
    # the server is up and the next (good) upload is stored normally
    assert server.alive()
    ok = _post(server.base, "/api/documents", "good.txt", example(2, city=41).encode())
    assert ok.status_code == 201, ok.text[:300]
    after = _counts(db_url)
    assert after["documents"] == before["documents"] + 1
    assert after["orphans"] == 0 and after["docs_without_tables"] == 0


# -- 100 MB --------------------------------------------------------------------------------------
def _stream_upload(port: int, total: int, *, chunked: bool) -> tuple[int, dict[str, str], int]:
    """Upload ``total`` bytes of file content 1 MiB at a time, stopping as soon as the server
    answers. Returns the status, the headers and how many body bytes were sent."""
    boundary = "cnbudgetabuse"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + total + len(tail)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    request = (
        f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n\r\n"
    ).encode()
    piece = b"x" * (1 << 20)
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    sent = 0

    def frame(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data

    try:
        sock.sendall(request)
        if not chunked:
            # the declared length alone is over the limit: the answer must come before any body
            select.select([sock], [], [], 30)
        parts = [head] + [piece] * (total // len(piece)) + [tail]
        for part in parts:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: stop sending
            try:
                sock.sendall(frame(part))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(part)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        body = resp.read()
        assert json.loads(body)["error"]["code"] == "payload_too_large"
        return resp.status, headers, sent
    finally:
        sock.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_100_mb_upload_refused_while_streaming(
    serve: Callable[..., Server], db_url: str, chunked: bool
) -> None:
    server = serve(max_upload_bytes=20 * 1024 * 1024)
    before = _counts(db_url)
    total = 100 * 1024 * 1024
    status, _headers, sent = _stream_upload(server.port, total, chunked=chunked)
    assert status == 413
    if chunked:  # refused once 20 MB had arrived, not after reading 100
        assert sent < 40 * 1024 * 1024, sent
    else:  # refused from the declared length alone, before any of the body
        assert sent == 0, sent
    assert server.alive()
    assert _counts(db_url) == before


# -- 20 at once ------------------------------------------------------------------------------------
def test_twenty_concurrent_uploads_while_reading(
    serve: Callable[..., Server], bomb: bytes, db_url: str
) -> None:
    server = serve(parse_workers=2, parse_queue=3, worker_memory_mb=512, worker_seconds=30)
    before = _counts(db_url)
    uploads: list[tuple[str, bytes]] = []
    for i in range(12):  # distinct valid disclosures
        uploads.append((f"ok-{i}.txt", example(i % 8, city=100 + i).encode()))
    uploads += [(f"bomb-{i}.xlsx", bomb) for i in range(4)]
    uploads += [(f"junk-{i}.pdf", b"%PDF-1.7\n" + os.urandom(50_000)) for i in range(4)]
    assert len(uploads) == 20

    results: list[tuple[str, int, dict[str, str], str]] = []
    failures: list[str] = []
    reads: list[int] = []
    done = threading.Event()
    barrier = threading.Barrier(len(uploads) + 1)

    def upload(name: str, data: bytes) -> None:
        try:
            barrier.wait()
            r = _post(server.base, "/api/documents", name, data)
            results.append((name, r.status_code, dict(r.headers), r.text))
        except Exception as exc:  # a connection error is exactly what must not happen
            failures.append(f"{name}: {exc!r}")

    def reader() -> None:
        with httpx.Client(timeout=60) as c:
            while not done.is_set():
                try:
                    reads.append(c.get(server.base + "/api/documents?limit=5").status_code)
                except Exception as exc:
                    failures.append(f"reader: {exc!r}")
                    return

    threads = [threading.Thread(target=upload, args=u) for u in uploads]
    read_thread = threading.Thread(target=reader)
    read_thread.start()
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join(300)
    done.set()
    read_thread.join(60)

    assert not failures, failures
    assert len(results) == 20
    statuses = [status for _, status, _, _ in results]
    assert set(statuses) <= DEFINED, statuses
    for name, status, headers, text in results:
        if status in (429, 503):
            assert int(headers["retry-after"]) >= 1, (name, headers)
            assert json.loads(text)["error"]["code"] == "busy"
        if name.startswith("bomb") and status not in (429, 503):
            assert status == 413, (name, status, text[:200])
        if name.startswith("junk") and status not in (429, 503):
            assert status in (413, 415, 422), (name, status, text[:200])
    # the queue is bounded: with 2 workers and 3 places, 20 at once cannot all be admitted
    assert any(s == 503 for s in statuses), statuses
    stored = sum(1 for s in statuses if s == 201)
    assert stored >= 1, statuses
    # the reader was served throughout, never refused
    assert reads and set(reads) == {200}, reads[:20]
    assert server.alive()
    after = _counts(db_url)
    assert after["documents"] == before["documents"] + stored
    assert after["orphans"] == 0
    assert after["docs_without_tables"] == 0 and after["docs_without_check_run"] == 0
