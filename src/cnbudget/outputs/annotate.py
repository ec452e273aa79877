"""The annotated PDF a reviewer sends back: the original with every finding drawn where it is.

Why annotations rather than a re-rendered document: the department must see *its own* file with
the problems marked, and a reviewer's PDF reader (Acrobat, WPS, Foxit, the browser) lists PDF
annotations in its comments panel. So each finding that carries a page and a box becomes one
``/Square`` annotation around that box — the table cell, or the narrative paragraph — coloured
by severity (error red, warning orange, notice blue) with the message (Chinese, then English) as
its note. A finding with a page but no box becomes a ``/Text`` note in the page's top-left
margin. In front, pages rendered with the project's own PDF stack (WeasyPrint, so Chinese shows
in embedded Noto CJK fonts) list every finding with the page it is on — including those with no
page at all, which can only be shown there.

Library: ``pypdf`` (BSD) — no AGPL code (PyMuPDF) in an Apache-2.0 project.

Coordinates: the PDF reader (``cnbudget.ingest.pdf.extract``) stores boxes in *display*
coordinates — origin at the top-left of the page as shown (after ``/Rotate``), relative to the
crop box, y downwards. Annotations live in PDF *user space* — origin bottom-left of the unrotated
page, y upwards. :func:`display_to_user` inverts the reader's transform exactly, rotation
included.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.annotations import Rectangle, Text
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from cnbudget.checks.findings import SEVERITY_ORDER, Finding, Report
from cnbudget.model import Document

__all__ = [
    "COLOURS",
    "AnnotateResult",
    "annotate_pdf",
    "display_to_user",
    "render_cover",
]

BBox = tuple[float, float, float, float]

#: Stroke colours (RGB 0–1) by severity: error red, warning orange, notice blue.
COLOURS: dict[str, tuple[float, float, float]] = {
    "error": (0.86, 0.08, 0.08),
    "warning": (1.0, 0.55, 0.0),
    "notice": (0.1, 0.4, 0.95),
}
KIND_ZH = {"budget": "预算", "final": "决算"}
SEVERITY_LABEL = {"error": "错误 error", "warning": "警告 warning", "notice": "提示 notice"}
#: Points between the finding's box and the drawn frame, so the frame does not cover the text.
PAD = 1.5
_BORDER = 1.2
_FILL_ALPHA = 0.12
#: Annotation flag "Print": the marks are printed with the page.
_PRINT = 4


@dataclass
class AnnotateResult:
    """What :func:`annotate_pdf` did: pages put in front, and each finding's placement."""

    output: Path
    cover_pages: int
    #: (finding, 1-based page of the *original* file) for every annotation drawn.
    placed: list[tuple[Finding, int]] = field(default_factory=list)
    #: findings that could only be listed on the cover (no page, or a page the file lacks).
    unplaced: list[Finding] = field(default_factory=list)


def display_to_user(bbox: BBox, page: PageObject) -> BBox:
    """A reader box ``(x0, top, x1, bottom)`` in display coordinates → ``(x0, y0, x1, y1)`` in
    the PDF user space of ``page`` (the inverse of ``extract._Transform``)."""
    left, bottom = float(page.cropbox.left), float(page.cropbox.bottom)
    w, h = float(page.cropbox.width), float(page.cropbox.height)
    rotation = page.rotation % 360

    def point(x: float, y: float) -> tuple[float, float]:
        if rotation == 90:
            u, v = y, h - x
        elif rotation == 180:
            u, v = w - x, h - y
        elif rotation == 270:
            u, v = w - y, x
        else:
            u, v = x, y
        return left + u, bottom + h - v

    ax, ay = point(bbox[0], bbox[1])
    bx, by = point(bbox[2], bbox[3])
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _pad(box: BBox, page: PageObject, extra: float = 0.0) -> BBox:
    """``box`` grown by :data:`PAD` (+ ``extra``), kept inside the crop box (where it shows)."""
    cb = page.cropbox
    d = PAD + extra
    return (
        max(box[0] - d, float(cb.left)),
        max(box[1] - d, float(cb.bottom)),
        min(box[2] + d, float(cb.right)),
        min(box[3] + d, float(cb.top)),
    )


def _note(f: Finding) -> str:
    """The popup text: the message in Chinese, then English, then the figures and other cells."""
    parts = [f.message_zh, f.message_en]
    if f.expected is not None or f.found is not None:
        parts.append(
            f"应为 expected: {f.expected}  实为 found: {f.found}  差 difference: {f.difference}"
        )
    pages = sorted({r.source_page for r in f.related if r.source_page})
    if pages:
        parts.append("相关位置 related: " + "、".join(f"第 {p} 页" for p in pages))
    return "\n".join(parts)


