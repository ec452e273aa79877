"""The page ``/documents/{id}/changes``: two versions of the real sample under a hostile
department name, through FastAPI's TestClient (real SQLite store). What the reviewer must see —
the three finding sections, the changed amounts with their values, the answers — and that no
text from a document or an answer is ever markup."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cnbudget.store.test_changes import import_versions
from cnbudget.web import make_app
from cnbudget.web.conftest import HOSTILE, TOKEN

NAME = f"示例局{HOSTILE}"
NOTE = "<img src=x onerror=alert(3)>四舍五入"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@dataclass
class Store:
    url: str
    v1: int
    v2: int
    folder: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """v1 and v2 of the sample under :data:`NAME`, with two answers given to v1."""
    folder = tmp_path_factory.mktemp("changes")
    url = f"sqlite:///{folder / 'changes.db'}"
    v1, v2 = import_versions(folder / "docs", url, name=NAME)
    from cnbudget.store.changes import version_changes

    responses = pytest.importorskip("cnbudget.store.responses")
    vc = version_changes(url, v2)
    responses.answer_finding(url, v1, vc.resolved[0].key, "accepted", author="审核员", now=T0)
    responses.answer_finding(
        url, v1, vc.unchanged[1].key, "explained", author="<b>部门</b>", note=NOTE, now=T0
    )
    return Store(url, v1, v2, folder)


def _client(store: Store, **kw: object) -> Iterator[TestClient]:
    app = make_app(store.url, upload_dir=str(store.folder / "up"), **kw)  # type: ignore[arg-type]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def page_client(store: Store) -> Iterator[TestClient]:
    yield from _client(store)


def section(html: str, name: str) -> str:
    """The HTML of one ``<section id="changes-NAME">``."""
    m = re.search(rf'<section[^>]*id="changes-{name}".*?</section>', html, re.S)
    assert m is not None, name
    return m.group(0)


def test_page_shows_the_three_sections_and_the_amounts(
    page_client: TestClient, store: Store
) -> None:
    resp = page_client.get(f"/documents/{store.v2}/changes")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    html = resp.text
    resolved, new, unchanged = (section(html, n) for n in ("resolved", "new", "unchanged"))
    assert "30101 基本工资" in resolved and "SUM-ROW-001" in resolved
    assert "30301" not in resolved and "30201" not in resolved
    assert "303 对个人和家庭的补助" in new and "30301 离休费" in new and "30101" not in new
    assert "302 商品和服务支出" in unchanged and "30201 办公费" in unchanged
    assert "NAR-NEW-001" in unchanged and unchanged.count(">数字有变化</span>") == 2
    assert "实为 74.01 / 应为 74.11" in unchanged and "实为 74.01 / 应为 74.21" in unchanged
    assert "已接受" in resolved and "已说明" in unchanged and "沿用原版本的答复" in unchanged
    amounts = section(html, "amounts")
    rows = re.findall(r'<tr class="st-changed">(.*?)</tr>', amounts, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    assert [c[1:] for c in cells] == [
        ["30101 基本工资", "一般公共预算基本支出 / 人员经费", "485.35", "485.32", "-0.03"],
        ["30201 办公费", "一般公共预算基本支出 / 公用经费", "74.11", "74.21", "+0.10"],
        ["30301 离休费", "一般公共预算基本支出 / 人员经费", "35.21", "35.26", "+0.05"],
    ]
    assert all(c[0] == "表6 一般公共预算基本支出情况表" for c in cells)
    assert f'href="/documents/{store.v1}"' in html and f'href="/documents/{store.v2}"' in html
    assert f"/documents/{store.v2}/changes?against={store.v1}&amp;format=json" in html


def test_findings_link_to_where_they_are_printed(page_client: TestClient, store: Store) -> None:
    html = page_client.get(f"/documents/{store.v2}/changes").text
    link = r'<a class="ev-link" href="/documents/(\d+)#([^"]+)"'
    resolved = re.findall(link, section(html, "resolved"))
    assert [doc for doc, _ in resolved] == [str(store.v1)]  # shown where it was: v1
    others = re.findall(link, section(html, "new") + section(html, "unchanged"))
    assert len(others) == 5 and {doc for doc, _ in others} == {str(store.v2)}
    pages = {d: page_client.get(f"/documents/{d}").text for d in (str(store.v1), str(store.v2))}
    for doc, anchor in resolved + others:
        assert f'id="{anchor}"' in pages[doc], anchor


def test_hostile_text_is_escaped(page_client: TestClient, store: Store) -> None:
    html = page_client.get(f"/documents/{store.v2}/changes").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the name is shown, not run
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(3)&gt;四舍五入" in html
    assert "<b>部门</b>" not in html and "&lt;b&gt;部门&lt;/b&gt;" in html
    # every <script> of the page is the site's own
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/js/site.js" defer>',
        '<script src="/static/js/tables.js" defer>',
    ]


def test_english(page_client: TestClient, store: Store) -> None:
    html = page_client.get(f"/documents/{store.v2}/changes?lang=en").text
    for label in ("Resolved", "New", "Still present", "Amounts that changed", "figures changed"):
        assert label in html
    assert "its parts add up to 485.35" in section(html, "resolved")


def test_json_format_is_the_api_shape(page_client: TestClient, store: Store) -> None:
    resp = page_client.get(f"/documents/{store.v2}/changes?format=json")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body["status"] == "compared" and body["against"]["id"] == store.v1
    assert [d["b"] for d in body["amounts_changed"]] == ["485.32", "74.21", "35.26"]
    assert body["document"]["department"] == NAME  # JSON carries the text as it is
    assert body["unchanged"][1]["answer"]["note"] == NOTE


def test_first_version_and_other_versions(page_client: TestClient, store: Store) -> None:
    resp = page_client.get(f"/documents/{store.v1}/changes")
    assert resp.status_code == 200
    assert "没有更早的版本" in resp.text
    assert f'href="/documents/{store.v1}/changes?against={store.v2}"' in resp.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/documents/999999/changes", 404),
        ("/documents/{v2}/changes?against=999999", 404),
        ("/documents/{v2}/changes?against={v2}", 404),
        ("/documents/{v2}/changes?against=0", 404),
        ("/documents/99999999999999999999/changes", 404),
        ("/documents/abc/changes", 422),
        ("/documents/{v2}/changes?against=x", 422),
    ],
)
def test_errors_are_html_pages(
    page_client: TestClient, store: Store, path: str, status: int
) -> None:
    resp = page_client.get(path.format(v2=store.v2))
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("text/html")
    assert "<!DOCTYPE html>" in resp.text


def test_private_site_asks_for_the_token(store: Store) -> None:
    for client in _client(store, token=TOKEN, public_reads=False):
        url = f"/documents/{store.v2}/changes"
        resp = client.get(url)
        assert resp.status_code == 401 and 'name="token"' in resp.text
        assert "30101" not in resp.text
        assert client.get(url, headers={"X-Token": TOKEN}).status_code == 200
