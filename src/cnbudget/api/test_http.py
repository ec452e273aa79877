"""Compression, caching headers and CORS (issue 12 item 5b), and the settings that drive the
upload worker (issue 13), through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api.conftest import example, upload
from cnbudget.api.settings import Settings


@pytest.fixture
def stored(make_client: Callable[..., TestClient]) -> tuple[TestClient, int, str]:
    client = make_client(parse_workers=0)
    r = upload(client, "doc.txt", example(3, city=7).encode())
    assert r.status_code == 201, r.text
    return client, r.json()["document"]["id"], r.json()["document"]["sha256"]


def test_large_answers_are_gzipped_small_ones_not(stored: tuple[TestClient, int, str]) -> None:
    client, doc_id, _ = stored
    r = client.get(f"/api/documents/{doc_id}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < len(r.content) / 3  # it really shrank
    assert r.json()["metadata"]["year"] == 2024  # and decodes to the document
    r = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in r.headers  # below the minimum size
    r = client.get(f"/api/documents/{doc_id}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers


def test_gzip_body_is_valid_gzip(stored: tuple[TestClient, int, str]) -> None:
    client, doc_id, _ = stored
    raw: list[bytes] = []
    with client.stream("GET", f"/api/documents/{doc_id}", headers={"Accept-Encoding": "gzip"}) as r:
        raw.extend(r.iter_raw())
    assert gzip.decompress(b"".join(raw)).startswith(b"{")


@pytest.mark.parametrize("path", ["/api/documents/{id}", "/api/documents/{id}/original"])
def test_version_resources_have_etag_and_cache_control(
    stored: tuple[TestClient, int, str], path: str
) -> None:
    client, doc_id, sha = stored
    url = path.format(id=doc_id)
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["etag"] == f'"{sha}"'
    assert r.headers["cache-control"] == "public, max-age=86400"
    again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == r.headers["etag"]
    weak = client.get(url, headers={"If-None-Match": f'W/"{sha}"'})
    assert weak.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200 and other.content == r.content


def test_private_reads_are_not_cached_by_shared_caches(
    make_client: Callable[..., TestClient],
) -> None:
    from cnbudget.api.conftest import AUTH

    client = make_client(parse_workers=0, public_reads=False)
    r = upload(client, "doc.txt", example(4, city=8).encode())
    doc_id = r.json()["document"]["id"]
    r = client.get(f"/api/documents/{doc_id}", headers=AUTH)
    assert r.headers["cache-control"].startswith("private")


def test_static_assets_have_etag_and_cache_control(client: TestClient) -> None:
    r = client.get("/static/css/site.css")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["etag"]
    again = client.get("/static/css/site.css", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_no_cors_headers_by_default(client: TestClient) -> None:
    r = client.get("/api/documents", headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/documents",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in pre.headers


def test_cors_for_configured_origins_only(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=("https://open.example.org",))
    r = client.get("/api/documents", headers={"Origin": "https://open.example.org"})
    assert r.headers["access-control-allow-origin"] == "https://open.example.org"
    assert "access-control-allow-credentials" not in r.headers
    assert "ETag" in r.headers["access-control-expose-headers"]
    r = client.get("/api/documents", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/documents",
        headers={
            "Origin": "https://open.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


# -- settings from the environment ---------------------------------------------------------------
def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNBUDGET_WORKERS", "3")
    monkeypatch.setenv("CNBUDGET_QUEUE", "5")
    monkeypatch.setenv("CNBUDGET_WORKER_MEMORY_MB", "700")
    monkeypatch.setenv("CNBUDGET_WORKER_SECONDS", "12.5")
    monkeypatch.setenv("CNBUDGET_MAX_UPLOAD_MB", "2.5")
    monkeypatch.setenv("CNBUDGET_CORS_ORIGINS", "https://a.example, https://b.example")
    s = Settings.from_env(parse_queue=None, worker_seconds=30.0)
    assert (s.parse_workers, s.parse_queue, s.worker_memory_mb) == (3, 5, 700)
    assert s.worker_seconds == 30.0  # an explicit value wins; None does not mask the env
    assert s.max_upload_bytes == int(2.5 * 1024 * 1024)
    assert s.cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("var", "value"), [("CNBUDGET_WORKERS", "two"), ("CNBUDGET_WORKER_SECONDS", "soon")]
)
def test_bad_env_value_is_named(monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError, match=var):
        Settings.from_env()


def test_negative_limits_refused() -> None:
    with pytest.raises(ValueError):
        Settings(parse_queue=-1)
    with pytest.raises(ValueError):
        Settings(worker_memory_mb=-5)


def test_worker_turns_a_crash_into_422() -> None:
    """A child that dies (here: a segfault-like kill of itself) is a 422 for that upload."""
    from cnbudget.api.errors import ApiError
    from cnbudget.api.worker import Parser

    pool = Parser(1, memory_mb=0, seconds=30)
    with pytest.raises(ApiError) as info:
        pool.run(_die)
    assert info.value.status == 422 and info.value.code == "reader_crashed"
    assert pool.run(_answer, 41) == 42  # and the next upload works


def test_worker_memory_limit_is_413() -> None:
    from cnbudget.api.errors import ApiError
    from cnbudget.api.worker import Parser

    pool = Parser(1, memory_mb=300, seconds=60)
    with pytest.raises(ApiError) as info:
        pool.run(_hog)
    assert info.value.status == 413 and info.value.code == "too_large_to_read"


def test_worker_time_limit_is_422() -> None:
    from cnbudget.api.errors import ApiError
    from cnbudget.api.worker import Parser

    pool = Parser(1, memory_mb=0, seconds=1)
    with pytest.raises(ApiError) as info:
        pool.run(_spin)
    assert info.value.status == 422 and info.value.code == "read_timeout"


def _die() -> Any:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def _answer(n: int) -> int:
    return n + 1


def _hog() -> Any:
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))


def _spin() -> Any:
    while True:
        pass
