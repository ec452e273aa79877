"""The store commands of the CLI (``import``, ``query``, ``serve``, ``export-db``) through click's
CliRunner, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnbudget.api import Settings
from cnbudget.api.conftest import example
from cnbudget.cli.main import cli
from cnbudget.store import queries
from cnbudget.store.conftest import ALIAS, variant


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(write_text: Any, sample_source: str) -> Path:
    """A folder (with a sub-folder) holding the sample in two years and two generated files."""
    write_text("urumqi-2024.txt", sample_source)
    write_text("old/urumqi-2023.txt", variant(sample_source, year=2023))
    write_text("gen/a.txt", example(0))
    p = write_text("gen/b.txt", example(1))
    return p.parent.parent


def test_import_folder_then_again_unchanged(db_url: str, folder: Path) -> None:
    r = run("import", str(folder), "--db", db_url, "--jobs", "1")
    assert r.exit_code == 0, r.output
    assert "已导入 imported" in r.output and "4" in r.output
    again = run("import", str(folder), "--db", db_url, "--format", "json")
    assert again.exit_code == 0
    summary = json.loads(again.output)
    counts = summary["counts"]
    assert {k: counts[k] for k in ("imported", "unchanged", "failed")} == {
        "imported": 0,
        "unchanged": 4,
        "failed": 0,
    }
    assert counts.get("skipped", 0) == 0  # reported by newer importers: nothing skipped here


def test_import_failures_exit_1_with_reasons(db_url: str, folder: Path) -> None:
    (folder / "broken.txt").write_text("这不是预算公开文件", encoding="utf-8")
    r = run("import", str(folder), str(folder / "missing.txt"), "--db", db_url, "--jobs", "2")
    assert r.exit_code == 1, r.output
    assert "失败" in r.output and "failed" in r.output
    assert len(queries.list_documents(db_url)) == 4  # the good files are stored anyway
    r = run("import", str(folder), str(folder / "missing.txt"), "--db", db_url, "--format", "json")
    assert r.exit_code == 1
    failed = {
        Path(x["path"]).name: x for x in json.loads(r.output)["results"] if x["status"] == "failed"
    }
    assert set(failed) == {"broken.txt", "missing.txt"}
    assert all(x["reason"] and x["reason_en"] for x in failed.values())


def test_import_without_a_database_exits_2(folder: Path) -> None:
    r = run("import", str(folder), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert r.exit_code == 2
    assert "无法打开数据库" in r.output


def test_queries(db_url: str, folder: Path) -> None:
    assert run("import", str(folder), "--db", db_url, "--jobs", "1").exit_code == 0
    docs = queries.list_documents(db_url)
    ids = {(d.department, d.year): d.id for d in docs}
    a = next(v for (dep, y), v in ids.items() if y == 2023)
    b = next(v for (dep, y), v in ids.items() if y == 2024 and dep.startswith("乌鲁木齐"))

    r = run("query", "totals", "--db", db_url, "--year", "2024", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == queries.jsonable(
        queries.function_totals(db_url, level="类", years=[2024])
    )
    r = run("query", "totals", "--db", db_url, "--level", "total", "--by", "department")
    assert r.exit_code == 0 and "合计" in r.output
    r = run("query", "economic", "--db", db_url, "--level", "款", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert rows and {"code", "total", "personnel", "public"} <= set(rows[0])

    r = run("query", "series", ALIAS, "--db", db_url, "--format", "json")
    assert r.exit_code == 0
    assert [p["year"] for p in json.loads(r.output)] == [2023, 2024]
    assert run("query", "series", "没有这个部门", "--db", db_url).exit_code == 1

    r = run(
        "query", "compare", str(a), str(b), "--db", db_url, "--changed-only", "--format", "json"
    )
    assert r.exit_code == 0
    assert json.loads(r.output) == queries.jsonable(
        queries.compare_documents(db_url, a, b, include_same=False)
    )
    assert run("query", "compare", str(a), "999999", "--db", db_url).exit_code == 1

    r = run("query", "peers", "--db", db_url, "--year", "2024", "--min-peers", "2")
    assert r.exit_code == 0 and "同组比较" in r.output
    r = run("query", "documents", "--db", db_url, "--format", "csv", "--current")
    assert r.exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(r.output)))) == 4
    r = run("query", "departments", "--db", db_url, "--search", "示例", "--format", "json")
    assert r.exit_code == 0 and len(json.loads(r.output)) == 2


def test_query_without_a_store_exits_2(tmp_path: Path) -> None:
    r = run("query", "totals", "--db", str(tmp_path / "nothing.db"))
    assert r.exit_code == 2 and "cnbudget import" in r.output
    assert not (tmp_path / "nothing.db").exists()  # not created by the attempt


def test_export_db_all_formats(db_url: str, folder: Path, tmp_path: Path) -> None:
    assert run("import", str(folder), "--db", db_url, "--jobs", "1").exit_code == 0
    total = sum(d.amount_count for d in queries.list_documents(db_url, current_only=True))

    out = tmp_path / "all.csv"
    r = run("export-db", "--format", "csv", "-o", str(out), "--db", db_url)
    assert r.exit_code == 0, r.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == total

    out = tmp_path / "all.xlsx"
    assert run("export-db", "--format", "xlsx", "-o", str(out), "--db", db_url).exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(out, read_only=True)
    assert sum(1 for _ in wb["数据"].iter_rows(values_only=True)) == total + 1
    wb.close()

    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "all.parquet"
    assert run("export-db", "--format", "parquet", "-o", str(out), "--db", db_url).exit_code == 0
    assert pq.read_table(out).num_rows == total

    out = tmp_path / "fdp"
    r = run("export-db", "--format", "datapackage", "-o", str(out), "--db", db_url)
    assert r.exit_code == 0, r.output
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["cnbudget"]["records"] == total
    assert descriptor["fiscalPeriod"]["start"] == "2023-01-01"


def test_serve_builds_the_app_and_runs_uvicorn(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kw: Any) -> None:
        seen["app"], seen["kw"] = app, kw

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("CNBUDGET_TOKEN", "from-env")
    r = run("serve", "--db", db_url, "--port", "8123", "--private-reads")
    assert r.exit_code == 0, r.output
    settings = seen["app"].state.settings
    assert settings.token == "from-env" and settings.public_reads is False
    assert seen["kw"] == {
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "info",
        "access_log": True,
    }
    assert settings.parse_workers == Settings().parse_workers  # the default: bounded workers
    # Flags and the environment reach the settings; a flag wins over the environment.
    monkeypatch.setenv("CNBUDGET_QUEUE", "3")
    r = run(
        "serve",
        "--db",
        db_url,
        "--private-reads",
        "--workers",
        "1",
        "--cors-origin",
        "https://a.example",
    )
    assert r.exit_code == 0, r.output
    settings = seen["app"].state.settings
    assert (settings.parse_workers, settings.parse_queue, settings.cors_origins) == (
        1,
        3,
        ("https://a.example",),
    )
    monkeypatch.delenv("CNBUDGET_QUEUE")

    monkeypatch.delenv("CNBUDGET_TOKEN")
    r = run("serve", "--db", db_url, "--private-reads")
    assert r.exit_code == 2  # private reads without a token would lock everyone out
