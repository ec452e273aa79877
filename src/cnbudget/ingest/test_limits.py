"""Each documented limit (docs/limits.md), by parameter and by environment variable, on inputs
generated just over it: the read stops with a ReadError that names the limit, and the same
input reads once the limit is raised."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from cnbudget.example import build_example, example_text
from cnbudget.ingest import ReadError, read_path
from cnbudget.ingest.limits import DEFAULTS, LimitConfigError, Limits, current_limits
from cnbudget.model import Document


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _names(exc: pytest.ExceptionInfo[ReadError], limit: str) -> None:
    """The error names the limit and its variable, in Chinese first and English beside."""
    msg = str(exc.value)
    assert limit in exc.value.message_zh and limit in exc.value.message_en, msg
    assert "CNBUDGET_MAX_" in exc.value.message_zh and "CNBUDGET_MAX_" in exc.value.message_en


@pytest.fixture(scope="module")
def example_xlsx(tmp_path_factory) -> bytes:
    from cnbudget.outputs.xlsx import write_xlsx

    p = tmp_path_factory.mktemp("xlsx") / "example.xlsx"
    write_xlsx(build_example(3), p)
    return p.read_bytes()


def _bomb(xlsx: bytes, times: int) -> bytes:
    """``xlsx`` with the first data row of its first table sheet repeated ``times`` times."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    sheets = sorted(n for n in src.namelist() if n.startswith("xl/worksheets/sheet"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            body = src.read(n)
            if n == sheets[1]:
                row = re.search(rb"<row\b.*?</row>", body, re.S).group(0)
                at = body.find(b"</sheetData>")
                body = body[:at] + row * times + body[at:]
            dst.writestr(n, body)
    return buf.getvalue()


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CNBUDGET_MAX_PDF_PAGES", raising=False)
    assert current_limits() == DEFAULTS
    monkeypatch.setenv("CNBUDGET_MAX_PDF_PAGES", "7")
    assert current_limits().max_pdf_pages == 7
    assert current_limits().max_file_bytes == DEFAULTS.max_file_bytes
    given = Limits(max_pdf_pages=3)
    assert current_limits(given) is given  # a parameter wins over the environment
    for bad in ("seven", "0", "-5"):
        monkeypatch.setenv("CNBUDGET_MAX_PDF_PAGES", bad)
        with pytest.raises(LimitConfigError, match="CNBUDGET_MAX_PDF_PAGES"):
            current_limits()
        with pytest.raises(ReadError, match="CNBUDGET_MAX_PDF_PAGES"):  # what the CLI shows
            read_path(Path(__file__))


def test_file_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _write(tmp_path, "a.txt", example_text(1).encode("utf-8"))
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_file_bytes=1000))
    _names(exc, "max_file_bytes")
    monkeypatch.setenv("CNBUDGET_MAX_FILE_BYTES", "1000")
    with pytest.raises(ReadError):
        read_path(p)
    monkeypatch.delenv("CNBUDGET_MAX_FILE_BYTES")
    assert read_path(p).tables


def test_line_length(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = example_text(1).split("\n")
    lines.insert(40, "预算" * 60_000)  # 120,000 characters on line 41
    p = _write(tmp_path, "long.txt", "\n".join(lines).encode("utf-8"))
    with pytest.raises(ReadError) as exc:
        read_path(p)
    _names(exc, "max_line_chars")
    assert "41" in exc.value.message_en  # the line is named
    doc = read_path(p, limits=replace(DEFAULTS, max_line_chars=200_000))
    assert isinstance(doc, Document) and doc.tables
    monkeypatch.setenv("CNBUDGET_MAX_LINE_CHARS", "200000")
    assert read_path(p).tables


def test_pdf_pages_checked_before_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(5):
        pdf.new_page(595, 842)
    p = tmp_path / "five.pdf"
    pdf.save(str(p))
    pdf.close()

    import cnbudget.ingest.pdf as pdf_pkg

    calls: list[Path] = []
    real = pdf_pkg.read_pdf
    monkeypatch.setattr(
        pdf_pkg, "read_pdf", lambda path, **kw: calls.append(path) or real(path, **kw)
    )
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_pdf_pages=4))
    _names(exc, "max_pdf_pages")
    assert "5" in exc.value.message_en and calls == []  # refused before the PDF reader ran
    doc = read_path(p, limits=Limits(max_pdf_pages=5))
    assert calls == [p] and isinstance(doc, Document)


