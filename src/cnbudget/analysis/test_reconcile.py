"""Cross-year reconciliation: the corpus pair 万里街道 2024 ↔ 2025, and generated pairs with
deliberate restatements that must be found."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cnbudget.analysis._testsupport import WANLI_2024, WANLI_2025, corpus_doc
from cnbudget.analysis.reconcile import reconcile, reconcile_stored, same_department
from cnbudget.analysis.subjects import change_statements, fold_wording
from cnbudget.analysis.synthetic import previous_year_example
from cnbudget.example import example_text
from cnbudget.ingest.text import read_text
from cnbudget.outputs.text import render_text

# --------------------------------------------------------------------------------------------
# wording


@pytest.mark.parametrize(
    ("text", "year", "folded"),
    [
        ("比2024年预算增加3,355.65万元", 2025, "比上年预算增加3,355.65万元"),
        ("比2023年预算增加5万元", 2025, "比2023年预算增加5万元"),  # not the previous year
        ("比2024年预算持平", 2025, "比上年预算增加 0.00 万元"),
        (
            "公务接待费1.35万元。比2024年预算持平",
            2025,
            "公务接待费1.35万元，比上年预算增加 0.00 万元",
        ),
        ("与2023年度相比,收入支出总计减少56.95万元", 2024, "比上年，收入支出总计减少56.95万元"),
        ("比2023年预算执行数减少5.00万元", 2024, "（与上年执行数比较）"),
    ],
)
def test_fold_wording(text: str, year: int, folded: str) -> None:
    assert fold_wording(text, year) == folded


# --------------------------------------------------------------------------------------------
# corpus: 万里街道 2024 ↔ 2025


def test_wanli_pair_every_statement_matches() -> None:
    prev, cur = corpus_doc(WANLI_2024), corpus_doc(WANLI_2025)
    r = reconcile(prev, cur)
    assert r.same_department
    # What the 2025 narrative says about 2024: 财政拨款收支 (3 statements), the two empty
    # budgets (持平), and the 三公 total and its five items — eleven in all, all as published.
    assert r.counts() == {"match": 11}
    assert r.findings == []
    by_subject = {c.subject: c for c in r.comparisons}
    income = by_subject["财政拨款收入"]
    assert income.implied == Decimal("15621.11")
    assert income.published == Decimal("15621.1123")  # printed in 元 in 2024's 表1
    assert income.previous is not None and income.previous.table_no == 1
    assert income.statement.source_page == 6
    three = next(c for c in r.comparisons if "三公" in c.subject)
    assert (three.this_year, three.change, three.implied) == (
        Decimal("37.91"),
        Decimal("-10"),
        Decimal("47.91"),
    )
    assert three.previous is not None and three.previous.table_no == 9
    # The 2025 narrative lists its 33 项 without any change: context only.
    assert len(r.table_changes) == 33
    assert not any(t.stated for t in r.table_changes)


def test_wanli_2024_compares_items_with_execution_not_budget() -> None:
    """2024's 项 paragraphs compare with 2023's *execution* (预算执行数): no budget restated."""
    subjects = [c.statement.subject for c in change_statements(corpus_doc(WANLI_2024))]
    assert len(subjects) == 11
    assert not any("(项)" in s for s in subjects)


def test_wanli_restatement_in_a_modified_copy_is_found() -> None:
    prev, cur = corpus_doc(WANLI_2024), corpus_doc(WANLI_2025)
    t9 = prev.table("three_public")
    assert t9 is not None
    row = t9.row_by_key("reception")
    assert row is not None
    row.values["total"] = row.values["total"].model_copy(update={"value": Decimal("2.35")})
    r = reconcile(prev, cur)
    assert [f.rule for f in r.findings] == ["XY-RESTATE-001"]
    f = r.findings[0]
    assert "公务接待费" in f.message_zh and "2024" in f.message_zh
    assert (f.expected, f.found) == (Decimal("2.35"), Decimal("1.35"))
    # both sources: last year's cell (表9, page 31 of 2024) and this year's (page 29 of 2025)
    assert [(x.table_no, x.source_page) for x in f.related] == [(9, 31), (9, 29)]
    assert f.location.source_page == 30


def test_wanli_stored_pair(tmp_path) -> None:
    from cnbudget.store import import_paths, list_documents
    from cnbudget.testing import corpus_file

    url = f"sqlite:///{tmp_path / 's.db'}"
    summary = import_paths([corpus_file(WANLI_2024), corpus_file(WANLI_2025)], url, jobs=1)
    assert summary.counts["imported"] == 2
    docs = {d.year: d for d in list_documents(url)}
    r = reconcile_stored(url, docs[2025].id)
    assert r is not None
    assert r.previous.document_id == docs[2024].id
    assert r.counts() == {"match": 11}
    assert reconcile_stored(url, docs[2024].id) is None  # nothing stored for 2023


# --------------------------------------------------------------------------------------------
# generated pairs


@pytest.mark.parametrize("seed", range(8))
def test_generated_pair_reconciles_cleanly(seed: int) -> None:
    """The previous year is built from the generator's own prior-year figures, so a clean
    result checks the subject mapping independently of it."""
    prev, cur = previous_year_example(seed)
    r = reconcile(prev, cur)
    assert r.findings == []
    assert set(r.counts()) == {"match"}
    assert r.counts()["match"] >= 20
    # every section that speaks about last year is covered: income, expenditure, 一般公共预算
    # by 项, 三公 and 机关运行经费
    tables = {c.previous.table_type for c in r.comparisons if c.previous}
    assert {
        "income_summary",
        "expenditure_summary",
        "general_expenditure",
        "three_public",
    } <= tables
    assert "general_basic" in tables


def test_restated_table_cell_of_the_earlier_year_is_found() -> None:
    prev, cur = previous_year_example(3)
    t10 = prev.table("three_public")
    assert t10 is not None
    row = t10.row_by_key("reception")
    assert row is not None
    before = row.value0("total")
    row.values["total"] = row.values["total"].model_copy(update={"value": before + 1})
    r = reconcile(prev, cur)
    assert [f.rule for f in r.findings] == ["XY-RESTATE-001"]
    f = r.findings[0]
    assert "公务接待费" in f.message_zh
    assert f.expected == before + 1 and f.found == before
    assert f.related[0].table_no == 10 and f.related[0].row_key == "reception"


def test_edited_narrative_of_the_later_year_is_found() -> None:
    """Change one 比上年 amount in the later year's published text: the finding cites its line."""
    prev, _ = previous_year_example(1)
    lines = example_text(1).split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("基本支出") and "比上年预算" in ln)
    import re

    m = re.search(r"比上年预算(增加|减少) ([\d,]+\.\d\d) 万元", lines[i])
    assert m
    old = Decimal(m.group(2).replace(",", ""))
    lines[i] = lines[i].replace(m.group(0), f"比上年预算{m.group(1)} {old + 100:,.2f} 万元")
    cur = read_text("\n".join(lines), name="edited.txt")
    r = reconcile(prev, cur)
    restated = [f for f in r.findings if f.rule == "XY-RESTATE-001"]
    assert len(restated) == 1
    f = restated[0]
    assert f.location.source_line == i + 1
    assert "基本支出" in f.message_zh
    assert abs(f.difference or 0) == 100


