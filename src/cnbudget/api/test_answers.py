"""Answering findings over the API: token required, validation, history, inheritance by the
corrected version, CSV export and the per-rule false-positive table (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api.conftest import AUTH, upload
from cnbudget.store.conftest import variant
from cnbudget.store.test_responses import PARTS_EDIT, TABLE_EDIT
from cnbudget.testing import sample_text


@pytest.fixture
def two_versions(client: TestClient) -> tuple[int, int]:
    text = sample_text()
    v1 = variant(text, replace={**TABLE_EDIT, **PARTS_EDIT}).encode()
    v2 = variant(text, replace=PARTS_EDIT).encode()
    d1 = upload(client, "v1.txt", v1).json()["document"]["id"]
    d2 = upload(client, "v2.txt", v2).json()["document"]["id"]
    return d1, d2


def _finding(client: TestClient, doc: int, rule: str) -> dict[str, Any]:
    found = client.get(f"/api/documents/{doc}/findings").json()["findings"]
    return next(f for f in found if f["rule"] == rule)


def test_answer_needs_the_token(client: TestClient, two_versions: tuple[int, int]) -> None:
    d1, _ = two_versions
    key = _finding(client, d1, "NAR-PARTS-001")["key"]
    url = f"/api/documents/{d1}/findings/{key}/answer"
    body = {"status": "accepted", "author": "甲"}
    assert client.post(url, json=body).status_code == 401
    wrong = client.post(url, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get(f"/api/documents/{d1}/findings/{key}/answers").json() == []


def test_answer_is_shown_with_the_finding_and_inherited(
    client: TestClient, two_versions: tuple[int, int]
) -> None:
    d1, d2 = two_versions
    f1 = _finding(client, d1, "NAR-PARTS-001")
    assert f1["answer"] is None
    r = client.post(
        f"/api/documents/{d1}/findings/{f1['key']}/answer",
        json={"status": "explained", "author": "市财政局 张三", "note": "<b>含税</b>"},
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["status"], a["author"], a["note"], a["inherited"]) == (
        "explained",
        "市财政局 张三",
        "<b>含税</b>",  # stored as typed; pages escape it
        False,
    )
    assert a["created_at"].endswith("+00:00")
    assert _finding(client, d1, "NAR-PARTS-001")["answer"]["status"] == "explained"
    # the corrected version (v2) has the same finding: the answer follows, marked inherited
    f2 = _finding(client, d2, "NAR-PARTS-001")
    assert f2["key"] == f1["key"]
    assert f2["answer"]["inherited"] is True and f2["answer"]["document_id"] == d1
    # only that finding carries an answer in v2
    found2 = client.get(f"/api/documents/{d2}/findings").json()["findings"]
    assert [f["rule"] for f in found2 if f["answer"]] == ["NAR-PARTS-001"]
    history = client.get(f"/api/documents/{d2}/findings/{f1['key']}/answers").json()
    assert [h["status"] for h in history] == ["explained"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"status": "explained", "author": "甲"}, 422, "note_required"),
        ({"status": "done", "author": "甲"}, 422, "validation_error"),
        ({"status": "accepted"}, 422, "validation_error"),
        ({"status": "accepted", "author": "甲", "extra": 1}, 422, "validation_error"),
        ({"status": "accepted", "author": "甲" * 101}, 422, "validation_error"),
        ({"status": "accepted", "author": "  "}, 422, "no_author"),
    ],
)
def test_bad_answers_are_clear_errors(
    client: TestClient, two_versions: tuple[int, int], body: dict[str, Any], status: int, code: str
) -> None:
    d1, _ = two_versions
    key = _finding(client, d1, "NAR-PARTS-001")["key"]
    r = client.post(f"/api/documents/{d1}/findings/{key}/answer", json=body, headers=AUTH)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    assert client.get("/api/answers").json() == {"answers": []}


def test_unknown_finding_or_document_is_404(
    client: TestClient, two_versions: tuple[int, int]
) -> None:
    d1, d2 = two_versions
    total = _finding(client, d1, "SUM-TOT-001")["key"]
    body = {"status": "accepted", "author": "甲"}
    r = client.post(f"/api/documents/{d2}/findings/{total}/answer", json=body, headers=AUTH)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "no_finding")
    r = client.post(f"/api/documents/999999/findings/{total}/answer", json=body, headers=AUTH)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "no_document")
    bad_key = client.post(
        f"/api/documents/{d1}/findings/x'%20OR%201/answer", json=body, headers=AUTH
    )
    assert bad_key.status_code == 422


def test_export_and_rule_quality(client: TestClient, two_versions: tuple[int, int]) -> None:
    d1, _ = two_versions
    key = _finding(client, d1, "NAR-PARTS-001")["key"]
    client.post(
        f"/api/documents/{d1}/findings/{key}/answer",
        json={"status": "false", "author": "单位 李四", "note": "货物预算含税"},
        headers=AUTH,
    )
    r = client.get("/api/answers?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(x["status"], x["author"], x["note"], x["rule"]) for x in rows] == [
        ("false", "单位 李四", "货物预算含税", "NAR-PARTS-001")
    ]
    assert rows[0]["document_id"] == str(d1) and rows[0]["year"] == "2024"
    quality = client.get("/api/rule-quality").json()
    assert quality[0]["rule"] == "NAR-PARTS-001"
    assert (quality[0]["false"], quality[0]["answered"], quality[0]["false_rate"]) == (1, 1, 1.0)


def test_csv_export_never_carries_a_formula(
    client: TestClient, two_versions: tuple[int, int]
) -> None:
    """A reviewer's note is untrusted text: Excel must show it, never run it."""
    d1, _ = two_versions
    key = _finding(client, d1, "NAR-PARTS-001")["key"]
    note = '=HYPERLINK("http://example.invalid","点此")'
    r = client.post(
        f"/api/documents/{d1}/findings/{key}/answer",
        json={"status": "explained", "author": "@甲", "note": note},
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/answers?format=csv").text.lstrip("\ufeff")))
    )
    assert (rows[0]["author"], rows[0]["note"]) == ("'@甲", "'" + note)
    assert client.get("/api/answers").json()["answers"][0]["note"] == note  # JSON: as typed
