"""``cnbudget serve --processes 2``: a real server of two serving processes on one socket
(uvicorn workers started from an import string), the parent's settings in each, the schema
migrated once before they start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from cnbudget.api.conftest import TOKEN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def test_two_serving_processes_share_the_settings(tmp_path: Path) -> None:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the serving processes")
    port = _free_port()
    db = tmp_path / "fresh.db"  # not migrated yet: the parent migrates it once
    env = {**os.environ, "CNBUDGET_TOKEN": TOKEN}
    cmd = [
        sys.executable,
        "-c",
        "from cnbudget.cli.main import main; main()",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--private-reads",
        "--processes",
        "2",
        "--workers",  # no upload pool: the only children are the serving processes
        "0",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start within 90 s"
            time.sleep(0.3)
        assert httpx.get(f"{base}/api/documents").status_code == 401  # --private-reads
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for _ in range(6):  # each process answers with the parent's token and database
            r = httpx.get(f"{base}/api/documents", headers=auth)
            assert r.status_code == 200 and r.json()["total"] == 0
        pythons = [
            c for c in _children(proc.pid) if "python" in Path(f"/proc/{c}/exe").resolve().name
        ]
        assert len(pythons) >= 2, (
            pythons
        )  # two serving processes (and spawn's resource tracker); with 1: none
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
