"""Scope and template decisions from printed text."""

from __future__ import annotations

from cnbudget.model import Document, Metadata, is_placeholder_name, scope_from_texts


def test_unit_scope_from_layout_and_titles() -> None:
    assert scope_from_texts([], "shanghai-unit-budget-9") == "unit"
    assert (
        scope_from_texts(["上海市普陀区2025年区级单位预算", "预算单位:上海市普陀区商务委员会"])
        == "unit"
    )
    assert scope_from_texts(["某某中心2024年度单位决算"]) == "unit"
    # a department title that also names its 预算单位 stays a department
    assert scope_from_texts(["上海市普陀区2025年区级部门预算", "预算单位构成"]) == "department"
    assert scope_from_texts(["乌鲁木齐市工业和信息化局2024年部门预算"], "budget-11") == "department"
    assert scope_from_texts([]) == "department"


def test_placeholder_names() -> None:
    for name in ("上海市XX局", "××区财政局", "上海市 X X 局", "某某单位", "ＸＸ委员会"):
        assert is_placeholder_name(name), name
    for name in ("上海市普陀区财政局", "乌鲁木齐市工业和信息化局", None, ""):
        assert not is_placeholder_name(name), name


def test_old_documents_read_as_department_and_not_template() -> None:
    """JSON stored before the fields existed still validates, with the safe defaults."""
    doc = Document.model_validate_json('{"metadata": {"year": 2024, "department": "某局"}}')
    assert (doc.metadata.scope, doc.metadata.is_template) == ("department", False)
    assert Metadata(scope="unit").scope == "unit"
