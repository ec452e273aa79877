"""End-to-end tests in headless Chromium (Debian's ``chromium``, driven by Playwright).

The app is served by uvicorn on 127.0.0.1 and a free port over the session's test store. Every
request the browser makes to another host is aborted and recorded, and the tests assert there
were none: the pages must work with no outside network. Screenshots of every page at desktop
(1366×900) and phone (390×844) width go to ``test-artifacts/web/`` for review.

Playwright's own browser download is never used (``executable_path`` points at the system
Chromium); without ``/usr/bin/chromium`` the tests are skipped with the reason.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cnbudget.testing import PROJECT_ROOT
from cnbudget.web.conftest import HOSTILE, WebDb

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "web"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="end-to-end tests need Debian's chromium at /usr/bin/chromium "
    "(installed by scripts/system-deps.sh)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(web_app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread on 127.0.0.1:<free port>."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    pw_mod = pytest.importorskip("playwright.sync_api")
    with pw_mod.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


class Tab:
    """A page with its outside requests, console errors and dialogs recorded."""

    def __init__(self, browser: Any, base: str, size: str = "desktop") -> None:
        w, h = SIZES[size]
        self.ctx = browser.new_context(
            viewport={"width": w, "height": h},
            is_mobile=size == "phone",
            has_touch=size == "phone",
            device_scale_factor=1,
            locale="zh-CN",
        )
        self.page = self.ctx.new_page()
        self.base = base
        self.size = size
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str) -> Any:
        resp = self.page.goto(self.base + path, wait_until="load")
        assert resp is not None and resp.status == 200, (path, resp and resp.status)
        return resp

    def shot(self, name: str, full: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        p = ARTIFACTS / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(p), full_page=full)
        return p

    def close(self) -> None:
        assert not self.outside, f"outside requests: {self.outside}"
        assert not self.dialogs, f"dialogs opened (script ran?): {self.dialogs}"
        assert not self.errors, f"console errors: {self.errors}"
        self.ctx.close()


@pytest.fixture(params=list(SIZES))
def tab(request: pytest.FixtureRequest, browser: Any, base_url: str) -> Iterator[Tab]:
    t = Tab(browser, base_url, request.param)
    yield t
    t.close()


def _wait_charts(page: Any, n: int) -> None:
    page.wait_for_function(f"window.cnbudgetCharts && window.cnbudgetCharts.length === {n}")
    page.wait_for_timeout(900)  # let the entry animations finish


_PAINTED = """(box) => {
  const c = box.querySelector('canvas');
  if (!c) return 0;
  const ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


# -- every page renders, looks right, and is photographed -------------------------------------
def test_pages_render_and_screenshots(tab: Tab, web_db: WebDb) -> None:
    sample = web_db.ids.get("01-sample", web_db.id("03-data-2024"))
    pages = {
        "home": "/",
        "search": "/?q=2024",
        "departments": "/departments",
        "department": None,
        "document": f"/documents/{sample}",
        "document-errors": f"/documents/{web_db.id('07-energy-2023-error')}",
        "charts": f"/documents/{sample}/charts",
        "compare": f"/compare?a={web_db.id('02-data-2023')}&b={web_db.id('06-data-2024-corrected')}",
        "compare-pick": "/compare",
        "check": "/check",
        "peers": "/peers",
        "english-document": f"/documents/{sample}?lang=en",
    }
    tab.go(f"/documents/{web_db.id('02-data-2023')}")
    pages["department"] = tab.page.locator(".crumbs a").nth(1).get_attribute("href")
    for name, path in pages.items():
        tab.go(path)
        assert tab.page.locator("h1").first.is_visible(), name
        if name.startswith("charts"):
            _wait_charts(tab.page, 6)
        if name == "department":
            _wait_charts(tab.page, 1)
        # Nothing may overflow the viewport sideways: wide tables scroll inside their frame.
        overflow = tab.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} overflows by {overflow}px at {tab.size} width"
        tab.shot(name, full=not name.startswith(("document", "english")))
    # the English switch is remembered
    tab.go("/")
    assert "Department Budget Disclosures" in tab.page.title()
    tab.go("/?lang=zh")
    assert "部门预算公开查询" in tab.page.title()


# -- findings: a click scrolls to the cell and highlights it ----------------------------------
def test_click_finding_highlights_cell(tab: Tab, web_db: WebDb) -> None:
    tab.go(f"/documents/{web_db.id('07-energy-2023-error')}")
    page = tab.page
    link = page.locator(".finding.finding-error .finding-link[data-targets^='c-']").first
    target_id = link.get_attribute("data-targets").split()[0]
    target = page.locator(f"[id='{target_id}']")
    assert "hl" not in (target.get_attribute("class") or "")
    link.click()
    page.wait_for_function(
        "(id) => document.getElementById(id).classList.contains('hl')", arg=target_id
    )
    from playwright.sync_api import expect

    expect(target).to_be_in_viewport()
    assert target.evaluate("el => el.tagName") == "TD"
    related = link.get_attribute("data-related").split()
    if related:
        assert "hl-rel" in (page.locator(f"[id='{related[0]}']").get_attribute("class") or "")
    # the cell is really the one named: its text is the printed "found" figure
    found = link.locator(".figures b").nth(1).inner_text()
    assert target.inner_text().strip() == found
    assert page.evaluate("location.hash").startswith("#finding-")
    page.wait_for_timeout(400)  # let the smooth scroll settle before the photograph
    tab.shot("finding-clicked", full=False)


