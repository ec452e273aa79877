"""The fill-in workbook: written, filled (here: pre-filled) and read back exactly."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import load_workbook

from cnbudget.authoring.workbook import read_workbook, write_template


def _rows(doc, type_):
    t = doc.table(type_)
    return [
        (
            r.kind,
            r.code,
            r.key,
            r.side,
            r.unit_name,
            r.project,
            r.name,
            {k: a.value for k, a in r.values.items()},
        )
        for r in t.rows
    ]


def test_template_of_the_sample_reads_back_every_table_exactly(sample_doc, tmp_path):
    path = write_template(tmp_path / "t.xlsx", doc=sample_doc)
    inp, issues = read_workbook(path)
    assert issues == []
    for t in sample_doc.tables:
        assert _rows(inp.document, t.type) == _rows(sample_doc, t.type), t.title
        assert (inp.document.table(t.type).empty_explanation is None) == (
            t.empty_explanation is None
        )
    md = inp.document.metadata
    assert md.full_name == sample_doc.metadata.full_name
    assert md.staffing.actual == 292 and md.staffing.retired_change == -3
    assert [u.name for u in md.budget_units] == [u.name for u in sample_doc.metadata.budget_units]
    assert len(inp.document.performance) == 11
    assert len(inp.document.glossary) == 8


def test_amounts_remember_sheet_and_cell(sample_doc, tmp_path):
    path = write_template(tmp_path / "t.xlsx", doc=sample_doc)
    inp, _ = read_workbook(path)
    total = inp.document.table("expenditure_summary").total_row()
    src = total.values["total"].source
    assert src.sheet == "表3"
    ws = load_workbook(path)["表3"]
    assert Decimal(str(ws[src.cell].value)) == Decimal("33898.98")


def test_filled_prior_year_sheet_and_procurement_are_read(sample_doc, tmp_path):
    path = write_template(tmp_path / "t.xlsx", doc=sample_doc)
    wb = load_workbook(path)
    ws = wb["上年数"]
    assert ws["A2"].value == "income_summary:total:general"
    ws["C2"] = 5065.59
    ws["D2"] = "减少机动车智能服务平台项目"
    pr = wb["政府采购"]
    pr["B2"], pr["B3"], pr["B4"], pr["B5"] = 35.56, 0, 5337.73, 5143.05
    wb.save(path)
    inp, _ = read_workbook(path)
    assert inp.prior["income_summary:total:general"] == Decimal("5065.59")
    assert inp.reasons["income_summary:total:general"] == "减少机动车智能服务平台项目"
    assert inp.procurement.services == Decimal("5337.73")
    assert inp.procurement.sme_reserved == Decimal("5143.05")


def test_default_template_is_the_example_and_has_validation(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert {
        "填报说明",
        "基本信息",
        "预算单位",
        "表1",
        "表11",
        "上年数",
        "项目",
        "政府采购",
        "绩效目标",
        "名词解释",
    } <= set(wb.sheetnames)
    assert wb["预算单位"].data_validations.dataValidation
    assert wb["表3"]["A1"].comment is not None
    inp, issues = read_workbook(path)
    assert issues == []
    assert inp.document.table("summary").total_row("income").value0("amount") > 0
