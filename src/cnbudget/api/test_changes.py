"""``GET /api/documents/{id}/changes``: two versions of the real sample (SQLite and PostgreSQL)
through FastAPI's TestClient — the JSON, exact decimal strings, and the error shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api import Settings, create_app
from cnbudget.api.conftest import AUTH, TOKEN
from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths
from cnbudget.store.test_changes import NEW, RESOLVED, UNCHANGED, import_versions
from cnbudget.testing import sample_text

PATH = "/api/documents/{document_id}/changes"


@pytest.fixture
def open_client(db_url: str) -> Any:
    with TestClient(
        create_app(Settings(db_url=db_url, token=TOKEN)),
        raise_server_exceptions=False,
    ) as c:
        yield c


@pytest.fixture
def versions(db_url: str, tmp_path: Path) -> tuple[int, int]:
    return import_versions(tmp_path / "versions", db_url)


def where(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(f["rule"], f["row_code"]) for f in items]


def assert_error(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == code and err["status"] == status
    assert err["message_zh"] and err["message_en"]


def test_changes_json(open_client: TestClient, versions: tuple[int, int]) -> None:
    v1, v2 = versions
    resp = open_client.get(f"/api/documents/{v2}/changes")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "compared"
    assert body["document"]["id"] == v2 and body["against"]["id"] == v1
    assert body["document"]["links"]["self"] == f"/api/documents/{v2}"
    assert where(body["resolved"]) == RESOLVED
    assert where(body["new"]) == NEW
    assert where(body["unchanged"]) == UNCHANGED
    assert body["counts"]["unchanged"] == {"error": 2, "warning": 0, "notice": 1}
    office = body["unchanged"][1]
    assert office["old"]["expected"] == "74.11" and office["new"]["expected"] == "74.21"
    assert office["figures_changed"] is True and office["key"]
    assert [(d["row_code"], d["a"], d["b"], d["diff"]) for d in body["amounts_changed"]] == [
        ("30101", "485.35", "485.32", "-0.03"),
        ("30201", "74.11", "74.21", "0.10"),
        ("30301", "35.21", "35.26", "0.05"),
    ]
    assert body["amounts_added"] == [] and body["amounts_removed"] == []
    assert body["links"]["page"] == f"/documents/{v2}/changes"
    again = open_client.get(f"/api/documents/{v2}/changes", params={"against": v1}).json()
    assert (
        again["resolved"] == body["resolved"]
        and again["amounts_changed"] == body["amounts_changed"]
    )


def test_first_version_is_an_answer_not_an_error(
    open_client: TestClient, versions: tuple[int, int]
) -> None:
    body = open_client.get(f"/api/documents/{versions[0]}/changes").json()
    assert body["status"] == "no_previous_version" and body["against"] is None
    assert body["resolved"] == body["new"] == body["amounts_changed"] == []


def test_errors(open_client: TestClient, versions: tuple[int, int], tmp_path: Path) -> None:
    v2 = versions[1]
    assert_error(open_client.get("/api/documents/999999/changes"), 404, "document_not_found")
    assert_error(
        open_client.get(f"/api/documents/{v2}/changes?against=999999"), 404, "document_not_found"
    )
    assert_error(open_client.get(f"/api/documents/{v2}/changes?against={v2}"), 404, "not_a_version")
    assert_error(open_client.get(f"/api/documents/{v2}/changes?against=0"), 422, "validation_error")
    assert_error(
        open_client.get(f"/api/documents/{v2}/changes?against=99999999999999999999"),
        422,
        "validation_error",
    )
    assert_error(open_client.get("/api/documents/abc/changes"), 422, "validation_error")
    other = tmp_path / "other.txt"
    other.write_text(variant(sample_text(), name="乌鲁木齐市商务局", alias="口岸办"), "utf-8")
    db_url = open_client.app.state.settings.db_url  # type: ignore[attr-defined]
    other_id = import_paths([other], db_url, jobs=1).results[0].document_id
    resp = open_client.get(f"/api/documents/{v2}/changes?against={other_id}")
    assert_error(resp, 404, "not_a_version")
    assert "/compare" in resp.json()["error"]["message_en"]


def test_private_reads_need_the_token(
    make_client: Callable[..., TestClient], versions: tuple[int, int]
) -> None:
    client = make_client(public_reads=False)
    url = f"/api/documents/{versions[1]}/changes"
    assert_error(client.get(url), 401, "unauthorized")
    assert client.get(url, headers=AUTH).status_code == 200


def test_documented_in_openapi(open_client: TestClient) -> None:
    spec = open_client.get("/openapi.json").json()
    op = spec["paths"][PATH]["get"]
    assert {"200", "404", "422"} <= set(op["responses"])
    assert any(p["name"] == "against" for p in op["parameters"])
