"""`cnbudget build`: checks first, refuses inconsistent input, writes the requested formats."""

from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import load_workbook

from cnbudget.authoring import AuthoringInput
from cnbudget.authoring.build import build, load_any
from cnbudget.authoring.workbook import write_template
from cnbudget.checks import check_document
from cnbudget.cli.main import cli
from cnbudget.ingest.text import read_text
from cnbudget.model import Document


def _strip(d):
    if isinstance(d, dict):
        return {
            k: _strip(v)
            for k, v in d.items()
            if k not in ("source", "source_name", "source_sha256")
        }
    if isinstance(d, list):
        return [_strip(x) for x in d]
    return d


def test_round_trip_sample_canonical_build_txt_parse(sample_doc, tmp_path):
    """sample → canonical JSON → build --formats txt → parse → identical model."""
    canonical = tmp_path / "doc.json"
    canonical.write_text(sample_doc.model_dump_json(), encoding="utf-8")
    inp, issues = load_any(canonical)
    assert issues == []
    result = build(inp, tmp_path / "out", ["txt"])
    assert not result.refused
    (txt,) = result.written
    again = read_text(txt.read_text(encoding="utf-8"))
    assert again.issues == []
    assert _strip(again.model_dump(mode="json")) == _strip(sample_doc.model_dump(mode="json"))
    assert check_document(again).errors == []


def test_inconsistent_input_is_refused_and_nothing_written(sample_doc, tmp_path):
    path = write_template(tmp_path / "t.xlsx", doc=sample_doc)
    wb = load_workbook(path)
    ws = wb["表3"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 1447.01)
    cell.value = 1448.01  # 2150501 行政运行 no longer adds up
    wb.save(path)
    inp, _ = load_any(path)
    result = build(inp, tmp_path / "out", ["txt"])
    assert result.refused
    assert {f.rule for f in result.report.errors} >= {"SUM-ROW-001", "SUM-HIER-002"}
    assert not (tmp_path / "out").exists()


def test_build_composes_the_narrative_when_missing(sample_doc, tmp_path):
    doc = sample_doc.model_copy(update={"explanation": []})
    result = build(AuthoringInput(document=doc), tmp_path / "out", ["txt"])
    assert not result.refused
    assert len(result.document.explanation) == 12
    assert any("上年数" in m for m in result.missing)


def test_cli_template_and_build(tmp_path):
    runner = CliRunner()
    tpl = tmp_path / "填报模板.xlsx"
    r = runner.invoke(cli, ["template", "-o", str(tpl)], catch_exceptions=False)
    assert r.exit_code == 0 and tpl.is_file()
    out = tmp_path / "out"
    r = runner.invoke(
        cli, ["build", str(tpl), "-o", str(out), "--formats", "txt"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    (txt,) = out.glob("*.txt")
    doc = read_text(txt.read_text(encoding="utf-8"))
    assert doc.issues == [] and check_document(doc).errors == []
    r = runner.invoke(cli, ["build", str(tpl), "-o", str(out), "--formats", "odt"])
    assert r.exit_code == 2


def test_cli_build_refuses_with_findings(sample_doc, tmp_path):
    data = json.loads(sample_doc.model_dump_json())
    data["tables"][2]["rows"][0]["values"]["total"]["value"] = "33899.98"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    Document.model_validate(data)
    r = CliRunner().invoke(cli, ["build", str(bad), "-o", str(tmp_path / "o"), "--formats", "txt"])
    assert r.exit_code == 1
    assert "XT-SUM-002" in r.output or "SUM-ROW-001" in r.output
    assert not (tmp_path / "o").exists()