def test_zip_bomb_refused_from_the_directory(tmp_path: Path, example_xlsx: bytes) -> None:
    bomb = _bomb(example_xlsx, 200_000)  # tens of MB of XML in a few hundred KB
    assert len(bomb) < 2_000_000
    p = _write(tmp_path, "bomb.xlsx", bomb)
    with pytest.raises(ReadError) as exc:
        read_path(p)
    _names(exc, "max_xlsx_ratio")
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_xlsx_ratio=100_000, max_xlsx_bytes=10_000_000))
    _names(exc, "max_xlsx_bytes")


def test_sheet_cells(tmp_path: Path, example_xlsx: bytes) -> None:
    p = _write(tmp_path, "small.xlsx", example_xlsx)
    assert read_path(p).tables
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_sheet_cells=50))
    _names(exc, "max_sheet_cells")
    bigger = _write(tmp_path, "rows.xlsx", _bomb(example_xlsx, 3_000))
    with pytest.raises(ReadError) as exc:
        read_path(bigger, limits=Limits(max_sheet_cells=2_000))
    _names(exc, "max_sheet_cells")


def test_html_cells_and_columns(tmp_path: Path) -> None:
    from cnbudget.outputs.html import render_html

    html = render_html(build_example(3))
    p = _write(tmp_path, "ok.html", html.encode("utf-8"))
    assert read_path(p).tables
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_sheet_cells=100))
    _names(exc, "max_sheet_cells")
    wide = html.replace("<td", '<td colspan="900"', 1)
    p = _write(tmp_path, "wide.html", wide.encode("utf-8"))
    with pytest.raises(ReadError) as exc:
        read_path(p)
    _names(exc, "max_table_columns")


@pytest.fixture
def slow_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real ``tesseract`` on PATH that never answers (a page that would take too long)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "tesseract"
    exe.write_text("#!/bin/sh\nexec sleep 60\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def test_ocr_seconds_per_page(slow_tesseract: None) -> None:
    from PIL import Image

    from cnbudget.ingest.ocr import recognise

    with pytest.raises(ReadError) as exc:
        recognise(Image.new("L", (200, 100), 255), seconds=1, where="scan.pdf")
    _names(exc, "max_ocr_seconds")


def _scan(tmp_path: Path, pages: int) -> Path:
    """A PDF of ``pages`` image-only pages (no text layer), as a scanner writes it."""
    from PIL import Image, ImageDraw

    images = []
    for i in range(pages):
        im = Image.new("RGB", (620, 877), "white")
        ImageDraw.Draw(im).rectangle([60, 60 + i, 560, 200], outline="black", width=3)
        images.append(im)
    p = tmp_path / "scan.pdf"
    images[0].save(p, save_all=True, append_images=images[1:])
    return p


def test_ocr_pages_refused_before_the_first_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow_tesseract: None
) -> None:
    p = _scan(tmp_path, 3)
    # The slow tesseract proves no page was sent to OCR: refusing takes no minute.
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_ocr_pages=2))
    _names(exc, "max_ocr_pages")
    assert "3" in exc.value.message_en
    monkeypatch.setenv("CNBUDGET_MAX_OCR_PAGES", "2")
    with pytest.raises(ReadError):
        read_path(p)
    # With room for the pages, each page meets the per-page time limit instead.
    with pytest.raises(ReadError) as exc:
        read_path(p, limits=Limits(max_ocr_pages=3, max_ocr_seconds=1))
    _names(exc, "max_ocr_seconds")
