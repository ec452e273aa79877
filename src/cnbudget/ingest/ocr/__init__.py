"""OCR for PDF pages without a text layer (scans), with Debian's Tesseract (``chi_sim``).

Why the CLI with TSV output: ``tesseract page.png stdout -l chi_sim+eng tsv`` gives every word
with its box and confidence, which is what the PDF grid reconstruction needs (characters with
boxes); it needs no Python binding (pytesseract only wraps the same call). The page is rendered
by PDFium at 300 dpi; ruling lines are found in the same image (long dark runs, horizontal and
vertical), so a scanned ruled table takes the ruled-table path like a text-layer PDF.

Every value read this way is marked: :func:`mark_confidence` writes ``ocr conf=NN`` (the lowest
word confidence inside the cell, 0–100) into the amount's ``Source.cell``, and the reader adds a
``ParseIssue`` per OCR page with its mean confidence, so the checks say how far to trust it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cnbudget.ingest.detect import ReadError, limit_error
from cnbudget.ingest.limits import current_limits
from cnbudget.ingest.pdf.extract import Char, PageContent, Ruling
from cnbudget.ingest.pdf.normalize import normalize_cjk

log = logging.getLogger(__name__)

#: Render resolution for OCR (Tesseract's sweet spot for 10–12 pt print).
DPI = 300
#: A dark run at least this long (pixels at DPI) is a ruling line, not a glyph stroke.
LINE_RUN = 80
LANGS = "chi_sim+eng"
#: Page segmentation: 6 = one uniform block of text. Measured on a rasterised corpus table page
#: with its ruling lines erased, it reads amounts better than 11 (sparse text) or 4 (columns).
PSM = "6"


@dataclass(slots=True)
class OcrWord:
    """One recognised word: its box (points, display coordinates) and confidence (0–100)."""

    text: str
    bbox: tuple[float, float, float, float]
    conf: float


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def _render(path: Path, number: int):  # -> PIL.Image.Image
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[number - 1]
        image = page.render(scale=DPI / 72).to_pil()
        page.close()
        return image
    finally:
        pdf.close()


def words_from_tsv(tsv: str, scale: float) -> list[OcrWord]:
    """Level-5 rows of Tesseract's TSV → words in points (``scale`` pixels per point)."""
    out: list[OcrWord] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            continue
        if not text or conf < 0:
            continue
        x, y = float(row["left"]) / scale, float(row["top"]) / scale
        w, h = float(row["width"]) / scale, float(row["height"]) / scale
        out.append(OcrWord(normalize_cjk(text), (x, y, x + w, y + h), conf))
    return out


def recognise(image, *, seconds: int | None = None, where: str = "OCR") -> list[OcrWord]:
    """Run Tesseract on ``image`` (rendered at :data:`DPI`) and return its words.

    ``seconds`` (default ``max_ocr_seconds``) bounds the run: a scan on a loaded machine took
    over 20 s a page (issue 13), so a page that takes longer is a :class:`ReadError` naming the
    limit, as is a Tesseract failure (never a RuntimeError traceback)."""
    limit = seconds if seconds is not None else current_limits().max_ocr_seconds
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        try:
            proc = subprocess.run(
                ["tesseract", str(png), "stdout", "-l", LANGS, "--psm", PSM, "tsv"],
                capture_output=True,
                text=True,
                timeout=limit,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise limit_error(
                where,
                "max_ocr_seconds",
                limit,
                f"超过 {limit} 秒 / over {limit} s",
                "OCR 识别一页超时",
                "OCR of one page took too long",
            ) from exc
    if proc.returncode != 0:
        msg = proc.stderr.strip()[:300]
        raise ReadError(
            f"{where}：OCR（tesseract）失败：{msg}", f"{where}: OCR (tesseract) failed: {msg}"
        )
    return words_from_tsv(proc.stdout, DPI / 72)


def _runs(values: list[int], threshold: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(values):
        if v >= threshold and start is None:
            start = i
        elif v < threshold and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(values)))
    return out


