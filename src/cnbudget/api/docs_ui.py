"""The API browser: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, served from this package.

Why not FastAPI's built-in pages: they load Swagger UI and ReDoc from a CDN (jsDelivr) and
start them with an inline ``<script>``, so on a laptop without network ``/docs`` is a blank page,
and under the site's Content-Security-Policy (``script-src 'self'``, no inline scripts) they
would not run even online. Here both bundles are vendored by ``scripts/vendor-assets.sh`` (pinned
versions, sha256 and licenses beside them in ``cnbudget/web/static/vendor``), served by the
routes below under ``/docs/assets/…`` (so the browser works whether or not the web pages are
mounted), and started by a small same-origin script (``static/js/api-docs.js``) that reads its
settings from ``data-`` attributes. Both pages are sent with the site's own CSP.

ReDoc's full-text search runs in a Web Worker made from a ``blob:`` URL, which ``script-src
'self'`` forbids; search is turned off (``disable-search``) rather than the policy loosened —
the operation list in the side menu is short enough to scan.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

__all__ = ["ASSETS", "install_docs"]

_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

#: The only files ``/docs/assets/{name}`` serves (a fixed list: no path from the URL is ever
#: joined onto the file system).
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_STATIC / "vendor" / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_STATIC / "vendor" / "swagger-ui.css", "text/css"),
    "redoc.standalone.js": (_STATIC / "vendor" / "redoc.standalone.js", "text/javascript"),
    "api-docs.js": (_STATIC / "js" / "api-docs.js", "text/javascript"),
    "api-docs.css": (_STATIC / "css" / "api-docs.css", "text/css"),
}


def _headers() -> dict[str, str]:
    """The web pages' security headers (one policy for the whole site)."""
    from cnbudget.web.pages import HEADERS

    return dict(HEADERS)


def _page(title: str, spec_url: str, body: str, scripts: list[str], css: list[str]) -> str:
    links = "".join(f'<link rel="stylesheet" href="/docs/assets/{c}">' for c in css)
    tags = "".join(f'<script src="/docs/assets/{s}" defer></script>' for s in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{links}{tags}</head>"
        f'<body data-spec-url="{escape(spec_url)}">'
        '<header class="api-docs-bar"><a href="/">首页 / Home</a>'
        '<a href="/docs">Swagger UI</a><a href="/redoc">ReDoc</a>'
        f'<a href="{escape(spec_url)}">OpenAPI JSON</a></header>'
        f"{body}</body></html>"
    )


def install_docs(app: FastAPI) -> None:
    """Register ``/docs``, ``/redoc`` and ``/docs/assets/{name}`` on ``app``.

    Create the app with ``docs_url=None, redoc_url=None`` so that FastAPI's CDN pages are not
    registered too; the spec is read from ``app.openapi_url`` (``/openapi.json`` by default).
    """
    spec_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} · 接口文档 / API documentation"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI: every operation, with "try it out" against this server."""
        html = _page(
            title,
            spec_url,
            '<div id="swagger-ui" data-ui="swagger"></div>',
            ["swagger-ui-bundle.js", "api-docs.js"],
            ["swagger-ui.css", "api-docs.css"],
        )
        return HTMLResponse(html, headers=_headers())

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        """ReDoc: the same spec as a readable three-column reference."""
        html = _page(
            title,
            spec_url,
            '<div id="redoc" data-ui="redoc"></div>',
            ["redoc.standalone.js", "api-docs.js"],
            ["api-docs.css"],
        )
        return HTMLResponse(html, headers=_headers())

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        """One of the vendored files (cached for a day; they change only with a release)."""
        hit = ASSETS.get(name)
        if hit is None or not hit[0].is_file():
            raise HTTPException(
                status_code=404, detail="没有该文件 / no such asset (run scripts/vendor-assets.sh)"
            )
        path, media = hit
        headers = {**_headers(), "Cache-Control": "public, max-age=86400"}
        return FileResponse(path, media_type=media, headers=headers)
