"""Choose the reader for a file by its content and read it."""

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


def read_path(path: str | Path, *, layout: str | None = None) -> Document:
    """Read a disclosure file, choosing the reader by content."""
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
    if data.startswith(b"%PDF"):
        from cnbudget.ingest.pdf import read_pdf

        doc = read_pdf(p, layout=layout)
        doc.source_sha256 = hashlib.sha256(data).hexdigest()
        return doc
    if data.startswith(b"PK\x03\x04"):
        raise ReadError(
            f"{p.name}：XLSX/DOCX 读取尚未实现",
            f"{p.name}: XLSX/DOCX reading is not implemented yet",
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{p.name}：不是文本文件", f"{p.name}: not a text file")
    text = decode_text(data, p.name)
    doc = read_text(text, name=p.name, layout=layout)
    doc.source_sha256 = hashlib.sha256(data).hexdigest()
    return doc
