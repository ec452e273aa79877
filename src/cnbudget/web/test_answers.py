"""Answering findings from the document page (review round): the form needs the token, the
answer shows on the page (escaped), follows the finding into the corrected version, and goes
into the findings export; the annotated PDF downloads from the page of a stored PDF.

A store of its own per module (the session's shared store is counted by other tests)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths
from cnbudget.store.queries import findings
from cnbudget.store.test_responses import PARTS_EDIT, TABLE_EDIT
from cnbudget.testing import CORPUS_DIR, FINANCE, sample_text

TOKEN = "answer-token-42"
NOTE = "<script>alert('x')</script> 货物预算含进口设备"


class Store:
    def __init__(self, url: str, ids: dict[str, int]) -> None:
        self.url, self.ids = url, ids

    def key(self, doc: str, rule: str) -> str:
        return next(f["key"] for f in findings(self.url, self.ids[doc]) if f["rule"] == rule)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("answers")
    text = sample_text()
    v1, v2 = folder / "v1.txt", folder / "v2.txt"
    v1.write_text(variant(text, replace={**TABLE_EDIT, **PARTS_EDIT}), encoding="utf-8")
    v2.write_text(variant(text, replace=PARTS_EDIT), encoding="utf-8")
    url = f"sqlite:///{folder / 'answers.db'}"
    ids = {}
    for name, path in (("v1", v1), ("v2", v2)):
        ids[name] = import_paths([path], url, jobs=1).results[0].document_id
    pdf = CORPUS_DIR / FINANCE
    if pdf.is_file():
        ids["pdf"] = import_paths([pdf], url, jobs=1).results[0].document_id
    return Store(url, ids)


@pytest.fixture(scope="module")
def app(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from cnbudget.web import make_app

    return make_app(store.url, token=TOKEN, upload_dir=str(tmp_path_factory.mktemp("up")))


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _post(client: TestClient, store: Store, doc: str, key: str, **form: str) -> Any:
    return client.post(
        f"/documents/{store.ids[doc]}/findings/{key}/answer", data=form, follow_redirects=False
    )


def test_answer_without_or_with_a_wrong_token_is_refused(client: TestClient, store: Store) -> None:
    key = store.key("v1", "SUM-TOT-001")
    r = _post(client, store, "v1", key, status="accepted", author="甲")
    assert r.status_code == 401 and "令牌" in r.text
    r = _post(client, store, "v1", key, status="accepted", author="甲", token="wrong")
    assert r.status_code == 403
    r = _post(client, store, "v1", key, status="explained", author="甲", token=TOKEN)
    assert r.status_code == 422 and "说明" in r.text  # explained needs a note
    r = _post(client, store, "v1", "not-a-key", status="accepted", author="甲", token=TOKEN)
    assert r.status_code == 404
    page = client.get(f"/documents/{store.ids['v1']}").text
    assert 'class="answer answer-' not in page  # nothing was stored


def test_answer_shows_escaped_and_is_inherited_and_exported(
    client: TestClient, store: Store
) -> None:
    key = store.key("v1", "NAR-PARTS-001")
    r = _post(
        client, store, "v1", key, status="explained", author="市财政局 张三", note=NOTE, token=TOKEN
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/documents/{store.ids['v1']}?answered={key}#answer-{key}"
    page = client.get(r.headers["location"]).text
    assert "答复已保存" in page
    block = re.search(rf'<p class="answer answer-explained" data-key="{key}">(.*?)</p>', page, re.S)
    assert block is not None
    assert "市财政局 张三" in block.group(1) and "已说明" in block.group(1)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in block.group(1)
    assert "<script>alert('x')" not in page
    # the corrected version shows the same answer, carried over from version 1
    page2 = client.get(f"/documents/{store.ids['v2']}").text
    block2 = re.search(rf'data-key="{key}">(.*?)</p>', page2, re.S)
    assert block2 is not None and "沿用第 1 版的答复" in block2.group(1)
    # and the findings export of v2 carries it
    export = client.get(f"/documents/{store.ids['v2']}/findings.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(export)))
    answered = [r for r in rows[1:] if r[1] == "NAR-PARTS-001"]
    assert answered and answered[0][-4:-2] == ["已说明", "市财政局 张三"]
    assert answered[0][-1] == NOTE


def test_token_cookie_hides_the_token_field(client: TestClient, store: Store) -> None:
    url = f"/documents/{store.ids['v2']}"
    assert 'name="token"' in client.get(url).text
    client.cookies.set("cnbudget_token", TOKEN)
    page = client.get(url).text
    assert 'name="token"' not in page and 'name="author"' in page
    client.cookies.clear()


def test_annotated_pdf_download(client: TestClient, store: Store) -> None:
    if "pdf" not in store.ids:
        pytest.skip(f"the corpus PDF {FINANCE} is absent (../shared/corpus)")
    from pypdf import PdfReader

    doc = store.ids["pdf"]
    page = client.get(f"/documents/{doc}").text
    assert f'href="/documents/{doc}/download/annotated"' in page
    r = client.get(f"/documents/{doc}/download/annotated")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert (
        "审核" in r.headers["content-disposition"]
        or "%E5%AE%A1" in r.headers["content-disposition"]
    )
    reader = PdfReader(io.BytesIO(r.content))
    notes = [
        a.get_object()
        for p in reader.pages
        for a in (p.get("/Annots") or [])
        if a.get_object().get("/Subtype") in ("/Square", "/Text")
    ]
    stored = findings(store.url, doc)
    assert stored and len(notes) == len(stored)  # one annotation per finding
    # a text document has nothing to annotate: no link, and the URL is a 404 page
    v1 = store.ids["v1"]
    assert "/download/annotated" not in client.get(f"/documents/{v1}").text
    assert client.get(f"/documents/{v1}/download/annotated").status_code == 404


def test_the_rendered_form_posts_a_long_chinese_note(client: TestClient, store: Store) -> None:
    """The page's own form, as a browser without JavaScript sends it: its action and fields,
    a note of the full 2,000 characters with CRLF line breaks (what browsers send; the
    textarea's maxlength counts each as one), and a control character refused as a page."""
    from cnbudget.store.responses import MAX_NOTE

    key = store.key("v1", "SUM-TOT-001")
    page = client.get(f"/documents/{store.ids['v1']}").text
    form = re.search(rf'<form method="post" action="([^"]*{key}/answer)"', page)
    assert form is not None, "the findings panel has a plain POST form per finding"
    names = set(
        re.findall(r'name="(\w+)"', page[form.start() : page.index("</form>", form.start())])
    )
    assert {"status", "author", "note", "token"} <= names
    lines = ["说明第" + str(i) + "行：" + "财" * 90 for i in range(22)]
    note = "\n".join(lines)[:MAX_NOTE].replace("\n", "\r\n")  # 2,000 once CRLF counts as one
    assert len(note.replace("\r\n", "\n")) == MAX_NOTE < len(note)
    sent = {"status": "explained", "author": "部门 王五", "note": note, "token": TOKEN}
    r = client.post(form.group(1), data=sent, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    stored = client.get(f"/documents/{store.ids['v1']}").text
    assert "部门 王五" in stored and "财" * 90 in stored
    r = client.post(form.group(1), data={**sent, "note": "含\x00字符"}, follow_redirects=False)
    assert (
        r.status_code == 422
        and "U+0000" in r.text
        and r.headers["content-type"].startswith("text/html")
    )


def test_annotation_failure_is_an_error_page(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An original the PDF library cannot rewrite (say, encrypted) is a 422 page, not a 500."""
    if "pdf" not in store.ids:
        pytest.skip(f"the corpus PDF {FINANCE} is absent (../shared/corpus)")
    from cnbudget.web import pages

    def broken(engine: Any, doc_id: int) -> bytes:
        raise ValueError("file has not been decrypted")

    monkeypatch.setattr(pages, "annotated_pdf", broken)
    monkeypatch.setattr(pages.Site, "downloads", property(lambda self: _NoCache()), raising=False)
    r = client.get(f"/documents/{store.ids['pdf']}/download/annotated")
    assert r.status_code == 422 and "无法生成批注 PDF" in r.text
    assert r.headers["content-type"].startswith("text/html")


class _NoCache:
    """A download cache that builds every time (the earlier test cached the real file)."""

    def get(self, key: str, build: Any) -> bytes:
        return build()
