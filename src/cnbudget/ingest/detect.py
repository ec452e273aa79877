"""Choose the reader for a file by its content and read it.

The content decides, never the file name: ``%PDF`` → PDF (text layer, OCR for scanned pages),
a ZIP holding ``xl/`` → XLSX, ``<html`` / ``<table`` near the start → HTML, anything else →
the text reader. :func:`detect` says which reader and which layout a file gets (the layout
from the title page's words, else from the table titles found; ``--layout`` forces one), and
every reader records the layout in ``doc.metadata.layout``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from cnbudget.ingest.limits import (
    DEFAULTS,
    LimitConfigError,
    Limits,
    current_limits,
    limit_hint,
    using,
)
from cnbudget.model import Document
from cnbudget.money import MAX_AMOUNT_DIGITS

#: Files larger than this are refused by default (see :mod:`cnbudget.ingest.limits`).
MAX_INPUT_BYTES = DEFAULTS.max_file_bytes


class ReadError(Exception):
    """The file cannot be read at all (missing, too large, not text). Carries a bilingual message."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def limit_error(name: str, limit: str, value: int, found: object, zh: str, en: str) -> ReadError:
    """A :class:`ReadError` naming the exceeded limit, its value and how to raise it."""
    hint_zh, hint_en = limit_hint(limit)
    return ReadError(
        f"{name}：{zh}（{found}，上限 {limit}={value}；{hint_zh}）",
        f"{name}: {en} ({found}, limit {limit}={value}; {hint_en})",
    )


def _bad_bytes(data: bytes, exc: UnicodeDecodeError, offset: int = 0) -> str:
    at = exc.start + offset
    line = data[:at].count(b"\n") + 1
    return f"第 {line} 行（字节 {at}）/ line {line} (byte {at})"


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030, the encodings seen in use.

    A BOM is a claim, not a proof: byte-flipped or mixed files start with one and break later
    (issue 13), so a failed decode falls through to the next encoding, and a file no encoding
    reads is a :class:`ReadError` naming the first bad byte, never a UnicodeDecodeError."""
    first: str | None = None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            first = _bad_bytes(data, exc, 3)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"{name}：UTF-16 文本中有无效字节，{_bad_bytes(data, exc)}",
                f"{name}: invalid bytes in UTF-16 text at {_bad_bytes(data, exc)}",
            ) from exc
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = first or _bad_bytes(body, exc)
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{name}：无法识别文本编码（既不是 UTF-8 也不是 GB18030；UTF-8 无效于{first}）",
            f"{name}: unknown text encoding (neither UTF-8 nor GB18030; UTF-8 breaks at {first})",
        ) from exc


def decode_lenient(data: bytes, name: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Decode a text file that may be damaged: the text and ``(line, zh, en)`` notes to report.

    * UTF-8 with a few bad bytes (under 5 % of its non-ASCII bytes: a byte flip, a cut) is read
      as UTF-8, each bad byte shown as U+FFFD and reported with its line, instead of refusing
      the file or, worse, decoding it all as GB18030 mojibake (GB18030 accepts almost any
      bytes);
    * UTF-8 up to some point and GB18030 after it (a file pasted together) is read as such and
      the switch reported;
    * otherwise :func:`decode_text` (UTF-8, UTF-16, GB18030, or a ReadError)."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, name), []
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = body.decode("utf-8", errors="replace")
    nonascii = sum(1 for b in body if b >= 0x80) if len(body) < 50_000_000 else len(body)
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    if bad * 20 < nonascii or bom:
        notes: list[tuple[int, str, str]] = []
        line, pos = 1, 0
        for i, ch in enumerate(text):
            if ch == "\ufffd":
                line += text.count("\n", pos, i)
                pos = i
                if not notes or notes[-1][0] != line:
                    notes.append(
                        (
                            line,
                            "此行有无效的 UTF-8 字节，已显示为 �",
                            "invalid UTF-8 bytes on this line, shown as �",
                        )
                    )
                if len(notes) >= 50:
                    break
        return text, notes
    try:
        return body.decode("gb18030"), []
    except UnicodeDecodeError:
        pass
    try:
        rest = body[first_bad:].decode("gb18030")
    except UnicodeDecodeError:
        return decode_text(data, name), []  # raises the ReadError naming the bad byte
    head = body[:first_bad].decode("utf-8", errors="replace")
    line = head.count("\n") + 1
    return head + rest, [
        (
            line,
            "文件自此行起由 UTF-8 变为 GB18030 编码",
            "the file switches from UTF-8 to GB18030 here",
        )
    ]


def check_line_length(text: str, name: str, limits: Limits) -> None:
    """Refuse a text with a line longer than ``max_line_chars`` before tokenising it.

    One linear pass; a disclosure line is a few hundred characters, so a longer one is a damaged
    file (joined lines, a binary blob), and later steps cost its length per sentence."""
    limit = limits.max_line_chars
    if len(text) <= limit:
        return
    for no, line in enumerate(text.replace("\r", "\n").split("\n"), 1):
        if len(line) > limit:
            raise limit_error(
                name,
                "max_line_chars",
                limit,
                f"第 {no} 行 {len(line)} 字符 / line {no}: {len(line)} chars",
                "有一行过长",
                "a line is too long",
            )


def check_zip(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a zip bomb from the ZIP directory alone, before anything is decompressed: the sum
    of the entries' declared sizes, and the ratio of any entry over 1 MB (sheet XML compresses
    10–50×; a bomb compresses 1000×). Declared sizes can lie, so the XLSX reader also counts
    what it actually inflates (:func:`cnbudget.ingest.xlsx.reader.count_cells`)."""
    import io
    import zipfile

    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError(
            f"{name}：ZIP 结构损坏，无法打开（{exc}）", f"{name}: damaged ZIP, cannot open ({exc})"
        ) from exc
    total = sum(i.file_size for i in infos)
    if total > limits.max_xlsx_bytes:
        raise limit_error(
            name,
            "max_xlsx_bytes",
            limits.max_xlsx_bytes,
            f"解压后 {total} 字节 / {total} bytes decompressed",
            "工作簿解压后过大",
            "workbook too large once decompressed",
        )
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > limits.max_xlsx_ratio * max(
            i.compress_size, 1
        ):
            ratio = i.file_size // max(i.compress_size, 1)
            raise limit_error(
                name,
                "max_xlsx_ratio",
                limits.max_xlsx_ratio,
                f"{i.filename} 压缩比 {ratio} / {i.filename} ratio {ratio}",
                "压缩比异常（疑似 ZIP 炸弹）",
                "compression ratio too high (a zip bomb?)",
            )