def rulings_from_image(image) -> list[Ruling]:
    """Horizontal and vertical ruling lines of a rendered page, in points.

    A pixel belongs to a horizontal line when the :data:`LINE_RUN` pixels around it (in its
    row) are all dark: averaging the binarised image over boxes of that width keeps only such
    runs (glyph strokes are shorter); likewise vertically.
    """
    from PIL import Image

    gray = image.convert("L")
    w, h = gray.size
    dark = gray.point(lambda v: 255 if v < 160 else 0)
    scale = DPI / 72
    out: list[Ruling] = []
    k = LINE_RUN
    # Horizontal: columns averaged in blocks of k pixels.
    hw = max(w // k, 1)
    hmask = dark.resize((hw, h), Image.Resampling.BOX)
    data = list(hmask.tobytes())
    segs: dict[tuple[int, int], list[int]] = {}
    for y in range(h):
        for a, b in _runs(data[y * hw : (y + 1) * hw], 230):
            if b - a >= 2:
                segs.setdefault((a, b), []).append(y)
    out.extend(
        Ruling(a * k / scale, y0 / scale, b * k / scale, (y1 + 1) / scale)
        for (a, b), ys in segs.items()
        for y0, y1 in _bands(ys)
    )
    # Vertical: rows averaged in blocks of k pixels.
    vh = max(h // k, 1)
    vmask = dark.resize((w, vh), Image.Resampling.BOX)
    data = list(vmask.tobytes())
    vsegs: dict[tuple[int, int], list[int]] = {}
    for x in range(w):
        column = data[x::w]
        for a, b in _runs(column, 230):
            if b - a >= 2:
                vsegs.setdefault((a, b), []).append(x)
    out.extend(
        Ruling(x0 / scale, a * k / scale, (x1 + 1) / scale, b * k / scale)
        for (a, b), xs in vsegs.items()
        for x0, x1 in _bands(xs)
    )
    return out


def _bands(values: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers grouped: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for v in sorted(values):
        if out and v <= out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _extend(rulings: list[Ruling], slack: float) -> list[Ruling]:
    """Box-averaged runs lose up to one block at each end: extend every line by ``slack`` so
    that borders meet (the grid snaps positions anyway)."""
    out = []
    for r in rulings:
        if r.horizontal:
            out.append(Ruling(r.x0 - slack, r.top, r.x1 + slack, r.bottom))
        else:
            out.append(Ruling(r.x0, r.top - slack, r.x1, r.bottom + slack))
    return out


def erase_lines(image, rulings: list[Ruling]):  # -> PIL.Image.Image
    """A copy of ``image`` with the ruling lines painted white: Tesseract reads table cells far
    better without their borders (which it takes for ``|``, ``I`` or ``一``)."""
    from PIL import ImageDraw

    clean = image.convert("RGB")
    draw = ImageDraw.Draw(clean)
    s = DPI / 72
    for r in rulings:
        draw.rectangle([r.x0 * s - 3, r.top * s - 3, r.x1 * s + 3, r.bottom * s + 3], fill="white")
    return clean


_NUMERIC = re.compile(r"^[\d,.，．]+$")


def merge_numbers(words: list[OcrWord]) -> list[OcrWord]:
    """Pieces of one printed amount (``371,`` ``514,`` ``655.`` ``00``) joined into one word:
    Tesseract splits figures at their separators."""
    out: list[OcrWord] = []
    for w in sorted(words, key=lambda w: (round((w.bbox[1] + w.bbox[3]) / 2 / 4), w.bbox[0])):
        if out:
            prev = out[-1]
            h = max(prev.bbox[3] - prev.bbox[1], w.bbox[3] - w.bbox[1], 1.0)
            same_line = abs((prev.bbox[1] + prev.bbox[3]) / 2 - (w.bbox[1] + w.bbox[3]) / 2) < h / 2
            gap = w.bbox[0] - prev.bbox[2]
            if (
                same_line
                and -1.0 <= gap <= 0.8 * h
                and _NUMERIC.match(prev.text)
                and _NUMERIC.match(w.text)
                and prev.text[-1] in ",.，．"
            ):
                out[-1] = OcrWord(
                    prev.text + w.text,
                    (
                        prev.bbox[0],
                        min(prev.bbox[1], w.bbox[1]),
                        w.bbox[2],
                        max(prev.bbox[3], w.bbox[3]),
                    ),
                    min(prev.conf, w.conf),
                )
                continue
        out.append(w)
    return out


def ocr_pages(path: str | Path, pages: list[PageContent]) -> dict[int, list[OcrWord]]:
    """OCR every page that has images and no text layer, in place (characters and rulings).

    Returns the words per page number (for :func:`mark_confidence`); pages left alone are
    absent. Without Tesseract nothing is done (the reader reports the page as unreadable).
    """
    todo = [p for p in pages if not p.has_text and p.images]
    if not todo or not tesseract_available():
        return {}
    limits = current_limits()
    name = Path(path).name
    if len(todo) > limits.max_ocr_pages:
        # Refused before the first page: 20+ s a page on a loaded machine, no partial result.
        raise limit_error(
            name,
            "max_ocr_pages",
            limits.max_ocr_pages,
            f"{len(todo)} 页需要 OCR / {len(todo)} pages need OCR",
            "需要 OCR 的页数过多",
            "too many pages need OCR",
        )
    out: dict[int, list[OcrWord]] = {}
    for i, page in enumerate(todo, 1):
        # Progress for the CLI / server log: OCR is the one step that takes seconds a page.
        log.info("OCR %s: page %d (%d of %d)", name, page.number, i, len(todo))
        image = _render(Path(path), page.number)
        rulings = rulings_from_image(image)
        words = merge_numbers(
            recognise(
                erase_lines(image, rulings),
                seconds=limits.max_ocr_seconds,
                where=f"{name} 第{page.number}页 / page {page.number}",
            )
        )
        page.chars = [Char(w.text, *w.bbox) for w in words]
        page.rulings = _extend(rulings, LINE_RUN / (DPI / 72))
        out[page.number] = words
    return out


def mark_confidence(doc, words: dict[int, list[OcrWord]]) -> None:
    """Write ``ocr conf=NN`` into the source of every amount read from an OCR page (the lowest
    confidence of the words inside its cell box) and report each OCR page."""
    from cnbudget.model import ParseIssue

    for t in doc.tables:
        for r in t.rows:
            for a in r.values.values():
                src = a.source
                if src is None or src.page not in words or src.bbox is None:
                    continue
                x0, top, x1, bottom = src.bbox
                confs = [
                    w.conf
                    for w in words[src.page]
                    if x0 - 1 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 + 1
                    and top - 1 <= (w.bbox[1] + w.bbox[3]) / 2 <= bottom + 1
                ]
                conf = min(confs) if confs else 0.0
                a.confidence = Decimal(round(conf))
                src.cell = "ocr"
    for page, ws in sorted(words.items()):
        mean = sum(w.conf for w in ws) / len(ws) if ws else 0.0
        doc.issues.append(
            ParseIssue(
                code="ocr-page",
                message_zh=f"第{page}页没有文字层，已由 OCR 识别（平均置信度 {mean:.0f}），"
                "其数值请对照原件核实",
                message_en=f"page {page} has no text layer and was read by OCR (mean confidence "
                f"{mean:.0f}); verify its figures against the original",
                page=page,
            )
        )


__all__ = [
    "OcrWord",
    "mark_confidence",
    "ocr_pages",
    "recognise",
    "rulings_from_image",
    "tesseract_available",
    "words_from_tsv",
]
