"""Serve an ASGI app on 127.0.0.1 for browser tests (the browser needs a real socket).

Why a helper beside the fixtures of ``test_e2e``: some browser tests need an app of their own
(the API browser with ``install_docs``, a store with a hostile row name) rather than the
session's shared pages app, and must serve it the same way: uvicorn in a daemon thread on a
free port, stopped when the test module ends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["served"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Any, wait_seconds: float = 20.0) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` serving ``app`` for the duration of the ``with`` block."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    tick = threading.Event()
    waited = 0.0
    while not server.started and thread.is_alive() and waited < wait_seconds:
        tick.wait(0.05)
        waited += 0.05
    if not server.started:
        server.should_exit = True
        raise RuntimeError("uvicorn did not start / 测试服务器未能启动")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
