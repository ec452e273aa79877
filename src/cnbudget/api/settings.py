"""Configuration of the REST API: one small immutable object, so that the CLI, the tests and the
web UI (``cnbudget.web.mount(app, settings)``) all see the same values."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "ENV_VARS", "TOKEN_ENV_VAR", "Settings"]

#: Environment variable holding the bearer token for write endpoints.
TOKEN_ENV_VAR = "CNBUDGET_TOKEN"
#: Disclosures are a few MB; 20 MiB leaves room for scanned PDFs without inviting abuse.
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

#: Environment variable → (setting, type): what :meth:`Settings.from_env` reads.
ENV_VARS: dict[str, tuple[str, type]] = {
    "CNBUDGET_DB": ("db_url", str),
    TOKEN_ENV_VAR: ("token", str),
    "CNBUDGET_WORKERS": ("parse_workers", int),
    "CNBUDGET_QUEUE": ("parse_queue", int),
    "CNBUDGET_WORKER_MEMORY_MB": ("worker_memory_mb", int),
    "CNBUDGET_WORKER_SECONDS": ("worker_seconds", float),
    "CNBUDGET_MAX_UPLOAD_MB": ("max_upload_bytes", float),
    "CNBUDGET_CORS_ORIGINS": ("cors_origins", tuple),
}


@dataclass(frozen=True)
class Settings:
    """What :func:`cnbudget.api.create_app` needs.

    * ``db_url`` — a URL or a path (see :func:`cnbudget.store.resolve_url`); ``None`` means
      ``$CNBUDGET_DB`` or ``./cnbudget.db``.
    * ``token`` — the bearer token every write endpoint requires; ``None`` disables writes
      altogether (a server started without a token must not accept anonymous uploads).
    * ``public_reads`` — reads need no token (the default: disclosures are public documents);
      ``False`` makes every ``/api`` read require the token as well.
    * ``max_upload_bytes`` — the largest file an upload may carry; enforced while streaming.
    * ``migrate`` — bring the schema to the head revision at start (cheap when it already is).
    * ``parse_workers`` — uploads read and checked at once, each in its own limited child
      process (:mod:`cnbudget.api.worker`); ``0`` parses in the serving thread, unprotected
      (only for tests that do not exercise the limits).
    * ``parse_queue`` — uploads that may wait for a worker; beyond ``parse_workers +
      parse_queue`` an upload is answered 503 with ``Retry-After`` before its body is read.
    * ``worker_memory_mb`` / ``worker_seconds`` — address space and wall-clock time one parse
      may use; past them the upload is refused (413 / 422) and the child killed.
    * ``cors_origins`` — origins allowed to call the API from a browser (CORS); empty (the
      default) sends no CORS headers at all, so other sites cannot read answers.
    * ``cache_size`` — aggregate answers kept (keyed by the store's data version, so never
      stale); ``0`` disables the cache.
    """

    db_url: str | None = None
    token: str | None = None
    public_reads: bool = True
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    migrate: bool = True
    parse_workers: int = 2
    parse_queue: int = 8
    worker_memory_mb: int = 1024
    worker_seconds: float = 120.0
    cache_size: int = 256
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_upload_bytes <= 0:
            raise ValueError("max_upload_bytes must be positive")
        if self.parse_workers < 0 or self.parse_queue < 0:
            raise ValueError("parse_workers and parse_queue must not be negative")
        if self.worker_memory_mb < 0 or self.worker_seconds < 0:
            raise ValueError("worker_memory_mb and worker_seconds must not be negative")
        if self.token is not None and not self.token.strip():
            # an empty token would make "Authorization: Bearer " a valid credential
            object.__setattr__(self, "token", None)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from the environment (:data:`ENV_VARS`), with explicit ``overrides``
        (``None`` values are ignored so that unset CLI options do not mask the environment).

        A malformed value is a ``ValueError`` naming the variable, never silently ignored."""
        values: dict[str, Any] = {}
        for var, (name, kind) in ENV_VARS.items():
            raw = os.environ.get(var, "").strip()
            if not raw:
                continue
            try:
                if name == "max_upload_bytes":
                    values[name] = int(float(raw) * 1024 * 1024)
                elif kind is tuple:
                    values[name] = tuple(o.strip() for o in raw.split(",") if o.strip())
                else:
                    values[name] = kind(raw)
            except ValueError:
                raise ValueError(
                    f"环境变量 {var} 的值无效：{raw!r} / invalid value of {var}: {raw!r}"
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    @property
    def writes_enabled(self) -> bool:
        return self.token is not None