def _appearance(writer: PdfWriter, w: float, h: float, rgb: tuple[float, float, float]) -> object:
    """The normal appearance of a frame ``w`` × ``h``: a thin border over a faint tint.

    Why draw it ourselves: without ``/AP`` each viewer invents its own look (some none at all),
    and a translucent tint needs a graphics state only an appearance stream can carry.
    """
    r, g, b = (f"{c:.3f}" for c in rgb)
    half = _BORDER / 2
    ops = (
        f"q /GS0 gs {r} {g} {b} rg 0 0 {w:.2f} {h:.2f} re f Q "
        f"q {r} {g} {b} RG {_BORDER} w {half} {half} {w - _BORDER:.2f} {h - _BORDER:.2f} re S Q"
    )
    stream = DecodedStreamObject()
    stream.set_data(ops.encode("ascii"))
    gs = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/ExtGState"),
            NameObject("/ca"): FloatObject(_FILL_ALPHA),
        }
    )
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): RectangleObject((0, 0, w, h)),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/ExtGState"): DictionaryObject({NameObject("/GS0"): gs})}
            ),
        }
    )
    # pypdf has no public call to register a stream; streams must be indirect objects.
    return writer._add_object(stream)


def _common(annot: DictionaryObject, f: Finding, n: int) -> None:
    rgb = COLOURS[f.severity]
    annot[NameObject("/C")] = ArrayObject([FloatObject(c) for c in rgb])
    annot[NameObject("/Contents")] = TextStringObject(_note(f))
    annot[NameObject("/T")] = TextStringObject(f"cnbudget · {SEVERITY_LABEL[f.severity]}")
    annot[NameObject("/Subj")] = TextStringObject(f.rule)
    annot[NameObject("/NM")] = TextStringObject(f"cnbudget-{n:04d}-{f.rule}")
    annot[NameObject("/F")] = NumberObject(_PRINT)


def _frame(writer: PdfWriter, index: int, rect: BBox, f: Finding, n: int) -> None:
    """One ``/Square`` annotation framing ``rect`` (user space) on page ``index`` of ``writer``."""
    annot = Rectangle(rect)
    _common(annot, f, n)
    annot[NameObject("/BS")] = DictionaryObject(
        {NameObject("/W"): FloatObject(_BORDER), NameObject("/S"): NameObject("/S")}
    )
    ap = _appearance(writer, rect[2] - rect[0], rect[3] - rect[1], COLOURS[f.severity])
    annot[NameObject("/AP")] = DictionaryObject({NameObject("/N"): ap})
    writer.add_annotation(index, annot)


def _sticky(writer: PdfWriter, index: int, page: PageObject, f: Finding, n: int, k: int) -> None:
    """A ``/Text`` note in the top-left margin for a finding with a page but no box."""
    x0, y0, _x1, _y1 = display_to_user((6 + 20 * k, 6, 24 + 20 * k, 24), page)
    annot = Text(rect=(x0, y0, x0 + 18, y0 + 18), text=_note(f))
    _common(annot, f, n)
    annot[NameObject("/Name")] = NameObject("/Comment")
    writer.add_annotation(index, annot)


# --- the pages in front ------------------------------------------------------------------------

