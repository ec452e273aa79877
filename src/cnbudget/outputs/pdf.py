"""Write a :class:`Document` as a print-ready PDF: the HTML page laid out by WeasyPrint.

Why WeasyPrint over the HTML: one rendering of the content (``cnbudget.outputs.html``) serves the
browser and the paper, and CSS paged media gives what an official document needs: A4 pages with
margins, the department name and the current part in a running header, ``第 N 页 / 共 M 页`` in the
footer, a 目录 with page numbers (``target-counter``), table headers repeated on every page, rows
kept whole, and landscape pages for the wide tables (表2, 表7) through a named ``@page``.

Fonts are Noto Sans/Serif CJK SC from Debian's ``fonts-noto-cjk`` (installed by
``scripts/system-deps.sh``). WeasyPrint subsets them when embedding; with Debian's
``libharfbuzz-subset0`` this takes a fraction of a second, without it WeasyPrint falls back to
fontTools and the same PDF takes several seconds more.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from cnbudget.model import Document
from cnbudget.outputs.html import ASSETS, render_html

__all__ = ["render_pdf", "write_pdf"]


@cache
def print_css() -> str:
    """The print stylesheet (``assets/print.css``), read once per process."""
    return (ASSETS / "print.css").read_text(encoding="utf-8")


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict:
    """Refuse every URL: the page is self-contained, and a document must never reach out."""
    raise ValueError(f"cnbudget PDF output fetches no resources (asked for {url[:80]!r})")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while WeasyPrint builds its box tree.

    Layout allocates hundreds of thousands of short-lived objects; Python's generational
    collector keeps scanning them and costs about a fifth of the whole PDF time. The objects are
    freed by reference counting as usual; cycles wait until the collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(doc: Document) -> bytes:
    """The PDF of ``doc`` as bytes (A4, print CSS applied, fonts subset and embedded)."""
    from weasyprint import HTML

    # The print CSS goes into the page itself: WeasyPrint ranks ``stylesheets=`` as user sheets,
    # below the page's own screen CSS, and the print rules must win.
    source = render_html(doc, extra_css=print_css(), cjk_spacing=True)
    with _gc_paused():
        page = HTML(string=source, base_url=str(ASSETS), url_fetcher=_no_fetch)
        return page.write_pdf()


def write_pdf(doc: Document, path: str | Path) -> Path:
    """Write the PDF of ``doc`` to ``path`` and return the path."""
    p = Path(path)
    p.write_bytes(render_pdf(doc))
    return p
