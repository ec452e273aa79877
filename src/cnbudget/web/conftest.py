"""Fixtures of the web tests: one SQLite store per test session with the real sample, a few
generated disclosures (two years of one department, a corrected re-publication, one with a
wrong figure so that findings point at table cells), a series for the analysis pages (a 2023
budget with a deliberate restatement, the 2024 budget and its 决算) and two documents with hostile department
names; and a pages-only app over it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME

TOKEN = "test-token-123"
HOSTILE = "<script>alert(1)</script>&\"'"
#: A 2,000-character department name with markup that the text reader keeps as text.
LONG_NAME = ("示例市<img src=x onerror=alert(2)>" + "超长名称" * 600)[:1999] + "局"


@dataclass
class WebDb:
    url: str
    ids: dict[str, int] = field(default_factory=dict)
    folder: Path | None = None

    def id(self, name: str) -> int:
        return self.ids[name]


def _mutated(text: str) -> str:
    """``text`` with one amount of 表3 raised by 1.00 (an arithmetic error the checks report)."""
    from cnbudget.checks.mutation import table_mutations
    from cnbudget.ingest.text import read_text

    doc = read_text(text)
    for m in itertools.islice(table_mutations(text, doc), 400):
        if m.description.startswith("表3 ") and "[basic]" in m.description:
            return m.text
    raise AssertionError("no 表3 mutation found")


def build_web_db(folder: Path) -> WebDb:
    """Write the documents into ``folder``/docs and import them into ``folder``/web.db."""
    from cnbudget.example import example_text
    from cnbudget.store import import_paths

    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    sample = CORPUS_DIR / SAMPLE_NAME
    if sample.is_file():
        files["01-sample"] = sample.read_text(encoding="utf-8")
    files["02-data-2023"] = example_text(0, 2023)
    files["03-data-2024"] = example_text(0, 2024)
    files["04-econ-2024"] = example_text(1, 2024)
    files["05-energy-2024"] = example_text(3, 2024)
    files["06-data-2024-corrected"] = example_text(7, 2024)
    files["07-energy-2023-error"] = _mutated(example_text(4, 2023))
    energy = example_text(3, 2024)
    files["08-hostile"] = energy.replace("示例市能源发展局", HOSTILE)
    files["09-long-name"] = energy.replace("示例市能源发展局", LONG_NAME)
    from cnbudget.api._analysis_data import series_texts

    # a 2023 budget with a deliberate restatement, the 2024 budget and its 决算 (issue 8)
    for name, text in series_texts().items():
        files[f"10-{name}"] = text
    paths = []
    for name, text in files.items():
        p = docs / f"{name}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    url = f"sqlite:///{folder / 'web.db'}"
    summary = import_paths(paths, url, jobs=1)
    failed = [(r.path, r.reason) for r in summary.failed]
    assert not failed, failed
    ids = {Path(r.path).stem: r.document_id for r in summary.results}
    return WebDb(url=url, ids={k: v for k, v in ids.items() if v is not None}, folder=folder)


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> WebDb:
    return build_web_db(tmp_path_factory.mktemp("web"))


def make_test_app(web_db: WebDb, **kw: object):  # type: ignore[no-untyped-def]
    """A pages-only app over the test store; uploads go to the session's temp folder."""
    from cnbudget.web import make_app

    assert web_db.folder is not None
    kw.setdefault("upload_dir", str(web_db.folder / "uploads"))
    return make_app(web_db.url, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def web_app(web_db: WebDb):  # type: ignore[no-untyped-def]
    return make_test_app(web_db, token=TOKEN)


@pytest.fixture
def client(web_app) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(web_app) as c:
        yield c