_COVER_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm;
  @bottom-center { content: "审核意见 " counter(page) " / " counter(pages);
    font: 8pt "Noto Sans CJK SC", sans-serif; color: #666; } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.en { color: #555; font-weight: normal; font-size: 0.85em; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; margin-top: 3mm; }
th, td { border: 0.5pt solid #999; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eef0f3; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.page, td.rule { white-space: nowrap; }
.sev { font-weight: bold; white-space: nowrap; }
.error .sev { color: #db1414; } .warning .sev { color: #e08600; } .notice .sev { color: #1a66f2; }
.swatch { display: inline-block; width: 9pt; height: 6pt; border: 1.2pt solid; margin: 0 1mm; }
"""


def _e(text: object) -> str:
    return "" if text is None else html.escape(str(text), quote=True)


def _where(f: Finding) -> str:
    loc = f.location
    parts = [f"表{loc.table_no}" if loc.table_no else "", loc.unit_name or "", loc.row_code or ""]
    parts += [loc.row_name or "", f"「{loc.column}」" if loc.column else ""]
    return " ".join(p for p in parts if p)


def _cover_html(
    findings: Sequence[tuple[Finding, int | None]],
    *,
    title: str,
    source: str,
    offset: int,
) -> str:
    """The listing pages as HTML; ``offset`` is how many pages they take (original page N is
    page N + offset of the annotated file)."""
    counts = {s: sum(1 for f, _ in findings if f.severity == s) for s in COLOURS}
    legend = " ".join(
        f'<span class="swatch" style="border-color:rgb({",".join(str(round(c * 255)) for c in rgb)})"></span>'
        f"{SEVERITY_LABEL[s]} {counts[s]}"
        for s, rgb in COLOURS.items()
    )
    rows = []
    for n, (f, page) in enumerate(findings, start=1):
        if page is None:
            where_page = "无页码<br>no page"
        else:
            where_page = f"原第 {page} 页<br>本文件第 {page + offset} 页"
        rows.append(
            f'<tr class="{f.severity}"><td>{n}</td><td class="sev">{_e(SEVERITY_LABEL[f.severity])}'
            f"</td><td class=rule>{_e(f.rule)}</td><td class=page>{where_page}</td><td>{_e(_where(f))}</td>"
            f'<td>{_e(f.message_zh)}<br><span class="en">{_e(f.message_en)}</span></td></tr>'
        )
    body = "".join(rows) if rows else '<tr><td colspan="6">未发现问题 / no findings</td></tr>'
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<style>{_COVER_CSS}</style></head><body>"
        f'<h1>审核意见 <span class="en">Review findings</span></h1>'
        f"<p>{_e(title)}</p><p class=en>{_e(source)}</p>"
        f"<p>共 {len(findings)} 条 / {len(findings)} findings：{legend}</p>"
        f"<p class=en>原文页码加 {offset} 即本文件页码 / original page N is page N + {offset} here."
        " 框线颜色表示级别，点击框线可见说明 / frames are coloured by severity; open one for its"
        " note.</p>"
        "<table><thead><tr><th>序号<br><span class=en>No.</span></th>"
        "<th>级别<br><span class=en>Severity</span></th><th>规则<br><span class=en>Rule</span></th>"
        "<th>页码<br><span class=en>Page</span></th><th>位置<br><span class=en>Where</span></th>"
        "<th>问题说明<br><span class=en>Message</span></th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict:
    """Refuse every URL: the listing is self-contained and must never reach out."""
    raise ValueError(f"cnbudget annotate fetches no resources (asked for {url[:80]!r})")


def render_cover(
    findings: Sequence[tuple[Finding, int | None]], *, title: str, source: str
) -> bytes:
    """The listing pages as PDF bytes. They state their own page count (the offset of every
    original page), so they are laid out until the count they state is the count they take;
    the first guess (about eleven findings a page) is usually right, and only the final layout
    is written out (embedding the CJK font subsets is the costly part)."""
    from weasyprint import HTML

    offset = 1 + len(findings) // 11
    for _ in range(4):
        text = _cover_html(findings, title=title, source=source, offset=offset)
        laid_out = HTML(string=text, url_fetcher=_no_fetch).render()
        if len(laid_out.pages) == offset:
            break
        offset = len(laid_out.pages)
    return laid_out.write_pdf()


def _order(item: tuple[Finding, int | None]) -> tuple[int, int]:
    """Reading order: by page, the most serious first on a page; those with no page last."""
    f, page = item
    return (page if page is not None else 10**9, -SEVERITY_ORDER[f.severity])


def annotate_pdf(
    source: str | Path,
    report: Report,
    output: str | Path,
    *,
    doc: Document | None = None,
) -> AnnotateResult:
    """Write ``source`` with ``report``'s findings drawn on it, listing pages in front, to
    ``output``. ``doc`` (the document read from ``source``) only names it on the listing."""
    src, out = Path(source), Path(output)
    reader = PdfReader(src)
    n_pages = len(reader.pages)
    placed: list[tuple[Finding, int | None]] = []
    for f in report.findings:
        p = f.location.source_page
        placed.append((f, p if p is not None and 1 <= p <= n_pages else None))
    placed.sort(key=_order)  # stable: the checks' own order within a page and severity
    md = doc.metadata if doc is not None else None
    title = (
        " ".join(str(x) for x in (md.full_name, md.year, KIND_ZH.get(md.kind, md.kind)) if x)
        if md is not None
        else src.name
    )
    cover = PdfReader(io.BytesIO(render_cover(placed, title=title, source=src.name)))

    writer = PdfWriter(clone_from=reader)
    for i, page in enumerate(cover.pages):
        writer.insert_page(page, index=i)
    k = len(cover.pages)
    result = AnnotateResult(output=out, cover_pages=k)
    stickies: dict[int, int] = {}
    #: frames already drawn around the same box: each further one is drawn a little larger,
    #: so that several findings on one cell or sentence stay apart and each can be opened.
    same_box: Counter[tuple[float, ...]] = Counter()
    for n, (f, p) in enumerate(placed, start=1):
        if p is None:
            result.unplaced.append(f)
            continue
        index = k + p - 1
        page = writer.pages[index]
        bbox = f.location.source_bbox
        rect = None
        if bbox is not None:
            key = (p, *(round(v, 1) for v in bbox))
            nth = same_box[key]
            same_box[key] += 1
            rect = _pad(display_to_user(bbox, page), page, extra=2.0 * nth)
        if rect is not None and rect[2] - rect[0] > 1 and rect[3] - rect[1] > 1:
            _frame(writer, index, rect, f, n)
        else:  # no box, or one outside the visible page: a note in the margin
            _sticky(writer, index, page, f, n, stickies.get(p, 0))
            stickies[p] = stickies.get(p, 0) + 1
        result.placed.append((f, p))
    buffer = io.BytesIO()
    writer.write(buffer)  # whole before the file is touched: no half-written PDF on failure
    out.write_bytes(buffer.getvalue())
    return result
