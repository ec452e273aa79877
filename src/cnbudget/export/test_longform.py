"""Tests of the long-form export: completeness on the real sample, lossless CSV/XLSX round trips,
and a property test on generated documents with hostile names."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnbudget.export import (
    LONG_COLUMNS,
    long_rows,
    read_long_csv,
    read_long_xlsx,
    to_records,
    write_csv,
    write_xlsx,
)
from cnbudget.export.longform import NOTES_SHEET, SHEET_NAME
from cnbudget.model import (
    Amount,
    Column,
    Document,
    Metadata,
    PerformanceTable,
    Row,
    Source,
    Table,
)
from cnbudget.money import parse_amount

Q = Decimal("0.01")


def _model_amounts(doc: Document) -> list[Amount]:
    """Every amount of the model, counted independently of the exporter."""
    amounts = [a for t in doc.tables for r in t.rows for a in r.values.values()]
    amounts += [a for p in doc.performance for a in p.amounts.values()]
    return amounts


def _one(records: list[dict[str, str]], **criteria: str) -> dict[str, str]:
    hits = [r for r in records if all(r[k] == v for k, v in criteria.items())]
    assert len(hits) == 1, f"{len(hits)} records match {criteria}"
    return hits[0]


# --------------------------------------------------------------------------------------------
# The real sample


def test_every_sample_amount_exported_exactly_once(sample_doc: Document) -> None:
    records = long_rows(sample_doc)
    n_table = sum(len(r.values) for t in sample_doc.tables for r in t.rows)
    n_perf = sum(len(p.amounts) for p in sample_doc.performance)
    assert n_table > 300 and n_perf > 0
    assert len(records) == n_table + n_perf
    assert all(tuple(r) == LONG_COLUMNS for r in records)
    assert all(isinstance(v, str) for r in records for v in r.values())

    # Each printed cell (table, line, cell) of the model appears once and only once.
    expected: Counter[tuple[str, str, str, Decimal]] = Counter()
    for t in sample_doc.tables:
        for row in t.rows:
            for a in row.values.values():
                assert a.source is not None
                expected[(str(t.number), str(a.source.line), str(a.source.cell), a.value)] += 1
    for p in sample_doc.performance:
        for a in p.amounts.values():
            assert a.source is not None
            kind = f"performance_{p.kind}"
            expected[(kind, str(a.source.line), str(a.source.cell), a.value)] += 1
    got = Counter(
        (
            r["table_no"] or r["table_type"],
            r["source_line"],
            r["source_cell"],
            Decimal(r["value"]),
        )
        for r in records
    )
    assert got == expected
    assert max(got.values()) == 1
    assert {r["table_no"] for r in records} >= {str(n) for n in (1, 2, 3, 4, 5, 6, 7, 10, 11)}
    # value is the printed figure without separators, exactly.
    for r in records:
        assert Decimal(r["value"]) == parse_amount(r["printed"])
        assert "," not in r["value"] and "E" not in r["value"]


def test_sample_known_records(sample_doc: Document) -> None:
    records = to_records(sample_doc)
    t3 = _one(records, table_no="3", row_name="总计", column="支出预算 / 基本支出")
    assert (t3["value"], t3["source_line"], t3["printed"]) == ("2359.94", "191", "2,359.94")
    assert t3["table_title"] == "部门支出总体情况表" and t3["row_kind"] == "total"

    t6 = _one(records, table_no="6", row_code="30101", column_key="total")
    assert (t6["row_name"], t6["value"], t6["source_line"]) == ("基本工资", "485.32", "312")

    t7 = _one(
        records,
        table_no="7",
        project="信息化运维项目",
        unit_name="乌鲁木齐市中小企业服务中心",
        column_key="total",
    )
    assert t7["value"] == "34.33" and t7["row_code"] == "2060499" and t7["row_level"] == "项"
    assert t7["column"] == "项目支出合计"

    t1 = _one(records, table_no="1", row_key="general_own")
    assert t1["row_name"].endswith("一般财力")
    assert (t1["value"], t1["side"], t1["column"]) == ("4549.75", "income", "收入 / 预算数")
    # Two-sided table: the expenditure side gets its own header.
    t1e = _one(records, table_no="1", row_kind="total", side="expenditure")
    assert t1e["column"] == "支出 / 预算数" and t1e["value"] == "33898.98"

    t11 = [r for r in records if r["table_no"] == "11"]
    assert t11 and all(r["unit_name"] for r in t11 if r["row_kind"] != "total")

    perf = _one(records, table_type="performance_department", column_key="own")
    assert perf["value"] == "4549.75" and perf["table_no"] == "" and perf["row_kind"] == "unit"
    perf_p = _one(
        records, table_type="performance_project", row_name="信息化运维项目", column_key="total"
    )
    assert perf_p["unit_name"] == "乌鲁木齐市中小企业服务中心" and perf_p["value"] == "34.33"

    first = records[0]
    assert first["document"] == "urumqi-gxj-2024-budget.txt" and first["year"] == "2024"
    assert first["department"].startswith("乌鲁木齐市工业和信息化局")


def test_records_follow_table_row_column_order(sample_doc: Document) -> None:
    records = long_rows(sample_doc)
    table_part = [r for r in records if r["table_no"]]
    assert records[: len(table_part)] == table_part  # performance amounts come last
    numbers = [int(r["table_no"]) for r in table_part]
    assert numbers == sorted(numbers)
    t3_total = [
        r["column_key"] for r in table_part if r["table_no"] == "3" and r["row_kind"] == "total"
    ]
    assert t3_total == ["total", "basic", "project"]


def test_sample_csv_round_trip_is_lossless(sample_doc: Document, tmp_path) -> None:
    path = tmp_path / "long.csv"
    n = write_csv(sample_doc, path)
    records = long_rows(sample_doc)
    assert n == len(records)
    back = read_long_csv(path)
    assert back == records
    assert sorted(Decimal(r["value"]) for r in back) == sorted(
        a.value for a in _model_amounts(sample_doc)
    )


def test_sample_xlsx_round_trip_is_lossless(sample_doc: Document, tmp_path) -> None:
    path = tmp_path / "long.xlsx"
    write_xlsx(sample_doc, path)
    records = long_rows(sample_doc)
    back = read_long_xlsx(path)
    assert len(back) == len(records)
    for got, want in zip(back, records, strict=True):
        assert {k: v for k, v in got.items() if k != "value"} == {
            k: v for k, v in want.items() if k != "value"
        }
        assert Decimal(got["value"]).quantize(Q) == Decimal(want["value"]).quantize(Q)
    assert sorted(Decimal(r["value"]) for r in back) == sorted(
        a.value for a in _model_amounts(sample_doc)
    )


def test_sample_xlsx_layout(sample_doc: Document, tmp_path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "long.xlsx"
    write_xlsx(sample_doc, path)
    wb = load_workbook(path)
    assert wb.sheetnames == [SHEET_NAME, NOTES_SHEET]
    ws = wb[SHEET_NAME]
    assert [c.value for c in ws[1]] == list(LONG_COLUMNS)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    value_col = LONG_COLUMNS.index("value") + 1
    cell = ws.cell(row=2, column=value_col)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    assert Decimal(str(cell.value)).quantize(Q) == Decimal("4701.75")
    code_col = LONG_COLUMNS.index("row_code") + 1
    codes = [ws.cell(row=r, column=code_col).value for r in range(2, ws.max_row + 1)]
    assert "2060499" in codes  # codes stay text
    assert ws.column_dimensions["M"].width > 10  # row_name is wide
    notes_text = " ".join(
        str(c.value) for row in wb[NOTES_SHEET].iter_rows() for c in row if c.value is not None
    )
    assert (
        "万元" in notes_text and "乌鲁木齐市工业和信息化局" in notes_text and "2024" in notes_text
    )
    assert all(name in notes_text for name in LONG_COLUMNS)


def test_csv_bom_and_header(sample_doc: Document, tmp_path) -> None:
    path = tmp_path / "long.csv"
    write_csv(sample_doc, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    text = raw[3:].decode("utf-8")
    assert text.split("\n", 1)[0] == ",".join(LONG_COLUMNS)
    assert text.endswith("\n")


# --------------------------------------------------------------------------------------------
# Small hand-made documents


def _tiny_doc(name: str = 'a, "b"\nc 中文') -> Document:
    return Document(
        source_name="tiny.txt",
        metadata=Metadata(year=2024, department="某部门"),
        tables=[
            Table(
                type="summary",
                number=1,
                title="部门收支总体情况表",
                columns=[
                    Column(key="amount", side="income", header=["收入", "预算数"]),
                    Column(key="amount", side="expenditure", header=["支出", "预算数"]),
                ],
                rows=[
                    Row(
                        kind="named",
                        name=name,
                        side="expenditure",
                        values={"amount": Amount(value=Decimal("1234.50"), printed="1,234.50")},
                        source=Source(line=7),
                    ),
                    Row(kind="named", name="空", side="income"),
                ],
            )
        ],
    )


def test_side_picks_column_and_row_source_is_fallback() -> None:
    (rec,) = long_rows(_tiny_doc())
    assert rec["column"] == "支出 / 预算数" and rec["side"] == "expenditure"
    assert rec["source_line"] == "7" and rec["source_cell"] == ""
    assert rec["value"] == "1234.50" and rec["table_no"] == "1"


def test_undeclared_column_key_is_not_dropped() -> None:
    doc = _tiny_doc()
    doc.tables[0].rows[0].values["mystery"] = Amount(value=Decimal("1E+3"), printed="1000")
    recs = long_rows(doc)
    assert [r["column_key"] for r in recs] == ["amount", "mystery"]
    assert recs[1]["column"] == "mystery" and recs[1]["value"] == "1000"


def test_csv_file_objects_text_and_binary() -> None:
    doc = _tiny_doc()
    buf = io.BytesIO()
    write_csv(doc, buf)
    assert not buf.closed and buf.getvalue().startswith(b"\xef\xbb\xbf")
    buf.seek(0)
    assert read_long_csv(buf) == long_rows(doc)

    sio = io.StringIO(newline="")
    write_csv(doc, sio)
    sio.seek(0)
    assert read_long_csv(sio) == long_rows(doc)


def test_read_long_csv_rejects_foreign_files() -> None:
    with pytest.raises(ValueError, match="header"):
        read_long_csv(io.StringIO("a,b\n1,2\n"))
    short = io.StringIO(",".join(LONG_COLUMNS) + "\nx,y\n")
    with pytest.raises(ValueError, match="fields"):
        read_long_csv(short)


def test_xlsx_keeps_formula_like_text_as_text(tmp_path) -> None:
    for name in ("=SUM(A1:A2)", "#N/A", " 前后空格 ", "007", "12"):
        doc = _tiny_doc(name)
        path = tmp_path / "t.xlsx"
        write_xlsx(doc, path)
        assert read_long_xlsx(path) == long_rows(doc)


def test_xlsx_to_file_object() -> None:
    doc = _tiny_doc()
    buf = io.BytesIO()
    write_xlsx(doc, buf)
    buf.seek(0)
    assert read_long_xlsx(buf) == long_rows(doc)


# --------------------------------------------------------------------------------------------
# Property test: generated documents with hostile text survive the CSV round trip

#: Characters that break naive CSV/Excel handling, plus CJK and full-width punctuation.
_HOSTILE_CHARS = ",\"'\n\r\t ;|/\\=\ufeff，、“”‘’（）：预算支出乌鲁木齐中小企业单位项目"
#: Whole strings worth trying verbatim (CRLF inside a field, doubled quotes, a leading BOM …).
_HOSTILE_STRINGS = ["", "\r\n", '""', 'a,"b"', "\ufeffx", "=1+1", " 前后 ", "第一行\n第二行"]
texts = st.one_of(
    st.text(
        alphabet=st.one_of(st.sampled_from(_HOSTILE_CHARS), st.characters(codec="utf-8")),
        max_size=12,
    ),
    st.sampled_from(_HOSTILE_STRINGS),
)
opt_texts = st.none() | texts
decimals = st.one_of(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2),
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False),
    st.builds(lambda i, e: Decimal(i).scaleb(e), st.integers(-(10**9), 10**9), st.integers(-8, 4)),
)
sources = st.none() | st.builds(
    Source, line=st.none() | st.integers(1, 10**6), cell=st.none() | texts
)
amounts = st.builds(Amount, value=decimals, printed=texts, source=sources)
sides = st.sampled_from([None, "income", "expenditure"])


@st.composite
def tables(draw: st.DrawFn) -> Table:
    keys = draw(st.lists(texts, min_size=1, max_size=4, unique=True))
    columns = [
        Column(key=k, header=draw(st.lists(texts, max_size=3)), side=draw(sides)) for k in keys
    ]
    row_keys = st.sampled_from([*keys, "undeclared"])
    rows = [
        Row(
            kind=draw(
                st.sampled_from(["total", "subtotal", "class", "item", "unit", "project", "named"])
            ),
            name=draw(texts),
            code=draw(st.none() | st.from_regex(r"\A[0-9]{3,7}\Z")),
            level=draw(st.sampled_from([None, "类", "款", "项"])),
            key=draw(opt_texts),
            side=draw(sides),
            unit_name=draw(opt_texts),
            project=draw(opt_texts),
            values=draw(st.dictionaries(row_keys, amounts, max_size=4)),
            source=draw(sources),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    return Table(
        type=draw(texts),
        number=draw(st.none() | st.integers(1, 11)),
        title=draw(texts),
        columns=columns,
        rows=rows,
    )


performance_tables = st.builds(
    PerformanceTable,
    kind=st.sampled_from(["department", "project"]),
    unit_name=opt_texts,
    project_name=opt_texts,
    amounts=st.dictionaries(
        st.sampled_from(["total", "fiscal", "other", "upper", "own", "extra"]), amounts, max_size=4
    ),
)
documents = st.builds(
    Document,
    metadata=st.builds(
        Metadata, year=st.none() | st.integers(1990, 2100), department=opt_texts, alias=opt_texts
    ),
    tables=st.lists(tables(), max_size=3),
    performance=st.lists(performance_tables, max_size=2),
    source_name=opt_texts,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_property_csv_round_trip_is_lossless(doc: Document) -> None:
    records = long_rows(doc)
    model = _model_amounts(doc)
    assert len(records) == len(model)

    buf = io.BytesIO()
    write_csv(doc, buf)
    raw = buf.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    # The file is well-formed CSV for any reader, not only ours.
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(parsed[0]) == LONG_COLUMNS and len(parsed) == len(records) + 1

    buf.seek(0)
    back = read_long_csv(buf)
    assert back == records
    assert sorted(Decimal(r["value"]) for r in back) == sorted(a.value for a in model)
    assert Counter(r["printed"] for r in back) == Counter(a.printed for a in model)
    for r in back:
        assert "E" not in r["value"] and "e" not in r["value"]


# XLSX can hold only XML characters (no control characters but tab and newline; a lone "\r" is
# folded to "\n" by every XML parser), so its property test draws from printable text.
xlsx_texts = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(_HOSTILE_CHARS.replace("\r", "")),
            st.characters(categories=["L", "N", "P", "S", "Zs"]),
        ),
        max_size=12,
    ),
    st.sampled_from(["", '""', "=1+1", "#N/A", " 前后 ", "第一行\n第二行", "_x0041_", "0012"]),
)
xlsx_amounts = st.builds(
    Amount,
    value=st.decimals(min_value=-(10**11), max_value=10**11, places=2),
    printed=xlsx_texts,
    source=st.builds(Source, line=st.none() | st.integers(1, 10**6), cell=st.none() | xlsx_texts),
)


@st.composite
def xlsx_documents(draw: st.DrawFn) -> Document:
    keys = draw(st.lists(xlsx_texts, min_size=1, max_size=3, unique=True))
    table = Table(
        type=draw(xlsx_texts),
        number=draw(st.none() | st.integers(1, 11)),
        title=draw(xlsx_texts),
        columns=[Column(key=k, header=draw(st.lists(xlsx_texts, max_size=2))) for k in keys],
        rows=[
            Row(
                kind="item",
                name=draw(xlsx_texts),
                code=draw(st.none() | st.from_regex(r"\A[0-9]{3,7}\Z")),
                unit_name=draw(st.none() | xlsx_texts),
                project=draw(st.none() | xlsx_texts),
                values=draw(st.dictionaries(st.sampled_from(keys), xlsx_amounts, max_size=3)),
            )
            for _ in range(draw(st.integers(0, 3)))
        ],
    )
    return Document(
        source_name=draw(st.none() | xlsx_texts),
        metadata=Metadata(year=draw(st.none() | st.integers(1990, 2100))),
        tables=[table],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=xlsx_documents())
def test_property_xlsx_round_trip(doc: Document) -> None:
    buf = io.BytesIO()
    write_xlsx(doc, buf)
    buf.seek(0)
    back = read_long_xlsx(buf)
    records = long_rows(doc)
    assert len(back) == len(records)
    for got, want in zip(back, records, strict=True):
        assert {k: v for k, v in got.items() if k != "value"} == {
            k: v for k, v in want.items() if k != "value"
        }
        assert Decimal(got["value"]) == Decimal(want["value"]).quantize(Q)
