"""Queries over several stored documents: totals, series, comparison, peers."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from cnbudget.store import queries
from cnbudget.store.conftest import ALIAS, NAME, variant
from cnbudget.store.importer import import_paths
from cnbudget.store.queries import (
    AmountDiff,
    compare_documents,
    department_series,
    economic_totals,
    function_totals,
    jsonable,
    list_documents,
    peers,
    resolve_department,
)
from cnbudget.testing import sample_text

T3_TOTAL = "<b>总计</b>\t<b>33,898.98</b>\t<b>2,359.94</b>\t<b>31,539.04</b>"
T3_TOTAL_2023 = "<b>总计</b>\t<b>30,000.00</b>\t<b>2,359.94</b>\t<b>27,640.06</b>"
T6_TOTAL = "\t总计\t2,359.94\t2,151.77\t208.17"
T6_TOTAL_FIXED = "\t总计\t2,400.00\t2,151.77\t248.23"

OTHERS = [  # (name, alias, staff) of other bureaus of the same city, all printing 2024 budgets
    ("乌鲁木齐市商务局", "乌鲁木齐市口岸办", 300),
    ("乌鲁木齐市发展和改革委员会", "乌鲁木齐市粮食局", 310),
    ("乌鲁木齐市统计局", "乌鲁木齐市普查中心", 285),
    ("乌鲁木齐市审计局", "乌鲁木齐市审计中心", 295),
]


@pytest.fixture
def store(db_url: str, write_text: Any) -> dict[str, Any]:
    """The bureau over three years (2023 with other totals, 2024 corrected once) and four
    other bureaus in 2024."""
    text = sample_text()
    files = {
        "x2022": write_text("x2022.txt", variant(text, year=2022)),
        "x2023": write_text(
            "x2023.txt", variant(text, year=2023, replace={T3_TOTAL: T3_TOTAL_2023})
        ),
        "x2024": write_text("x2024.txt", text),
        "x2024b": write_text("x2024b.txt", variant(text, replace={T6_TOTAL: T6_TOTAL_FIXED})),
    }
    for i, (name, alias, staff) in enumerate(OTHERS):
        files[f"o{i}"] = write_text(f"o{i}.txt", variant(text, name=name, alias=alias, staff=staff))
    summary = import_paths(list(files.values()), db_url, jobs=1)
    assert summary.counts["imported"] == len(files), [r.reason for r in summary.failed]
    ids = {key: r.document_id for key, r in zip(files, summary.results, strict=True)}
    return {"url": db_url, "ids": ids}


def test_function_totals_by_year_counts_current_versions_once(store: dict[str, Any]) -> None:
    rows = function_totals(store["url"], level="类", years=2024)
    by_code = {r.code: r for r in rows}
    assert set(by_code) == {"206", "208", "211", "215", "229"}
    r215 = by_code["215"]
    # five bureaus in 2024 (the bureau's first 2024 version is superseded, not counted)
    assert r215.documents == 5
    assert r215.values == {
        "total": Decimal("2115.70") * 5,
        "basic": Decimal("1727.64") * 5,
        "project": Decimal("388.06") * 5,
    }
    assert r215.name == "资源勘探工业信息等支出" and r215.year == 2024
    every_version = function_totals(store["url"], level="类", years=2024, current_only=False)
    assert {r.code: r for r in every_version}["215"].values["total"] == Decimal("2115.70") * 6


def test_function_totals_levels_prefix_department_region(store: dict[str, Any]) -> None:
    url = store["url"]
    kuan = function_totals(url, level="款", code_prefix="215", years=2024, department=NAME)
    assert {r.code: r.values["total"] for r in kuan} == {
        "21502": Decimal("133.99"),
        "21505": Decimal("1603.15"),
        "21508": Decimal("378.56"),
    }
    xiang = function_totals(url, level="项", by=("department", "year"), years=[2024])
    assert len({r.department_id for r in xiang}) == 5
    assert all(r.department for r in xiang)
    totals = function_totals(url, level="total", by=("region", "year"))
    by_year = {r.year: r for r in totals}
    assert set(by_year) == {2022, 2023, 2024}
    assert by_year[2024].region == "新疆维吾尔自治区/乌鲁木齐市"
    assert by_year[2024].values["total"] == Decimal("33898.98") * 5
    assert by_year[2023].values == {
        "total": Decimal("30000.00"),
        "basic": Decimal("2359.94"),
        "project": Decimal("27640.06"),
    }
    assert function_totals(url, level="total", region="乌鲁木齐市", years=2024)
    assert function_totals(url, level="total", region="北京市") == []


def test_economic_totals(store: dict[str, Any]) -> None:
    url = store["url"]
    rows = {r.code: r for r in economic_totals(url, level="类", years=2024)}
    assert rows["301"].values == {
        "total": Decimal("1940.81") * 5,
        "personnel": Decimal("1940.81") * 5,
        "public": Decimal(0),  # blank in every document
    }
    assert rows["302"].values["public"] == Decimal("208.17") * 5
    kuan = {r.code: r for r in economic_totals(url, level="款", years=2024, department=ALIAS)}
    assert kuan["30231"].values["total"] == Decimal("22.50")
    total = economic_totals(url, level="total", years=2024, department=ALIAS)
    # the corrected 2024 version of the bureau is the current one
    assert total[0].values == {
        "total": Decimal("2400.00"),
        "personnel": Decimal("2151.77"),
        "public": Decimal("248.23"),
    }


def test_department_series_by_either_name(store: dict[str, Any]) -> None:
    url = store["url"]
    assert resolve_department(url, ALIAS) == resolve_department(url, NAME)
    series = department_series(url, ALIAS)
    assert [p.year for p in series] == [2022, 2023, 2024]
    assert [p.values["total"] for p in series] == [
        Decimal("33898.98"),
        Decimal("30000.00"),
        Decimal("33898.98"),
    ]
    assert series[0].change is None
    assert series[1].change == Decimal("-3898.98")
    assert series[1].change_rel == Decimal("-0.115018")
    assert series[2].change == Decimal("3898.98")
    assert series[2].document_id == store["ids"]["x2024b"]  # the current version
    by_code = department_series(url, NAME, code="2150501")
    assert [p.values["total"] for p in by_code] == [Decimal("1447.01")] * 3
    basic = department_series(url, NAME, table_type="general_basic", columns=("public",))
    assert [p.values["public"] for p in basic] == [
        Decimal("208.17"),
        Decimal("208.17"),
        Decimal("248.23"),
    ]
    assert department_series(url, "不存在的部门") == []


def test_compare_two_versions(store: dict[str, Any]) -> None:
    url, ids = store["url"], store["ids"]
    every = compare_documents(url, ids["x2024"], ids["x2024b"])
    assert len(every) == list_documents(url)[0].amount_count
    changed = [d for d in every if d.status != "same"]
    assert [(d.table_type, d.row_kind, d.column_key) for d in changed] == [
        ("general_basic", "total", "total"),
        ("general_basic", "total", "public"),
    ]
    total, public = changed
    assert (total.a, total.b, total.diff) == (
        Decimal("2359.94"),
        Decimal("2400.00"),
        Decimal("40.06"),
    )
    assert total.rel_diff == Decimal("0.016975")
    assert public.diff == Decimal("40.06") and public.table_no == 6
    assert compare_documents(url, ids["x2024"], ids["x2024b"], include_same=False) == changed


def test_compared_columns_line_up_with_the_diff_fields(store: dict[str, Any]) -> None:
    """``_diff`` builds an AmountDiff positionally from ``_COMPARED`` and ``_identity`` unpacks
    a row by position: both rest on this order (``column_label`` is the field ``column``)."""
    columns = [c.key for c in queries._COMPARED]
    assert columns[queries._DESCRIBED :] == ["value"]
    described = ["column" if c == "column_label" else c for c in columns[: queries._DESCRIBED]]
    assert described == [f.name for f in dataclasses.fields(AmountDiff)][: queries._DESCRIBED]
    url, ids = store["url"], store["ids"]
    d = compare_documents(url, ids["x2024"], ids["x2024b"], include_same=False)[0]
    assert (d.table_type, d.row_kind, d.column_key, d.column) == (
        "general_basic",
        "total",
        "total",
        "一般公共预算基本支出 / 合计",
    )


def test_compare_across_years_and_departments(store: dict[str, Any]) -> None:
    url, ids = store["url"], store["ids"]
    diffs = compare_documents(url, ids["x2023"], ids["x2024"], include_same=False)
    t3 = [d for d in diffs if d.table_type == "expenditure_summary"]
    assert {(d.column_key, d.diff) for d in t3} == {
        ("total", Decimal("3898.98")),
        ("project", Decimal("3898.98")),
    }
    # another bureau: its own units' rows are added, the bureau's removed
    other = compare_documents(url, ids["x2024"], ids["o0"], include_same=False)
    statuses = {d.status for d in other}
    assert {"added", "removed"} <= statuses
    assert all(d.a is None for d in other if d.status == "added")
    assert all(d.diff is None and d.rel_diff is None for d in other if d.status != "changed")
    with pytest.raises(KeyError):
        compare_documents(url, ids["x2024"], 999_999)


def test_peers_flag_the_outlier_and_say_why(db_url: str, write_text: Any) -> None:
    text = sample_text()
    files = [write_text("x.txt", text)]
    for i, (name, alias, staff) in enumerate(OTHERS):
        files.append(write_text(f"o{i}.txt", variant(text, name=name, alias=alias, staff=staff)))
    # ten times the 三公 and running costs per head: the same money for 29 people
    files.append(
        write_text(
            "outlier.txt",
            variant(text, name="乌鲁木齐市文化和旅游局", alias="乌鲁木齐市文物局", staff=29),
        )
    )
    # a smaller 2023 group: too few peers for z-scores
    files.append(write_text("x2023.txt", variant(text, year=2023)))
    summary = import_paths(files, db_url, jobs=1)
    assert summary.counts["imported"] == 7
    rows = peers(db_url)
    by_dept = {(r.year, r.department.split("（")[0]): r for r in rows}
    out = by_dept[(2024, "乌鲁木齐市文化和旅游局")]
    assert out.outlier is True
    assert out.staff == 29
    assert out.three_public == Decimal("22.80")
    m = out.metrics["three_public_per_staff"]
    assert m.value == Decimal("0.786207") and m.outlier and m.z is not None and m.z > 3
    assert out.metrics["running_costs_per_staff"].outlier
    assert not out.metrics["project_share"].outlier  # all bureaus print the same shares
    assert out.metrics["project_share"].value == Decimal("0.498072")
    assert "人均“三公”经费" in out.explanation and "高于同组中位数" in out.explanation
    assert "above the peer median" in out.explanation
    others_2024 = [r for r in rows if r.year == 2024 and r is not out]
    assert len(others_2024) == 5
    assert not any(r.outlier for r in others_2024)
    assert all("within the peer range" in r.explanation for r in others_2024)
    assert all(r.metrics["three_public_per_staff"].z is not None for r in others_2024)
    lone = by_dept[(2023, NAME)]
    assert lone.metrics["three_public_per_staff"].z is None and not lone.outlier
    # staff basis "active" (在职) changes the figures, not the verdict
    active = {r.document_id: r for r in peers(db_url, years=2024, staff="active")}
    assert active[out.document_id].staff == 112
    assert [r.year for r in peers(db_url, years=2023)] == [2023]
    assert peers(db_url, years=2024, region="乌鲁木齐市", by_region=True)
    as_json = json.loads(json.dumps(jsonable(out)))
    assert as_json["three_public"] == "22.80"
    assert as_json["metrics"]["three_public_per_staff"]["outlier"] is True
    assert as_json["explanation"] == out.explanation