def test_classification_missing_last_year_is_found() -> None:
    prev, cur = previous_year_example(0)
    t5 = prev.table("general_expenditure")
    assert t5 is not None
    item = next(r for r in t5.rows if r.code and len(r.code) == 7 and r.values)
    t5.rows.remove(item)
    r = reconcile(prev, cur)
    missing = [f for f in r.findings if f.rule == "XY-RESTATE-002"]
    assert len(missing) == 1
    assert item.name in missing[0].message_zh or item.code in missing[0].message_zh


def test_text_round_trip_of_the_generated_previous_year() -> None:
    """The generated previous year survives printing and reading (so it can be stored)."""
    prev, cur = previous_year_example(0)
    again = read_text(render_text(prev), name="prev.txt")
    assert again.metadata.year == cur.metadata.year - 1  # type: ignore[operator]
    assert reconcile(again, read_text(example_text(0), name="cur.txt")).findings == []


def test_department_names_and_years() -> None:
    prev, cur = previous_year_example(0)
    assert same_department(prev, cur)
    renamed = prev.model_copy(deep=True)
    renamed.metadata.department = renamed.metadata.alias  # printed under its other name
    renamed.metadata.alias = None
    assert same_department(renamed, cur)
    other = prev.model_copy(deep=True)
    other.metadata.department, other.metadata.alias = "另一个局", None
    r = reconcile(other, cur)
    assert not r.same_department and r.notes
    with pytest.raises(ValueError):
        reconcile(cur, cur)
    final = prev.model_copy(deep=True)
    final.metadata.kind = "final"
    with pytest.raises(ValueError):
        reconcile(final, cur)


