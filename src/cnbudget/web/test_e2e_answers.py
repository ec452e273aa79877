"""In headless Chromium: a reviewer answers a finding on the version sent back, and sees the
answer on the corrected version (issue 14's browser proof). The store and the app are this
module's own (:mod:`cnbudget.web.test_answers`), served by uvicorn on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cnbudget.web._testserver import served
from cnbudget.web.test_answers import TOKEN, Store, app, store  # noqa: F401 - fixtures
from cnbudget.web.test_e2e import CHROMIUM, Tab, browser  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian's chromium at /usr/bin/chromium "
    "(installed by scripts/system-deps.sh)",
)


@pytest.fixture(scope="module")
def base(app: Any) -> Iterator[str]:  # noqa: F811
    with served(app) as url:
        yield url


def test_answer_a_finding_and_see_it_on_the_corrected_version(
    browser: Any,  # noqa: F811
    base: str,
    store: Store,  # noqa: F811
) -> None:
    tab = Tab(browser, base, "desktop")
    page = tab.page
    v1, v2 = store.ids["v1"], store.ids["v2"]
    key = store.key("v1", "NAR-PARTS-001")

    tab.go(f"/documents/{v1}")
    form = page.locator(f"#answer-{key}")
    form.locator("summary").click()
    form.locator("select[name=status]").select_option("explained")
    form.locator("input[name=author]").fill("市财政局 王五")
    form.locator("textarea[name=note]").fill("货物预算含进口设备，数字无误")
    form.locator("input[name=token]").fill(TOKEN)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert f"/documents/{v1}?answered={key}" in page.url
    assert page.locator(".flash-ok").inner_text().strip() == "答复已保存"
    shown = page.locator(f'p.answer[data-key="{key}"]')
    assert "已说明" in shown.inner_text() and "市财政局 王五" in shown.inner_text()
    tab.shot("answer-given")

    # the corrected version: the same finding carries the answer, marked as carried over
    tab.go(f"/documents/{v2}")
    carried = page.locator(f'p.answer[data-key="{key}"]')
    assert carried.count() == 1
    text = carried.inner_text()
    assert "已说明" in text and "货物预算含进口设备，数字无误" in text and "沿用第 1 版" in text
    tab.shot("answer-carried-over")

    # what changed since the version sent back: the corrected finding resolved, the answered
    # one unchanged with its answer, and the corrected amount
    page.get_by_role("link", name="与上一版本比较").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/documents/{v2}/changes")
    assert "SUM-TOT-001" in page.locator("#changes-resolved").inner_text()
    unchanged = page.locator("#changes-unchanged").inner_text()
    assert "NAR-PARTS-001" in unchanged and "已说明" in unchanged
    assert "2,400.00" in page.locator("#changes-amounts").inner_text()
    tab.shot("version-changes")
    tab.close()
