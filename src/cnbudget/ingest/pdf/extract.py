"""Positioned characters and ruling lines of each PDF page, through pypdfium2 (PDFium).

Why pypdfium2: measured on the corpus (``benchmarks/bench_pdf.py``), PDFium gives every
character with its box in ≈ 2–3 ms per page and every path object in ≈ 3 ms, where pdfplumber
(pdfminer.six underneath, pure Python) needs ≈ 90 ms per page before any table is found.
PDFium is BSD/Apache-licensed and pypdfium2 is Apache-2.0 / BSD-3 — fit for an Apache-2.0
project (PyMuPDF's AGPL is not). The table reconstruction itself is ours (``grid.py``).

Everything here is in *display* coordinates: origin at the top-left of the page as it is shown
(after ``/Rotate``), y growing downwards, in PDF points — the convention of pdfplumber and of
:class:`cnbudget.model.Source` (``x0, top, x1, bottom``).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from cnbudget.ingest.pdf.normalize import normalize_cjk

#: A path this thin (points) in one direction is a line, whatever its fill.
THIN = 3.0
#: Characters PDFium generates or that carry no ink; dropped.
_SKIP = {0x0D, 0x0A, 0xFFFE, 0xFFFF, 0x00, 0x02}


@dataclass(slots=True)
class Char:
    """One character with its box (display coordinates, points)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True, frozen=True)
