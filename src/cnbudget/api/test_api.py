"""The REST API end to end (TestClient), on SQLite and PostgreSQL: every endpoint, auth, the
upload limits, bad files and the error shape."""

from __future__ import annotations

import csv
import io
import json
import sys
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api.conftest import AUTH, TOKEN, example, upload
from cnbudget.export import LONG_COLUMNS, read_long_csv, read_long_xlsx
from cnbudget.ingest import read_path
from cnbudget.ingest.text import read_text
from cnbudget.store import queries
from cnbudget.store.conftest import ALIAS, NAME, variant
from cnbudget.store.importer import import_paths
from cnbudget.testing import SAMPLE_NAME

ERROR_KEYS = {"code", "message_zh", "message_en", "status"}


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, with the status repeated in the body and no traceback."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["status"] == status
    assert body["error"]["message_zh"] and body["error"]["message_en"]
    assert "Traceback" not in r.text
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


# --------------------------------------------------------------------------------------------
# Upload


def test_upload_sample_returns_findings_then_unchanged(
    client: TestClient, sample_bytes: bytes, sample_source: str
) -> None:
    r = upload(client, SAMPLE_NAME, sample_bytes)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "imported"
    doc = body["document"]
    assert doc["department"] == NAME and doc["alias"] == ALIAS
    assert doc["year"] == 2024 and doc["kind"] == "budget" and doc["version"] == 1
    assert doc["source_name"] == SAMPLE_NAME
    assert r.headers["location"] == f"/api/documents/{doc['id']}"
    # The findings are the checker's, in the stable flat shape.
    from cnbudget.checks import check_document

    expected = check_document(read_text(sample_source, name=SAMPLE_NAME))
    assert [f["rule"] for f in body["findings"]] == [f.rule for f in expected.findings]
    assert sum(body["counts"].values()) == len(expected.findings)
    for f in body["findings"]:
        assert {"rule", "severity", "message", "message_en", "related"} <= set(f)

    again = upload(client, "renamed.txt", sample_bytes)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "unchanged"
    assert again.json()["document"]["id"] == doc["id"]
    assert again.json()["findings"] == body["findings"]
    listing = client.get("/api/documents").json()
    assert listing["total"] == 1


def test_upload_generated_examples_and_a_corrected_version(client: TestClient) -> None:
    first = upload(client, "a.txt", example(0).encode())
    assert first.status_code == 201, first.text
    other = upload(client, "b.txt", example(3, city=1).encode())
    assert other.status_code == 201
    # The same department and year with other bytes is a new version, not a new document series.
    corrected = example(0) + "\n"
    second = upload(client, "a-corrected.txt", corrected.encode())
    assert second.status_code == 201
    d2 = second.json()["document"]
    assert d2["version"] == 2 and d2["supersedes_id"] == first.json()["document"]["id"]
    cur = client.get("/api/documents", params={"current_only": True}).json()
    assert {d["id"] for d in cur["items"]} == {d2["id"], other.json()["document"]["id"]}


