"""Dependencies shared by the routes: the engine, the settings and the token checks.

Why the token is compared with :func:`secrets.compare_digest`: a plain ``==`` returns sooner
the earlier two strings differ, which leaks the token one character at a time to a patient
client measuring response times.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from cnbudget.api.errors import ApiError
from cnbudget.api.settings import Settings

__all__ = ["get_engine", "get_settings", "require_read", "require_write"]

#: Declares the scheme in the OpenAPI document (the "Authorize" button of /docs); the checks
#: themselves are below, so that every failure has the API's error shape.
bearer = HTTPBearer(auto_error=False, description="令牌 / the server's token (--token)")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cnbudget"'}


def _check(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> None:
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401,
            "unauthorized",
            "需要令牌：请在请求头中提供 Authorization: Bearer <令牌>",
            "a token is required: send 'Authorization: Bearer <token>'",
            headers=_CHALLENGE,
        )
    if settings.token is None:
        raise ApiError(
            403,
            "token_not_configured",
            "服务器未配置令牌，需要令牌的操作已禁用（启动时使用 --token 或 CNBUDGET_TOKEN）",
            "the server has no token configured, so requests that need one are refused "
            "(start it with --token or CNBUDGET_TOKEN)",
        )
    if not secrets.compare_digest(
        credentials.credentials.encode("utf-8", "surrogateescape"),
        settings.token.encode("utf-8", "surrogateescape"),
    ):
        raise ApiError(403, "forbidden", "令牌无效", "the token is not valid")


def require_write(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Every write endpoint: a valid bearer token (401 without one, 403 for a wrong one)."""
    _check(get_settings(request), credentials)


def require_read(request: Request) -> None:
    """Reads are public unless the server was started with private reads.

    The header is read here rather than through :data:`bearer` so that public read endpoints
    do not claim a security requirement in the OpenAPI document; ``create_app`` adds the
    requirement to them when reads are private.
    """
    settings = get_settings(request)
    if settings.public_reads:
        return
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=value.strip())
        if scheme.lower() == "bearer" and value.strip()
        else None
    )
    _check(settings, credentials)
