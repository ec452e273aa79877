"""The bounded worker that reads and checks uploads, for the API and the web check page alike.

Why a fresh child process per upload, with limits set inside it: an upload is untrusted input
handed to large parsers (pdfplumber, openpyxl, lxml). A zip bomb or a pathological PDF can eat
gigabytes or loop for minutes, and a parser written in C can crash outright. In the serving
process any of these would take every other request down with it. Here each parse runs in a
child forked from a *forkserver* (which has the readers preloaded, so a child starts in a few
milliseconds and never inherits the server's threads or sockets). The child caps its own
address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``) before touching the file; the
parent waits at most ``seconds`` of wall-clock time and then kills it. A ``MemoryError`` is a
413 for that upload, a timeout or a crash a 422; the server itself is never in danger.

Why admission control in front of it: ``workers`` children run at once and at most ``queue``
more uploads wait for one. Anything beyond is answered at once with 503 and ``Retry-After``
(before its body is read), so a burst of uploads can neither exhaust the server's threads nor
grow an unbounded backlog. ``workers=0`` parses inline in the serving thread (no isolation:
only for tests of the pages that do not exercise the limits).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from cnbudget.api.errors import ApiError

__all__ = ["Parser", "WorkerLimits", "busy_error"]

#: Modules the forkserver imports once, so that each child starts with the readers loaded.
PRELOAD = [
    "cnbudget.api.worker",
    "cnbudget.api.upload",
    "cnbudget.ingest",
    "cnbudget.checks",
    "cnbudget.store.records",
]

_CTX_LOCK = threading.Lock()
_CTX: Any = None


def _context() -> Any:
    """The forkserver context (preloaded once per process); plain fork where there is none."""
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            try:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(PRELOAD)
            except ValueError:  # pragma: no cover - platforms without forkserver
                ctx = multiprocessing.get_context("spawn")
            _CTX = ctx
        return _CTX


class WorkerLimits:
    """What one child may use: ``memory_mb`` of address space and ``seconds`` of time."""

    def __init__(self, memory_mb: int, seconds: float) -> None:
        self.memory_mb = memory_mb
        self.seconds = seconds


def _child(conn: Any, memory_mb: int, seconds: float, fn: Callable[..., Any], args: Any) -> None:
    """Body of the child: set the limits, run ``fn``, send ``("ok", result)`` or an error."""
    import resource

    try:
        if memory_mb > 0:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if seconds > 0:
            cpu = int(seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        result: tuple[str, Any] = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", None)
    except ApiError as exc:
        result = ("error", (exc.status, exc.code, exc.message_zh, exc.message_en))
    except Exception as exc:  # a reader bug is the file's problem, reported as such
        result = ("crash", type(exc).__name__)
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


def _memory_error(memory_mb: int) -> ApiError:
    return ApiError(
        413,
        "too_large_to_read",
        f"文件解开后过大：读取它需要超过 {memory_mb} MB 内存（是压缩炸弹吗？）",
        f"the file is too large once unpacked: reading it needs more than {memory_mb} MB "
        "of memory (a zip bomb?)",
    )


def _timeout_error(seconds: float) -> ApiError:
    return ApiError(
        422,
        "read_timeout",
        f"读取该文件超过 {seconds:g} 秒，已放弃",
        f"reading the file took longer than {seconds:g} s and was abandoned",
    )


def _crash_error(what: str) -> ApiError:
    return ApiError(
        422,
        "reader_crashed",
        f"读取该文件时读取程序异常退出（{what}），未保存任何内容",
        f"the reader failed on this file ({what}); nothing was stored",
    )


def busy_error(retry_after: int) -> ApiError:
    """503 with ``Retry-After``: every worker is busy and the queue is full."""
    return ApiError(
        503,
        "busy",
        f"服务器正忙：正在处理的上传已满，请在 {retry_after} 秒后重试",
        f"the server is busy: too many uploads in progress, retry in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


class Parser:
    """Bounded execution of upload parsing: ``workers`` at once, ``queue`` waiting, limits per
    child. ``admit()`` reserves a place (or raises 503); ``run()`` executes within it."""

    def __init__(
        self,
        workers: int = 2,
        *,
        queue: int = 8,
        memory_mb: int = 1024,
        seconds: float = 120.0,
    ) -> None:
        self.workers = workers
        self.queue = queue
        self.limits = WorkerLimits(memory_mb, seconds)
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._lock = threading.Lock()
        self._admitted = 0
        self._live: set[Any] = set()
        self._closed = False

    def warm(self) -> None:
        """Open the pool (again, after a shutdown: an app object may go through several
        lifespans, as in tests) and start the forkserver now, in the background: importing the
        readers takes seconds, which the first upload would otherwise wait for."""
        with self._lock:
            self._closed = False
        if self.workers <= 0:
            return

        def start() -> None:
            with contextlib.suppress(Exception):
                from multiprocessing import forkserver

                _context()
                forkserver.ensure_running()

        threading.Thread(target=start, name="cnbudget-forkserver", daemon=True).start()

    @property
    def capacity(self) -> int:
        """Uploads admitted at once (running plus waiting)."""
        return max(1, self.workers) + max(0, self.queue)

    def retry_after(self) -> int:
        """A hint for clients: about one parse time per queued upload, at least 1 s."""
        return max(1, min(60, int(self.limits.seconds // 4) or 1))

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """Reserve a place for one upload for the duration of the block, or raise 503."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise busy_error(self.retry_after())
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a limited child (blocking: call from a worker thread)."""
        if self._closed:
            raise busy_error(self.retry_after())  # the server is stopping
        with self._slots:
            if self.workers <= 0:
                return fn(*args)
            return self._run_child(fn, args)

    def _run_child(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        ctx = _context()
        recv, send = ctx.Pipe(duplex=False)
        mem, secs = self.limits.memory_mb, self.limits.seconds
        proc = ctx.Process(target=_child, args=(send, mem, secs, fn, args), daemon=True)
        try:
            proc.start()
        except OSError as exc:
            recv.close()
            send.close()
            raise ApiError(
                503,
                "worker_unavailable",
                "无法启动解析进程，请稍后重试",
                f"could not start a parsing process ({exc}); please retry",
                headers={"Retry-After": str(self.retry_after())},
            ) from exc
        send.close()  # the child holds the only write end: EOF means it is gone
        with self._lock:
            self._live.add(proc)
        try:
            if not recv.poll(secs if secs > 0 else None):
                raise _timeout_error(secs)
            try:
                kind, payload = recv.recv()
            except (EOFError, OSError):
                proc.join(5)
                raise self._death(proc) from None
            except MemoryError:  # the parent could not take the answer in
                raise _memory_error(mem) from None
        finally:
            recv.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            with self._lock:
                self._live.discard(proc)
            with contextlib.suppress(Exception):
                proc.close()
        if kind == "ok":
            return payload
        if kind == "memory":
            raise _memory_error(mem)
        if kind == "error":
            status, code, zh, en = payload
            raise ApiError(status, code, zh, en)
        raise _crash_error(str(payload))

    def _death(self, proc: Any) -> ApiError:
        """The error for a child that died without answering."""
        code = proc.exitcode
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGXCPU or sig == signal.SIGKILL:
                return _timeout_error(self.limits.seconds)
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
            return _crash_error(f"signal {name}")
        return _crash_error(f"exit {code}")

    def shutdown(self) -> None:
        """Kill children still running (the server is stopping)."""
        with self._lock:
            self._closed = True
            live = list(self._live)
        for proc in live:
            with contextlib.suppress(Exception):
                if proc.is_alive():
                    os.kill(proc.pid, signal.SIGKILL)