def test_click_finding_highlights_sentence(tab: Tab, web_db: WebDb) -> None:
    if "01-sample" not in web_db.ids:
        pytest.skip("the real sample is not in the corpus")
    tab.go(f"/documents/{web_db.id('01-sample')}")
    page = tab.page
    link = page.locator(".finding-link[data-targets*='-s']").first
    target_id = link.get_attribute("data-targets").split()[0]
    link.click()
    target = page.locator(f"[id='{target_id}']")
    page.wait_for_function(
        "(id) => document.getElementById(id).classList.contains('hl')", arg=target_id
    )
    from playwright.sync_api import expect

    expect(target).to_be_in_viewport()
    assert "54.07" in target.inner_text()  # the sentence NAR-NEW-001 quotes
    page.wait_for_timeout(400)
    tab.shot("finding-sentence", full=False)


def test_deep_link_to_finding(tab: Tab, web_db: WebDb) -> None:
    """The home page's "largest errors" link to ``#finding-N``: the cell lights up on load."""
    tab.go("/")
    href = tab.page.locator(".worst-link").first.get_attribute("href")
    tab.go(href)
    tab.page.wait_for_selector(".hl")
    assert tab.page.locator(".finding.active").count() == 1


# -- check a file -----------------------------------------------------------------------------
def test_upload_shows_findings(tab: Tab, web_db: WebDb) -> None:
    assert web_db.folder is not None
    bad = web_db.folder / "docs" / "07-energy-2023-error.txt"
    tab.go("/check")
    page = tab.page
    page.set_input_files("#file", str(bad))
    page.click("#check-submit")
    page.wait_for_selector("#check-result")
    assert page.locator(".finding.finding-error").count() >= 1
    assert "07-energy-2023-error.txt" in page.locator("#check-result").inner_text()
    link = page.locator(".finding.finding-error .finding-link[data-targets^='c-']").first
    target_id = link.get_attribute("data-targets").split()[0]
    link.click()
    page.wait_for_function(
        "(id) => document.getElementById(id).classList.contains('hl')", arg=target_id
    )
    from playwright.sync_api import expect

    expect(page.locator(f"[id='{target_id}']")).to_be_in_viewport()
    page.wait_for_timeout(400)  # let the smooth scroll settle before the photograph
    tab.shot("check-result", full=False)


def test_drag_and_drop_upload(tab: Tab, web_db: WebDb) -> None:
    assert web_db.folder is not None
    text = (web_db.folder / "docs" / "04-econ-2024.txt").read_text(encoding="utf-8")
    tab.go("/check")
    page = tab.page
    with page.expect_navigation():
        page.evaluate(
            """(text) => {
              const dt = new DataTransfer();
              dt.items.add(new File([text], 'dropped.txt', {type: 'text/plain'}));
              const zone = document.getElementById('dropzone');
              zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
              zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
            }""",
            text,
        )
    page.wait_for_selector("#check-result")
    assert "dropped.txt" in page.locator("#check-result").inner_text()


# -- charts -----------------------------------------------------------------------------------
def test_every_chart_draws(tab: Tab, web_db: WebDb) -> None:
    for key in ("01-sample", "03-data-2024", "06-data-2024-corrected"):
        if key not in web_db.ids:
            continue
        tab.go(f"/documents/{web_db.id(key)}/charts")
        page = tab.page
        _wait_charts(page, 6)
        boxes = page.locator(".chart-canvas")
        assert boxes.count() == 6
        for i in range(6):
            painted = boxes.nth(i).evaluate(_PAINTED)
            cid = boxes.nth(i).evaluate("b => b.closest('.chart-card').id")
            assert painted > 2000, f"{key} {cid} drew {painted} pixels"
    # the treemap drills down and switches to a sunburst
    page.locator("#chart-function .seg-btn[data-mode='sunburst']").click()
    page.wait_for_timeout(600)
    assert page.locator("#chart-function .chart-canvas").evaluate(_PAINTED) > 2000
    tab.shot("charts-sunburst", full=False)


def test_department_series_chart_draws(tab: Tab, web_db: WebDb) -> None:
    tab.go(f"/documents/{web_db.id('02-data-2023')}")
    href = tab.page.locator(".crumbs a").nth(1).get_attribute("href")
    tab.go(href)
    _wait_charts(tab.page, 1)
    assert tab.page.locator(".chart-canvas").evaluate(_PAINTED) > 2000


