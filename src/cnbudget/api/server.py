"""Running the API under uvicorn: one place for the process-level settings ``cnbudget serve``
and the load benchmark share, so that what is measured is what is served."""

from __future__ import annotations

import sys

from cnbudget.api.settings import Settings

__all__ = ["SWITCH_INTERVAL", "run"]

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
) -> None:
    """Build the app for ``settings`` and serve it until interrupted."""
    import uvicorn

    from cnbudget.api.app import create_app

    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
