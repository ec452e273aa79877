"""Fiscal Data Package export: a valid (Tabular) Data Package, with the FDP model checked
structurally (the Fiscal Data Package JSON schema itself is remote, and tests have no network).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cnbudget.export import long_rows
from cnbudget.export.datapackage import DATA_PATH, FIELDS, write_datapackage
from cnbudget.export.stored import stored_long_rows
from cnbudget.model import Document
from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths

PHASES = {"proposed", "approved", "adjusted", "executed"}
DIMENSION_TYPES = {"datetime", "entity", "classification", "activity", "fact", "location", "other"}


def check_fiscal_descriptor(descriptor: dict[str, Any]) -> None:
    """The Fiscal Data Package (0.3) rules a loader relies on, checked one by one."""
    for key in ("name", "title", "resources", "model"):
        assert key in descriptor, key
    assert descriptor["profile"] == "fiscal-data-package"
    fields = {
        r["name"]: {f["name"] for f in r["schema"]["fields"]} for r in descriptor["resources"]
    }
    first = descriptor["resources"][0]["name"]
    model = descriptor["model"]
    assert model["measures"], "at least one measure"
    for name, m in model["measures"].items():
        assert m["source"] in fields[m.get("resource", first)], name
        assert len(m["currency"]) == 3 and m["currency"].isupper()
        assert m.get("phase", "approved") in PHASES
        assert isinstance(m.get("factor", 1), int | float)
    assert model["dimensions"], "at least one dimension"
    for name, d in model["dimensions"].items():
        attrs = d["attributes"]
        assert attrs, name
        pk = d["primaryKey"] if isinstance(d["primaryKey"], list) else [d["primaryKey"]]
        assert set(pk) <= set(attrs), name
        assert d.get("dimensionType", "other") in DIMENSION_TYPES
        if d.get("dimensionType") == "classification":
            assert d["classificationType"] in {"administrative", "functional", "economic"}
        for aname, a in attrs.items():
            assert ("source" in a) != ("constant" in a), (name, aname)
            if "source" in a:
                assert a["source"] in fields[a.get("resource", first)], (name, aname)
            for link in ("labelfor", "parent"):
                if link in a:
                    assert a[link] in attrs, (name, aname, link)
    period = descriptor.get("fiscalPeriod")
    if period:
        assert period["start"] <= period["end"]


def validate_with_frictionless(path: Path) -> None:
    """Validate descriptor and data with frictionless as a Tabular Data Package (the
    fiscal-data-package profile is fetched from the web by frictionless, so it is checked by
    :func:`check_fiscal_descriptor` instead)."""
    frictionless = pytest.importorskip("frictionless")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["profile"] = "tabular-data-package"
    local = path.parent / "datapackage.tabular.json"
    local.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    report = frictionless.validate(str(local))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def read_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / DATA_PATH, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_sample_package(sample_doc: Document, tmp_path: Path) -> None:
    path = write_datapackage(sample_doc, tmp_path / "pkg")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    check_fiscal_descriptor(descriptor)
    validate_with_frictionless(path)

    assert descriptor["fiscalPeriod"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert descriptor["countryCode"] == "CN"
    m = descriptor["model"]["measures"]
    assert list(m) == ["approved"]
    assert m["approved"]["currency"] == "CNY" and m["approved"]["factor"] == 10000
    assert m["approved"]["phase"] == "approved"
    dims = descriptor["model"]["dimensions"]
    assert dims["functional-classification"]["classificationType"] == "functional"
    assert dims["economic-classification"]["classificationType"] == "economic"
    field_names = [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]]
    assert field_names == [f[0] for f in FIELDS]
    types = {f["name"]: f.get("columnType") for f in descriptor["resources"][0]["schema"]["fields"]}
    assert types["functional_class_code"].startswith("functional-classification:")
    assert types["economic_kuan_label"].startswith("economic-classification:")

    rows = read_rows(tmp_path / "pkg")
    records = long_rows(sample_doc)
    assert len(rows) == len(records) == descriptor["cnbudget"]["records"]
    assert len({r["line_id"] for r in rows}) == len(rows)
    assert [Decimal(r["approved"]) for r in rows] == [Decimal(r["value"]) for r in records]
    assert all(r["executed"] == "" and r["phase"] == "approved" for r in rows)

    # 表3's 项 rows carry the whole 类/款/项 path with the printed names.
    item = next(
        r for r in rows if r["table_type"] == "expenditure_summary" and r["row_level"] == "项"
    )
    code = item["row_code"]
    assert item["functional_class_code"] == code[:3]
    assert item["functional_kuan_code"] == code[:5]
    assert item["functional_xiang_code"] == code
    assert item["functional_xiang_label"] == item["row_name"]
    assert item["functional_class_label"] and item["functional_kuan_label"]
    assert item["economic_class_code"] == ""
    # 表6 rows are economic; 表7's columns keyed by an economic code are too.
    eco = next(r for r in rows if r["table_type"] == "general_basic" and r["row_level"] == "款")
    assert eco["economic_class_code"] == eco["row_code"][:3] and eco["economic_kuan_code"]
    assert eco["economic_class_label"] and eco["functional_class_code"] == ""
    e302 = next(r for r in rows if r["column_key"] == "e302")
    assert e302["economic_class_code"] == "302" and e302["economic_class_label"]


def test_store_package_with_budget_and_final(
    db_url: str, write_text: Any, sample_source: str, tmp_path: Path
) -> None:
    budget = write_text("b.txt", variant(sample_source, year=2023))
    final_text = variant(sample_source).replace("2024 年部门预算公开", "2024 年部门决算公开")
    final = write_text("f.txt", final_text)
    summary = import_paths([budget, final], db_url, jobs=1)
    assert summary.counts["imported"] == 2, [r.reason for r in summary.failed]
    kinds = {r.kind for r in summary.results}
    path = write_datapackage(stored_long_rows(db_url), tmp_path / "store-pkg", name="Store Export")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    check_fiscal_descriptor(descriptor)
    validate_with_frictionless(path)
    assert descriptor["name"] == "store-export"
    assert descriptor["fiscalPeriod"] == {"start": "2023-01-01", "end": "2024-12-31"}
    rows = read_rows(tmp_path / "store-pkg")
    assert {r["document_id"] for r in rows} == {str(r.document_id) for r in summary.results}
    assert kinds == {"budget", "final"}
    assert set(descriptor["model"]["measures"]) == {"approved", "executed"}
    assert descriptor["model"]["measures"]["executed"]["phase"] == "executed"
    for r in rows:
        if r["kind"] == "final":
            assert r["phase"] == "executed" and r["executed"] and not r["approved"]
        else:
            assert r["phase"] == "approved" and r["approved"] and not r["executed"]
