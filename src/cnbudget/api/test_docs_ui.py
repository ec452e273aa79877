"""The API browser works offline: Swagger UI at ``/docs`` lists the operations and ReDoc at
``/redoc`` renders them, in headless Chromium with every request to another host aborted
(:class:`cnbudget.web.test_e2e.Tab` records and fails on any), under the site's CSP.

The app is built here from the API's real read router plus :func:`cnbudget.api.docs_ui.
install_docs` (the shared app wires it the same way: ``docs_url=None, redoc_url=None``, then
``install_docs(app)``); generating the OpenAPI document needs no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cnbudget.web._testserver import served
from cnbudget.web.test_e2e import CHROMIUM, Tab
from cnbudget.web.test_e2e import browser as browser  # the shared fixture

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium"
)


def _docs_app() -> Any:
    from fastapi import FastAPI

    from cnbudget.api.docs_ui import install_docs
    from cnbudget.api.routes import router

    app = FastAPI(title="cnbudget API", docs_url=None, redoc_url=None)
    app.include_router(router)
    install_docs(app)
    return app


@pytest.fixture(scope="module")
def docs_app() -> Any:
    return _docs_app()


@pytest.fixture(scope="module")
def docs_url(docs_app: Any) -> Iterator[str]:
    """The docs app served by uvicorn on 127.0.0.1:<free port>."""
    with served(docs_app) as url:
        yield url


def _operations(app: Any) -> int:
    return sum(len(ops) for ops in app.openapi()["paths"].values())


def test_docs_pages_are_local_and_under_csp(docs_app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(docs_app) as c:
        for path in ("/docs", "/redoc"):
            r = c.get(path)
            assert r.status_code == 200
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "cdn" not in r.text.lower() and "https://" not in r.text
            assert "<script>" not in r.text  # no inline script: the CSP would block it
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            r = c.get(f"/docs/assets/{name}")
            assert r.status_code == 200 and len(r.content) > 100_000, name
        assert c.get("/docs/assets/..%2F..%2Fpages.py").status_code == 404
        assert c.get("/docs/assets/README.md").status_code == 404


def test_swagger_ui_lists_the_operations_offline(
    browser: Any, docs_url: str, docs_app: Any
) -> None:
    tab = Tab(browser, docs_url, "desktop")
    page = tab.page
    tab.go("/docs")
    page.wait_for_selector(".opblock-summary", timeout=20_000)
    n = _operations(docs_app)
    assert n >= 10
    assert page.locator(".opblock").count() == n
    assert page.locator(".opblock-summary-path").filter(has_text="/api/documents").count() >= 1
    tab.shot("api-docs-swagger", full=False)
    tab.close()


def test_redoc_renders_offline(browser: Any, docs_url: str, docs_app: Any) -> None:
    tab = Tab(browser, docs_url, "desktop")
    page = tab.page
    tab.go("/redoc")
    page.wait_for_selector("[role='menuitem'] , .menu-content", timeout=20_000)
    page.wait_for_selector("h2", timeout=20_000)
    spec = docs_app.openapi()
    first = next(iter(spec["paths"].values()))
    summary = next(iter(first.values()))["summary"]
    assert page.get_by_text(summary).count() >= 1
    assert page.locator("h1").first.inner_text().startswith("cnbudget API")
    tab.shot("api-docs-redoc", full=False)
    tab.close()
