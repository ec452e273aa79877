"""No page breaks on hostile names, and every page escapes them.

Two stored documents carry a department name ``<script>alert(1)</script>&"'`` and a
2,000-character name with an ``<img onerror>`` in it. Every page that can show them is fetched;
the raw markup must never appear, the escaped text must, and the chart JSON must not be able to
close its ``<script>`` element.
"""

from __future__ import annotations

import html as htmllib
import io
import re
from typing import Any

import pytest

from cnbudget.web.conftest import HOSTILE, LONG_NAME, WebDb

RAW = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")


def _pages(web_db: WebDb, client: Any) -> list[str]:
    h, long_ = web_db.id("08-hostile"), web_db.id("09-long-name")
    depts = re.findall(r'href="/departments/(\d+)"', client.get("/departments").text)
    return [
        "/",
        "/?q=alert",
        "/?q=" + "超长名称",
        "/?q=%3Cscript%3E",
        "/departments",
        "/departments?q=script",
        *(f"/departments/{d}" for d in depts),
        f"/documents/{h}",
        f"/documents/{h}?lang=en",
        f"/documents/{h}/charts",
        f"/documents/{long_}",
        f"/documents/{long_}/charts",
        f"/compare?a={h}&b={long_}",
        f"/compare?a={h}&b={long_}&all=1",
        "/compare",
        "/peers",
        "/peers?region=示例市",
    ]


def _check(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"unescaped markup on {where}"
    # no element may be opened by document text: every <script> and <img> is ours
    assert not re.search(r"<img\b", html), where
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, (where, tag)
    # the JSON data block cannot be closed early by the name
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        assert "<" not in block, where


def test_every_page_escapes_hostile_names(client: Any, web_db: WebDb) -> None:
    seen_escaped = False
    for path in _pages(web_db, client):
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        _check(r.text, path)
        seen_escaped |= htmllib.escape(HOSTILE) in r.text or "&lt;script&gt;" in r.text
    assert seen_escaped


def test_hostile_name_shown_as_text(client: Any, web_db: WebDb) -> None:
    r = client.get(f"/documents/{web_db.id('08-hostile')}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#34;&#39;" in r.text
    r = client.get(f"/documents/{web_db.id('09-long-name')}")
    assert htmllib.escape(LONG_NAME) in r.text or htmllib.escape(LONG_NAME, quote=False) in r.text
    # the title bar gets a short form, not 2,000 characters
    title = re.search(r"<title>(.*?)</title>", r.text, re.S).group(1)
    assert len(htmllib.unescape(title)) < 120


@pytest.mark.parametrize("name", ["<script>alert(1)</script>.txt", "a\"'><b>x.txt", "../../x.txt"])
def test_hostile_upload_names(client: Any, web_db: WebDb, name: str) -> None:
    assert web_db.folder is not None
    data = (web_db.folder / "docs" / "08-hostile.txt").read_bytes()
    r = client.post("/check", files={"file": (name, io.BytesIO(data), "text/plain")})
    assert r.status_code == 200
    _check(r.text, f"check {name}")
    assert "<b>x" not in r.text


def test_hostile_downloads_filename(client: Any, web_db: WebDb) -> None:
    r = client.get(f"/documents/{web_db.id('08-hostile')}/download/original")
    assert r.status_code == 200
    cd = r.headers["content-disposition"]
    assert "<" not in cd and "\n" not in cd


# -- hostile ids (issue 12 item 6) ----------------------------------------------------------------
HUGE = "99999999999999999999"  # beyond 64 bits: SQLite cannot even compare it

HOSTILE_ID_PAGES = [
    (f"/documents/{HUGE}", 404),
    (f"/documents/{HUGE}/charts", 404),
    (f"/documents/{HUGE}/scorecard", 404),
    (f"/documents/{HUGE}/reconciliation", 404),
    (f"/documents/{HUGE}/execution", 404),
    (f"/documents/{HUGE}/performance", 404),
    (f"/documents/{HUGE}/download/pdf", 404),
    ("/documents/-1", 404),
    ("/documents/0", 404),
    ("/documents/2147483648", 404),
    (f"/departments/{HUGE}", 404),
    ("/departments/-5", 404),
    (f"/compare?a={HUGE}&b=1", 404),
    (f"/compare?a=1&b={HUGE}", 404),
    (f"/peers?year={HUGE}", 422),
    ("/peers?year=-1", 422),
    ("/documents/abc", 422),
    ("/documents/1e3", 422),
    ("/departments/%00", 422),
    ("/compare?a=x&b=1", 422),
    ("/peers?year=abc", 422),
    ("/documents/abc?lang=en", 422),
]


@pytest.mark.parametrize(("path", "status"), HOSTILE_ID_PAGES)
def test_hostile_ids_get_an_html_error_page(client: Any, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("text/html"), path
    assert 'id="error-page"' in r.text
    assert not r.text.lstrip().startswith("{")  # never JSON
    if path.endswith("lang=en"):
        assert "Invalid request" in r.text


def test_hostile_ids_on_the_api_app_are_pages_too(web_db: WebDb) -> None:
    """Mounted on the API app (what ``cnbudget serve`` runs), page paths still answer HTML —
    the API's JSON error handlers only speak for ``/api`` — while the API stays JSON."""
    from fastapi.testclient import TestClient

    from cnbudget.api import Settings, create_app

    app = create_app(Settings(db_url=web_db.url, parse_workers=0, migrate=False))
    with TestClient(app, raise_server_exceptions=False) as c:
        for path, status in [*HOSTILE_ID_PAGES, ("/no/such/page", 404)]:
            r = c.get(path)
            assert r.status_code == status, (path, r.status_code)
            assert r.headers["content-type"].startswith("text/html"), path
        r = c.get(f"/api/documents/{HUGE}")
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
        r = c.get("/api/no/such")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
