"""The web pages: browse, read, check, chart and compare disclosures in a browser.

Server-rendered HTML (Jinja2, autoescape on everywhere) with a little JavaScript: the findings
panel, drag-and-drop upload, and the charts (ECharts, vendored under ``static/vendor`` with its
licenses, so nothing is fetched from outside at run time). Chinese first, English with
``?lang=en`` (remembered in a cookie).

The REST API (:mod:`cnbudget.api`) calls :func:`mount` on its app, so ``cnbudget serve`` serves
both; :func:`make_app` builds a pages-only app for tests and benchmarks. Pages live at ``/``,
``/documents/…`` (with the analysis pages ``/documents/{id}/scorecard``, ``…/reconciliation``,
``…/execution`` and ``…/performance``, see :mod:`cnbudget.web.analysis`), ``/departments/…``,
``/compare``, ``/check``, ``/peers``, the list of all documents ``/documents`` with its CSV/XLSX
exports (:mod:`cnbudget.web.listing`) and ``/static/…``, never under ``/api``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "WebSettings", "make_app", "mount"]

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"

#: Upload limit when the settings give none (the text sample is 100 KB, scanned PDFs a few MB).
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class WebSettings:
    """What the pages read from the API's ``Settings`` (any object with these attributes).

    ``token`` guards writes (storing an uploaded file) and, when ``public_reads`` is false,
    reads too; without a token nothing can be stored from the web. ``upload_dir`` keeps checked
    uploads until they are stored (default: a private folder in the system's temp dir).
    ``freeze_gc``: see :func:`cnbudget.web.pages.freeze_gc_once`.
    """

    db_url: str
    token: str | None = None
    public_reads: bool = True
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    freeze_gc: bool = True
    upload_dir: str | None = None

    @classmethod
    def of(cls, settings: Any) -> WebSettings:
        if isinstance(settings, WebSettings):
            return settings
        db_url = getattr(settings, "db_url", None)
        if db_url is None:
            raise ValueError("settings.db_url is required to serve the pages")
        max_up = getattr(settings, "max_upload_bytes", None) or DEFAULT_MAX_UPLOAD
        public = getattr(settings, "public_reads", True)
        return cls(
            db_url=str(db_url),
            token=getattr(settings, "token", None) or None,
            public_reads=True if public is None else bool(public),
            max_upload_bytes=int(max_up),
            freeze_gc=bool(getattr(settings, "freeze_gc", True)),
            upload_dir=getattr(settings, "upload_dir", None),
        )


def mount(app: FastAPI, settings: Any) -> None:
    """Add the pages and ``/static`` to ``app`` (called by :func:`cnbudget.api.create_app`)."""
    from cnbudget.web.changes import create_changes_router
    from cnbudget.web.listing import create_listing_router
    from cnbudget.web.pages import Site, create_router

    # Share the API's engine (one connection pool per process) when it keeps one.
    engine = getattr(app.state, "engine", None)
    site = Site(WebSettings.of(settings), engine=engine if isinstance(engine, Engine) else None)
    app.include_router(create_router(site))
    app.include_router(create_listing_router(site))
    app.include_router(create_changes_router(site))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.state.cnbudget_web = site


def make_app(db_url: str, *, token: str | None = None, **kw: Any) -> FastAPI:
    """A FastAPI app with the pages only (tests, benchmarks, or a read-only viewer)."""
    app = FastAPI(title="cnbudget web", docs_url=None, redoc_url=None, openapi_url=None)
    mount(app, WebSettings(db_url=db_url, token=token, **kw))
    return app