def check_pdf_pages(path: Path, limits: Limits) -> int:
    """Page count of a PDF (PDFium reads only its page tree), refused over ``max_pdf_pages``."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ReadError(
            f"{path.name}：无法打开 PDF（{exc}）", f"{path.name}: cannot open the PDF ({exc})"
        ) from exc
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n > limits.max_pdf_pages:
        raise limit_error(
            path.name,
            "max_pdf_pages",
            limits.max_pdf_pages,
            f"{n} 页 / {n} pages",
            "PDF 页数过多",
            "too many PDF pages",
        )
    return n


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
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
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
    limits = current_limits()
    data = _read_bytes(p, limits)
    kind = sniff(data)
    if kind == "pdf":
        from cnbudget.ingest.pdf.extract import read_pages
        from cnbudget.ingest.pdf.reader import detect_layout

        n = check_pdf_pages(p, limits)
        return kind, detect_layout(read_pages(p, list(range(1, min(n, 4) + 1))))
    if kind in ("xlsx", "html"):
        from cnbudget.ingest.pdf.reader import detect_layout

        if kind == "xlsx":
            from cnbudget.ingest.xlsx.cells import page_layout
            from cnbudget.ingest.xlsx.reader import open_workbook, sheet_block

            wb = open_workbook(data, p.name, limits)
            blocks = [sheet_block(ws) for ws in wb.worksheets]
        else:
            from cnbudget.ingest.html import html_blocks
            from cnbudget.ingest.xlsx.cells import page_layout

            blocks = html_blocks(data.decode("utf-8", errors="replace"))
        return kind, detect_layout(page_layout([b for b in blocks if b.cells or b.before]))
    return kind, "budget-11"


def _read_bytes(p: Path, limits: Limits) -> bytes:
    """The file's bytes, refused before reading when missing or over ``max_file_bytes``."""
    if not p.is_file():
        raise ReadError(f"找不到文件：{p}", f"file not found: {p}")
    size = p.stat().st_size
    if size > limits.max_file_bytes:
        raise limit_error(
            p.name,
            "max_file_bytes",
            limits.max_file_bytes,
            f"{size} 字节 / {size} bytes",
            "文件过大",
            "file too large",
        )
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ReadError(
            f"{p.name}：无法读取文件（{exc}）", f"{p.name}: cannot read ({exc})"
        ) from exc


