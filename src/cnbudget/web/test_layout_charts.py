"""Issue 12, items 7 and 8, in headless Chromium: hostile row names stay text in chart
tooltips, wide tables keep their row names in view at 1,400 px and 390 px, the findings are a
plain list on a phone, every value axis has one unit, and the document page has its overview
chart. Screenshots go to ``test-artifacts/web/`` (look at them).

The store is built here (real import into a temporary SQLite file): a generated disclosure
whose largest 类 is renamed ``<img src=x onerror=alert(1)>`` in every table, a generated
disclosure with landscape tables, and — when the corpus is present — the real Urumqi sample
(amounts above 1 亿) and the Putuo 决算 PDF (表6 without a 合计 column).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME
from cnbudget.web._testserver import served
from cnbudget.web.test_e2e import CHROMIUM, Tab
from cnbudget.web.test_e2e import browser as browser  # the shared fixture

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium"
)

EVIL = "<img src=x onerror=alert(1)>"
FINAL_PDF = "shanghai-putuo-finance-2024-dept-final.pdf"


def _hostile_rows() -> str:
    """Example department 3 (2024) with its largest 类 (211 节能环保支出) renamed EVIL."""
    from cnbudget.example import example_text

    text = example_text(3, 2024)
    assert text.count("节能环保支出") > 3
    return text.replace("节能环保支出", EVIL)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cnbudget.example import example_text
    from cnbudget.store import import_paths

    folder = tmp_path_factory.mktemp("layout")
    files = {"evil": _hostile_rows(), "wide": example_text(0, 2024)}
    paths = []
    for name, text in files.items():
        p = folder / f"{name}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    for name in (SAMPLE_NAME, FINAL_PDF):
        if (CORPUS_DIR / name).is_file():
            paths.append(CORPUS_DIR / name)
    url = f"sqlite:///{folder / 'layout.db'}"
    summary = import_paths(paths, url, jobs=1)
    assert not summary.failed, [(r.path, r.reason) for r in summary.failed]
    ids = {Path(r.path).name: r.document_id for r in summary.results}
    return {"url": url, "ids": ids, "folder": folder}


@pytest.fixture(scope="module")
def base(store: dict[str, Any]) -> Iterator[str]:
    from cnbudget.web import make_app
    from cnbudget.web.listing import create_listing_router

    app = make_app(store["url"], upload_dir=str(store["folder"] / "uploads"))
    app.include_router(create_listing_router(app.state.cnbudget_web))
    with served(app) as url:
        yield url


def _doc(store: dict[str, Any], name: str) -> int:
    if name not in store["ids"]:
        pytest.skip(f"{name} is not in the corpus ({CORPUS_DIR})")
    return int(store["ids"][name])


def _tab(browser: Any, base: str, width: int) -> Tab:
    tab = Tab(browser, base, "phone" if width < 700 else "desktop")
    if width >= 700:
        tab.page.set_viewport_size({"width": width, "height": 900})
    tab.size = str(width)
    return tab


def _wait_charts(page: Any, n: int) -> None:
    # function predicates: a string expression would be polled with eval(), which the
    # page's CSP (no 'unsafe-eval') forbids
    page.wait_for_function(
        "(n) => window.cnbudgetCharts && window.cnbudgetCharts.length === n"
        " && window.cnbudgetCharts.every(c => c.getDom().querySelector('canvas'))",
        arg=n,
    )


# -- item 7: chart tooltips -------------------------------------------------------------------
_TOOLTIPS = """() => [...document.querySelectorAll('.chart-canvas > div')]
  .filter(d => !d.querySelector('canvas') && d.style.display !== 'none')
  .map(d => ({text: d.innerText, imgs: d.querySelectorAll('img').length,
              html: d.innerHTML}))"""


def test_hostile_row_name_is_text_in_chart_tooltips(browser: Any, base: str, store: Any) -> None:
    doc = _doc(store, "evil.txt")
    tab = _tab(browser, base, 1400)
    page = tab.page
    resp = tab.go(f"/documents/{doc}/charts")
    # the JSON handed to the page is escaped: the name is there, but not as markup
    body = resp.text()
    start = body.index('id="chart-data">')
    raw = body[start : body.index("</script>", start)]
    assert "<img" not in raw and "\\u003cimg src=x onerror=alert(1)\\u003e" in raw
    _wait_charts(page, 6)
    # hover the treemap: 211 is the largest block, at the left of the canvas
    box = page.locator("#chart-function .chart-canvas").bounding_box()
    assert box is not None
    seen: list[dict[str, Any]] = []
    for fx, fy in ((0.2, 0.3), (0.3, 0.5), (0.4, 0.7), (0.15, 0.8)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#chart-function .chart-canvas > div')]"
            ".some(d => !d.querySelector('canvas') && d.innerText.trim())"
        )
        seen += page.evaluate(_TOOLTIPS)
    hit = [t for t in seen if EVIL in t["text"]]
    assert hit, f"no tooltip showed the hostile name as text: {[t['text'] for t in seen]}"
    assert all(t["imgs"] == 0 for t in seen)
    assert all("&lt;img" in t["html"] for t in hit)
    tab.shot("chart-tooltip-hostile", full=False)
    # the axis tooltips (built by charts.js, not ECharts) too: show the 211 bar's tooltip
    page.evaluate(
        """() => { const c = window.cnbudgetCharts[2];
           const cats = c.getOption().yAxis[0].data;
           c.dispatchAction({type: 'showTip', seriesIndex: 0,
                             dataIndex: cats.findIndex(x => x.includes('<img'))}); }"""
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('#chart-basic-project .chart-canvas > div')]"
        ".some(d => !d.querySelector('canvas') && d.innerText.includes('onerror'))"
    )
    tips = page.evaluate(_TOOLTIPS)
    assert any(EVIL in t["text"] for t in tips)
    assert page.locator(".chart-canvas img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    tab.close()  # fails on any dialog (alert), console error or outside request


# -- item 8: tables, findings, charts on a laptop and a phone ---------------------------------
_NAME_IN_VIEW = """(tableId) => {
  const wrap = document.querySelector('#' + tableId + ' .table-wrap');
  wrap.scrollLeft = wrap.scrollWidth;
  const rows = [...wrap.querySelectorAll('tbody tr')].filter(tr => tr.querySelector('td.name')
      && tr.querySelector('td.name').innerText.trim() && tr.querySelector('td.amount'));
  const tr = rows[Math.min(3, rows.length - 1)];
  tr.scrollIntoView({block: 'center'});
  const name = tr.querySelector('td.name'), amounts = tr.querySelectorAll('td.amount');
  const last = amounts[amounts.length - 1];
  const nb = name.getBoundingClientRect(), lb = last.getBoundingClientRect();
  const at = document.elementFromPoint(nb.left + Math.min(nb.width / 2, 30), nb.top + nb.height / 2);
  return {scrolled: wrap.scrollLeft, overflow: wrap.scrollWidth - wrap.clientWidth,
          name: [nb.left, nb.right], last: [lb.left, lb.right], vw: window.innerWidth,
          covered: !(at === name || name.contains(at)), text: name.innerText};
}"""


@pytest.mark.parametrize("width", [1400, 390])
def test_wide_tables_keep_row_names_in_view(
    browser: Any, base: str, store: Any, width: int
) -> None:
    docs = [_doc(store, "wide.txt")]
    if FINAL_PDF in store["ids"]:
        docs.append(int(store["ids"][FINAL_PDF]))
    tab = _tab(browser, base, width)
    page = tab.page
    scrolled = 0
    for doc in docs:
        tab.go(f"/documents/{doc}")
        tables = page.eval_on_selector_all(
            ".budget-table.landscape:not(.empty)", "els => els.map(e => e.id)"
        )
        assert tables, "the document has wide tables"
        for tid in tables:
            r = page.evaluate(_NAME_IN_VIEW, tid)
            if width >= 1400 and doc != docs[0]:
                # the real 决算 (at most 7 amount columns): the page is wide enough for every
                # table, nothing to scroll. (The generated 表2 has 12 amount columns and
                # scrolls even here, with its names kept in view.)
                assert r["overflow"] <= 1, (doc, tid, r)
            if r["overflow"] > 0:
                assert r["scrolled"] > 0, (doc, tid, r)
                scrolled += 1
            # the last amount column and its row's name are both on screen, name uncovered
            assert 0 <= r["name"][0] and r["name"][1] <= r["vw"], (doc, tid, r)
            assert r["last"][1] <= r["vw"] + 1, (doc, tid, r)
            assert not r["covered"], (doc, tid, r)
            assert r["text"].strip()
        page.locator(f"#{tables[0]}").scroll_into_view_if_needed()
        page.evaluate(_NAME_IN_VIEW, tables[0])
        tab.shot(f"wide-table-{doc}", full=False)
    assert scrolled, "some wide table scrolls sideways (and was checked scrolled)"
    tab.close()


def test_findings_are_a_plain_list_on_a_phone(browser: Any, base: str, store: Any) -> None:
    doc = _doc(store, "evil.txt")
    tab = _tab(browser, base, 390)
    page = tab.page
    tab.go(f"/documents/{doc}")
    assert page.locator(".finding").count() >= 3
    panel = page.evaluate(
        """() => { const p = document.querySelector('.findings-panel'), s = getComputedStyle(p);
           return {overflow: s.overflowY, max: s.maxHeight, sh: p.scrollHeight, ch: p.clientHeight,
                   pos: s.position}; }"""
    )
    assert panel["overflow"] == "visible" and panel["max"] == "none", panel
    assert panel["sh"] <= panel["ch"] + 1, f"the findings panel scrolls inside the page: {panel}"
    assert panel["pos"] == "static"
    # the last finding is reached by scrolling the page itself
    last = page.locator(".finding").last
    last.scroll_into_view_if_needed()
    from playwright.sync_api import expect

    expect(last).to_be_in_viewport()
    tab.shot("findings-phone", full=False)
    tab.close()


_AXIS = """(i) => { const c = window.cnbudgetCharts[i], o = c.getOption();
  const axis = o.xAxis[0].type === 'value' ? o.xAxis[0] : o.yAxis[0];
  const data = o.series.filter(s => s.type === 'bar');
  const sums = data[0].data.map((_, k) => data.reduce((a, s) => a + Number(s.data[k] || 0), 0));
  const max = Math.max(...sums);
  return {name: axis.name, max: max, ticks: [5000, 10000, 25000].map(v => axis.axisLabel.formatter(v))}; }"""


@pytest.mark.parametrize("width", [1400, 390])
def test_overview_chart_with_one_unit_per_axis(
    browser: Any, base: str, store: Any, width: int
) -> None:
    tab = _tab(browser, base, width)
    page = tab.page
    names = ["evil.txt", *(n for n in (SAMPLE_NAME,) if n in store["ids"])]
    for name in names:
        doc = _doc(store, name)
        tab.go(f"/documents/{doc}")
        _wait_charts(page, 1)
        card = page.locator("#chart-overview")
        assert card.is_visible()
        ax = page.evaluate(_AXIS, 0)
        if ax["max"] >= 10000:
            assert ax["name"] == "亿元" and ax["ticks"] == ["0.5", "1", "2.5"], ax
        else:
            assert ax["name"] == "万元" and ax["ticks"] == ["5,000", "10,000", "25,000"], ax
        tab.shot(f"overview-chart-{doc}", full=False)
    if SAMPLE_NAME in store["ids"]:
        assert ax["name"] == "亿元", "the Urumqi sample's 229 其他支出 is 2.58 亿"
    # on a phone, the pie charts name their slices in the legend only (no colliding labels)
    doc = _doc(store, "evil.txt")
    tab.go(f"/documents/{doc}/charts")
    _wait_charts(page, 6)
    shown = page.evaluate("window.cnbudgetCharts[1].getOption().series[0].label.show")
    assert shown is (width >= 700)
    tab.shot("charts-units", full=False)
    tab.close()


def test_final_accounts_economic_chart_has_data(browser: Any, base: str, store: Any) -> None:
    """表6 of a 决算 prints 人员经费 and 公用经费 but no 合计: the chart sums them instead of
    showing 无数据 beside a full table."""
    doc = _doc(store, FINAL_PDF)
    tab = _tab(browser, base, 1400)
    page = tab.page
    tab.go(f"/documents/{doc}/charts")
    assert page.locator("#chart-economic .chart-empty").count() == 0
    _wait_charts(page, page.locator(".chart-canvas").count())
    inner = page.evaluate(
        "window.cnbudgetCharts.find(c => c.getDom().closest('#chart-economic'))"
        ".getOption().series[0].data.map(d => [d.name, d.value])"
    )
    assert ["301 工资福利支出", 2082.85] in inner
    page.locator("#chart-economic").scroll_into_view_if_needed()
    tab.shot("final-economic-chart", full=False)
    tab.close()
