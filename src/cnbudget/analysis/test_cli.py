"""The analysis commands end to end (click's runner, real files)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import cnbudget.cli.analysis_commands  # noqa: F401  (registers the commands on the group)
from cnbudget.analysis._testsupport import PUTUO_FINAL, WANLI_2024, WANLI_2025
from cnbudget.analysis.synthetic import previous_year_example
from cnbudget.cli.main import cli
from cnbudget.example import example_text
from cnbudget.outputs.text import render_text
from cnbudget.testing import corpus_file


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, terminal_width=200)


def test_commands_are_registered() -> None:
    r = run("--help")
    for name in ("score", "reconcile", "execution", "selfeval", "peers"):
        assert name in r.output


def test_score_sample_cites_a_line_for_every_awarded_point(sample_path: Path) -> None:
    r = run("score", str(sample_path))
    assert r.exit_code == 0
    assert "总分 total 95.76 / 96.00" in r.output
    assert "[L754]" in r.output and "[表1 L88]" in r.output
    data = json.loads(run("score", str(sample_path), "--format", "json").output)
    for c in data["criteria"]:
        for p in c["points"]:
            if p["awarded"] != "0" and p["awarded"] != "0.00":
                assert p["evidence"] and all(
                    e["cite"].startswith(("L", "表")) for e in p["evidence"]
                )


def test_score_pdf_cites_pages() -> None:
    r = run("score", str(corpus_file(WANLI_2025)))
    assert r.exit_code == 0 and "[p.30]" in r.output and "[p.31]" in r.output


def test_score_region_and_department(region_store: str) -> None:
    r = run("score", "--db", region_store, "--region", "示例市", "--year", "2024")
    assert r.exit_code == 0 and "示例市" in r.output and "总分 total" in r.output
    data = json.loads(
        run("score", "--db", region_store, "--year", "2024", "--format", "json").output
    )
    assert len(data) == 6 and all("criteria" in d for d in data)
    assert run("score").exit_code == 2


def test_reconcile_files(tmp_path: Path) -> None:
    prev, _ = previous_year_example(0)
    a = tmp_path / "2023.txt"
    a.write_text(render_text(prev), encoding="utf-8")
    b = tmp_path / "2024.txt"
    b.write_text(example_text(0), encoding="utf-8")
    r = run("reconcile", str(a), str(b))
    assert r.exit_code == 0 and "一致 match" in r.output and "没有发现问题" in r.output
    bad = tmp_path / "bad2023.txt"
    prev.table("three_public").rows[0].values.clear()  # type: ignore[union-attr]
    bad.write_text(render_text(prev), encoding="utf-8")
    r = run("reconcile", str(bad), str(b), "--fail-on", "warning")
    assert r.exit_code == 1 and "XY-RESTATE-001" in r.output
    data = json.loads(run("reconcile", str(bad), str(b), "--format", "json").output)
    assert data["counts"]["restated"] >= 1
    assert run("reconcile", str(b), str(a)).exit_code == 2  # wrong order: years


def test_reconcile_corpus_pair() -> None:
    r = run(
        "reconcile", str(corpus_file(WANLI_2024)), str(corpus_file(WANLI_2025)), "--all-statements"
    )
    assert r.exit_code == 0
    assert "一致 match: 11" in r.output and "47.91" in r.output


def test_execution_final_account() -> None:
    r = run("execution", str(corpus_file(PUTUO_FINAL)))
    assert r.exit_code == 0
    assert "96.91%" in r.output and "决算自述" in r.output
    data = json.loads(run("execution", str(corpus_file(PUTUO_FINAL)), "--format", "json").output)
    assert len([ln for ln in data["lines"] if ln.get("level") == "项"]) == 11


def test_selfeval(sample_path: Path, tmp_path: Path) -> None:
    actuals = tmp_path / "a.json"
    actuals.write_text(
        json.dumps(
            [
                {
                    "project": "2024 年乌鲁木齐市益民大厦信息系统运维项目",
                    "indicator": "网络设备日常运维",
                    "actual": "365次",
                },
                {"project": "无此项目", "indicator": "x", "actual": "1"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    r = run("selfeval", str(sample_path), str(actuals))
    assert r.exit_code == 0
    assert "不可衡量的目标 weak targets: 10" in r.output and "8.00/8.00" in r.output
    assert "未匹配" in r.output


def test_peers_command(region_store: str) -> None:
    r = run("peers", "--db", region_store, "--year", "2024", "--region", "示例市")
    assert r.exit_code == 0 and "高于同组中位数" in r.output
    data = json.loads(
        run("peers", "--db", region_store, "--year", "2024", "--format", "json").output
    )
    assert sum(1 for d in data if d["outlier"]) == 1
