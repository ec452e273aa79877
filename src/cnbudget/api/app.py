"""The application factory: ``create_app(settings) -> FastAPI``.

Layout of the URL space, and why: everything of the API lives under ``/api`` (plus ``/docs``,
``/openapi.json`` and ``/healthz``), so that the web UI (``cnbudget.web``, mounted last when it
is installed) owns every other path without ever shadowing an API route.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from cnbudget import __version__
from cnbudget.api.analysis import router as analysis_router
from cnbudget.api.answers import router as answers_router
from cnbudget.api.cache import ResultCache
from cnbudget.api.changes import router as changes_router
from cnbudget.api.deps import get_engine, get_settings, require_read, require_write
from cnbudget.api.docs_ui import install_docs
from cnbudget.api.errors import install_error_handlers
from cnbudget.api.http import install_http
from cnbudget.api.models import CheckOut, HealthOut, UploadOut
from cnbudget.api.routes import ERROR_RESPONSES, _doc_out, _require_document
from cnbudget.api.routes import router as read_router
from cnbudget.api.settings import Settings
from cnbudget.api.upload import check_file, ingest_file, receive_file, temp_folder
from cnbudget.api.worker import Parser
from cnbudget.store import queries
from cnbudget.store.db import make_engine, resolve_url

__all__ = ["create_app"]

DESCRIPTION = """\
部门预算公开文件的存储与查询接口 / store and query Chinese department budget disclosures.

* 读取接口默认公开；写入接口（上传）需要 `Authorization: Bearer <令牌>`。
  Reads are public by default; every write needs the server's bearer token.
* 金额一律为精确的十进制字符串（万元）。Amounts are exact decimal strings in 万元.
* 错误统一为 / every error is
  `{"error": {"code", "message_zh", "message_en", "status"}}`.
