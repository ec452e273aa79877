"""The pages' access rules, shared by every page router (pages, changes).

Two rules every page obeys: reads need the token when the site is not public (the token form,
401), and a malformed or impossible parameter answers with the HTML error page — never
FastAPI's JSON, since browsers come here, not API clients. An id outside 1…2³¹−1 is "not found"
(no row can have it, and SQLite cannot even compare 99999999999999999999); a year outside
1900–2100 is an invalid request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from cnbudget.web.i18n import Translator

if TYPE_CHECKING:  # pages imports half the project
    from cnbudget.web.pages import Site

__all__ = ["MAX_ID", "YEARS", "guarded", "html_errors_route", "out_of_range"]

#: The largest id either database can hold (PostgreSQL INTEGER); larger ids cannot exist.
MAX_ID = 2**31 - 1
#: Years a disclosure can have (the API's bounds).
YEARS = (1900, 2100)
#: Query parameters that are flags, not ids (any integer is a valid flag).
_FLAGS = frozenset({"all"})
#: How much of a malformed parameter's location the error page repeats.
_WHERE_CHARS = 120


def out_of_range(params: dict[str, Any]) -> tuple[str, int] | None:
    """The first integer parameter no stored row can match: an id outside 1…2³¹−1, a year
    outside 1900–2100."""
    for name, value in params.items():
        if name in _FLAGS or isinstance(value, bool) or not isinstance(value, int):
            continue
        low, high = YEARS if name == "year" else (1, MAX_ID)
        if not low <= value <= high:
            return name, value
    return None


def guarded(site: Site) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A decorator applying both rules of ``site`` to a page function."""

    def decorate(fn: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(fn)  # FastAPI reads the wrapped function's parameters
        def wrapper(request: Request, *args: Any, **kw: Any) -> Response:
            if not site.may_read(request):
                return site.render(request, "login.html", status=401, next=request.url.path)
            bad = out_of_range(kw)
            if bad is not None:
                name, value = bad
                if name == "year":
                    return site.invalid(request, f"year={value}")
                t = Translator(site.lang(request))
                key = "not_found_dept" if name == "dept_id" else "not_found_doc"
                return site.not_found(request, t(key, id=value))
            return fn(request, *args, **kw)

        return wrapper

    return decorate


def html_errors_route(site: Site) -> type[APIRoute]:
    """A route class whose malformed parameters (``/documents/abc``) answer with ``site``'s
    HTML error page."""

    class HtmlErrorsRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Any]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    where = "; ".join(
                        ".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
                        for e in exc.errors()[:3]
                    )
                    if len(where) > _WHERE_CHARS:
                        where = where[: _WHERE_CHARS - 1] + "…"
                    return site.invalid(request, where)

            return handle

    return HtmlErrorsRoute
