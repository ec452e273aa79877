"""``spreadsheet_cell``: no text cell a spreadsheet would run; numbers and plain text kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cnbudget.export.cells import spreadsheet_cell


def test_formulas_are_quoted_numbers_are_not() -> None:
    assert spreadsheet_cell("=SUM(A1:A9)") == "'=SUM(A1:A9)"
    assert spreadsheet_cell("@甲") == "'@甲"
    assert spreadsheet_cell("+86 991 1234") == "'+86 991 1234"
    assert spreadsheet_cell("-12.50") == "-12.50"
    assert spreadsheet_cell("+3.5%") == "+3.5%"
    assert spreadsheet_cell("一般公共服务支出") == "一般公共服务支出"
    assert (spreadsheet_cell(None), spreadsheet_cell(True), spreadsheet_cell(7)) == ("", "yes", 7)


@given(st.text(max_size=40))
def test_no_text_cell_starts_a_formula(text: str) -> None:
    out = spreadsheet_cell(text)
    assert out.endswith(text) and len(out) - len(text) in (0, 1)
    if out[:1] in "=+-@" and out:
        float(out.replace(",", "").removesuffix("%"))  # only numbers keep a sign in front
