"""The rows the importer writes equal the long-form export, and money survives every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.engine import Engine

from cnbudget.export import long_rows
from cnbudget.model import Document
from cnbudget.store.records import AMOUNT_FIELDS, amount_records, compress, decompress
from cnbudget.store.types import ExactDecimal, Money, MoneyPrecisionError, tidy


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def _assert_same_as_long_rows(doc: Document) -> None:
    expected = long_rows(doc)
    got = [dict(zip(AMOUNT_FIELDS, rec, strict=True)) for rec in amount_records(doc)]
    assert len(got) == len(expected)
    for exp, rec in zip(expected, got, strict=True):
        for field in (
            "table_no",
            "table_type",
            "unit_name",
            "side",
            "row_kind",
            "row_key",
            "row_code",
            "row_level",
            "row_name",
            "project",
            "column_key",
            "printed",
            "source_line",
            "source_cell",
        ):
            assert _text(rec[field]) == exp[field], field
        assert rec["column_label"] == exp["column"]
        assert isinstance(rec["value"], Decimal)
        assert rec["value"] == Decimal(exp["value"])
        assert _text(rec["value"]) == exp["value"]


def test_amount_records_equal_long_rows_on_the_sample(sample_doc: Document) -> None:
    assert sample_doc.performance  # the sample has performance tables: both paths are covered
    _assert_same_as_long_rows(sample_doc)


def test_amount_records_equal_long_rows_on_generated_documents() -> None:
    example = pytest.importorskip("cnbudget.example", reason="document generator not installed")
    for seed in range(5):
        _assert_same_as_long_rows(example.build_example(seed))


def test_amount_records_point_at_their_table_and_row(sample_doc: Document) -> None:
    for rec in amount_records(sample_doc):
        r = dict(zip(AMOUNT_FIELDS, rec, strict=True))
        if r["table_pos"] is None:
            perf = sample_doc.performance[r["row_position"]]
            assert perf.amounts[r["column_key"]].value == r["value"]
        else:
            row = sample_doc.tables[r["table_pos"]].rows[r["row_position"]]
            assert row.values[r["column_key"]].value == r["value"]


def test_compression_round_trip() -> None:
    text = "部门预算".encode() * 100
    data, how = compress(text)
    assert how == "zlib" and len(data) < len(text)
    assert decompress(data, how) == text
    noise = bytes(range(256))
    data, how = compress(noise)
    assert how == "none" and decompress(data, how) == noise
    with pytest.raises(ValueError):
        decompress(b"", "lz4")


def test_tidy_keeps_value_and_shows_printed_decimals() -> None:
    assert str(tidy(Decimal("4701.750000"))) == "4701.75"
    assert str(tidy(Decimal("1000.000000"))) == "1000.00"
    assert str(tidy(Decimal("0.012345"))) == "0.012345"
    for x in ("4701.750000", "0.012345", "-3.1"):
        assert tidy(Decimal(x)) == Decimal(x)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0.01"),
        Decimal("0.000001"),
        Decimal("-152.00"),
        Decimal("33898.98"),
        Decimal("4000000000000.000001"),  # 4e12 万元: twice that is near the int64 limit
        Decimal("0.1") + Decimal("0.2"),  # exactly 0.3, where floats are not
    ],
)
def test_money_is_exact_on_both_backends(engine: Engine, value: Decimal) -> None:
    md = MetaData()
    t = Table(
        "money_probe",
        md,
        Column("id", Integer, primary_key=True),
        Column("v", Money()),
        Column("x", ExactDecimal()),
    )
    md.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(t), [{"v": value, "x": value / 7}, {"v": value, "x": None}])
            got = conn.execute(select(t.c.v, t.c.x).order_by(t.c.id)).all()
            total = conn.scalar(select(t.c.v + t.c.v).limit(1))
            summed = conn.scalar(select(func.sum(t.c.v)))
        assert got[0][0] == value and isinstance(got[0][0], Decimal)
        assert got[0][1] == value / 7  # ExactDecimal keeps all 28 digits
        assert got[1][1] is None
        assert summed == value * 2
        assert total == value * 2
    finally:
        md.drop_all(engine)


def test_money_refuses_to_round(engine: Engine) -> None:
    md = MetaData()
    t = Table("money_probe2", md, Column("id", Integer, primary_key=True), Column("v", Money()))
    md.create_all(engine)
    try:
        with pytest.raises(Exception, match="more than 6 decimals") as info, engine.begin() as c:
            c.execute(insert(t).values(v=Decimal("1.0000001")))
        assert isinstance(info.value.orig, MoneyPrecisionError)  # type: ignore[attr-defined]
        with pytest.raises(Exception, match="must be Decimal"), engine.begin() as conn:
            conn.execute(insert(t).values(v=0.1))
        with pytest.raises(Exception, match=r"too large|does not fit"), engine.begin() as conn:
            conn.execute(insert(t).values(v=Decimal("100000000000000")))
    finally:
        md.drop_all(engine)
