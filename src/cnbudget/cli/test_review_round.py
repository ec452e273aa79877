"""A review round from the terminal: import what the department sent, list its findings with
their keys, answer them, check the corrected file with ``--report … --db`` (the answers fill the
status column, carried over), export the answers and see the per-rule false positives."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from cnbudget.cli.main import cli
from cnbudget.store.conftest import variant
from cnbudget.store.test_responses import PARTS_EDIT, TABLE_EDIT
from cnbudget.testing import sample_text


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_review_round_in_the_terminal(tmp_path: Path) -> None:
    text = sample_text()
    sent = tmp_path / "sent" / "工信局.txt"
    corrected = tmp_path / "corrected" / "工信局.txt"
    for p, edits in ((sent, {**TABLE_EDIT, **PARTS_EDIT}), (corrected, PARTS_EDIT)):
        p.parent.mkdir()
        p.write_text(variant(text, replace=edits), encoding="utf-8")
    db = str(tmp_path / "review.db")
    assert run("import", str(sent), "--db", db, "--jobs", "1").exit_code == 0

    r = run("query", "findings", "1", "--db", db, "--format", "json")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    parts = next(f for f in found if f["rule"] == "NAR-PARTS-001")
    total = next(f for f in found if f["rule"] == "SUM-TOT-001")
    assert parts["answer"] is None

    r = run("answer", "1", parts["key"], "--status", "false", "--author", "单位 李四",
            "--note", "货物预算含进口关税", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "误报" in r.stdout
    r = run(
        "answer", "1", total["key"], "--status", "accepted", "--author", "单位 李四", "--db", db
    )
    assert r.exit_code == 0, r.output
    # refused with the reason, nothing stored: explained without a note, unknown key
    r = run("answer", "1", parts["key"], "--status", "explained", "--author", "甲", "--db", db)
    assert r.exit_code == 2 and "说明" in r.output
    r = run("answer", "1", "0" * 24, "--status", "accepted", "--author", "甲", "--db", db)
    assert r.exit_code == 2

    # the corrected file, not yet imported: the recurring finding shows its carried-over answer
    report = tmp_path / "review.xlsx"
    r = run("check", str(corrected), "--report", str(report), "--db", db)
    assert r.exit_code == 1, r.output  # the parts error is still there
    wb = load_workbook(report)
    ws = wb[wb.sheetnames[1]]
    header = [c.value for c in ws[2]]
    status_col = next(i for i, h in enumerate(header) if h and h.startswith("处理状态"))
    rule_col = next(i for i, h in enumerate(header) if h and h.startswith("规则"))
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    by_rule = {row[rule_col]: row[status_col] for row in rows}
    assert by_rule["NAR-PARTS-001"] == (
        f"误报 false positive：货物预算含进口关税（单位 李四，{_today()}；沿用第 1 版 / from version 1）"
    )
    assert "SUM-TOT-001" not in by_rule  # corrected
    html_report = tmp_path / "review.html"
    r = run("check", str(corrected), "--report", str(html_report), "--db", db)
    assert "误报 false positive：货物预算含进口关税（单位 李四" in html_report.read_text("utf-8")

    # exports
    r = run("query", "answers", "--db", db, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["status"], x["rule"]) for x in rows] == [
        ("false", "NAR-PARTS-001"),
        ("accepted", "SUM-TOT-001"),
    ]
    r = run("query", "rule-quality", "--db", db, "--format", "json")
    quality = json.loads(r.stdout)
    assert quality[0]["rule"] == "NAR-PARTS-001" and quality[0]["false"] == 1
    assert quality[0]["false_rate"] == 1.0


def _today() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).date().isoformat()
