"""Performance targets: weak targets of the sample and the self-evaluation score with made-up
actual values (JSON and XLSX)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cnbudget.analysis.performance import (
    Actual,
    load_actuals,
    rule_of,
    score_indicator,
    self_evaluate,
    weak_target_findings,
    weak_targets,
)
from cnbudget.model import Document, Indicator

PROJECT = "2024 年乌鲁木齐市益民大厦信息系统运维项目"


def test_weak_targets_of_the_sample(sample_doc: Document) -> None:
    weak = weak_targets(sample_doc)
    assert len(weak) == 10
    targets = {w.target for w in weak}
    assert {"有效", "逐步提高", "不断提高", "不断提升", "有效提供", "确保"} <= targets
    assert all(w.location.source_line for w in weak)
    first = next(w for w in weak if w.target == "有效提供")
    assert first.location.source_line == 814 and "有效提供" in first.reason_zh
    long = [w for w in weak if len(w.target) > 30]
    assert len(long) == 2 and all("文字描述" in w.reason_zh for w in long)
    findings = weak_target_findings(sample_doc)
    assert {f.rule for f in findings} == {"XY-PERF-001"} and len(findings) == 10


def _ind(**kw) -> Indicator:
    return Indicator(**kw)


@pytest.mark.parametrize(
    ("ind", "actual", "fraction"),
    [
        (_ind(level3="a", comparator=">=", target_value=Decimal(360)), "365 次", Decimal(1)),
        (_ind(level3="a", comparator=">=", target_value=Decimal(360)), "180次", Decimal("0.5")),
        (_ind(level3="a", comparator="<=", target_value=Decimal(10)), "8", Decimal(1)),
        (_ind(level3="a", comparator="<=", target_value=Decimal(10)), "20", Decimal("0.5")),
        (_ind(level3="a", comparator="=", target_value=Decimal(100)), "90%", Decimal("0.9")),
        (_ind(level3="a", target_text="有效", scoring_rule="按评判等级赋分"), "良", Decimal("0.8")),
        (
            _ind(level3="a", target_text="有效", scoring_rule="按评判等级赋分"),
            "基本达成",
            Decimal("0.8"),
        ),
        (
            _ind(
                level3="满意度",
                comparator=">=",
                target_value=Decimal(90),
                scoring_rule="满意度赋分",
            ),
            "85%",
            Decimal("0.9444"),
        ),
        (
            _ind(
                level3="满意度",
                comparator=">=",
                target_value=Decimal(90),
                scoring_rule="满意度赋分",
            ),
            "50%",
            Decimal(0),
        ),
    ],
)
def test_scoring_rules(ind: Indicator, actual: str, fraction: Decimal) -> None:
    s = score_indicator(ind, actual, Decimal(10))
    assert s.status == "scored"
    assert s.fraction == fraction
    assert s.points == (Decimal(10) * fraction).quantize(Decimal("0.01"))


def test_rule_inference() -> None:
    assert rule_of(_ind(scoring_rule="按照完成比例赋分")) == "ratio"
    assert rule_of(_ind(scoring_rule="按评判等级赋分")) == "grade"
    assert rule_of(_ind(scoring_rule="满意度赋分")) == "satisfaction"
    assert rule_of(_ind(comparator=">=", target_value=Decimal(1))) == "ratio"
    assert rule_of(_ind(target_text="有效")) == "grade"
    assert (
        rule_of(_ind(level2="满意度指标", comparator=">=", target_value=Decimal(90)))
        == "satisfaction"
    )


def test_weak_target_with_a_number_is_unscorable() -> None:
    s = score_indicator(_ind(level3="a", target_text="有效"), "12", Decimal(30))
    assert s.status == "unscorable" and s.points is None and "等级" in s.note


ACTUALS = [
    {"project": PROJECT, "indicator": "网络设备日常运维", "actual": "365次"},
    {"project": PROJECT, "indicator": "设备网日常运维", "actual": "180次"},
    {"project": PROJECT, "indicator": "服务器日常运维", "actual": "360次"},
    {"project": PROJECT, "indicator": "安全设备日常运维", "actual": "360次"},
    {"project": PROJECT, "indicator": "机房基础设施日常运维", "actual": "360次"},
    {"project": PROJECT, "indicator": "日常运维工作达标率", "actual": "95%"},
    {"project": PROJECT, "indicator": "7*24 小时全天候服务保障", "actual": "365天"},
    {"project": PROJECT, "indicator": "集约高效、安全可靠的服务", "actual": "良"},
    {"project": PROJECT, "indicator": "服务单位满意度", "actual": "85%"},
    {"project": PROJECT, "indicator": "预算执行率", "actual": "95%"},
    {"project": "部门整体", "indicator": "培育“专精特新”企业", "actual": "36家"},
    {"project": "没有这个项目", "indicator": "x", "actual": "1"},
]


def _check_project(result) -> None:
    t = next(t for t in result.tables if t.project == PROJECT)
    assert t.complete
    # 8 + 3.5 + 7 × 5 (= 35) + 24 (良 of 30) + 9.44 (85 ÷ 90 of 10) + 9.5 (95 % of 10)
    assert t.points == Decimal("89.44")
    assert t.max_points == Decimal("100.00")
    assert (t.score, t.grade) == (Decimal("89.44"), "良")
    dept = next(t for t in result.tables if t.kind == "department")
    # five indicators without weights share the 90 indicator points: 18 each
    assert dept.max_points == Decimal("90.00") and dept.points == Decimal("18.00")
    assert not dept.complete
    assert [a.project for a in result.unmatched] == ["没有这个项目"]
    assert len(result.weak) == 10


def test_self_evaluation_from_json(sample_doc: Document, tmp_path) -> None:
    path = tmp_path / "actuals.json"
    path.write_text(json.dumps(ACTUALS, ensure_ascii=False), encoding="utf-8")
    acts = load_actuals(path)
    assert len(acts) == len(ACTUALS)
    result = self_evaluate(sample_doc, acts)
    _check_project(result)
    data = result.as_dict()
    json.dumps(data, ensure_ascii=False)
    assert data["tables"][1]["score"] == "89.44"


def test_self_evaluation_from_xlsx(sample_doc: Document, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "实际值"
    ws.append(["项目", "指标", "实际值"])
    for a in ACTUALS:
        ws.append([a["project"], a["indicator"], a["actual"]])
    path = tmp_path / "actuals.xlsx"
    wb.save(path)
    acts = load_actuals(path, sheet="实际值")
    assert acts[0] == Actual(PROJECT, "网络设备日常运维", "365次", "actuals.xlsx!实际值#1")
    _check_project(self_evaluate(sample_doc, acts))


def test_tables_without_actuals_are_listed(sample_doc: Document) -> None:
    result = self_evaluate(sample_doc, [])
    assert len(result.tables) == len(sample_doc.performance)
    assert all(i.status == "missing" for t in result.tables for i in t.indicators)
    assert all(t.points == 0 for t in result.tables)