def test_as_dict_is_json_ready() -> None:
    import json

    prev, cur = previous_year_example(2)
    data = reconcile(prev, cur).as_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert data["counts"]["match"] >= 20
    assert '"implied": "' in text  # amounts as exact strings, never floats


def test_code_moved_between_catalog_years(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 项 recoded *and* renamed between years is found through the catalog's code move.

    Today's catalog encodes no recoding (catalog/data/README.md), so the two years' catalogs
    are stand-ins here."""
    from cnbudget.analysis import subjects
    from cnbudget.analysis.subjects import Address, moved_code, resolve
    from cnbudget.catalog import CatalogEntry, CodeTable
    from cnbudget.model import Column, Document, Metadata, Row, Table

    def entry(code: str, name: str) -> CatalogEntry:
        level = {3: "类", 5: "款", 7: "项"}[len(code)]
        return CatalogEntry(code, name, level, code[:-2] if len(code) > 3 else None, "function")

    tables = {
        2024: CodeTable(
            "function", 2024, [entry("201", "一般公共服务支出"), entry("2010150", "事业运行")]
        ),
        2025: CodeTable(
            "function", 2025, [entry("201", "一般公共服务支出"), entry("2010160", "事业运行")]
        ),
    }

    class FakeCatalog:
        def __init__(self, year: int) -> None:
            self.function = tables[year]

    monkeypatch.setattr(subjects, "load_catalog", FakeCatalog)
    assert moved_code("2010150", 2024, 2025) == "2010160"
    assert moved_code("2010160", 2025, 2025) is None

    doc = Document(
        metadata=Metadata(year=2025),
        tables=[
            Table(
                type="general_expenditure",
                title="t",
                columns=[Column(key="total", header=["合计"])],
                rows=[
                    Row(kind="item", name="一般公共服务支出", code="201", level="类"),
                    Row(kind="item", name="改名后的款", code="20101", level="款"),
                    Row(kind="item", name="改名后的项", code="2010160", level="项"),
                ],
            )
        ],
    )
    addr = Address(
        "x",
        rows="general_expenditure:total",
        path=(("一般公共服务支出", "类"), ("人大事务", "款"), ("事业运行", "项")),
        code="2010150",
    )
    r = resolve(doc, addr, code_year=2024)
    assert r.status == "blank" and r.row is not None and r.row.code == "2010160"
    assert r.moved_from == "2010150"


def test_renamed_department_pairs_through_the_store(tmp_path) -> None:
    """The later year prints a new name (the alias is unchanged): the store keeps one
    department, so the previous year is found and reconciled."""
    from cnbudget.store import import_paths, list_documents

    prev, _ = previous_year_example(0)
    assert prev.metadata.department == "示例市数据资源管理局" and prev.metadata.alias
    (tmp_path / "2023.txt").write_text(render_text(prev), encoding="utf-8")
    renamed = example_text(0).replace("示例市数据资源管理局", "示例市数据局")
    (tmp_path / "2024.txt").write_text(renamed, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert import_paths([tmp_path], url, jobs=1).counts["imported"] == 2
    docs = {d.year: d for d in list_documents(url)}
    assert docs[2023].department_id == docs[2024].department_id
    r = reconcile_stored(url, docs[2024].id)
    assert r is not None and r.same_department and not r.notes
    assert r.findings == [] and set(r.counts()) == {"match"}
