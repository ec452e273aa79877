"""Configuration of the REST API: one small immutable object, so that the CLI, the tests and the
web UI (``cnbudget.web.mount(app, settings)``) all see the same values."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "TOKEN_ENV_VAR", "Settings"]

#: Environment variable holding the bearer token for write endpoints.
TOKEN_ENV_VAR = "CNBUDGET_TOKEN"
#: Disclosures are a few MB; 20 MiB leaves room for scanned PDFs without inviting abuse.
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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
    * ``parse_workers`` — processes that read and check uploads; ``0`` parses in the serving
      process (fine for tests), ``1``+ keeps a slow parse from holding the GIL that every other
      request needs (what ``cnbudget serve`` uses).
    * ``cache_size`` — aggregate answers kept (keyed by the store's data version, so never
      stale); ``0`` disables the cache.
    """

    db_url: str | None = None
    token: str | None = None
    public_reads: bool = True
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    migrate: bool = True
    parse_workers: int = 0
    cache_size: int = 256

    def __post_init__(self) -> None:
        if self.max_upload_bytes <= 0:
            raise ValueError("max_upload_bytes must be positive")
        if self.token is not None and not self.token.strip():
            # an empty token would make "Authorization: Bearer " a valid credential
            object.__setattr__(self, "token", None)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from ``$CNBUDGET_DB`` / ``$CNBUDGET_TOKEN``, with explicit ``overrides``
        (``None`` values are ignored so that unset CLI options do not mask the environment)."""
        base = cls(
            db_url=os.environ.get("CNBUDGET_DB") or None,
            token=os.environ.get(TOKEN_ENV_VAR) or None,
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def writes_enabled(self) -> bool:
        return self.token is not None
