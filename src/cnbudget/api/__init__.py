"""The REST API of the store (FastAPI; OpenAPI at ``/docs``), served by ``cnbudget serve``.

``create_app(Settings(db_url=..., token=...))`` returns the application; every endpoint lives
under ``/api`` except ``/docs``, ``/openapi.json`` and ``/healthz``. Reads are public unless
``public_reads=False``; writes need ``Authorization: Bearer <token>``. Errors always have the
shape ``{"error": {"code", "message_zh", "message_en", "status"}}``.
"""

from cnbudget.api.app import create_app
from cnbudget.api.errors import ApiError
from cnbudget.api.settings import DEFAULT_MAX_UPLOAD_BYTES, TOKEN_ENV_VAR, Settings

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "TOKEN_ENV_VAR", "ApiError", "Settings", "create_app"]
