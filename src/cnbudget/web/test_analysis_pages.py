"""The analysis pages of a document (issue 8): scorecard, reconciliation, execution,
performance, and the peers page with the analysis metrics — rendered, escaped, bilingual."""

from __future__ import annotations

import re
from typing import Any

from cnbudget.web.conftest import HOSTILE, WebDb

TABS = ("scorecard", "reconciliation", "execution", "performance")


def _ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_scorecard_lists_criteria_with_evidence_links(client: Any, web_db: WebDb) -> None:
    doc = web_db.id("10-series-2024")
    r = client.get(f"/documents/{doc}/scorecard")
    assert r.status_code == 200
    html = r.text
    assert "透明度评分" in html and "公开全部规定表格" in html
    assert 'id="crit-tables_complete"' in html
    links = re.findall(r'<a class="ev-link" href="/documents/(\d+)#([^"]+)">', html)
    assert len(links) > 10 and {int(d) for d, _ in links} == {doc}
    # every anchor exists on the document page
    page_ids = set(_ids(client.get(f"/documents/{doc}").text))
    assert {a for _, a in links} <= page_ids
    en = client.get(f"/documents/{doc}/scorecard", params={"lang": "en"}).text
    assert "Transparency scorecard" in en and "All tables of the layout published" in en


def test_reconciliation_shows_the_restatement_with_both_sources(client: Any, web_db: WebDb) -> None:
    cur, prev = web_db.id("10-series-2024"), web_db.id("10-series-2023")
    html = client.get(f"/documents/{cur}/reconciliation").text
    rows = re.findall(r'<tr class="cmp-restated">.*?</tr>', html, re.S)
    assert len(rows) == 1
    row = rows[0]
    assert "公务接待费" in row and "上年数被改动" in row and "-1.00" in row
    here = re.search(rf'href="/documents/{cur}#(c-[^"]+)"', row)
    there = re.search(rf'href="/documents/{prev}#(c-[^"]+)"', row)
    assert here and there, row
    assert there.group(1) in _ids(client.get(f"/documents/{prev}").text)
    assert html.count('class="cmp-match"') > 10
    # the first year has nothing to reconcile with
    first = client.get(f"/documents/{prev}/reconciliation").text
    assert 'class="muted no-previous"' in first
    en = client.get(f"/documents/{cur}/reconciliation", params={"lang": "en"}).text
    assert "restated" in en and "Reconciliation" in en


def test_execution_page_of_a_final_account(client: Any, web_db: WebDb) -> None:
    final = web_db.id("10-series-2024-final")
    html = client.get(f"/documents/{final}/execution").text
    assert "预算执行" in html and 'class="flagged"' in html and "未说明原因" in html
    assert f'href="/documents/{web_db.id("10-series-2024")}"' in html  # its budget
    # a budget has no execution page content, and no tab
    budget = client.get(f"/documents/{web_db.id('10-series-2024')}/execution").text
    assert 'class="muted not-final"' in budget
    assert f'href="/documents/{web_db.id("10-series-2024")}/execution"' not in budget


def test_performance_page_lists_weak_targets(client: Any, web_db: WebDb) -> None:
    doc = web_db.id("10-series-2024")
    html = client.get(f"/documents/{doc}/performance").text
    row = re.search(r'<tr class="weak">.*?</tr>', html, re.S)
    assert row and "促进数据资源共享应用" in row.group(0) and "持续改善" in row.group(0)
    anchor = re.search(rf'href="/documents/{doc}#([^"]+)"', row.group(0))
    assert anchor and anchor.group(1) in _ids(client.get(f"/documents/{doc}").text)


def test_document_page_links_to_the_analysis_pages(client: Any, web_db: WebDb) -> None:
    final = web_db.id("10-series-2024-final")
    html = client.get(f"/documents/{final}").text
    for tab in ("scorecard", "reconciliation", "execution"):
        assert f'href="/documents/{final}/{tab}"' in html
    budget = client.get(f"/documents/{web_db.id('10-series-2024')}").text
    assert "/performance" in budget and "/execution" not in budget


def test_analysis_pages_escape_and_404(client: Any, web_db: WebDb) -> None:
    hostile = web_db.id("08-hostile")
    for tab in TABS:
        r = client.get(f"/documents/{hostile}/{tab}")
        assert r.status_code == 200, tab
        assert HOSTILE not in r.text and "<script>alert(1)" not in r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        assert client.get(f"/documents/99999/{tab}").status_code == 404
        sample = web_db.ids.get("01-sample", hostile)  # the real sample when the corpus is here
        assert client.get(f"/documents/{sample}/{tab}").status_code == 200


def test_peers_page_shows_the_analysis_metrics(client: Any) -> None:
    html = client.get("/peers", params={"year": 2024}).text
    assert "结转结余占收入比重" in html and 'class="num carryover"' in html
    assert "Carry-over share" in client.get("/peers", params={"year": 2024, "lang": "en"}).text
