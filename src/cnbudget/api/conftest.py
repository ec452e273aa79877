"""Fixtures of the API tests: every test runs against SQLite and PostgreSQL (the store's fixtures,
reused as they are), through FastAPI's TestClient — no socket, no network.

PostgreSQL is the local server on 127.0.0.1:5432 (or ``$CNBUDGET_TEST_PG``); without one, those
tests skip with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cnbudget.api import Settings, create_app
from cnbudget.store.conftest import (  # noqa: F401 - fixtures re-exported for these tests
    backend,
    db_url,
    engine,
    pg_url,
    write_text,
)

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def example(seed: int, city: int = 0, year: int = 2024) -> str:
    """A generated disclosure: one of the generator's departments, in fictional city ``city``."""
    from cnbudget.example import example_text

    return example_text(seed, year).replace("示例市", f"示例{city}市")


@pytest.fixture
def make_client(db_url: str) -> Iterator[Callable[..., TestClient]]:  # noqa: F811
    """``make_client(**settings)`` → a TestClient on the test's store (token set by default)."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        kw: dict[str, Any] = {"db_url": db_url, "token": TOKEN, **overrides}
        client = TestClient(create_app(Settings(**kw)), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def upload(
    client: TestClient, name: str, data: bytes, headers: dict[str, str] | None = None
) -> Any:
    return client.post(
        "/api/documents",
        files={"file": (name, data, "text/plain")},
        headers=AUTH if headers is None else headers,
    )


@pytest.fixture
def sample_bytes(sample_path: Path) -> bytes:
    return sample_path.read_bytes()
