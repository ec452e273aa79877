"""Fixtures of the analysis tests: a SQLite store of generated departments."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnbudget.analysis._testsupport import distinct_example_text


@pytest.fixture(scope="session")
def region_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store of six generated 示例市 departments of 2024; the third has 9 staff."""
    from cnbudget.store import import_paths

    folder: Path = tmp_path_factory.mktemp("region")
    for i in range(6):
        text = distinct_example_text(i, staff=9 if i == 2 else None)
        (folder / f"dept-{i}.txt").write_text(text, encoding="utf-8")
    url = f"sqlite:///{folder / 'store.db'}"
    summary = import_paths([folder], url, jobs=1)
    assert summary.counts["imported"] == 6, summary.as_dict()
    return url
