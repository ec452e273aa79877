"""The catalog rules: a code missing from cnbudget's partial catalog is a notice (our gap) unless
the catalog vouches that the parent lists all its children (``catalog/data/complete.csv``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cnbudget.catalog import Catalog, CatalogEntry, CodeTable, load_catalog
from cnbudget.catalog import loader as _loader
from cnbudget.checks import check_document, load_rules
from cnbudget.checks.families.catalog import judge_code
from cnbudget.checks.rulebook import TriggerEdit
from cnbudget.checks.test_rules import apply
from cnbudget.ingest.text import read_text
from cnbudget.testing import sample_text

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"


def rule_of(year: int, code: str, name: str | None = None) -> str | None:
    cat = load_catalog(year)
    table = cat.table_for(code) or cat.function
    judged = judge_code(cat, table, code, name)
    return judged[0] if judged else None


# -- the decision on the shipped catalog -------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("2060499", None),  # known
        ("2060497", "CAT-GAP-001"),  # unknown 项 under 20604, not marked complete
        ("2101104", "CAT-CODE-002"),  # unknown 项 under 21011, marked complete
        ("2210204", "CAT-CODE-002"),  # unknown 项 under 22102, marked complete
        ("20698", "CAT-GAP-001"),  # unknown 款 under 206, not marked complete
        ("2069897", "CAT-GAP-001"),  # unknown 项 whose 款 is unknown under an open 类
        ("218", "CAT-CODE-001"),  # 218 is no 类
        ("2189901", "CAT-CODE-001"),  # nothing above it is known
        ("2060", "CAT-CODE-001"),  # no valid shape
        ("30104", "CAT-CODE-001"),  # unknown 款 under 经济分类 301, marked complete
        ("30241", "CAT-CODE-001"),  # unknown 款 under 302, marked complete
        ("39901", "CAT-GAP-001"),  # 399 is not marked complete
        ("31304", "CAT-GAP-001"),  # 313 is not marked complete (31304 may exist)
    ],
)
def test_notice_or_finding(code, rule):
    assert rule_of(2024, code) == rule
    assert load_rules()[rule].severity if rule else True


def test_severities_follow_the_brief():
    rules = load_rules()
    assert rules["CAT-GAP-001"].severity == "notice"
    assert rules["CAT-CODE-001"].severity == "error"
    assert rules["CAT-CODE-002"].severity == "warning"
    for rid, rule in rules.items():
        if rid.startswith("CAT-"):
            assert rule.tolerance.strip(), rid


def _entry(code: str, name: str, kind: str = "function") -> CatalogEntry:
    level = {3: "类", 5: "款", 7: "项"}[len(code)]
    return CatalogEntry(
        code=code,
        name=name,
        level=level,
        parent=code[:-2] if len(code) > 3 else None,
        kind=kind,
    )


def _tiny(complete: tuple[str, ...]) -> Catalog:
    entries = [
        _entry("201", "一般公共服务支出"),
        _entry("20101", "人大事务"),
        _entry("2010101", "行政运行"),
        _entry("205", "教育支出"),
        _entry("20501", "教育管理事务"),
    ]
    fn = CodeTable("function", 2024, entries, complete=complete)
    eco = CodeTable("economic", 2024, [])
    return Catalog(year=2024, function=fn, economic=eco, income=load_catalog(2024).income)


@pytest.mark.parametrize(
    ("complete", "code", "rule"),
    [
        ((), "2010102", "CAT-GAP-001"),  # 项 under an incomplete 款
        (("20101",), "2010102", "CAT-CODE-002"),  # 项 under a complete 款
        ((), "20102", "CAT-GAP-001"),  # 款 under an incomplete 类
        (("201",), "20102", "CAT-CODE-001"),  # 款 under a complete 类
        (("201",), "2010201", "CAT-CODE-001"),  # its 款 is unknown under a complete 类
        (("20101",), "2050101", "CAT-GAP-001"),  # completeness of 20101 says nothing on 20501
        (("201", "20101"), "203", "CAT-CODE-001"),  # unknown 类
        (("201",), "2010101", None),
    ],
)
def test_decision_on_a_small_catalog(complete, code, rule):
    cat = _tiny(complete)
    judged = judge_code(cat, cat.function, code, None)
    assert (judged[0] if judged else None) == rule


def test_a_complete_mark_must_name_a_known_parent():
    with pytest.raises(ValueError):
        _tiny(("202",))
    with pytest.raises(ValueError):
        _tiny(("2010101",))  # a 项 has no children


@given(st.data())
def test_status_follows_the_nearest_known_parent(data):
    """For any 2-digit child of any known 款 or 类: known, or a gap exactly when the parent is
    not complete; the verdict is never an error for a child of an open parent."""
    year = data.draw(st.sampled_from((2023, 2024, 2025, 2026)))
    cat = load_catalog(year)
    table = data.draw(st.sampled_from((cat.function, cat.economic)))
    parents = [e for e in table if len(e.code) + 2 in (5, 7) and table.level_of(e.code + "00")]
    parent = data.draw(st.sampled_from(parents))
    code = parent.code + f"{data.draw(st.integers(0, 99)):02d}"
    verdict = judge_code(cat, table, code, None)
    if code in table:
        assert verdict is None
    elif table.is_complete(parent.code):
        assert verdict is not None and verdict[0] in ("CAT-CODE-001", "CAT-CODE-002")
    else:
        assert verdict is not None and verdict[0] == "CAT-GAP-001"


# -- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("30213", "维修(护)费"),
        ("30213", "维修（护） 费"),
        ("20103", "政府办公厅(室)及相关机构事务"),
        ("2060499", "其 他 技 术 与 开 发 支 出"),
        ("20604", "技术研究与开发"),  # alias: the older wording
        ("2060499", "其他技术研究与开发支出"),
    ],
)
def test_legitimate_name_variants_are_not_findings(code, name):
    assert rule_of(2024, code, name) is None


def test_a_wrong_name_is_still_a_finding():
    assert rule_of(2024, "2060404", "科技成果转化") == "CAT-NAME-001"
    assert rule_of(2024, "30217", "公务用车运行维护费") == "CAT-NAME-001"


def test_the_name_of_another_years_catalog_is_accepted(monkeypatch):
    real = _loader._all_entries

    def fake(kind):
        rows = real(kind)
        if kind != "function":
            return rows
        renamed = CatalogEntry(
            code="2069999",
            name="其他科学技术支出（2026年措辞）",
            level="项",
            parent="20699",
            kind="function",
            valid_from=2026,
        )
        kept = tuple(
            CatalogEntry(**{**_as_dict(e), "valid_to": 2025}) if e.code == "2069999" else e
            for e in rows
        )
        return (*kept, renamed)

    _loader._clear_caches()
    monkeypatch.setattr(_loader, "_all_entries", fake)
    try:
        c24, c26 = load_catalog(2024), load_catalog(2026)
        assert c26.function.name_of("2069999") == "其他科学技术支出（2026年措辞）"
        assert c24.name_matches("2069999", "其他科学技术支出(2026年措辞)", any_year=True)
        assert c26.name_matches("2069999", "其他科学技术支出", any_year=True)
        assert not c26.name_matches("2069999", "其他科学技术支出")
        assert judge_code(c26, c26.function, "2069999", "其他科学技术支出") is None
    finally:
        monkeypatch.undo()
        _loader._clear_caches()


def _as_dict(e: CatalogEntry) -> dict:
    return {f: getattr(e, f) for f in e.__dataclass_fields__}


# -- the shared reference lists ------------------------------------------------------------
def _reference_rows(name: str) -> list[dict[str, str]]:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"shared reference lists not available: {path}")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("year", [2024, 2025, 2026])
@pytest.mark.parametrize("name", ["function_codes.csv", "economic_codes.csv"])
def test_reference_lists_give_no_finding_beyond_notices(year, name):
    rows = _reference_rows(name)
    assert len(rows) > 50
    cat = load_catalog(year)
    table = cat.function if name.startswith("function") else cat.economic
    verdicts = {r["code"]: judge_code(cat, table, r["code"], r["name"]) for r in rows}
    bad = {c: v for c, v in verdicts.items() if v and load_rules()[v[0]].severity != "notice"}
    assert bad == {}
    notices = {c for c, v in verdicts.items() if v}
    # only the 2026-only 其他住房保障支出 is a gap before 2026; every other code is known
    assert notices == ({"22198", "2219899"} if year < 2026 and name[0] == "f" else set())


# -- end to end on the Urumqi sample --------------------------------------------------------
def test_unknown_xiang_under_an_open_kuan_is_only_a_notice():
    text = apply(sample_text(), [TriggerEdit(line=194, find="206\t04\t04", replace="206\t04\t97")])
    report = check_document(read_text(text))
    cat = [f for f in report.findings if f.family == "catalog"]
    assert [(f.rule, f.severity) for f in cat] == [("CAT-GAP-001", "notice")]
    assert cat[0].location.row_code == "2060497"
    assert "20604 技术与开发" in cat[0].message_zh and "目录尚不完整" in cat[0].message_zh
    assert report.stats["catalog_gaps"] == 1


def test_unknown_kuan_under_a_complete_class_is_an_error():
    text = apply(
        sample_text(), [TriggerEdit(line=312, find="301\t01 基本工资", replace="301\t04 基本工资")]
    )
    report = check_document(read_text(text))
    f = next(f for f in report.findings if f.rule == "CAT-CODE-001")
    assert f.severity == "error" and f.location.row_code == "30104"
    assert "301 工资福利支出" in f.message_zh


def test_2026_document_is_checked_against_2026():
    text = sample_text().replace("2024年", "2026年")
    report = check_document(read_text(text))
    assert not [f for f in report.findings if f.family == "catalog"]


# -- the coverage printout -----------------------------------------------------------------
def test_rules_catalog_printout():
    from cnbudget.cli.main import cli

    runner = CliRunner()
    r = runner.invoke(cli, ["rules", "--catalog"], catch_exceptions=False)
    assert r.exit_code == 0
    for needle in ("2023", "2026", "function_codes.csv", "economic_codes.csv", "完整"):
        assert needle in r.output
    r = runner.invoke(cli, ["rules", "--catalog", "--format", "json"], catch_exceptions=False)
    data = json.loads(r.output)
    assert [y["year"] for y in data] == [2023, 2024, 2025, 2026]
    for year in data:
        for f in year["files"]:
            table = getattr(load_catalog(year["year"]), f["kind"])
            assert f["counts"] == table.counts()
            assert sum(f["by_source"].values()) == f["rows"] == len(table)
            assert f["complete"]["类"] + f["complete"]["款"] == len(f["complete_codes"])
    eco26 = next(f for f in data[-1]["files"] if f["kind"] == "economic")
    assert eco26["complete"] == {"类": 7, "款": 0}
