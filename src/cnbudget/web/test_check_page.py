"""The check page (issue 12 item 10) and built downloads (item 9), through the ASGI app.

* an empty or unreadable file is a clear error — never "11 errors" with an offer to store it —
  and the rejected upload is deleted at once;
* a file that can be read but not stored (no year) shows its findings without a store form;
* a wrong token keeps the results on the page (and the pending file);
* the page shares the API's bounded worker: with the queue full it answers 503 + Retry-After;
* a download is built once per document version, even for two requests at once, and sent
  with an ETag that a second visit revalidates to a 304.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.web.conftest import TOKEN, WebDb, make_test_app


@pytest.fixture
def site_client(web_db: WebDb, tmp_path: Path) -> Any:
    """A fresh app (its own pending folder and download cache) with its site."""
    app = make_test_app(web_db, token=TOKEN, upload_dir=str(tmp_path / "pending"))
    with TestClient(app) as c:
        yield c, app.state.cnbudget_web


def _upload(client: Any, name: str, data: bytes) -> Any:
    return client.post("/check", files={"file": (name, io.BytesIO(data), "text/plain")})


def _pending(site: Any) -> list[Path]:
    d = site.pending_dir
    return sorted(p for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []


def test_empty_file_is_a_clear_error(site_client: Any) -> None:
    client, site = site_client
    r = _upload(client, "empty.txt", b"")
    assert r.status_code == 422
    assert 'id="check-error"' in r.text and "文件是空的" in r.text
    assert 'id="check-result"' not in r.text and 'action="/check/store"' not in r.text
    assert _pending(site) == []
    r = client.post("/check?lang=en", files={"file": ("empty.txt", io.BytesIO(b""), "text/plain")})
    assert r.status_code == 422 and "the file is empty" in r.text


@pytest.mark.parametrize(
    "data",
    [b"hello world\n", b"\x00\x01\x02" * 1000, b"%PDF-1.7\n" + bytes(range(256)) * 40],
    ids=["prose", "binary", "broken-pdf"],
)
def test_unreadable_file_is_an_error_and_deleted(site_client: Any, data: bytes) -> None:
    client, site = site_client
    r = _upload(client, "x.txt", data)
    assert r.status_code == 422, r.text[:300]
    assert "无法读取该文件" in r.text
    assert 'id="check-result"' not in r.text and 'action="/check/store"' not in r.text
    assert _pending(site) == []  # deleted at once, not after the six-hour sweep


def test_unstorable_file_shows_findings_without_store_form(site_client: Any) -> None:
    from cnbudget.example import example_text

    client, site = site_client
    text = example_text(6, 2019).replace("2019", "")  # no year: it cannot be filed
    r = _upload(client, "no-year.txt", text.encode())
    assert r.status_code == 200
    assert 'id="check-result"' in r.text and 'id="cannot-store"' in r.text
    assert "未识别出预算年度" in r.text
    assert 'action="/check/store"' not in r.text and 'name="token"' not in r.text
    assert _pending(site) == []


def test_already_stored_file_links_instead_of_store_form(site_client: Any, web_db: WebDb) -> None:
    client, _site = site_client
    assert web_db.folder is not None
    data = (web_db.folder / "docs" / "04-econ-2024.txt").read_bytes()
    r = _upload(client, "again.txt", data)
    assert r.status_code == 200
    assert f'href="/documents/{web_db.id("04-econ-2024")}"' in r.text
    assert 'id="already-stored"' in r.text and 'action="/check/store"' not in r.text


def test_wrong_token_keeps_the_results(site_client: Any) -> None:
    from cnbudget.example import example_text

    client, site = site_client
    # a city of its own: storing it must not change the session store's other departments
    text = example_text(5, 2018).replace("示例市", "令牌测试市")
    r = _upload(client, "新文件.txt", text.encode())
    assert r.status_code == 200
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', r.text).group(1)
    findings_before = r.text.count('class="finding ')
    r = client.post("/check/store", data={"sha256": sha, "token": "wrong"})
    assert r.status_code == 403
    assert "令牌不正确" in r.text
    assert 'id="check-result"' in r.text and "新文件.txt" in r.text
    assert r.text.count('class="finding ') == findings_before
    assert f'value="{sha}"' in r.text  # the store form is offered again
    assert [p.name for p in _pending(site)] == [sha]
    r = client.post("/check/store", data={"sha256": sha, "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/documents/\d+", r.headers["location"])
    assert _pending(site) == []


def test_check_page_answers_503_when_the_queue_is_full(site_client: Any) -> None:
    from cnbudget.api.worker import Parser

    client, site = site_client
    site._parser = Parser(1, queue=0)
    with site._parser.admit():  # another upload holds the only place
        r = _upload(client, "x.txt", b"anything")
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("text/html") and "服务器正忙" in r.text
    assert _pending(site) == []


# -- built downloads ------------------------------------------------------------------------------
def test_pdf_built_once_for_two_requests_at_once(site_client: Any, web_db: WebDb) -> None:
    from cnbudget.web.pages import DownloadCache

    client, site = site_client
    cache_dir = Path(site.pending_dir).parent / "downloads"
    site._downloads = DownloadCache(cache_dir)
    url = f"/documents/{web_db.id('05-energy-2024')}/download/pdf"
    answers: list[Any] = []
    start = threading.Barrier(2)

    def fetch() -> None:
        start.wait()
        answers.append(client.get(url))

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content and answers[0].content.startswith(b"%PDF")
    assert site.downloads.builds == 1
    assert len(list(cache_dir.glob("*.pdf"))) == 1
    # a third request is served from the cache; a revalidation is a 304 without a body
    again = client.get(url)
    assert again.content == answers[0].content and site.downloads.builds == 1
    etag = again.headers["etag"]
    assert "max-age" in again.headers["cache-control"]
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""


def test_cache_folder_beside_sqlite_db() -> None:
    from cnbudget.web.pages import cache_folder

    assert cache_folder("sqlite:////srv/data/budget.db") == Path(
        "/srv/data/budget.db.cache/downloads"
    )
    pg = cache_folder("postgresql+psycopg://u@h/db1")
    assert pg != cache_folder("postgresql+psycopg://u@h/db2")