# -- print ------------------------------------------------------------------------------------
def test_document_prints_as_paper(browser: Any, base_url: str, web_db: WebDb) -> None:
    """In print, the interface (navigation, findings panel, buttons) goes; the tables stay,
    and the wide tables get landscape pages. (One size: print does not depend on the screen.)"""
    tab = Tab(browser, base_url, "desktop")
    tab.go(f"/documents/{web_db.id('03-data-2024')}")
    page = tab.page
    page.emulate_media(media="print")
    assert not page.locator(".findings-panel").is_visible()
    assert not page.locator(".mainnav").is_visible()
    assert page.locator("table.data").first.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "document-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    tab.close()


# -- hostile names ----------------------------------------------------------------------------
def test_hostile_name_is_text_in_the_browser(tab: Tab, web_db: WebDb) -> None:
    for path in (
        f"/documents/{web_db.id('08-hostile')}",
        f"/documents/{web_db.id('08-hostile')}/charts",
        "/peers",
        "/?q=alert",
        f"/documents/{web_db.id('09-long-name')}",
    ):
        tab.go(path)
        assert tab.page.locator("script:not([src]):not([type='application/json'])").count() == 0
        assert tab.page.locator("img[src='x']").count() == 0
    tab.go(f"/documents/{web_db.id('08-hostile')}")
    assert HOSTILE in tab.page.locator("h1").inner_text()
    tab.go(f"/documents/{web_db.id('09-long-name')}")
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    tab.shot("long-name", full=False)


# -- the analysis pages (issue 8) -------------------------------------------------------------
def _no_overflow(tab: Tab, name: str) -> None:
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{name} overflows by {overflow}px at {tab.size} width"


def test_analysis_pages_render_and_screenshots(tab: Tab, web_db: WebDb) -> None:
    budget, final = web_db.id("10-series-2024"), web_db.id("10-series-2024-final")
    pages = {
        "scorecard": f"/documents/{budget}/scorecard",
        "reconciliation": f"/documents/{budget}/reconciliation",
        "execution": f"/documents/{final}/execution",
        "performance": f"/documents/{budget}/performance",
        "english-scorecard": f"/documents/{budget}/scorecard?lang=en",
    }
    for name, path in pages.items():
        tab.go(path)
        assert tab.page.locator("h1").first.is_visible(), name
        _no_overflow(tab, name)
        tab.shot(name)
    assert "Transparency scorecard" in tab.page.locator("h1").inner_text()
    tab.go("/?lang=zh")


def test_scorecard_evidence_link_scrolls_to_the_cell(tab: Tab, web_db: WebDb) -> None:
    from playwright.sync_api import expect

    doc = web_db.id("10-series-2024")
    tab.go(f"/documents/{doc}/scorecard")
    page = tab.page
    expect(page.locator("#crit-tables_complete")).to_be_visible()
    link = page.locator("table.scorecard a.ev-link[href*='#c-']").first
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_url(f"**/documents/{doc}#{anchor}")
    expect(page.locator(f"[id='{anchor}']")).to_be_in_viewport()


def test_restatement_row_links_to_both_cells(tab: Tab, web_db: WebDb) -> None:
    from playwright.sync_api import expect

    cur, prev = web_db.id("10-series-2024"), web_db.id("10-series-2023")
    tab.go(f"/documents/{cur}/reconciliation")
    page = tab.page
    row = page.locator("tr.cmp-restated")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("公务接待费")
    expect(row).to_contain_text("-1.00")
    tab.shot("reconciliation-restated", full=False)
    # last year's published cell: the link opens the 2023 document scrolled to that cell
    link = row.locator(f"a[href^='/documents/{prev}#c-']")
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_url(f"**/documents/{prev}#{anchor}")
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_be_in_viewport()
    assert target.evaluate("el => el.tagName") == "TD"
    assert target.inner_text().strip() == "2.81"  # the restated figure, as published
    tab.shot("reconciliation-previous-cell", full=False)
    # and this year's sentence
    page.go_back()
    link = page.locator(f"tr.cmp-restated a[href^='/documents/{cur}#ex-']")
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_url(f"**/documents/{cur}#{anchor}")
    sentence = page.locator(f"[id='{anchor}']")
    expect(sentence).to_be_in_viewport()
    expect(sentence).to_contain_text("公务接待费")


def test_performance_weak_target_links_to_its_table(tab: Tab, web_db: WebDb) -> None:
    from playwright.sync_api import expect

    doc = web_db.id("10-series-2024")
    tab.go(f"/documents/{doc}/performance")
    page = tab.page
    row = page.locator("tr.weak").first
    expect(row).to_contain_text("持续改善")
    row.locator("a.ev-link").click()
    page.wait_for_url(f"**/documents/{doc}#perf-*")
    anchor = page.evaluate("location.hash.slice(1)")
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("持续改善")
