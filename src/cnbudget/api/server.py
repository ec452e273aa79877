"""Running the API under uvicorn: one place for the process-level settings ``cnbudget serve``
and the load benchmark share, so that what is measured is what is served."""

from __future__ import annotations

import dataclasses
import json
import os
import sys

from cnbudget.api.settings import Settings

__all__ = ["SETTINGS_ENV", "SWITCH_INTERVAL", "app_from_environment", "run"]

#: How the serving processes of ``--processes N`` receive the parent's settings (uvicorn starts
#: them fresh from an import string, so they cannot be handed an app object).
SETTINGS_ENV = "CNBUDGET_SERVE_SETTINGS"

#: Python lets a thread hold the GIL for 5 ms before another may run. A server mixing 2 ms
#: document fetches with 50 ms aggregates then makes each fetch wait whole 5 ms slices behind
#: every busy thread; 1 ms slices trade a little throughput for a much shorter tail latency.
SWITCH_INTERVAL = 0.001


def run(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    access_log: bool = True,
    processes: int = 1,
) -> None:
    """Build the app for ``settings`` and serve it until interrupted.

    ``processes`` > 1 runs that many serving processes on one socket (uvicorn's workers): one
    Python process serves on one core at a time, so a busy server on a machine with several
    cores needs several. The schema is migrated once here, before they start (never by N
    processes racing); each process has its own answer cache and upload workers.
    """
    import uvicorn

    from cnbudget.api.app import create_app

    sys.setswitchinterval(SWITCH_INTERVAL)
    if processes <= 1:
        app = create_app(settings)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
        return
    if settings.migrate:
        from cnbudget.store.db import resolve_url
        from cnbudget.store.migrate import upgrade

        url = resolve_url(settings.db_url).render_as_string(hide_password=False)
        upgrade(url)
        settings = dataclasses.replace(settings, db_url=url, migrate=False)
    os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run(
        f"{__name__}:app_from_environment",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
    )


def app_from_environment() -> object:
    """The app of one serving process of :func:`run` (``processes`` > 1)."""
    from cnbudget.api.app import create_app

    sys.setswitchinterval(SWITCH_INTERVAL)
    values = json.loads(os.environ[SETTINGS_ENV])
    values["cors_origins"] = tuple(values.get("cors_origins") or ())
    return create_app(Settings(**values))
