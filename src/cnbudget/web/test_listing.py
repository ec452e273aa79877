"""The document list (``/documents``) and the downloads of lists, comparisons, peers and
findings, over the session's test store (real import, real SQLite) through the pages app with
the listing router included, as the lead wires it into ``cnbudget serve``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from cnbudget.web.conftest import HOSTILE, TOKEN, WebDb, make_test_app


@pytest.fixture(scope="module")
def app(web_db: WebDb) -> Any:
    from cnbudget.web.listing import create_listing_router

    app = make_test_app(web_db, token=TOKEN)
    app.include_router(create_listing_router(app.state.cnbudget_web))
    return app


@pytest.fixture
def c(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "CSV must start with a BOM (Excel and Chinese)"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _ids(html: str) -> list[int]:
    import re

    return [
        int(m)
        for m in re.findall(r'<td class="name"><a class="clamp" href="/documents/(\d+)"', html)
    ]


def test_list_shows_current_documents_and_links(c: Any, web_db: WebDb) -> None:
    from cnbudget.store import list_documents

    r = c.get("/documents")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    current = {d.id for d in list_documents(web_db.url, current_only=True)}
    assert set(_ids(r.text)) == current
    # the corrected re-publication replaced its first version: only "all versions" shows it
    every = {d.id for d in list_documents(web_db.url)}
    assert every - current, "the test store has a superseded version"
    assert set(_ids(c.get("/documents?status=all").text)) == every
    assert set(_ids(c.get("/documents?status=superseded").text)) == every - current


def test_filters_by_year_kind_region_and_status(c: Any, web_db: WebDb) -> None:
    from cnbudget.store import list_documents

    docs = list_documents(web_db.url, current_only=True)
    got = set(_ids(c.get("/documents?year=2023").text))
    assert got == {d.id for d in docs if d.year == 2023} and got
    got = set(_ids(c.get("/documents?kind=final").text))
    assert got == {d.id for d in docs if d.kind == "final"} and got
    region = next(d.region for d in docs if d.region)
    got = set(_ids(c.get("/documents", params={"region": region}).text))
    assert got == {d.id for d in docs if d.region == region}
    errors = set(_ids(c.get("/documents?status=errors").text))
    assert web_db.id("07-energy-2023-error") in errors
    clean = set(_ids(c.get("/documents?status=clean").text))
    assert not errors & clean
    # a hostile filter value is a value, not SQL: no match, no error
    r = c.get("/documents", params={"region": "x' OR '1'='1", "kind": "'; DROP TABLE documents"})
    assert r.status_code == 200 and _ids(r.text) == []
    assert c.get("/documents").status_code == 200  # the table is still there


def test_sort_orders_the_rows(c: Any) -> None:
    from cnbudget.web.listing import Query, listed_documents

    html = c.get("/documents?sort=errors&desc=1").text
    ids = _ids(html)
    engine = c.app.state.cnbudget_web.engine
    rows = {r.id: r for r in listed_documents(engine, Query())}
    errors = [rows[i].errors for i in ids]
    assert errors == sorted(errors, reverse=True) and errors[0] > 0
    asc = _ids(c.get("/documents?sort=department&desc=0").text)
    names = [rows[i].department for i in asc]
    assert names == sorted(names)


def test_export_is_the_filtered_sorted_list(c: Any) -> None:
    from openpyxl import load_workbook

    page = _ids(c.get("/documents?year=2024&sort=errors&desc=1").text)
    r = c.get("/documents.csv?year=2024&sort=errors&desc=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _csv(r.content)
    assert rows[0][:3] == ["id", "地区", "部门"]
    assert [int(x[0]) for x in rows[1:]] == page
    x = c.get("/documents.xlsx?year=2024&sort=errors&desc=1")
    ws = load_workbook(io.BytesIO(x.content)).active
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == page
    en = _csv(c.get("/documents.csv?lang=en").content)
    assert en[0][:3] == ["id", "Region", "Department"]
    assert c.get("/documents.exe").status_code == 404


def test_hostile_name_is_text_in_the_list_and_inert_in_the_export(c: Any) -> None:
    html = c.get("/documents").text
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    rows = _csv(c.get("/documents.csv").content)
    assert any(HOSTILE in cell for row in rows for cell in row)
    from cnbudget.web.listing import table_bytes

    body, _ = table_bytes("csv", ["name", "n"], [['=HYPERLINK("http://x")', "-1.5"]])
    assert _csv(body)[1] == ['\'=HYPERLINK("http://x")', "-1.5"]


def test_findings_compare_and_peers_downloads(c: Any, web_db: WebDb) -> None:
    from cnbudget.store import findings

    bad = web_db.id("07-energy-2023-error")
    rows = _csv(c.get(f"/documents/{bad}/findings.csv").content)
    stored = findings(web_db.url, bad)
    assert len(rows) - 1 == len(stored)
    first_error = next(f for f in stored if f["severity"] == "error")
    assert any(r[1] == first_error["rule"] and r[0] == "错误" for r in rows[1:])
    # amounts are exact decimal text with two places
    diffs = [r[7] for r in rows[1:] if r[7]]
    assert diffs and all(d.replace("-", "").replace(".", "").isdigit() for d in diffs)
    assert all(len(d.split(".")[1]) == 2 for d in diffs)
    page = c.get(f"/documents/{bad}").text
    assert f'href="/documents/{bad}/findings.csv"' in page

    # a document and its corrected re-publication: few cells differ
    a, b = web_db.id("03-data-2024"), web_db.id("06-data-2024-corrected")
    rows = _csv(c.get(f"/compare.csv?a={a}&b={b}").content)
    assert len(rows) > 1 and all(r[7] != "未变" for r in rows[1:])
    # a document against itself: nothing changed, unless every cell is asked for
    assert len(_csv(c.get(f"/compare.csv?a={a}&b={a}").content)) == 1
    same = _csv(c.get(f"/compare.csv?a={a}&b={a}&all=1").content)
    assert len(same) > 20 and {r[7] for r in same[1:]} == {"未变"}
    assert f"/compare.csv?a={a}&amp;b={b}" in c.get(f"/compare?a={a}&b={b}").text
    assert c.get(f"/compare.csv?a={a}&b=999999").status_code == 404

    peers = _csv(c.get("/peers.csv?year=2024&kind=budget").content)
    assert peers[0][0] == "部门" and len(peers) > 2
    assert "/peers.csv?year=" in c.get("/peers?year=2024").text
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(c.get("/peers.xlsx?year=2024").content)).active
    assert ws.max_row == len(peers)


def test_private_site_needs_the_token_for_the_list_and_downloads(web_db: WebDb) -> None:
    from fastapi.testclient import TestClient

    from cnbudget.web.listing import create_listing_router

    app = make_test_app(web_db, token=TOKEN, public_reads=False)
    app.include_router(create_listing_router(app.state.cnbudget_web))
    with TestClient(app) as c:
        assert c.get("/documents").status_code == 401
        assert c.get("/documents.csv").status_code == 401
        assert c.get("/peers.csv").status_code == 401
        ok = c.get("/documents.csv", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and len(_csv(ok.content)) > 2
