"""`import FOLDER` and `check FOLDER` read every readable kind, say what they skipped and why, and
fail when nothing could be read; `--year` files a document that prints no year."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from cnbudget.cli.main import cli
from cnbudget.testing import corpus_file, sample_text

PDFS = (
    "shanghai-putuo-commerce-2025-dept-budget.pdf",
    "shanghai-putuo-commerce-2025-unit-budget.pdf",
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _folder(tmp_path: Path) -> Path:
    """Copies of two corpus PDFs (one in a sub-folder) and a Word file no reader reads."""
    folder = tmp_path / "downloads"
    (folder / "unit").mkdir(parents=True)
    shutil.copyfile(corpus_file(PDFS[0]), folder / PDFS[0])
    shutil.copyfile(corpus_file(PDFS[1]), folder / "unit" / PDFS[1])
    (folder / "说明.docx").write_bytes(b"PK\x03\x04 not a workbook")
    return folder


def test_import_folder_of_pdfs(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = str(tmp_path / "store.db")
    r = run("import", str(folder), "--db", db, "--jobs", "1", "--format", "json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["counts"] == {"imported": 2, "unchanged": 0, "failed": 0, "skipped": 1}
    by_name = {Path(x["path"]).name: x for x in summary["results"]}
    assert by_name["说明.docx"]["status"] == "skipped"
    assert ".docx" in by_name["说明.docx"]["reason_en"]
    assert {by_name[p]["scope"] for p in PDFS} == {"department", "unit"}

    # the table summary names the skipped file and its reason
    again = run("import", str(folder), "--db", db, "--jobs", "1")
    assert again.exit_code == 0
    assert "说明.docx" in again.stdout and "不是可读取的文件类型" in again.stdout

    docs = run("query", "documents", "--db", db, "--current", "--format", "json")
    rows = json.loads(docs.stdout)
    assert sorted((d["scope"], d["is_current"]) for d in rows) == [
        ("department", True),
        ("unit", True),
    ]


def test_import_folder_with_nothing_readable_fails(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "notes.md").write_text("# 笔记", encoding="utf-8")
    r = run("import", str(folder), "--db", str(tmp_path / "s.db"), "--jobs", "1")
    assert r.exit_code == 1
    assert "nothing could be imported" in r.output
    assert "photo.png" in r.output and "notes.md" in r.output

    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("import", str(empty), "--db", str(tmp_path / "s.db")).exit_code == 1


def test_check_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    r = run("check", str(folder), "--format", "junit")
    assert r.exit_code in (0, 1), r.output  # findings may exist; the files were read
    assert r.stdout.count("<testsuite name=") == 2
    assert PDFS[0] in r.stdout and PDFS[1] in r.stdout
    assert "说明.docx" in r.stderr and "skipped" in r.stderr

    only_docx = tmp_path / "docx"
    only_docx.mkdir()
    shutil.move(folder / "说明.docx", only_docx / "说明.docx")
    r = run("check", str(only_docx))
    assert r.exit_code == 2
    assert "nothing to check" in r.stderr


def test_year_asked_for_and_supplied(tmp_path: Path) -> None:
    text = sample_text()
    assert "2024" in text
    no_year = tmp_path / "no-year.txt"
    no_year.write_text(text.replace("2024", ""), encoding="utf-8")
    db = str(tmp_path / "store.db")

    r = run("import", str(no_year), "--db", db, "--jobs", "1", "--format", "json")
    assert r.exit_code == 1
    (res,) = json.loads(r.stdout)["results"]
    assert res["status"] == "failed" and "--year" in res["reason_en"] and "--year" in res["reason"]

    r = run("import", str(no_year), "--db", db, "--jobs", "1", "--year", "2024")
    assert r.exit_code == 0, r.output
    docs = json.loads(run("query", "documents", "--db", db, "--format", "json").stdout)
    assert [d["year"] for d in docs] == [2024]


def test_check_warns_without_year_and_takes_year(tmp_path: Path) -> None:
    no_year = tmp_path / "no-year.txt"
    no_year.write_text(sample_text().replace("2024", ""), encoding="utf-8")
    r = run("check", str(no_year), "--format", "json")
    assert r.exit_code != 2
    assert "no budget year" in r.stderr and "--year" in r.stderr
    r = run("check", str(no_year), "--format", "json", "--year", "2024")
    assert r.exit_code != 2
    assert "no budget year" not in r.stderr
