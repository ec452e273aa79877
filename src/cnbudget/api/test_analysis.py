"""The analysis endpoints (issue 8) on SQLite and PostgreSQL, over generated documents with
known results: a deliberate restatement, an unexplained variance, vague targets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api._analysis_data import CITY, RESTATED_BY, series_texts
from cnbudget.api.analysis import MAX_SELFEVAL_BYTES
from cnbudget.api.conftest import upload


@pytest.fixture
def series(client: TestClient) -> dict[str, int]:
    ids = {}
    for name, text in series_texts().items():
        r = upload(client, f"{name}.txt", text.encode("utf-8"))
        assert r.status_code == 201, r.text
        ids[name] = r.json()["document"]["id"]
    return ids


def _error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["status"] == status
    assert err["message_zh"] and err["message_en"]


def test_reconciliation_reports_the_deliberate_restatement(
    client: TestClient, series: dict[str, int]
) -> None:
    r = client.get(f"/api/documents/{series['series-2024']}/reconciliation")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["previous"]["document_id"] == series["series-2023"]
    assert body["current"]["document_id"] == series["series-2024"]
    assert body["same_department"] is True
    restated = [c for c in body["comparisons"] if c["status"] == "restated"]
    assert len(restated) == 1 and body["counts"]["restated"] == 1
    c = restated[0]
    assert c["subject"] == "公务接待费"
    # both sources: the 2024 sentence (with its line) and the 2023 table cell
    assert "公务接待费" in c["statement"]["sentence"] and c["statement"]["source_line"] > 0
    assert c["previous"]["table_type"] == "three_public"
    assert Decimal(c["published"]) - Decimal(c["implied"]) == RESTATED_BY
    assert [f["rule"] for f in body["findings"]] == ["XY-RESTATE-001"]
    # the first year has no predecessor in the store
    r = client.get(f"/api/documents/{series['series-2023']}/reconciliation")
    _error(r, 404, "no_previous_year")


def test_scorecard_points_cite_lines(client: TestClient, series: dict[str, int]) -> None:
    r = client.get(f"/api/documents/{series['series-2024']}/scorecard")
    assert r.status_code == 200, r.text
    card = r.json()
    assert Decimal(card["total"]) <= Decimal(card["max_points"])
    tables = next(c for c in card["criteria"] if c["key"] == "tables_complete")
    ev = tables["points"][0]["evidence"]
    assert ev and all(e["location"]["source_line"] > 0 and "L" in e["cite"] for e in ev)
    for c in card["criteria"]:
        for p in c["points"]:
            # every point either cites evidence or states its absence
            assert p["evidence"] or p["absence"], (c["key"], p)


def test_execution_of_a_final_account(client: TestClient, series: dict[str, int]) -> None:
    r = client.get(f"/api/documents/{series['series-2024-final']}/execution")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["budget"]["document_id"] == series["series-2024"]
    assert {ln["level"] for ln in body["lines"]} >= {"类", "款", "项"}
    flagged = [ln for ln in body["lines"] if ln["flagged"]]
    assert flagged and all(ln["level"] == "项" for ln in flagged)
    assert {f["rule"] for f in body["findings"]} == {"XY-EXEC-001"}
    _error(
        client.get(f"/api/documents/{series['series-2024']}/execution"), 404, "not_a_final_account"
    )
    _error(client.get("/api/documents/999999/execution"), 404, "document_not_found")


def test_performance_weak_targets_and_selfeval(client: TestClient, series: dict[str, int]) -> None:
    doc = series["series-2024"]
    r = client.get(f"/api/documents/{doc}/performance")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tables"] and body["weak_targets"]
    weak = body["weak_targets"][0]
    assert weak["target"] == "持续改善" and weak["location"]["source_line"] > 0
    # a self-evaluation: without actuals every indicator is missing; the department table's
    # first indicator (target "≥10 项") achieved with 12 scores its full weight
    r = client.post(f"/api/documents/{doc}/selfeval", json={"actuals": []})
    assert r.status_code == 200, r.text
    first = r.json()["tables"][0]["indicators"][0]
    assert first["status"] == "missing"
    actuals = [
        {"indicator": first["indicator"], "actual": "12 项"},
        {"indicator": "没有的指标", "project": "没有的项目", "actual": "1"},
    ]
    r = client.post(f"/api/documents/{doc}/selfeval", json={"actuals": actuals})
    assert r.status_code == 200, r.text
    ev = r.json()
    assert ev["weak_targets"]
    got = ev["tables"][0]["indicators"][0]
    assert got["status"] == "scored" and got["actual"] == "12 项"
    assert Decimal(got["points"]) == Decimal(first["weight"])
    assert [a["indicator"] for a in ev["unmatched"]] == ["没有的指标"]
    # no token needed; bad bodies are 422, huge ones 413
    assert "Authorization" not in client.headers
    _error(client.post(f"/api/documents/{doc}/selfeval", json={"x": 1}), 422, "validation_error")
    r = client.post(
        f"/api/documents/{doc}/selfeval", content=b"{", headers={"content-type": "application/json"}
    )
    _error(r, 422, "validation_error")
    big = b'{"actuals": []' + b" " * (MAX_SELFEVAL_BYTES + 1) + b"}"
    r = client.post(
        f"/api/documents/{doc}/selfeval",
        content=big,
        headers={"content-type": "application/json"},
    )
    _error(r, 413, "payload_too_large")


def test_region_scorecard_and_peers(client: TestClient, series: dict[str, int]) -> None:
    r = client.get("/api/scorecard", params={"region": CITY, "year": 2024})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["document_id"] for i in items] == [series["series-2024"]]
    assert Decimal(items[0]["percent"]) > 50
    assert client.get("/api/scorecard", params={"year": 1999}).json()["items"] == []
    _error(client.get("/api/scorecard"), 422, "validation_error")
    r = client.get("/api/analysis/peers", params={"region": CITY, "year": 2024})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [row["document_id"] for row in rows] == [series["series-2024"]]
    assert rows[0]["staff"] and "explanation" in rows[0]


def test_private_reads_need_the_token(
    make_client: Callable[..., TestClient], series: dict[str, int]
) -> None:
    private = make_client(public_reads=False)
    r = private.get(f"/api/documents/{series['series-2024']}/scorecard")
    _error(r, 401, "unauthorized")
