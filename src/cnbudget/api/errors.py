"""Errors of the REST API: one JSON shape for every failure.

``{"error": {"code": "...", "message_zh": "...", "message_en": "...", "status": 4xx}}``

Why one shape: clients (the web UI, scripts, other tools) branch on ``code`` and show a message
in the user's language; they must never have to parse FastAPI's default ``{"detail": …}``, an
HTML error page or a traceback. Unexpected exceptions become a 500 with a generic message; the
traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

__all__ = ["ApiError", "error_response", "install_error_handlers"]

log = logging.getLogger("cnbudget.api")

#: Default code and messages per HTTP status (for errors raised by the framework itself).
_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式错误", "bad request"),
    401: ("unauthorized", "需要令牌（Authorization: Bearer …）", "a bearer token is required"),
    403: ("forbidden", "令牌无效", "the token is not valid"),
    404: ("not_found", "找不到该资源", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    406: ("not_acceptable", "无法提供所要求的格式", "not acceptable"),
    413: ("payload_too_large", "上传内容过大", "payload too large"),
    415: ("unsupported_media_type", "不支持的文件类型", "unsupported media type"),
    422: ("validation_error", "请求参数无效", "invalid request parameters"),
    500: ("internal_error", "服务器内部错误", "internal server error"),
    503: ("service_unavailable", "服务暂不可用", "service unavailable"),
}


class ApiError(Exception):
    """An error with its stable ``code`` and a message in Chinese and English."""

    def __init__(
        self,
        status: int,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.headers = headers


def error_body(status: int, code: str, message_zh: str, message_en: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message_zh": message_zh,
            "message_en": message_en,
            "status": status,
        }
    }


def error_response(
    status: int,
    code: str,
    message_zh: str,
    message_en: str,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, code, message_zh, message_en), status_code=status, headers=headers
    )


def not_found(what_zh: str, what_en: str, code: str = "not_found") -> ApiError:
    return ApiError(404, code, f"找不到{what_zh}", f"{what_en} not found")


def _validation_text(exc: RequestValidationError) -> tuple[str, str]:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    text = "; ".join(parts) + (f" (+{more})" if more > 0 else "")
    return f"请求参数无效：{text}", f"invalid request: {text}"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message_zh, exc.message_en, exc.headers)


#: Paths that belong to the API (JSON errors); every other path is a web page.
_API_PREFIXES = ("/api/", "/api", "/docs", "/redoc", "/openapi.json", "/healthz")


def _web_page(request: Request, status: int, zh: str, en: str) -> Response | None:
    """The HTML error page for a browser path when the web pages are mounted (``None`` for an
    API path): a person following a bad link must get a page, never JSON."""
    path = request.url.path
    site = getattr(request.app.state, "cnbudget_web", None)
    if site is None or any(path == p or path.startswith(p + "/") for p in _API_PREFIXES):
        return None
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return None  # a script that asked for JSON gets the JSON shape
    try:
        return site.error_page(request, status, (zh, en), (zh, en))  # type: ignore[no-any-return]
    except Exception:  # the page itself failing must not hide the original error
        log.exception("error page failed on %s", path)
        return None


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path.

    Why not the router's own ``Allow``: Starlette answers 405 from the *first* route whose path
    matches, so ``/api/documents`` (GET listing, POST upload: two routes) would claim that only
    GET is allowed.
    """
    methods: set[str] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
                continue
            route_methods = getattr(route, "methods", None)
            if not route_methods:
                continue
            try:
                match, _ = route.matches(request.scope)
            except Exception:  # a foreign route type that cannot match this scope
                continue
            if match is not Match.NONE:
                methods.update(route_methods)

    walk(list(request.app.routes))
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, zh, en = _DEFAULTS.get(
        exc.status_code, (f"http_{exc.status_code}", "请求失败", "request failed")
    )
    detail = exc.detail if isinstance(exc.detail, str) else None
    if detail and detail not in ("Not Found", "Method Not Allowed"):
        en = detail
    headers = dict(getattr(exc, "headers", None) or {})
    page = _web_page(request, exc.status_code, zh, en)
    if page is not None:
        page.headers.update(headers)
        return page
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return error_response(exc.status_code, code, zh, en, headers or None)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    zh, en = _validation_text(exc)
    return error_response(422, "validation_error", zh, en)


async def _database_error(request: Request, exc: Exception) -> Response:
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    zh, en = "数据库暂不可用，请稍后再试", "the database is unavailable"
    return _web_page(request, 503, zh, en) or error_response(503, "database_unavailable", zh, en)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    code, zh, en = _DEFAULTS[500]
    return _web_page(request, 500, zh, en) or error_response(500, code, zh, en)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` answer in the stable JSON shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