def read_path(
    path: str | Path, *, layout: str | None = None, limits: Limits | None = None
) -> Document:
    """Read a disclosure file, choosing the reader by content (see :func:`sniff`).

    ``limits`` bounds the work (default: :func:`~cnbudget.ingest.limits.current_limits`, the
    defaults with ``CNBUDGET_MAX_…`` applied); exceeding one is a :class:`ReadError` naming it.
    Any input gives a Document or a ReadError; every amount a disclosure cannot hold is a
    ``ParseIssue`` (see :func:`flag_out_of_range`)."""
    try:
        lim = current_limits(limits)
    except LimitConfigError as exc:  # a malformed CNBUDGET_MAX_… is the caller's clear error
        zh, _, en = str(exc).partition(" / ")
        raise ReadError(zh, en or zh) from exc
    with using(lim):
        doc = _read(Path(path), layout, lim)
    flag_out_of_range(doc)
    return doc


def _read(p: Path, layout: str | None, limits: Limits) -> Document:
    from cnbudget.ingest.text import read_text

    data = _read_bytes(p, limits)
    kind = sniff(data)
    if kind == "pdf":
        from cnbudget.ingest.pdf import read_pdf

        check_pdf_pages(p, limits)  # before the reader extracts a single page
        doc = read_pdf(p, layout=layout)
        doc.source_sha256 = hashlib.sha256(data).hexdigest()
        return doc
    if kind == "xlsx":
        from cnbudget.ingest.xlsx import read_xlsx

        check_zip(data, p.name, limits)
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
    text, notes = decode_lenient(data, p.name)
    check_line_length(text, p.name, limits)
    doc = read_text(text, name=p.name, layout=layout)
    from cnbudget.model import ParseIssue

    for line, zh, en in notes:
        doc.issues.append(ParseIssue(code="text-encoding", message_zh=zh, message_en=en, line=line))
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc


#: A run of digits (with separators and a point) too long for any amount: 14+ integer digits,
#: or more digits in all than :data:`~cnbudget.money.MAX_AMOUNT_DIGITS`.
_LONG_NUMBER = re.compile(r"\d[\d,，]{13,}(?:[.．]\d+)?|\d[\d,，]*[.．]\d{7,}")


def flag_out_of_range(doc: Document) -> None:
    """Add a ``ParseIssue`` (``amount-out-of-range``) with its line or page for every number in
    the narrative that no disclosure can hold (issue 13: ``1e400``, 25-digit runs).

    Table cells are reported by the readers (``parse_amount`` raises AmountRangeError); the
    narrative is free text whose numbers the checks read later (``checks/claims.py``), so they
    are flagged here, once, for every reader. The checks then skip such a figure."""
    from cnbudget.model import ParseIssue

    seen: set[tuple[int | None, str]] = set()
    for sec in (*doc.overview, *doc.explanation):
        for para in _paragraphs(sec):
            text = (
                unicodedata.normalize("NFKC", para.text) if not para.text.isascii() else para.text
            )
            for m in _LONG_NUMBER.finditer(text):
                digits = sum(ch.isdigit() for ch in m.group(0))
                integer = m.group(0).split(".")[0]
                if digits <= MAX_AMOUNT_DIGITS and sum(ch.isdigit() for ch in integer) <= 13:
                    continue
                src = para.source
                key = (src.line if src else None, m.group(0)[:40])
                if key in seen:
                    continue
                seen.add(key)
                doc.issues.append(
                    ParseIssue(
                        code="amount-out-of-range",
                        message_zh=f"数字超出公开文件可能的范围（{digits} 位）：{m.group(0)[:40]}",
                        message_en=f"number beyond what a disclosure can hold ({digits} digits): "
                        f"{m.group(0)[:40]}",
                        line=src.line if src else None,
                        page=src.page if src else None,
                        text=m.group(0)[:200],
                    )
                )


def _paragraphs(sec):
    for s in sec.walk():
        yield from s.paragraphs