class Ruling:
    """An axis-aligned line segment drawn on the page (a table border)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(slots=True)
class PageContent:
    """What the table reader needs from one page."""

    number: int  # 1-based
    width: float
    height: float
    rotation: int
    chars: list[Char] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    images: int = 0

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def has_text(self) -> bool:
        return any(not c.text.isspace() for c in self.chars)


class _Transform:
    """PDF user space → display coordinates for one page (crop box offset and /Rotate)."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        left, bottom, right, top = page.get_cropbox()
        self.left, self.bottom, self.w, self.h = left, bottom, right - left, top - bottom
        self.rotation = page.get_rotation() % 360

    @property
    def size(self) -> tuple[float, float]:
        return (self.h, self.w) if self.rotation in (90, 270) else (self.w, self.h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        u, v = x - self.left, self.h - (y - self.bottom)  # unrotated, top-left origin
        r = self.rotation
        if r == 0:
            return u, v
        if r == 90:
            return self.h - v, u
        if r == 180:
            return self.w - u, self.h - v
        return v, self.w - u  # 270

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _chars(page: pdfium.PdfPage, tf: _Transform) -> list[Char]:
    """Every non-generated character with its loose box (font ascent to descent).

    Loose boxes have the same height for every glyph of a font size, so lines cluster cleanly
    (a tight box of ``一`` is a hair high). Text is normalised per character here
    (:func:`normalize_cjk`) so that nothing downstream ever sees a radical code point.
    """
    textpage = page.get_textpage()
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    out: list[Char] = []
    get_unicode = pdfium_c.FPDFText_GetUnicode
    loose = pdfium_c.FPDFText_GetLooseCharBox
    generated = pdfium_c.FPDFText_IsGenerated
    upright = tf.rotation == 0
    ox, oy = tf.left, tf.h + tf.bottom
    page_w, page_h = tf.size
    for i in range(n):
        u = get_unicode(raw, i)
        if u in _SKIP or generated(raw, i) == 1:
            continue
        if 0xD800 <= u <= 0xDBFF and i + 1 < n:  # a surrogate pair (Ext. B ideographs)
            lo = get_unicode(raw, i + 1)
            text = chr(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
        elif 0xDC00 <= u <= 0xDFFF:
            continue
        else:
            text = chr(u)
        if not loose(raw, i, ref):
            continue
        if upright:  # the common case, inlined: this loop runs for every character
            x0, x1 = rect.left - ox, rect.right - ox
            top, bottom = oy - rect.top, oy - rect.bottom
            if x0 > x1:
                x0, x1 = x1, x0
            if top > bottom:
                top, bottom = bottom, top
        else:
            x0, top, x1, bottom = tf.box(rect.left, rect.top, rect.right, rect.bottom)
        if top < -0.5 or x0 < -0.5 or bottom > page_h + 0.5 or x1 > page_w + 0.5:
            # Cut by the page edge or off the page: text a producer left outside the visible
            # area (a copy of the previous page's lines above the top edge) — no ink to read.
            continue
        if not text.isascii():
            text = normalize_cjk(text)
        out.append(Char(text, x0, top, x1, bottom))
    textpage.close()
    return out


def _matrix(obj_raw: ctypes.c_void_p) -> tuple[float, float, float, float, float, float]:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj_raw, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(
    inner: tuple[float, float, float, float, float, float],
    outer: tuple[float, float, float, float, float, float],
) -> tuple[float, float, float, float, float, float]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _walk(
    objs: Iterator[ctypes.c_void_p],
    ctm: tuple[float, float, float, float, float, float] | None,
    depth: int = 0,
) -> Iterator[tuple[ctypes.c_void_p, tuple[float, float, float, float, float, float] | None]]:
    """Path objects with the matrix of their enclosing form XObjects (``None`` at top level)."""
    for o in objs:
        t = pdfium_c.FPDFPageObj_GetType(o)
        if t == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield o, ctm
        elif t == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 8:
            m = _matrix(o)
            outer = m if ctm is None else _compose(m, ctm)
            n = pdfium_c.FPDFFormObj_CountObjects(o)
            yield from _walk(
                (pdfium_c.FPDFFormObj_GetObject(o, i) for i in range(n)), outer, depth + 1
            )


def _is_white(obj_raw: ctypes.c_void_p, stroke: bool) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    getter = pdfium_c.FPDFPageObj_GetStrokeColor if stroke else pdfium_c.FPDFPageObj_GetFillColor
    if not getter(obj_raw, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return False
    return a.value == 0 or (r.value > 240 and g.value > 240 and b.value > 240)


def _rulings(page: pdfium.PdfPage, tf: _Transform) -> list[Ruling]:
    """Axis-aligned segments of every visible path: thin filled rectangles and stroked lines.

    A white or fully transparent path draws nothing; a large filled rectangle is a shading, not
    a border, unless it is also stroked.
    """
    out: list[Ruling] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    n = pdfium_c.FPDFPage_CountObjects(page.raw)
    top_objs = (pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(n))
    l_, b_, r_, t_ = (ctypes.c_float() for _ in range(4))
    for o, ctm in _walk(top_objs, None):
        pdfium_c.FPDFPath_GetDrawMode(o, ctypes.byref(fill_mode), ctypes.byref(stroke))
        stroked = bool(stroke.value) and not _is_white(o, True)
        filled = bool(fill_mode.value) and not _is_white(o, False)
        if not (stroked or filled):
            continue
        if ctm is None and pdfium_c.FPDFPageObj_GetBounds(
            o, ctypes.byref(l_), ctypes.byref(b_), ctypes.byref(r_), ctypes.byref(t_)
        ):
            x0, top, x1, bottom = tf.box(l_.value, b_.value, r_.value, t_.value)
            if min(x1 - x0, bottom - top) <= THIN:
                out.append(Ruling(x0, top, x1, bottom))
                continue
            if not stroked:
                continue
        elif not stroked and not filled:
            continue
        out.extend(_segments(o, ctm, tf, filled_only=not stroked))
    return out


def _segments(
    obj_raw: ctypes.c_void_p,
    ctm: tuple[float, float, float, float, float, float] | None,
    tf: _Transform,
    *,
    filled_only: bool,
) -> list[Ruling]:
    """The axis-aligned straight segments of one path (curves are never table borders)."""
    m = _matrix(obj_raw)
    if ctm is not None:
        m = _compose(m, ctm)
    a, b, c, d, e, f = m
    n = pdfium_c.FPDFPath_CountSegments(obj_raw)
    x, y = ctypes.c_float(), ctypes.c_float()
    pts: list[tuple[int, float, float, bool]] = []
    for i in range(n):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj_raw, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        pts.append(
            (
                pdfium_c.FPDFPathSegment_GetType(seg),
                px,
                py,
                bool(pdfium_c.FPDFPathSegment_GetClose(seg)),
            )
        )
    out: list[Ruling] = []
    start: tuple[float, float] | None = None
    prev: tuple[float, float] | None = None
    edges: list[tuple[float, float, float, float]] = []
    for kind, px, py, close in pts:
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = (px, py)
            continue
        if prev is not None and kind == pdfium_c.FPDF_SEGMENT_LINETO:
            edges.append((prev[0], prev[1], px, py))
        prev = (px, py)
        if close and start is not None:
            edges.append((px, py, start[0], start[1]))
            prev = start
    for x0, y0, x1, y1 in edges:
        if abs(x1 - x0) > 1.0 and abs(y1 - y0) > 1.0:
            continue  # diagonal
        bx0, btop, bx1, bbottom = tf.box(x0, y0, x1, y1)
        if filled_only and max(bx1 - bx0, bbottom - btop) <= THIN:
            continue
        out.append(Ruling(bx0, btop, bx1, bbottom))
    return out


def _count_images(page: pdfium.PdfPage) -> int:
    """Image objects on the page (a page with images and no text is likely a scan)."""
    n = pdfium_c.FPDFPage_CountObjects(page.raw)
    return sum(
        1
        for i in range(n)
        if pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(page.raw, i))
        == pdfium_c.FPDF_PAGEOBJ_IMAGE
    )


def read_pages(path: str | Path, pages: list[int] | None = None) -> list[PageContent]:
    """Characters and rulings of ``pages`` (1-based; all pages when ``None``)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        numbers = pages or list(range(1, len(pdf) + 1))
        out: list[PageContent] = []
        for no in numbers:
            page = pdf[no - 1]
            tf = _Transform(page)
            w, h = tf.size
            content = PageContent(number=no, width=w, height=h, rotation=tf.rotation)
            content.chars = _chars(page, tf)
            content.rulings = _rulings(page, tf)
            content.images = _count_images(page)
            out.append(content)
            page.close()
        return out
    finally:
        pdf.close()


def page_count(path: str | Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


__all__ = ["Char", "PageContent", "Ruling", "page_count", "read_pages"]