def test_check_endpoint_checks_without_storing(client: TestClient, sample_bytes: bytes) -> None:
    r = client.post("/api/check", files={"file": (SAMPLE_NAME, sample_bytes)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["document"]["department"].startswith(NAME)
    assert body["document"]["stored_document_id"] is None
    assert sum(body["counts"].values()) == len(body["findings"])
    assert client.get("/api/documents").json()["total"] == 0
    stored = upload(client, SAMPLE_NAME, sample_bytes).json()["document"]["id"]
    again = client.post("/api/check", files={"file": (SAMPLE_NAME, sample_bytes)}).json()
    assert again["document"]["stored_document_id"] == stored


# --------------------------------------------------------------------------------------------
# Auth


def test_writes_need_the_token(client: TestClient, sample_bytes: bytes) -> None:
    r = upload(client, SAMPLE_NAME, sample_bytes, headers={})
    err = assert_error(r, 401, "unauthorized")
    assert "Bearer" in err["message_en"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_error(upload(client, "x.txt", sample_bytes, {"Authorization": "Bearer nope"}), 403)
    assert_error(upload(client, "x.txt", sample_bytes, {"Authorization": "Basic abc"}), 401)
    assert_error(upload(client, "x.txt", sample_bytes, {"Authorization": f"Bearer {TOKEN}x"}), 403)
    assert client.get("/api/documents").json()["total"] == 0  # nothing stored by refused calls
    # Reads are public by default.
    assert client.get("/api/documents").status_code == 200


def test_server_without_token_refuses_every_write(
    make_client: Callable[..., TestClient], sample_bytes: bytes
) -> None:
    c = make_client(token=None)
    assert_error(upload(c, SAMPLE_NAME, sample_bytes), 403, "token_not_configured")
    assert_error(upload(c, SAMPLE_NAME, sample_bytes, headers={}), 401)


def test_private_reads(make_client: Callable[..., TestClient], sample_bytes: bytes) -> None:
    c = make_client(public_reads=False)
    assert upload(c, SAMPLE_NAME, sample_bytes).status_code == 201
    for path in ("/api/documents", "/api/documents/1", "/api/departments", "/api/peers"):
        assert_error(c.get(path), 401)
        assert_error(c.get(path, headers={"Authorization": "Bearer wrong"}), 403)
    assert c.get("/api/documents", headers=AUTH).status_code == 200
    assert_error(c.post("/api/check", files={"file": ("a.txt", sample_bytes)}), 401)
    # The service endpoints stay public.
    assert c.get("/healthz").status_code == 200
    assert c.get("/openapi.json").status_code == 200
    assert c.get("/docs").status_code == 200


# --------------------------------------------------------------------------------------------
# Limits and bad files


def test_upload_over_the_limit_is_413(
    make_client: Callable[..., TestClient], sample_bytes: bytes
) -> None:
    c = make_client(max_upload_bytes=10_000)
    assert len(sample_bytes) > 10_000
    assert_error(upload(c, SAMPLE_NAME, sample_bytes), 413, "payload_too_large")
    assert_error(c.post("/api/check", files={"file": ("a.txt", sample_bytes)}), 413)

    # A chunked body (no Content-Length) is cut off while streaming: the app stops asking for
    # more of the body (driven at the ASGI level: the TestClient would buffer the whole body).
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
    ).encode()
    chunks = [head] + [b"x" * 65536] * 1000  # 64 MB if it were all read
    received = 0
    sent_messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunks[received - 1], "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent_messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/documents",
        "raw_path": b"/api/documents",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", AUTH["Authorization"].encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    import asyncio

    asyncio.run(c.app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent_messages if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert received < 5, f"read {received} chunks: the limit was not enforced while streaming"
    assert c.get("/api/documents").json()["total"] == 0

    # A Content-Length over the limit is refused before anything is read.
    r = c.post(
        "/api/documents",
        content=b"--x\r\n",
        headers={
            **AUTH,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(50_000_000),
        },
    )
    assert_error(r, 413)


def test_a_file_at_the_limit_is_accepted(
    make_client: Callable[..., TestClient], sample_bytes: bytes
) -> None:
    c = make_client(max_upload_bytes=len(sample_bytes))
    assert upload(c, SAMPLE_NAME, sample_bytes).status_code == 201


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"\x00\x01\x02\x03" * 100, 415, "unsupported_file"),  # binary
        (b"PK\x03\x04" + b"\x00" * 100, 415, "unsupported_file"),  # XLSX/DOCX
        (b"abc\x80" * 50, 415, "unsupported_file"),  # neither UTF-8 nor GB18030
        ("这不是一份预算公开文件。\n".encode(), 422, None),  # text, not a disclosure
        (b"", 422, None),  # empty
        (b"%PDF-1.4\n garbage", None, None),  # a broken PDF: 415 or 422, never 500
    ],
)
def test_unreadable_files_are_415_or_422(
    client: TestClient, data: bytes, status: int | None, code: str | None
) -> None:
    r = upload(client, "bad.txt", data)
    if status is None:
        assert r.status_code in (415, 422), r.text
        assert_error(r, r.status_code)
    else:
        assert_error(r, status, code)
    assert client.get("/api/documents").json()["total"] == 0


