"""HTTP behaviour shared by the API and the pages: compression, caching headers and CORS.

Why each:

* **gzip** — a document's canonical JSON or page is 0.3–3 MB of highly repetitive text; gzip
  shrinks it 10–20×. Answers under :data:`GZIP_MIN_BYTES` are left alone (the header costs more
  than it saves).
* **Cache-Control + ETag** — a stored document version never changes (a correction is a new
  version with a new id and hash), so its canonical JSON, original file and downloads can be
  cached by browsers and proxies and revalidated with ``If-None-Match`` (a 304 with no body).
  The lifetime is a day rather than a year because a store can be rebuilt from scratch, which
  reuses ids. With private reads the answers are ``private`` (never kept by shared caches).
  Static assets keep Starlette's ETag and get a short lifetime: their URLs carry no version,
  so a restyled stylesheet must reach browsers within the hour.
* **CORS** — off unless ``Settings.cors_origins`` lists origins: other sites' scripts can then
  read public answers; no origin is ever allowed to send credentials.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cnbudget.api.settings import Settings

__all__ = ["GZIP_MIN_BYTES", "STATIC_CACHE", "immutable_cache", "install_http"]

GZIP_MIN_BYTES = 1024
#: Lifetime of a document version's resources (see the module docstring for why not a year).
VERSION_MAX_AGE = 86400
STATIC_CACHE = "public, max-age=3600"


def immutable_cache(settings: Any) -> str:
    """``Cache-Control`` for the resources of one stored document version."""
    public = bool(getattr(settings, "public_reads", True))
    return f"{'public' if public else 'private'}, max-age={VERSION_MAX_AGE}"


class StaticCacheHeaders:
    """Adds ``Cache-Control`` to answers under ``/static/`` that do not set one."""

    def __init__(self, app: ASGIApp, prefix: str = "/static/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (200, 304):
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", STATIC_CACHE.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cache)


def install_http(app: FastAPI, settings: Settings) -> None:
    """Add the middlewares to ``app`` (innermost first)."""
    app.add_middleware(StaticCacheHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=6)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Location", "Retry-After", "Content-Disposition"],
            max_age=600,
        )
