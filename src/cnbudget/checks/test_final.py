"""Every FIN-* rule (family ``final``) has a triggering and a non-triggering test here, on the
finance bureau's 2024 部门决算 (corpus PDF): the clean document does not trigger it, a copy with
one figure or sentence changed does. Their rule files carry ``trigger: []`` because an edit of
the Urumqi text sample cannot reach a 决算 (see ``test_rules.SAMPLE_RULES``).

The summed identities are also tested on a document built here (no corpus needed)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

import pytest

from cnbudget.checks import check_document, load_rules
from cnbudget.checks.families.final import final_settings
from cnbudget.ingest.pdf.reader import read_pdf
from cnbudget.model import Amount, Column, Document, Metadata, Row, Table
from cnbudget.testing import corpus_file

FINANCE = "shanghai-putuo-finance-2024-dept-final.pdf"
FIN_RULES = sorted(r for r, rule in load_rules().items() if rule.family == "final")


@cache
def _clean() -> Document:
    return read_pdf(corpus_file(FINANCE))


def doc() -> Document:
    """A fresh copy of the clean document to edit."""
    return _clean().model_copy(deep=True)


def fired(d: Document) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in check_document(d).findings:
        out.setdefault(f.rule, []).append(f)
    return out


def _set(d: Document, table: str, key: str, column: str, value: str, side: str | None = None):
    t = d.table(table)
    assert t is not None
    row = t.total_row(side) if key == "total" else t.row_by_key(key, side)
    assert row is not None, (table, key, side)
    row.values[column] = Amount(value=Decimal(value), printed=value)


def _paragraph(d: Document, pattern: str):
    rx = re.compile(pattern)
    for s in d.explanation:
        for sec in s.walk():
            for p in sec.paragraphs:
                if rx.search(p.text):
                    return p
    raise AssertionError(pattern)


def _fund_row(d: Document) -> Document:
    """The finance bureau has no 政府性基金 money: give its fund table one balanced row."""
    t = d.table("fund_expenditure")
    assert t is not None
    values = {"opening_balance": "1.00", "income": "10.00", "total": "8.00", "basic": "8.00"}
    values["closing_balance"] = "3.00"
    t.rows.append(
        Row(
            kind="item",
            name="其他政府性基金支出",
            code="229",
            level="类",
            values={k: Amount(value=Decimal(v), printed=v) for k, v in values.items()},
        )
    )
    return d


TRIGGERS = {
    # 年初结转和结余 one yuan too high: the balance of 表1 fails.
    "FIN-BAL-001": lambda d: _set(d, "summary", "opening_balance", "amount", "50.14", "income"),
    # The expenditure side's 总计 no longer adds up.
    "FIN-BAL-002": lambda d: _set(d, "summary", "grand_total", "amount", "2996.39", "expenditure"),
    # A fund row whose closing balance is off.
    "FIN-BAL-003": lambda d: _fund_row_off(d),
    # The 三公 explanation loses its reason sentence.
    "FIN-3PUB-001": lambda d: _drop_reasons(d, "三公"),
    # 完成年初预算的 98.20% → 97.20%.
    "FIN-RATE-001": lambda d: _replace(d, "完成年初预算的98.20%", "完成年初预算的97.20%"),
    # 行政运行 stated as 1512.89 instead of 1511.89.
    "FIN-ITEM-001": lambda d: _replace(d, "支出决算为1511.89万元", "支出决算为1512.89万元"),
    # 行政运行 (3 % below budget … made 10 %) and its reason removed.
    "FIN-ITEM-002": lambda d: _item_without_reason(d),
    # One 项 paragraph removed.
    "FIN-ITEM-003": lambda d: _drop_item(d, "购房补贴"),
}


def _fund_row_off(d: Document) -> None:
    _fund_row(d)
    t = d.table("fund_expenditure")
    row = t.rows[-1]
    row.values["closing_balance"] = Amount(value=Decimal("4.00"), printed="4.00")


def _replace(d: Document, old: str, new: str) -> None:
    p = _paragraph(d, re.escape(old))
    p.text = p.text.replace(old, new)


def _drop_reasons(d: Document, title_word: str) -> None:
    for s in d.explanation:
        if title_word in s.title:
            for sec in s.walk():
                for p in sec.paragraphs:
                    p.text = p.text.replace("原因", "情况")


def _item_without_reason(d: Document) -> None:
    p = _paragraph(d, r"行政运行[(（]项[)）]")
    p.text = re.sub(r"年初预算为[\d.]+万元", "年初预算为1700.00万元", p.text)
    p.text = p.text.replace("决算数小于预算数的主要原因", "决算数与预算数基本持平")


def _drop_item(d: Document, name: str) -> None:
    for s in d.explanation:
        for sec in s.walk():
            sec.paragraphs = [
                p
                for p in sec.paragraphs
                if f"{name}(项)" not in p.text and f"{name}（项）" not in p.text
            ]


def test_every_final_rule_has_a_trigger_here() -> None:
    assert set(TRIGGERS) == set(FIN_RULES)
    for rule in FIN_RULES:
        assert load_rules()[rule].trigger == []


@pytest.mark.parametrize("rule_id", FIN_RULES)
def test_final_rule_does_not_trigger_on_the_clean_document(rule_id: str) -> None:
    assert rule_id not in fired(doc())


@pytest.mark.parametrize("rule_id", FIN_RULES)
def test_final_rule_triggers(rule_id: str) -> None:
    d = doc()
    TRIGGERS[rule_id](d)
    found = fired(d)
    assert rule_id in found, sorted(found)
    assert {f.severity for f in found[rule_id]} == {load_rules()[rule_id].severity}


def test_balance_finding_names_both_sides() -> None:
    d = doc()
    TRIGGERS["FIN-BAL-001"](d)
    f = fired(d)["FIN-BAL-001"][0]
    assert f.found - f.expected == Decimal("1.00")
    assert "年初结转和结余" in f.message_zh and "年末结转和结余" in f.message_zh
    # 本年收入合计 is printed on p6; 表1 continues on p7 with 年初结转和结余 and the other side.
    assert f.location.source_page == 6 and f.location.row_key == "current_income"
    assert {r.source_page for r in f.related} == {6, 7}


def test_item_checks_cover_every_item_of_the_clean_document() -> None:
    report = check_document(doc())
    assert report.stats["narrative_amounts_checked"] >= 11 + 10
    assert report.stats["narrative_rates_checked"] >= 2  # 98.20% and the 三公 0%


def test_fund_balance_holds_when_balanced() -> None:
    d = _fund_row(doc())
    assert "FIN-BAL-003" not in fired(d)


def test_settings_are_data() -> None:
    s = final_settings("mof-final-9")
    assert s is not None and s["difference_percent"] == 5
    assert final_settings("budget-11") is None


# -- summed identities without the corpus -----------------------------------------------------


def _tiny(basic: str, personnel: str, public: str) -> Document:
    def amt(v: str) -> Amount:
        return Amount(value=Decimal(v), printed=v)

    t5 = Table(
        type="general_expenditure",
        number=5,
        title="一般公共预算财政拨款支出决算表",
        columns=[Column(key=k, header=[k]) for k in ("total", "basic", "project")],
        rows=[Row(kind="total", name="合计", values={"basic": amt(basic), "total": amt(basic)})],
    )
    t6 = Table(
        type="general_basic",
        number=6,
        title="一般公共预算财政拨款基本支出决算表",
        columns=[Column(key=k, header=[k]) for k in ("personnel", "public")],
        rows=[
            Row(
                kind="total",
                name="人员经费合计、公用经费合计",
                values={"personnel": amt(personnel), "public": amt(public)},
            )
        ],
    )
    return Document(metadata=Metadata(kind="final", layout="mof-final-9"), tables=[t5, t6])


def test_summed_identity_basic_equals_personnel_plus_public() -> None:
    ok = {f.rule for f in check_document(_tiny("2336.91", "2152.26", "184.65")).findings}
    assert "XT-GEN-001" not in ok
    bad = [
        f
        for f in check_document(_tiny("2336.91", "2152.26", "185.65")).findings
        if f.rule == "XT-GEN-001"
    ]
    assert len(bad) == 1 and bad[0].expected == Decimal("2337.91")
    assert "人员经费" in bad[0].message_zh and "公用经费" in bad[0].message_zh
