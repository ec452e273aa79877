"""Choose the reader for a file by its content and read it.

The content decides, never the file name: ``%PDF`` → PDF (text layer, OCR for scanned pages),
a ZIP holding ``xl/`` → XLSX, ``<html`` / ``<table`` near the start → HTML, anything else →
the text reader. :func:`detect` says which reader and which layout a file gets (the layout
from the title page's words, else from the table titles found; ``--layout`` forces one), and
every reader records the layout in ``doc.metadata.layout``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cnbudget.model import Document

#: Files larger than this are refused: disclosures are a few MB at most.
MAX_INPUT_BYTES = 64 * 1024 * 1024


class ReadError(Exception):
    """The file cannot be read at all (missing, too large, not text). Carries a bilingual message."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030, the encodings seen in use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{name}：无法识别文本编码（既不是 UTF-8 也不是 GB18030）",
            f"{name}: unknown text encoding (neither UTF-8 nor GB18030)",
        ) from exc


_HTML = (b"<!doctype html", b"<html", b"<table", b"<body", b"<head", b"<meta")


def sniff(data: bytes) -> str:
    """``pdf``, ``xlsx``, ``html``, ``zip`` (another ZIP: DOCX, ODS …), ``xls`` or ``text``."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        return "xlsx" if any(n.startswith("xl/") for n in names) else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"  # OLE2 compound file (Excel 97–2003)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML) or b"<table" in data[:65536].lower():
        return "html"
    return "text"


def detect(path: str | Path) -> tuple[str, str]:
    """(reader, layout id) that :func:`read_path` would use for ``path``, read from its content.

    Lets the CLI say what it chose without reading the whole document twice for a PDF (only
    its first pages' characters are extracted)."""
    p = Path(path)
    data = p.read_bytes()
    kind = sniff(data)
    if kind == "pdf":
        from cnbudget.ingest.pdf.extract import page_count, read_pages
        from cnbudget.ingest.pdf.reader import detect_layout

        n = page_count(p)
        return kind, detect_layout(read_pages(p, list(range(1, min(n, 4) + 1))))
    if kind in ("xlsx", "html"):
        from cnbudget.ingest.pdf.reader import detect_layout

        if kind == "xlsx":
            import io

            from openpyxl import load_workbook

            from cnbudget.ingest.xlsx.cells import page_layout
            from cnbudget.ingest.xlsx.reader import sheet_block

            wb = load_workbook(io.BytesIO(data), data_only=True)
            blocks = [sheet_block(ws) for ws in wb.worksheets]
        else:
            from cnbudget.ingest.html import html_blocks
            from cnbudget.ingest.xlsx.cells import page_layout

            blocks = html_blocks(data.decode("utf-8", errors="replace"))
        return kind, detect_layout(page_layout([b for b in blocks if b.cells or b.before]))
    return kind, "budget-11"


def read_path(path: str | Path, *, layout: str | None = None) -> Document:
    """Read a disclosure file, choosing the reader by content (see :func:`sniff`)."""
    from cnbudget.ingest.text import read_text

    p = Path(path)
    if not p.is_file():
        raise ReadError(f"找不到文件：{p}", f"file not found: {p}")
    size = p.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise ReadError(
            f"{p.name}：文件过大（{size} 字节，上限 {MAX_INPUT_BYTES}）",
            f"{p.name}: file too large ({size} bytes, limit {MAX_INPUT_BYTES})",
        )
    data = p.read_bytes()
    kind = sniff(data)
    if kind == "pdf":
        from cnbudget.ingest.pdf import read_pdf

        doc = read_pdf(p, layout=layout)
        doc.source_sha256 = hashlib.sha256(data).hexdigest()
        return doc
    if kind == "xlsx":
        from cnbudget.ingest.xlsx import read_xlsx

        return read_xlsx(p, layout=layout)
    if kind == "html":
        from cnbudget.ingest.html import read_html

        return read_html(p, layout=layout)
    if kind == "xls":
        raise ReadError(
            f"{p.name}：旧版 Excel（.xls）文件暂不支持，请另存为 .xlsx",
            f"{p.name}: legacy Excel (.xls) is not supported; save it as .xlsx",
        )
    if kind == "zip":
        raise ReadError(
            f"{p.name}：不是 XLSX 的 ZIP 文件（DOCX 等）暂不支持",
            f"{p.name}: a ZIP file that is not XLSX (DOCX …) is not supported",
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{p.name}：不是文本文件", f"{p.name}: not a text file")
    text = decode_text(data, p.name)
    doc = read_text(text, name=p.name, layout=layout)
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc
