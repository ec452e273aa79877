"""In headless Chromium (the fixtures of :mod:`cnbudget.web.test_e2e`): a hostile id gets the
HTML error page, an empty file on the check page gets a clear error and no store form, and a
wrong token keeps the findings on the page (issue 12 items 6 and 10).

The browser logs a console error for every non-2xx answer ("Failed to load resource"); these
tests expect exactly those and fail on any other console error, outside request or dialog.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from cnbudget.web.conftest import TOKEN, WebDb
from cnbudget.web.test_e2e import (  # noqa: F401 - fixtures reused as they are
    CHROMIUM,
    Tab,
    base_url,
    browser,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="end-to-end tests need Debian's chromium at /usr/bin/chromium "
    "(installed by scripts/system-deps.sh)",
)


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:  # noqa: F811
    t = Tab(browser, base_url, "desktop")
    yield t
    t.close()


def _expect_status_errors(tab: Tab, *statuses: int) -> None:
    """Drop the console errors the browser logs for the expected error statuses."""
    wanted = tuple(f"status of {s}" for s in statuses)
    tab.errors[:] = [e for e in tab.errors if not any(w in e for w in wanted)]


def test_hostile_id_shows_the_html_error_page(tab: Tab) -> None:
    resp = tab.page.goto(tab.base + "/documents/99999999999999999999", wait_until="load")
    assert resp is not None and resp.status == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert tab.page.locator("#error-page h1").inner_text() == "找不到该页面"
    assert "99999999999999999999" in tab.page.locator("#error-page").inner_text()
    resp = tab.page.goto(tab.base + "/peers?year=99999999999999999999&lang=en")
    assert resp is not None and resp.status == 422
    assert tab.page.locator("#error-page h1").inner_text() == "Invalid request"
    _expect_status_errors(tab, 404, 422)


def test_empty_file_is_a_clear_error(tab: Tab) -> None:
    tab.go("/check")
    page = tab.page
    page.set_input_files(
        "#file", files=[{"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}]
    )
    with page.expect_navigation():
        page.click("#check-submit")
    assert "文件是空的" in page.locator("#check-error").inner_text()
    assert page.locator("#check-result").count() == 0
    assert page.locator("form[action='/check/store']").count() == 0
    tab.shot("check-empty-file", full=False)
    _expect_status_errors(tab, 422)


def test_wrong_token_keeps_the_results(tab: Tab, web_db: WebDb) -> None:
    from cnbudget.example import example_text

    page = tab.page
    tab.go("/check")
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "令牌测试.txt",
                "mimeType": "text/plain",
                "buffer": example_text(2, 2017).replace("示例市", "浏览器测试市").encode(),
            }
        ],
    )
    with page.expect_navigation():
        page.click("#check-submit")
    page.wait_for_selector("#check-result")
    n_findings = page.locator(".finding").count()
    page.fill("#store-form input[name='token']", "not-the-token")
    with page.expect_navigation():
        page.click("#store-form button[type='submit']")
    assert "令牌不正确" in page.locator("#check-error").inner_text()
    assert "令牌测试.txt" in page.locator("#check-result").inner_text()
    assert page.locator(".finding").count() == n_findings
    tab.shot("check-wrong-token", full=False)
    # the file is still there: the right token stores it
    page.fill("#store-form input[name='token']", TOKEN)
    with page.expect_navigation():
        page.click("#store-form button[type='submit']")
    assert re.search(r"/documents/\d+$", page.url), page.url
    _expect_status_errors(tab, 403)
