"""Characters, rulings and grids of real corpus pages: ruled and text-only tables, merged header
cells, names wrapped inside a cell, numbers printed off-centre, rotated (landscape) pages."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from cnbudget.ingest.pdf.extract import PageContent, read_pages
from cnbudget.ingest.pdf.grid import (
    GridTable,
    is_amount_text,
    ruled_tables,
    unruled_table,
)
from cnbudget.testing import corpus_file

COMMERCE = "shanghai-putuo-commerce-2025-dept-budget.pdf"
FINANCE = "shanghai-putuo-finance-2024-dept-final.pdf"
WANLI24 = "shanghai-putuo-wanli-street-2024-dept-budget.pdf"


def _page(name: str, number: int) -> PageContent:
    return read_pages(corpus_file(name), [number])[0]


def _row_prefix(table: GridTable, *prefix: str) -> list[str]:
    """The cell texts of the first row that starts with the cells ``prefix``."""
    for r in table.rows:
        texts = r.texts(table.ncols)
        if texts[: len(prefix)] == list(prefix):
            return texts
    raise AssertionError(f"no row starting with {prefix!r}")


def _row_with(table: GridTable, text: str) -> list[str]:
    for r in table.rows:
        texts = r.texts(table.ncols)
        if text in texts:
            return texts
    raise AssertionError(f"no row with {text!r}")


def test_page_geometry_portrait_and_landscape() -> None:
    pages = read_pages(corpus_file(FINANCE), [6, 8])
    assert (round(pages[0].width), round(pages[0].height)) == (595, 842)
    assert not pages[0].landscape
    assert (round(pages[1].width), round(pages[1].height)) == (842, 595)
    assert pages[1].landscape
    assert all(p.rotation == 0 for p in pages)


def test_ruled_table_cells_and_merged_header() -> None:
    t = ruled_tables(_page(COMMERCE, 10))[0]
    assert t.ruled and t.ncols == 9
    assert _row_prefix(t, "208", "05", "05") == [
        "208",
        "05",
        "05",
        "机关事业单位基本养老保险缴费支出",
        "1,410,886.00",
        "1,410,886.00",
        "",
        "",
        "",
    ]
    # "收入预算" spans the five value columns; "事业单位经营收入" is wrapped over two lines.
    paths = t.header_paths(2)
    assert paths[0] == ["项目", "功能分类科目编码", "类"]
    assert paths[3] == ["项目", "功能分类科目名称"]
    assert paths[4] == ["收入预算", "合计"]
    assert paths[7] == ["收入预算", "事业单位经营收入"]
    head = next(c for c in t.rows[0].cells if c.text == "收入预算")
    assert (head.col, head.span) == (4, 5)


def test_wrapped_name_and_offcentre_numbers() -> None:
    """决算 收入决算表: a name on two lines stays in its cell; 支出决算表: 基本支出 / 项目支出 of the
    合计 row are printed at the top of their cells and still belong to that row."""
    income = ruled_tables(_page(FINANCE, 8))[0]
    assert _row_prefix(income, "208", "05", "05")[3:6] == [
        "机关事业单位基本养老保险缴费支出",
        "160.75",
        "160.75",
    ]
    spend = ruled_tables(_page(FINANCE, 10))[0]
    total = _row_with(spend, "合计")
    assert total[4:7] == ["2,940.05", "2,336.91", "603.14"]


def test_two_halves_and_bottom_row() -> None:
    t = ruled_tables(_page(FINANCE, 17))[0]
    assert _row_prefix(t, "303", "09")[:8] == [
        "303",
        "09",
        "奖励金",
        "0.31",
        "302",
        "28",
        "工会经费",
        "24.42",
    ]
    last = t.rows[-1].texts(t.ncols)
    assert last[0] == "人员经费合计" and last[3] == "2,152.26"
    assert last[4] == "公用经费合计" and last[7] == "184.65"


def test_empty_frame_is_not_a_table() -> None:
    """决算 p14 holds only the empty frame of a row continued from p13: no table, no text."""
    page = _page(FINANCE, 14)
    assert not page.has_text and page.rulings
    assert ruled_tables(page) == []


def _data_rows(t: GridTable) -> list[tuple[str, ...]]:
    return [
        tuple(x.replace(" ", "") for x in r.texts(t.ncols))
        for r in t.rows
        if any(is_amount_text(c.text) for c in r.cells)
    ]


@pytest.mark.parametrize(
    ("name", "page"),
    [
        (COMMERCE, 9),  # two-sided, amounts right next to the next column's label
        (COMMERCE, 10),  # columns blank in every row (事业收入 …) found from the header
        (COMMERCE, 19),
        (FINANCE, 6),  # two-sided rows without figures are rows, not wrapped labels
        (FINANCE, 8),  # names wrapped over two lines, a header wrapped over three
        (FINANCE, 10),
        (FINANCE, 16),  # two halves side by side
        (WANLI24, 11),  # narrow right-aligned "0" under centred headers
        (WANLI24, 29),
        (WANLI24, 31),
    ],
)
def test_text_only_path_matches_ruled(name: str, page: int) -> None:
    """The same page read without its ruling lines (as an unruled PDF is read) gives the same
    columns and the same data rows, cell for cell."""
    p = _page(name, page)
    ruled = ruled_tables(p)[0]
    text_only = unruled_table(p, [c for c in p.chars if c.cy > ruled.bbox[1] - 1])
    assert text_only is not None and not text_only.ruled
    assert text_only.ncols == ruled.ncols
    assert _data_rows(text_only) == _data_rows(ruled)


def _rotated_copy(src_path: Path, index: int, out: Path) -> None:
    """A portrait page with /Rotate 90 whose content is the landscape page drawn turned by a
    quarter (inside a form XObject) — shown upright, as scanners and some tools write them."""
    src = pdfium.PdfDocument(str(src_path))
    w, h = src[index].get_size()
    dst = pdfium.PdfDocument.new()
    xobj = src.page_as_xobject(index, dst)
    form = xobj.as_pageobject()
    form.set_matrix(pdfium.PdfMatrix(0, 1, -1, 0, h, 0))
    page = dst.new_page(h, w)
    page.insert_obj(form)
    page.gen_content()
    page.set_rotation(90)
    dst.save(str(out))


def test_rotated_page_reads_like_the_original(tmp_path: Path) -> None:
    out = tmp_path / "rotated.pdf"
    _rotated_copy(corpus_file(COMMERCE), 9, out)
    original = _page(COMMERCE, 10)
    rotated = read_pages(out)[0]
    assert rotated.rotation == 90
    assert (round(rotated.width), round(rotated.height)) == (842, 595)
    assert rotated.landscape
    a, b = ruled_tables(original)[0], ruled_tables(rotated)[0]
    assert [r.texts(a.ncols) for r in a.rows] == [r.texts(b.ncols) for r in b.rows]
    for ca, cb in zip(original.chars[:50], rotated.chars[:50], strict=True):
        assert ca.text == cb.text
        assert abs(ca.x0 - cb.x0) < 0.5 and abs(ca.top - cb.top) < 0.5


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.00", True),
        ("0.95", True),
        ("156,211,123", True),
        ("0", True),
        ("201", False),
        ("20101", False),
        ("2024年", False),
        ("", False),
    ],
)
def test_amount_text(text: str, amount: bool) -> None:
    assert is_amount_text(text) is amount
