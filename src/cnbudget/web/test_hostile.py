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
