"""Every page through the ASGI app (no browser): status, content, language, downloads, the
check-and-store flow, access control and the security headers."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from cnbudget.web.conftest import TOKEN, WebDb


def _ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_home(client: Any, web_db: WebDb) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "查询部门预决算公开文件" in html
    assert "最近导入" in html and "突出问题" in html
    # the largest error links to the document's finding
    assert f'href="/documents/{web_db.id("07-energy-2023-error")}#finding-' in html
    ids = _ids(html)
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_search(client: Any, web_db: WebDb) -> None:
    def results(q: str) -> str:
        r = client.get("/", params={"q": q})
        assert r.status_code == 200
        return r.text.split('id="results"', 1)[1].split("</section>", 1)[0]

    found = results("能源发展局 2023")
    assert f'/documents/{web_db.id("07-energy-2023-error")}"' in found
    assert f'/documents/{web_db.id("05-energy-2024")}"' not in found
    assert f'/documents/{web_db.id("05-energy-2024")}"' in results("示例市 能源 2024年")
    # LIKE wildcards are literal
    assert "没有找到匹配的部门或文件" in results("%")


def test_departments_and_department(client: Any, web_db: WebDb) -> None:
    r = client.get("/departments")
    assert r.status_code == 200
    m = re.search(r'href="/departments/(\d+)"[^>]*>示例市数据资源管理局<', r.text)
    assert m, "department listed"
    r = client.get(f"/departments/{m.group(1)}")
    assert r.status_code == 200
    html = r.text
    assert html.count('href="/documents/') >= 3  # 2023, 2024 v1, 2024 v2
    assert "chart-series" in html and "/static/vendor/echarts.min.js" in html
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert data[0]["data"]["years"] == ["2023", "2024"]
    # a link to compare the two years
    assert (
        f"/compare?a={web_db.id('02-data-2023')}&amp;b={web_db.id('06-data-2024-corrected')}"
        in html
    )
    assert client.get("/departments/99999").status_code == 404


def test_document_page(client: Any, web_db: WebDb) -> None:
    if "01-sample" not in web_db.ids:
        pytest.skip("the real sample is not in the corpus")
    r = client.get(f"/documents/{web_db.id('01-sample')}")
    assert r.status_code == 200
    html = r.text
    ids = _ids(html)
    assert len(ids) == len(set(ids)), "duplicate element ids"
    # all eleven tables, with multi-level headers (rowspan/colspan) and 类/款/项 cells
    assert html.count('class="budget-table') == 11
    assert 'colspan="3"' in html and "rowspan=" in html
    assert ">支出预算<" in html and ">基本支出<" in html and ">类<" in html
    assert 'class="name i2"' in html  # 项 rows are indented under their 款
    # a cell id for every amount: 表3 total row, column "basic"
    assert 'id="c-2-0-basic"' in html and ">2,359.94<" in html
    # narrative, performance tables, glossary, downloads
    assert "第三部分" in html and "项目支出绩效目标表" in html and "名词解释" in html
    for fmt in ("original", "json", "csv", "xlsx", "pdf"):
        assert f"/download/{fmt}" in html
    # the sample's one finding points at its sentence
    m = re.search(r'data-targets="([^"]+)"', html)
    assert m and re.fullmatch(r"ex-4-2-p\d+-s\d+", m.group(1).split()[0])
    assert f'id="{m.group(1).split()[0]}"' in html


def test_finding_targets_exist(client: Any, web_db: WebDb) -> None:
    r = client.get(f"/documents/{web_db.id('07-energy-2023-error')}")
    html = r.text
    ids = set(_ids(html))
    targets = re.findall(r'data-targets="([^"]*)"', html)
    related = re.findall(r'data-related="([^"]*)"', html)
    assert targets and all(t for t in targets), "every finding located"
    for group in targets + related:
        for t in group.split():
            assert t in ids, t
    # the arithmetic errors point at amount cells of 表3
    cells = [t.split()[0] for t in targets if t.startswith("c-")]
    assert cells and all(c.startswith("c-2-") for c in cells)


def test_document_english(client: Any, web_db: WebDb) -> None:
    doc = web_db.id("03-data-2024")
    r = client.get(f"/documents/{doc}", params={"lang": "en"})
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert "Findings" in r.text and "Expenditure overview" in r.text
    assert r.cookies.get("lang") == "en" or "lang=en" in r.headers.get("set-cookie", "")
    # the cookie keeps English; ?lang=zh switches back
    r = client.get("/")
    assert "Department Budget Disclosures" in r.text
    r = client.get("/", params={"lang": "zh"})
    assert "部门预算公开查询" in r.text


def test_charts_page(client: Any, web_db: WebDb) -> None:
    r = client.get(f"/documents/{web_db.id('05-energy-2024')}/charts")
    assert r.status_code == 200
    blob = re.search(r'id="chart-data">(.*?)</script>', r.text, re.S).group(1)
    charts = {c["id"]: c for c in json.loads(blob)}
    assert list(charts) == [
        "chart-function",
        "chart-income",
        "chart-basic-project",
        "chart-economic",
        "chart-three-public",
        "chart-yoy",
    ]
    assert all(c["data"] for c in charts.values()), [k for k, c in charts.items() if not c["data"]]
    # the stored 2023 document of the same department is the year-over-year basis
    assert "2023" in charts["chart-yoy"]["data"]["source"]
    # ECharts is served from this site, with its license beside it
    assert "/static/vendor/echarts.min.js" in r.text
    js = client.get("/static/vendor/echarts.min.js")
    assert js.status_code == 200 and len(js.content) > 500_000
    lic = client.get("/static/vendor/echarts-LICENSE.txt")
    assert lic.status_code == 200 and "Apache License" in lic.text


def test_function_tree_has_others_bucket() -> None:
    from decimal import Decimal

    from cnbudget.web.charts import MAX_CHILDREN, _bucket

    nodes = [(Decimal(100 - i), {"name": str(i), "value": 100 - i}) for i in range(12)]
    out = _bucket(nodes, Decimal(sum(100 - i for i in range(12))), "其他")
    assert len(out) == MAX_CHILDREN + 1
    assert out[-1]["others"] and len(out[-1]["children"]) == 12 - MAX_CHILDREN


@pytest.mark.parametrize("fmt", ["original", "json", "csv", "xlsx", "pdf"])
def test_downloads(client: Any, web_db: WebDb, fmt: str) -> None:
    doc = web_db.id("04-econ-2024")
    r = client.get(f"/documents/{doc}/download/{fmt}")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment;")
    body = r.content
    if fmt == "original":
        assert "示例市经济和信息化局" in body.decode("utf-8")
    elif fmt == "json":
        assert json.loads(body)["metadata"]["year"] == 2024
    elif fmt == "csv":
        assert body.startswith(b"\xef\xbb\xbf")
    elif fmt == "xlsx":
        assert body.startswith(b"PK")
    else:
        assert body.startswith(b"%PDF")


def test_download_unknown(client: Any, web_db: WebDb) -> None:
    assert client.get(f"/documents/{web_db.id('04-econ-2024')}/download/exe").status_code == 404
    assert client.get("/documents/99999/download/json").status_code == 404


def test_compare(client: Any, web_db: WebDb) -> None:
    a, b = web_db.id("02-data-2023"), web_db.id("06-data-2024-corrected")
    r = client.get("/compare", params={"a": a, "b": b})
    assert r.status_code == 200
    html = r.text
    assert "主要数字" in html and "情况说明中的增减原因" in html
    assert "st-changed" in html
    assert "主要原因" in html  # the narrative's reasons are shown
    assert "st-same" not in html  # unchanged figures hidden by default
    r = client.get("/compare", params={"a": a, "b": b, "all": 1})
    assert "st-same" in r.text or "st-changed" in r.text
    r = client.get("/compare")
    assert r.status_code == 200 and "<select" in r.text
    assert client.get("/compare", params={"a": a, "b": 99999}).status_code == 404


def test_peers(client: Any) -> None:
    r = client.get("/peers")
    assert r.status_code == 200
    html = r.text
    assert "同类部门比较" in html and "人均" in html
    assert 'class="outlier"' in html  # the real sample is an outlier among the examples
    r = client.get("/peers", params={"year": 2024, "region": "示例市"})
    assert r.status_code == 200
    assert "乌鲁木齐" not in re.sub(r"<select.*?</select>", "", r.text, flags=re.S)
    assert client.get("/peers", params={"year": 1999}).status_code == 200


def test_not_found(client: Any) -> None:
    r = client.get("/documents/99999")
    assert r.status_code == 404 and "没有编号为 99999 的文件" in r.text
    assert client.get("/documents/abc").status_code == 422


def test_security_headers(client: Any) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    # no inline script anywhere, and no outside URL in any page
    for path in ("/", "/check", "/peers", "/compare", "/departments"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), path


# -- check a file -----------------------------------------------------------------------------
def _upload(client: Any, name: str, data: bytes) -> Any:
    return client.post("/check", files={"file": (name, io.BytesIO(data), "text/plain")})


def test_check_upload_and_store(client: Any, web_db: WebDb) -> None:
    from cnbudget.example import example_text

    text = example_text(9, 2022)  # not in the store yet
    r = _upload(client, "新文件 2022.txt", text.encode())
    assert r.status_code == 200
    html = r.text
    assert 'id="check-result"' in html and "新文件 2022.txt" in html
    assert 'name="sha256"' in html
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    # wrong token: refused, nothing stored
    r = client.post("/check/store", data={"sha256": sha, "token": "wrong"})
    assert r.status_code == 403 and "令牌不正确" in r.text
    # right token: stored, redirected to the new document
    r = client.post("/check/store", data={"sha256": sha, "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    loc = r.headers["location"]
    assert re.fullmatch(r"/documents/\d+", loc)
    page = client.get(loc)
    assert page.status_code == 200 and "2022年部门预算公开" in page.text
    # the pending copy is gone
    r = client.post("/check/store", data={"sha256": sha, "token": TOKEN})
    assert r.status_code == 410


def test_check_token_in_header(client: Any) -> None:
    from cnbudget.example import example_text

    r = _upload(client, "h.txt", example_text(8, 2022).encode())
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', r.text).group(1)
    r = client.post(
        "/check/store",
        data={"sha256": sha},
        headers={"Authorization": f"Bearer {TOKEN}"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_check_shows_findings_of_a_bad_file(client: Any, web_db: WebDb) -> None:
    assert web_db.folder is not None
    data = (web_db.folder / "docs" / "07-energy-2023-error.txt").read_bytes()
    r = _upload(client, "bad.txt", data)
    assert r.status_code == 200
    assert "finding-error" in r.text
    assert re.search(r'data-targets="c-2-\d+-\w+"', r.text)


def test_check_rejects(client: Any) -> None:
    r = client.post("/check", files={"file": ("x.bin", io.BytesIO(b"\x00\x01\x02" * 100), "x")})
    assert r.status_code == 422 and "无法读取该文件" in r.text
    r = client.post("/check", data={"nothing": "1"})
    assert r.status_code == 400
    r = client.post("/check/store", data={"sha256": "../../etc/passwd", "token": TOKEN})
    assert r.status_code == 410


def test_check_size_limit(web_db: WebDb) -> None:
    from fastapi.testclient import TestClient

    from cnbudget.web.conftest import make_test_app

    with TestClient(make_test_app(web_db, token=TOKEN, max_upload_bytes=1000)) as c:
        r = _upload(c, "big.txt", b"x" * 5000)
        assert r.status_code == 413 and "文件过大" in r.text


def test_store_without_token_configured(web_db: WebDb) -> None:
    from fastapi.testclient import TestClient

    from cnbudget.example import example_text
    from cnbudget.web.conftest import make_test_app

    with TestClient(make_test_app(web_db)) as c:
        r = _upload(c, "n.txt", example_text(5, 2021).encode())
        assert r.status_code == 200 and 'name="token"' not in r.text
        sha = re.search(r"<code>([0-9a-f]{12})…</code>", r.text)
        assert sha
        r = c.post("/check/store", data={"sha256": "0" * 64, "token": "anything"})
        assert r.status_code == 403


def test_private_site_needs_token(web_db: WebDb) -> None:
    from fastapi.testclient import TestClient

    from cnbudget.web.conftest import make_test_app

    with TestClient(make_test_app(web_db, token=TOKEN, public_reads=False)) as c:
        r = c.get("/")
        assert r.status_code == 401 and 'action="/login"' in r.text
        assert c.get("/", headers={"X-Token": TOKEN}).status_code == 200
        r = c.post("/login", data={"token": "bad", "next": "/peers"})
        assert r.status_code == 401
        r = c.post(
            "/login", data={"token": TOKEN, "next": "//evil.example/"}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert c.get("/peers").status_code == 200  # the cookie now opens the pages


def test_mount_on_an_app_with_an_api(web_db: WebDb) -> None:
    """How the API calls :func:`mount`: pages next to its routes, nothing under /api."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from cnbudget.web import mount

    class Settings:
        db_url = web_db.url
        token = TOKEN
        public_reads = True
        max_upload_bytes = 10_000_000

    app = FastAPI()

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"ok": "yes"}

    mount(app, Settings())
    paths = {getattr(r, "path", "") for r in app.routes}
    assert not any(p.startswith("/api") and p != "/api/health" for p in paths)
    with TestClient(app) as c:
        assert c.get("/api/health").json() == {"ok": "yes"}
        assert c.get("/").status_code == 200
        assert c.get("/static/css/site.css").status_code == 200


def test_through_create_app_when_the_api_exists(web_db: WebDb) -> None:
    api = pytest.importorskip("cnbudget.api", reason="cnbudget.api is not built yet")
    from fastapi.testclient import TestClient

    settings_cls = getattr(api, "Settings", None)
    if settings_cls is None or not hasattr(api, "create_app"):
        pytest.skip("cnbudget.api has no Settings/create_app yet")
    settings = settings_cls(db_url=web_db.url, token=TOKEN)
    app = api.create_app(settings)
    with TestClient(app) as c:
        r = c.get("/")
        assert r.status_code == 200 and "部门预算公开查询" in r.text
        assert c.get(f"/documents/{web_db.id('04-econ-2024')}").status_code == 200
        assert c.get("/static/js/site.js").status_code == 200
