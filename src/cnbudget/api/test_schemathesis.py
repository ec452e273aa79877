"""Property-based tests of the whole API from its own OpenAPI document (Schemathesis).

Schemathesis generates requests for every operation from ``/openapi.json`` — valid and invalid
parameters, odd strings, huge numbers, random multipart bodies — and sends them to the ASGI app
in process (no socket, no network). Every response must pass the checks: above all no server
error (5xx), and also responses conforming to the documented schemas, status codes and content
types. The store holds real documents (the sample and generated ones), so that ids hit rows.

Runs against SQLite and PostgreSQL; the number of examples per operation is bounded
(``CNBUDGET_SCHEMATHESIS_EXAMPLES``, default 25) to keep the suite within minutes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from cnbudget.api import Settings, create_app
from cnbudget.api.conftest import AUTH, TOKEN, example
from cnbudget.store.conftest import _empty
from cnbudget.store.db import make_engine
from cnbudget.store.importer import import_paths
from cnbudget.store.migrate import upgrade
from cnbudget.testing import SAMPLE_NAME, sample_text

MAX_EXAMPLES = int(os.environ.get("CNBUDGET_SCHEMATHESIS_EXAMPLES", "25"))


# The schema is read from an app built at import time (Schemathesis' lazy fixture loader does
# not work with pytest 9); the store behind it is swapped per backend by ``api_store``, which
# works because every route reads ``app.state.engine`` per request.
_BOOT = Path(tempfile.mkdtemp(prefix="cnbudget-schemathesis-"))
APP = create_app(Settings(db_url=str(_BOOT / "boot.db"), token=TOKEN, max_upload_bytes=256 * 1024))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One populated store per backend for the whole module (building it per operation would
    cost more than the fuzzing), installed as the app's engine."""
    folder = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'store.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
        _empty(url)
    files = []
    for i, text in enumerate([sample_text(), example(0), example(1), example(3)]):
        p = folder / (SAMPLE_NAME if i == 0 else f"g{i}.txt")
        p.write_text(text, encoding="utf-8")
        files.append(p)
    summary = import_paths(files, url, jobs=1)
    assert summary.counts["imported"] == len(files)
    engine = make_engine(url)
    previous = APP.state.engine
    APP.state.engine = engine
    try:
        yield url
    finally:
        APP.state.engine = previous
        engine.dispose()
        if request.param == "postgresql":
            _empty(url)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, api_store: str) -> None:
    # The token is sent so that the upload endpoint is fuzzed beyond the 401.
    excluded = []
    if case.operation.method.upper() == "POST":
        # A schema can only say "a file"; that the file must be a budget disclosure cannot be
        # written in OpenAPI, so a random PNG is rightly refused (415/422) although it matches
        # the schema. Every other check, and above all "no 5xx", still applies to uploads.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(headers=AUTH, excluded_checks=excluded)


def test_sample_path_is_the_corpus_file() -> None:
    """Guard: the fuzzing store holds the real sample (skips with a message without it)."""
    from cnbudget.testing import corpus_file

    assert Path(corpus_file(SAMPLE_NAME)).is_file()