def test_malformed_uploads(client: TestClient) -> None:
    # not multipart at all
    r = client.post(
        "/api/documents", content=b"hello", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert_error(r, 415, "unsupported_media_type")
    # multipart without a boundary
    r = client.post(
        "/api/documents", content=b"x", headers={**AUTH, "Content-Type": "multipart/form-data"}
    )
    assert_error(r, 422, "malformed_upload")
    # a form without the file field
    r = client.post(
        "/api/documents", data={"other": "1"}, files={"x": ("a.txt", b"a")}, headers=AUTH
    )
    assert_error(r, 422, "missing_file")
    # a broken multipart body
    r = client.post(
        "/api/documents",
        content=b"--zz\r\nbroken",
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=zz"},
    )
    assert r.status_code == 422, r.text
    assert_error(r, 422)


def test_uploaded_file_names_are_sanitised(client: TestClient, sample_bytes: bytes) -> None:
    r = upload(client, "../../etc/.x.txt", sample_bytes)
    assert r.status_code == 201, r.text
    assert r.json()["document"]["source_name"] == "x.txt"
    from cnbudget.api.upload import safe_filename

    assert safe_filename("C:\\dir\\a\x07b\x00.txt") == "ab.txt"
    assert safe_filename("..") == "upload.txt"
    assert safe_filename("") == "upload.txt"
    assert len(safe_filename("名" * 500)) == 200


# --------------------------------------------------------------------------------------------
# Reads


@pytest.fixture
def stored(db_url: str, write_text: Any, sample_source: str) -> dict[str, int]:
    """The bureau in 2023 (other totals) and 2024, and the generator's three departments in one
    fictional city."""
    t3 = "<b>总计</b>\t<b>33,898.98</b>\t<b>2,359.94</b>\t<b>31,539.04</b>"
    t3_2023 = "<b>总计</b>\t<b>30,000.00</b>\t<b>2,359.94</b>\t<b>27,640.06</b>"
    files = {
        "y2023": write_text("y2023.txt", variant(sample_source, year=2023, replace={t3: t3_2023})),
        "y2024": write_text(SAMPLE_NAME, sample_source),
    }
    for i, seed in enumerate((0, 1, 3)):
        files[f"g{i}"] = write_text(f"g{i}.txt", example(seed, city=9))
    summary = import_paths(list(files.values()), db_url, jobs=1)
    assert summary.counts["imported"] == len(files), [r.reason for r in summary.failed]
    return {k: r.document_id for k, r in zip(files, summary.results, strict=True)}  # type: ignore[misc]


def test_list_and_search_documents(client: TestClient, stored: dict[str, int]) -> None:
    all_docs = client.get("/api/documents").json()
    assert all_docs["total"] == 5 and len(all_docs["items"]) == 5
    item = next(d for d in all_docs["items"] if d["id"] == stored["y2024"])
    assert item["links"]["self"] == f"/api/documents/{stored['y2024']}"
    assert item["amount_count"] > 400

    by_alias = client.get("/api/documents", params={"department": ALIAS}).json()
    assert {d["id"] for d in by_alias["items"]} == {stored["y2023"], stored["y2024"]}
    q = client.get("/api/documents", params={"q": "大数据"}).json()
    assert {stored["y2023"], stored["y2024"]} <= {d["id"] for d in q["items"]}
    assert client.get("/api/documents", params={"q": "%"}).json()["total"] == 0  # literal %
    years = client.get("/api/documents", params={"year": 2023}).json()
    assert [d["id"] for d in years["items"]] == [stored["y2023"]]
    region = client.get("/api/documents", params={"region": "示例9市"}).json()
    assert region["total"] == 3
    assert client.get("/api/documents", params={"kind": "final"}).json()["total"] == 0

    page1 = client.get("/api/documents", params={"limit": 3, "offset": 0}).json()
    page2 = client.get("/api/documents", params={"limit": 3, "offset": 3}).json()
    assert page1["total"] == page2["total"] == 5
    assert len(page1["items"]) == 3 and len(page2["items"]) == 2
    assert not {d["id"] for d in page1["items"]} & {d["id"] for d in page2["items"]}
    newest = client.get("/api/documents", params={"sort": "-year", "limit": 1}).json()
    assert newest["items"][0]["year"] == 2024


def test_document_json_tables_and_files(
    client: TestClient, stored: dict[str, int], sample_source: str, sample_path: Any
) -> None:
    doc_id = stored["y2024"]
    expected = read_path(sample_path)

    r = client.get(f"/api/documents/{doc_id}")
    assert r.status_code == 200
    from cnbudget.model import Document

    assert Document.model_validate_json(r.content) == expected
    etag = r.headers["etag"]
    assert (
        client.get(f"/api/documents/{doc_id}", headers={"If-None-Match": etag}).status_code == 304
    )

    info = client.get(f"/api/documents/{doc_id}/info").json()
    assert info["id"] == doc_id and info["sha256"] in etag

    tables = client.get(f"/api/documents/{doc_id}/tables").json()
    assert [t["number"] for t in tables] == [t.number for t in expected.tables]
    t3 = client.get(f"/api/documents/{doc_id}/tables/3").json()
    assert t3["type"] == "expenditure_summary"
    assert_error(client.get(f"/api/documents/{doc_id}/tables/99"), 404, "table_not_found")

    r = client.get(f"/api/documents/{doc_id}/tables/3.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert "名称 name" in header and "支出预算 / 合计" in header
    total = next(row for row in body if row[0] == "total")
    assert total[header.index("支出预算 / 合计")] == "33898.98"
    assert len(body) == len(_table_by_number(expected, 3).rows)

    r = client.get(f"/api/documents/{doc_id}/longform.csv")
    assert r.status_code == 200
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    from cnbudget.export import long_rows

    recs = read_long_csv(io.BytesIO(r.content))
    assert recs == long_rows(expected)
    r = client.get(f"/api/documents/{doc_id}/longform.xlsx")
    assert r.status_code == 200
    xl = read_long_xlsx(io.BytesIO(r.content))
    assert len(xl) == len(recs) and [x["value"] for x in xl] == [x["value"] for x in recs]
    assert list(xl[0]) == list(LONG_COLUMNS)

    r = client.get(f"/api/documents/{doc_id}/original")
    assert r.status_code == 200 and r.content == sample_path.read_bytes()
    assert r.headers["content-type"].startswith("text/plain")

    for sub in ("", "/info", "/tables", "/tables/3", "/tables/3.csv", "/findings", "/original"):
        assert_error(client.get(f"/api/documents/999999{sub}"), 404)
        assert_error(client.get(f"/api/documents/0{sub}"), 422)
    assert_error(client.get("/api/documents/999999/longform.csv"), 404, "document_not_found")


def _table_by_number(doc: Any, n: int) -> Any:
    return next(t for t in doc.tables if t.number == n)


def test_findings_endpoint_matches_the_store(
    client: TestClient, stored: dict[str, int], db_url: str
) -> None:
    doc_id = stored["y2024"]
    body = client.get(f"/api/documents/{doc_id}/findings").json()
    stored_findings = json.loads(json.dumps(queries.findings(db_url, doc_id)))
    assert len(body["findings"]) == len(stored_findings) > 0
    for got, want in zip(body["findings"], stored_findings, strict=True):
        assert {k: got[k] for k in want} == want
    assert sum(body["counts"].values()) == len(body["findings"])
    notices = client.get(f"/api/documents/{doc_id}/findings", params={"severity": "notice"}).json()
    assert all(f["severity"] == "notice" for f in notices["findings"])
    assert_error(client.get(f"/api/documents/{doc_id}/findings", params={"severity": "x"}), 422)


def test_departments(client: TestClient, stored: dict[str, int]) -> None:
    depts = client.get("/api/departments").json()
    assert len(depts) == 4
    bureau = next(d for d in depts if d["name"] == NAME)
    assert ALIAS in bureau["aliases"] and bureau["documents"] == 2
    assert [d["id"] for d in client.get("/api/departments", params={"q": ALIAS}).json()] == [
        bureau["id"]
    ]
    assert len(client.get("/api/departments", params={"region": "示例9市"}).json()) == 3
    one = client.get(f"/api/departments/{bureau['id']}").json()
    assert {d["id"] for d in one["document_list"]} == {stored["y2023"], stored["y2024"]}
    assert_error(client.get("/api/departments/999999"), 404, "department_not_found")


def test_series_compare_and_aggregates_match_the_store(
    client: TestClient, stored: dict[str, int], db_url: str
) -> None:
    # Series by alias and by id give the same points, as the store computes them.
    s1 = client.get(f"/api/departments/{ALIAS}/series").json()
    dept_id = client.get(f"/api/documents/{stored['y2024']}/info").json()["department_id"]
    s2 = client.get(f"/api/departments/{dept_id}/series").json()
    assert s1["points"] == s2["points"]
    assert [p["year"] for p in s1["points"]] == [2023, 2024]
    assert s1["points"][0]["values"]["total"] == "30000.00"
    assert s1["points"][1]["change"] == "3898.98"
    eco = client.get(f"/api/departments/{dept_id}/series", params={"classification": "economic"})
    assert eco.status_code == 200 and eco.json()["points"][0]["values"]["total"] == "2359.94"
    assert_error(client.get("/api/departments/不存在的部门/series"), 404, "department_not_found")
    assert_error(client.get("/api/departments/999999/series"), 404)

    cmp = client.get(
        "/api/compare", params={"a": stored["y2023"], "b": stored["y2024"], "changed_only": True}
    ).json()
    assert cmp["a"]["id"] == stored["y2023"] and cmp["counts"]["changed"] >= 1
    changed = next(d for d in cmp["diffs"] if d["table_type"] == "expenditure_summary")
    assert changed["status"] == "changed"
    assert Decimal(changed["b"]) - Decimal(changed["a"]) == Decimal(changed["diff"])
    full = client.get("/api/compare", params={"a": stored["y2023"], "b": stored["y2024"]}).json()
    assert len(full["diffs"]) == sum(full["counts"].values())
    assert_error(client.get("/api/compare", params={"a": stored["y2023"], "b": 999999}), 404)
    assert_error(client.get("/api/compare", params={"a": stored["y2023"]}), 422)

    agg = client.get("/api/aggregates/functional", params={"level": "类", "year": 2024}).json()
    expected = queries.jsonable(queries.function_totals(db_url, level="类", years=2024))
    assert agg["rows"] == expected and agg["columns"] == ["total", "basic", "project"]
    by_dept = client.get(
        "/api/aggregates/functional",
        params=[("level", "total"), ("by", "year"), ("by", "department"), ("region", "示例9市")],
    ).json()
    assert len(by_dept["rows"]) == 3 and all(r["department"] for r in by_dept["rows"])
    eco = client.get(
        "/api/aggregates/economic", params={"level": "款", "department": ALIAS, "year": 2024}
    ).json()
    assert eco["rows"] == queries.jsonable(
        queries.economic_totals(db_url, level="款", department=ALIAS, years=2024)
    )
    code = client.get("/api/aggregates/functional", params={"level": "项", "code": "215"}).json()
    assert code["rows"] and all(r["code"].startswith("215") for r in code["rows"])
    assert_error(client.get("/api/aggregates/functional", params={"code": "x"}), 422)
    assert_error(client.get("/api/aggregates/economic", params={"level": "项"}), 422)


def test_peers(client: TestClient, stored: dict[str, int], db_url: str) -> None:
    body = client.get("/api/peers", params={"year": 2024, "min_peers": 2}).json()
    rows = body["rows"]
    assert len(rows) == 4 and body["threshold"] == "3.5"
    assert rows == queries.jsonable(queries.peers(db_url, years=2024, min_peers=2))
    assert all("explanation" in r and "three_public_per_staff" in r["metrics"] for r in rows)
    only = client.get("/api/peers", params={"year": 2024, "outliers_only": True}).json()
    assert all(r["outlier"] for r in only["rows"])
    region = client.get("/api/peers", params={"region": "示例9市"}).json()
    assert len(region["rows"]) == 3
    assert_error(client.get("/api/peers", params={"threshold": "nan"}), 422)
    assert_error(client.get("/api/peers", params={"threshold": 0}), 422)


# --------------------------------------------------------------------------------------------
# Errors and the service endpoints


def test_error_shape_everywhere(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    # outside /api a browser gets the web UI's page; a client asking for JSON gets JSON
    page = client.get("/nothing-here", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'id="error-page"' in page.text
    assert_error(client.get("/nothing-here", headers={"Accept": "application/json"}), 404)
    assert_error(client.delete("/api/documents"), 405, "method_not_allowed")
    assert_error(client.get("/api/documents", params={"year": "abc"}), 422, "validation_error")
    assert_error(client.get("/api/documents", params={"limit": 0}), 422)
    assert_error(client.get("/api/documents", params={"offset": 10**30}), 422)
    assert_error(client.get("/api/documents", params={"q": "a\x00b"}), 422)
    assert_error(client.get(f"/api/documents/{2**70}"), 422)
    assert_error(client.get("/api/documents/abc"), 422)
    assert_error(client.get("/api/departments/1%00/series"), 422)


def test_unexpected_errors_are_500_without_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(queries, "list_departments", boom)
    r = client.get("/api/departments")
    err = assert_error(r, 500, "internal_error")
    assert "secret" not in r.text and "RuntimeError" not in json.dumps(err)


def test_database_unavailable_is_503(tmp_path: Any) -> None:
    from sqlalchemy import create_engine

    from cnbudget.api import Settings, create_app

    # An app whose database went away after start (the file's folder is removed).
    db = tmp_path / "gone" / "x.db"
    app = create_app(Settings(db_url=str(db), token=TOKEN))
    eng = create_engine("sqlite:////nonexistent-dir/for/sure/x.db")
    app.state.engine = eng
    with TestClient(app, raise_server_exceptions=False) as c:
        assert_error(c.get("/api/documents"), 503, "database_unavailable")


def test_healthz_and_openapi(client: TestClient, backend: str) -> None:
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["database"] == backend and h["revision"]
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert all(p.startswith("/api/") or p == "/healthz" for p in paths)
    for p in (
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/documents/{document_id}/tables/{table_no}.csv",
        "/api/aggregates/functional",
        "/api/compare",
        "/api/peers",
        "/api/check",
    ):
        assert p in paths
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
    upload_op = spec["paths"]["/api/documents"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"201", "200", "401", "403", "413", "415", "422"} <= set(upload_op["responses"])
    assert "text/html" in client.get("/docs").headers["content-type"]


def _paths(routes: list[Any]) -> list[str]:
    """Paths of every route, looking into included routers (FastAPI keeps them nested)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out += _paths(inner.routes)
        else:
            out.append(getattr(r, "path", ""))
    return out


def test_only_api_paths_are_registered(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnbudget.api import Settings, create_app

    monkeypatch.setitem(sys.modules, "cnbudget.web", None)  # the API's own routes only
    app = create_app(Settings(db_url=db_url))
    paths = _paths(app.routes)
    assert "/api/documents" in paths
    allowed = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz")
    assert [p for p in paths if not p.startswith(allowed)] == []


def test_web_ui_is_mounted_after_the_api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnbudget.api import Settings, create_app

    seen: dict[str, Any] = {}

    def mount(app: Any, settings: Any) -> None:
        seen["paths"] = [getattr(r, "path", "") for r in app.routes]
        seen["settings"] = settings

        @app.get("/")
        def home() -> dict[str, str]:
            return {"page": "home"}

    fake = types.ModuleType("cnbudget.web")
    fake.mount = mount  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cnbudget.web", fake)
    settings = Settings(db_url=db_url, token=TOKEN)
    app = create_app(settings)
    assert seen["settings"] is settings
    assert "/api/documents" in seen["paths"] and "/healthz" in seen["paths"]
    with TestClient(app) as c:
        assert c.get("/").json() == {"page": "home"}

    # Without the web package the app still starts.
    monkeypatch.setitem(sys.modules, "cnbudget.web", None)
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").status_code == 200


def test_upload_through_a_parse_worker_process(
    make_client: Callable[..., TestClient], sample_bytes: bytes
) -> None:
    c = make_client(parse_workers=1)
    r = upload(c, SAMPLE_NAME, sample_bytes)
    assert r.status_code == 201, r.text
    assert r.json()["findings"]
    assert_error(upload(c, "bad.txt", b"\x00\x01" * 100), 415, "unsupported_file")
    checked = c.post("/api/check", files={"file": (SAMPLE_NAME, sample_bytes)}).json()
    assert checked["document"]["stored_document_id"] == r.json()["document"]["id"]


def test_cached_answers_follow_new_documents(client: TestClient, sample_bytes: bytes) -> None:
    """Aggregates are cached, but keyed by the store's data version: never stale."""
    empty = client.get("/api/aggregates/functional", params={"level": "total"}).json()
    assert empty["rows"] == []
    assert client.get("/api/departments").json() == []
    assert upload(client, SAMPLE_NAME, sample_bytes).status_code == 201
    after = client.get("/api/aggregates/functional", params={"level": "total"}).json()
    assert after["rows"][0]["values"]["total"] == "33898.98"
    assert len(client.get("/api/departments").json()) == 1
    assert client.get(f"/api/departments/{ALIAS}/series").json()["points"]