"""

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "公开文件（文本或 PDF）/ the disclosure (text or PDF)",
                    }
                },
            }
        }
    },
}

_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    413: {"model": ERROR_RESPONSES[404]["model"], "description": "文件过大 / file too large"},
    503: {
        "model": ERROR_RESPONSES[404]["model"],
        "description": "上传队列已满（见 Retry-After）/ upload queue full (see Retry-After)",
    },
    415: {
        "model": ERROR_RESPONSES[404]["model"],
        "description": "不支持的文件 / not multipart or not a readable format",
    },
}


def _mount_web(app: FastAPI, settings: Settings) -> None:
    """Hand the app to the web UI when it is installed (it adds its pages after the API)."""
    try:
        web = importlib.import_module("cnbudget.web")
    except ImportError:
        return
    mount = getattr(web, "mount", None)
    if mount is not None:
        mount(app, settings)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The FastAPI application serving the store at ``settings.db_url``.

    ``engine`` lets tests and benchmarks share one engine; otherwise one is made here (migrated
    to the head revision when ``settings.migrate``) and disposed when the app shuts down.
    """
    settings = settings or Settings()
    if settings.db_url is None:
        # Name the database explicitly ($CNBUDGET_DB or ./cnbudget.db) so that the web UI and
        # anything else reading the settings agree with the engine made here.
        settings = replace(settings, db_url=resolve_url(None).render_as_string(hide_password=False))
    owned = engine is None
    engine = engine or make_engine(settings.db_url)
    if settings.migrate:
        from cnbudget.store.migrate import upgrade

        upgrade(engine)

    parser = Parser(
        settings.parse_workers,
        queue=settings.parse_queue,
        memory_mb=settings.worker_memory_mb,
        seconds=settings.worker_seconds,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        parser.warm()
        yield
        parser.shutdown()
        if owned:
            engine.dispose()

    app = FastAPI(
        title="cnbudget API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by install_docs (vendored Swagger UI and ReDoc)
        redoc_url=None,
        openapi_url="/openapi.json",
        # One schema per model: the stored canonical JSON omits empty fields, which the
        # validation-mode schema allows (fields with defaults are optional).
        separate_input_output_schemas=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.parser = parser
    app.state.cache = ResultCache(settings.cache_size)
    install_error_handlers(app)
    install_http(app, settings)
    app.include_router(read_router)
    app.include_router(analysis_router)
    app.include_router(answers_router)
    app.include_router(changes_router)
    install_docs(app)

    @app.get(
        "/healthz",
        response_model=HealthOut,
        tags=["service"],
        summary="健康检查 / liveness and database check",
        responses={503: ERROR_RESPONSES[503]},
    )
    def healthz(engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
        from cnbudget.store.migrate import current_revision

        return {
            "status": "ok",
            "database": engine.dialect.name,
            "revision": current_revision(engine),
            "version": __version__,
        }

    @app.post(
        "/api/documents",
        response_model=UploadOut,
        status_code=201,
        summary="上传并检查、入库 / upload, check and store a disclosure",
        description="Multipart upload (field `file`). 201 with the findings when stored; 200 "
        "with status `unchanged` when these exact bytes are already stored. Needs the token.",
        tags=["documents"],
        dependencies=[Depends(require_write)],
        openapi_extra={"requestBody": _UPLOAD_BODY},
        responses={
            200: {"model": UploadOut, "description": "已存在 / already stored (unchanged)"},
            **_UPLOAD_ERRORS,
        },
    )
    async def upload_document(request: Request) -> Any:
        s = get_settings(request)
        eng = get_engine(request)
        pool: Parser = request.app.state.parser
        # admitted before the body is read: a full queue costs the server nothing
        with pool.admit(), temp_folder() as folder:
            received = await receive_file(request, Path(folder), s.max_upload_bytes)
            outcome = await run_in_threadpool(ingest_file, eng, received, pool)

        def answer() -> dict[str, Any]:
            info = _require_document(eng, outcome.document_id)
            found = queries.findings(eng, outcome.document_id)
            counts = {"error": 0, "warning": 0, "notice": 0}
            for f in found:
                counts[f["severity"]] = counts.get(f["severity"], 0) + 1
            return {
                "status": outcome.status,
                "document": _doc_out(info),
                "counts": counts,
                "findings": found,
                "notes": outcome.notes,
            }

        body = UploadOut.model_validate(await run_in_threadpool(answer))
        status = 201 if outcome.status == "imported" else 200
        headers = {"Location": f"/api/documents/{outcome.document_id}"}
        return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)

    @app.post(
        "/api/check",
        response_model=CheckOut,
        summary="只检查不入库 / check a file without storing it",
        description="Multipart upload (field `file`): read and check, answer with the findings; "
        "nothing is stored. Public when reads are public.",
        tags=["documents"],
        dependencies=[Depends(require_read)],
        openapi_extra={"requestBody": _UPLOAD_BODY},
        responses=_UPLOAD_ERRORS,
    )
    async def check_upload(request: Request) -> Any:
        s = get_settings(request)
        eng = get_engine(request)
        pool: Parser = request.app.state.parser
        with pool.admit(), temp_folder() as folder:
            received = await receive_file(request, Path(folder), s.max_upload_bytes)
            return await run_in_threadpool(check_file, eng, received, pool)

    if not settings.public_reads:
        _require_token_in_openapi(app)
    _mount_web(app, settings)
    return app


def _require_token_in_openapi(app: FastAPI) -> None:
    """With private reads, every ``/api`` operation needs the token: say so in the OpenAPI
    document (the read dependency checks the header itself, see ``deps.require_read``)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                separate_input_output_schemas=False,
            )
            schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes.setdefault("HTTPBearer", {"type": "http", "scheme": "bearer"})
            for path, ops in spec.get("paths", {}).items():
                if path.startswith("/api/"):
                    for op in ops.values():
                        op.setdefault("security", [{"HTTPBearer": []}])
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
