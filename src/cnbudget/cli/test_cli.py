"""The `cnbudget` command end to end (click's runner, real files)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cnbudget.cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_is_chinese_first():
    r = run("--help")
    assert r.exit_code == 0
    assert "部门预算公开" in r.output and "check" in r.output


def test_check_clean_sample_exits_0(sample_path):
    r = run("check", str(sample_path))
    assert r.exit_code == 0
    assert "0 个错误" in r.output


def test_check_json_shape_and_fail_on(sample_path, tmp_path):
    text = sample_path.read_text(encoding="utf-8").split("\n")
    text[476] = text[476].replace("4,549.75", "4,550.75")
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(text), encoding="utf-8")
    r = run("check", str(bad), "--format", "json")
    assert r.exit_code == 1
    findings = json.loads(r.output)
    f = next(x for x in findings if x["rule"] == "NAR-AMT-001")
    for key in (
        "rule",
        "severity",
        "table_no",
        "row_code",
        "row_name",
        "column",
        "expected",
        "found",
        "source_line",
        "message",
    ):
        assert key in f
    assert f["source_line"] == 477 and f["found"] == "4550.75" and f["expected"] == "4549.75"
    # notices only: passes at --fail-on error, fails at --fail-on notice
    assert run("check", str(sample_path), "--fail-on", "notice").exit_code == 1


def test_check_junit_and_text_show_source_line(sample_path, tmp_path):
    r = run("check", str(sample_path), "--format", "junit")
    assert r.exit_code == 0 and r.output.startswith("<?xml")
    text = sample_path.read_text(encoding="utf-8").split("\n")
    text[311] = text[311].replace("485.32\t485.32", "485.32\t486.32")
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(text), encoding="utf-8")
    r = run("check", str(bad))
    assert r.exit_code == 1
    assert "SUM-ROW-001" in r.output and "基本工资" in r.output and "312" in r.output


def test_unreadable_file_exits_2(tmp_path):
    assert run("check", str(tmp_path / "missing.txt")).exit_code == 2
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7 nothing")
    r = run("parse", str(pdf))
    assert r.exit_code == 2


def test_parse_json_and_yaml(sample_path, tmp_path):
    out = tmp_path / "doc.json"
    assert run("parse", str(sample_path), "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["metadata"]["year"] == 2024
    assert data["tables"][2]["rows"][0]["values"]["total"]["value"] == "33898.98"
    r = run("parse", str(sample_path), "--format", "yaml")
    assert r.exit_code == 0 and "metadata:" in r.output


def test_export_csv_and_xlsx(sample_path, tmp_path):
    csv_path = tmp_path / "long.csv"
    assert run("export", str(sample_path), "--format", "csv", "-o", str(csv_path)).exit_code == 0
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 426  # header + 425 amounts
    xlsx = tmp_path / "long.xlsx"
    assert run("export", str(sample_path), "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    assert xlsx.stat().st_size > 1000


def test_show_schema_rules(sample_path):
    r = run("show", str(sample_path))
    assert r.exit_code == 0 and "33,898.98" in r.output
    schema = json.loads(run("schema").output)
    assert schema["title"] == "Document"
    r = run("rules")
    assert "SUM-HIER-001" in r.output and "NAR-RATE-001" in r.output
