"""The PDF: its extracted text holds the tables, totals and prose; pages are A4 with landscape
pages for 表2/表7; a PNG of the first table page is kept in test-artifacts/ for review."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from cnbudget.example import build_example
from cnbudget.ingest.text import read_text
from cnbudget.model import Document
from cnbudget.outputs.pdf import write_pdf
from cnbudget.testing import PROJECT_ROOT, SAMPLE_NAME, sample_text

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
A4 = (595.3, 841.9)  # points


def _squash(text: str) -> str:
    """Extracted text without whitespace: PDF text breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


class _Pdf:
    def __init__(self, path: Path) -> None:
        self.path = path
        pdf = pdfium.PdfDocument(str(path))
        self.sizes = [pdf[i].get_size() for i in range(len(pdf))]
        self.texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        pdf.close()
        self.flat = [_squash(t) for t in self.texts]
        self.all = "".join(self.flat)

    def pages_with(self, *needles: str) -> list[int]:
        return [i for i, t in enumerate(self.flat) if all(_squash(n) in t for n in needles)]


@pytest.fixture(scope="module")
def sample_doc_module() -> Document:
    return read_text(sample_text(), name=SAMPLE_NAME)


@pytest.fixture(scope="module")
def sample_pdf(sample_doc_module: Document, tmp_path_factory: pytest.TempPathFactory) -> _Pdf:
    path = write_pdf(sample_doc_module, tmp_path_factory.mktemp("pdf") / "sample.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    return _Pdf(path)


def test_tables_totals_and_prose_in_text(sample_doc_module: Document, sample_pdf: _Pdf) -> None:
    for t in sample_doc_module.tables:
        assert sample_pdf.pages_with(f"表{t.number}", t.title, "编制部门"), t.title
    for total in ("33,898.98", "4,701.75", "2,359.94", "22.80", "29,197.23", "31,539.04"):
        assert total in sample_pdf.all
    for sentence in (
        "收支总预算 33,898.98 万元。",
        "基本支出 2,359.94 万元，占 6.96%",
        "政府性基金预算支出情况表为空表。",
        "项目支出绩效目标表",
        "“三公”经费:指部门(单位)因公出国(境)费",
    ):
        assert _squash(sentence).replace(":", "：") in sample_pdf.all.replace(":", "："), sentence
    for part in ("目录", "第一部分", "第二部分", "第三部分", "第四部分名词解释"):
        assert part in sample_pdf.all


def test_pages_a4_landscape_for_wide_tables(sample_doc_module: Document, sample_pdf: _Pdf) -> None:
    n = len(sample_pdf.sizes)
    assert 25 <= n <= 80
    start = {
        t.number: sample_pdf.pages_with(f"表{t.number}", t.title, "编制部门")[0]
        for t in sample_doc_module.tables
    }
    # 表2 and 表7 with their continuation pages, up to the page where the next table starts
    wide = set(range(start[2], start[3])) | set(range(start[7], start[8]))
    assert len(wide) >= 3
    for i, (w, h) in enumerate(sample_pdf.sizes):
        size = (round(w, 1), round(h, 1))
        assert size == ((A4[1], A4[0]) if i in wide else A4), i
    for i in wide - {start[2], start[7]}:  # header repeated on the continuation pages
        assert "栏次" in sample_pdf.flat[i] and "功能分类科目名称" in sample_pdf.flat[i]


def test_running_header_footer_and_toc_pages(sample_pdf: _Pdf) -> None:
    n = len(sample_pdf.sizes)
    assert "页/共" not in sample_pdf.flat[0]  # the cover has no footer …
    assert sample_pdf.flat[0].count("乌鲁木齐市工业和信息化局") == 1  # … nor a running header
    dept = "乌鲁木齐市工业和信息化局（乌鲁木齐市大数据发展局）"
    for i in range(1, n):
        # margin boxes come last in the page text: header left, header right (part), footer
        tail = rf"{re.escape(dept)}(第.部分[^第]*)?第{i + 1}页/共{n}页$"
        assert re.search(tail, sample_pdf.flat[i]), (i, sample_pdf.flat[i][-80:])
    # the 目录's page numbers point at the pages where the tables are
    toc = "".join(sample_pdf.flat[1:4])
    for title in ("部门收入总体情况表", "上年结转结余情况明细表"):
        m = re.search(re.escape(title) + r"\.+(\d+)", toc)
        assert m, title
        page = int(m.group(1)) - 1
        assert "编制部门" in sample_pdf.flat[page] and title in sample_pdf.flat[page]


def test_table_header_repeats_on_continuation_pages(sample_pdf: _Pdf) -> None:
    # 表1 runs over two pages: the second page starts with the 收入/支出 header again
    pages = sample_pdf.pages_with("收入总计")
    assert pages
    assert "项目预算数支出功能分类预算数" in sample_pdf.flat[pages[0]]


def test_first_table_page_png_artifact(sample_pdf: _Pdf) -> None:
    pages = sample_pdf.pages_with("表1", "部门收支总体情况表", "编制部门")
    assert pages
    first = pages[0] + 1
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / "pdf-first-table-page.png"
    if shutil.which("pdftoppm"):
        stem = out.with_suffix("")
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-singlefile",
                "-f",
                str(first),
                "-l",
                str(first),
                str(sample_pdf.path),
                str(stem),
            ],
            check=True,
        )
    else:  # pragma: no cover - poppler-utils is installed by scripts/system-deps.sh
        pdf = pdfium.PdfDocument(str(sample_pdf.path))
        pdf[first - 1].render(scale=60 / 72).to_pil().save(out)
    assert out.stat().st_size > 10_000
    print(f"first table page (page {first}) rendered to {out}")


def test_escaped_names_are_printed_as_text(tmp_path: Path) -> None:
    doc = build_example(1)
    evil = "<script>alert(1)</script>&\"'"
    doc.metadata.department = evil
    doc.tables[0].department = evil
    pdf = _Pdf(write_pdf(doc, tmp_path / "evil.pdf"))
    assert _squash(evil) in pdf.all
    assert len(pdf.sizes) > 10
