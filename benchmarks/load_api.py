"""Load test of the REST API on loopback (issue goal: p99 ≤ 50 ms for a document fetch on a
database of 1,000 documents).

1. Builds a store of N generated disclosures (``cnbudget.example.example_text``, each in one of
   many fictional cities and a year 2015–2024, written to a temporary folder and imported with
   the store's ``import_paths``), or reuses ``--db``.
2. Starts the API with uvicorn in a subprocess on 127.0.0.1 (a free port; loopback only).
3. Runs C concurrent clients (processes, one ``httpx.Client`` each) doing document fetches,
   list/search, aggregates, series, peers and some uploads with the token, until a request
   budget *or* a time budget is spent — it always stops by itself.
4. Prints throughput and p50/p99/max latency per kind of request, and stops the server.

    .venv/bin/python benchmarks/load_api.py [-n 1000] [--clients 4] [--requests 4000]
        [--seconds 60] [--db PATH] [--only document,list]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

try:  # the test extra installs httpx2; plain httpx has the same client API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

HOST = "127.0.0.1"  # loopback only, never another address
TOKEN = "load-test-token"
YEARS = 10

#: (kind, weight): what a client does, in proportion.
MIX = [
    ("document", 50),
    ("document_info", 5),
    ("list", 10),
    ("search", 8),
    ("aggregate", 10),
    ("series", 5),
    ("peers", 4),
    ("findings", 5),
    ("upload", 1),  # ~1 upload/s at ~100 req/s: far more writes than a real store sees
]


def _example(seed: int) -> str:
    from cnbudget.example import example_text

    year = 2024 - seed % YEARS
    return example_text(seed, year).replace("示例市", f"示例{seed // YEARS}市")


def build_store(n: int, db: Path, jobs: int) -> None:
    """Generate ``n`` disclosures and import them into ``db`` (SQLite)."""
    from cnbudget.store.importer import import_paths

    folder = Path(tempfile.mkdtemp(prefix="cnbudget-load-docs-"))
    try:
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for seed, text in enumerate(pool.map(_example, range(n), chunksize=16)):
                (folder / f"doc-{seed:05d}.txt").write_text(text, encoding="utf-8")
        t1 = time.perf_counter()
        summary = import_paths([folder], str(db), jobs=jobs)
        t2 = time.perf_counter()
        c = summary.counts
        print(
            f"store: generated {n} in {t1 - t0:.1f} s, imported {c['imported']} "
            f"(unchanged {c['unchanged']}, failed {c['failed']}) in {t2 - t1:.1f} s "
            f"= {summary.docs_per_second:.1f} documents/s"
        )
        if c["failed"]:
            print("  first failure:", summary.failed[0].reason)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


#: The server as ``cnbudget serve`` runs it (same helper, same settings), without access logs.
SERVER_CODE = """
import sys
from cnbudget.api import Settings
from cnbudget.api.server import run
run(
    Settings(db_url=sys.argv[1], token=sys.argv[2], parse_workers=1),
    sys.argv[3], int(sys.argv[4]), log_level="warning", access_log=False,
)
"""


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, str(db), TOKEN, HOST, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


class Load:
    """One client's budgets and measurements (each client is its own process)."""

    def __init__(
        self,
        base: str,
        requests: int,
        deadline: float,
        doc_ids: list[int],
        seed: int,
        mix: list[tuple[str, int]] = MIX,
    ) -> None:
        self.base = base
        self.mix = mix
        self.remaining = requests
        self.deadline = deadline  # time.time() based: comparable across processes
        self.doc_ids = doc_ids
        self.seed = seed
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()
        self.uploads = 0

    def take(self) -> bool:
        if self.remaining <= 0 or time.time() >= self.deadline:
            return False
        self.remaining -= 1
        return True

    def record(self, kind: str, seconds: float, status: int) -> None:
        self.latency[kind].append(seconds)
        self.status[kind][status] += 1

    def next_upload(self, rng: random.Random) -> tuple[str, bytes]:
        self.uploads += 1
        # New bytes each time (a unique marker line), the same bytes again now and then
        # (exercises "unchanged"); the department is one of the store's.
        n = self.uploads - 1 if self.uploads > 1 and rng.random() < 0.3 else self.uploads
        seed = rng.randrange(1000) if n == self.uploads else self.seed * 7919
        text = _example(seed) + f"\n<!-- load {self.seed}-{n}-{time.time_ns()} -->\n"
        if n != self.uploads:
            text = _example(seed) + f"\n<!-- load {self.seed} repeat -->\n"
        return f"upload-{self.seed}-{n}.txt", text.encode("utf-8")


def request_for(kind: str, load: Load, rng: random.Random) -> tuple[str, str, dict]:
    doc = rng.choice(load.doc_ids)
    year = 2024 - rng.randrange(YEARS)
    if kind == "document":
        return "GET", f"/api/documents/{doc}", {}
    if kind == "document_info":
        return "GET", f"/api/documents/{doc}/info", {}
    if kind == "findings":
        return "GET", f"/api/documents/{doc}/findings", {}
    if kind == "list":
        return "GET", "/api/documents", {"params": {"limit": 50, "offset": rng.randrange(0, 900)}}
    if kind == "search":
        q = rng.choice(["能源", "经济", "数据", f"示例{rng.randrange(100)}市"])
        return "GET", "/api/documents", {"params": {"q": q, "year": year, "limit": 20}}
    if kind == "aggregate":
        path = rng.choice(["/api/aggregates/functional", "/api/aggregates/economic"])
        return "GET", path, {"params": {"year": year, "level": "类"}}
    if kind == "series":
        return "GET", f"/api/departments/{rng.randrange(1, 300)}/series", {}
    if kind == "peers":
        return "GET", "/api/peers", {"params": {"year": year}}
    if kind == "upload":
        name, data = load.next_upload(rng)
        return (
            "POST",
            "/api/documents",
            {
                "files": {"file": (name, data, "text/plain")},
                "headers": {"Authorization": f"Bearer {TOKEN}"},
            },
        )
    raise ValueError(kind)


def client(load: Load) -> Load:
    """One client: one request at a time until its share of the budget or the time is spent."""
    rng = random.Random(load.seed)
    kinds = [k for k, _ in load.mix]
    weights = [w for _, w in load.mix]
    with httpx.Client(base_url=load.base, timeout=30) as http:
        while load.take():
            kind = rng.choices(kinds, weights)[0]
            method, path, kw = request_for(kind, load, rng)
            t0 = time.perf_counter()
            try:
                r = http.request(method, path, **kw)
                r.read()
                load.record(kind, time.perf_counter() - t0, r.status_code)
            except httpx.HTTPError as exc:
                load.errors[f"{kind}: {type(exc).__name__}"] += 1
    return load


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="documents to generate (default 1000)")
    ap.add_argument("--db", type=Path, help="reuse this SQLite store (built there if missing)")
    ap.add_argument(
        "--clients", type=int, default=4, help="concurrent client processes (default 4)"
    )
    ap.add_argument("--requests", type=int, default=4000, help="request budget (default 4000)")
    ap.add_argument("--seconds", type=float, default=60, help="time budget (default 60 s)")
    ap.add_argument("--jobs", type=int, default=2, help="import processes (default 2)")
    ap.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    ap.add_argument(
        "--only",
        default=None,
        help="comma-separated kinds to run (default: the whole mix), e.g. document,list",
    )
    args = ap.parse_args(argv)
    if args.requests <= 0 or args.seconds <= 0 or args.clients <= 0:
        ap.error("budgets and clients must be positive")
    mix = MIX
    if args.only:
        wanted = {k.strip() for k in args.only.split(",") if k.strip()}
        unknown = wanted - {k for k, _ in MIX}
        if unknown:
            ap.error(f"unknown kinds: {', '.join(sorted(unknown))}")
        mix = [(k, w) for k, w in MIX if k in wanted]

    tmp = None
    db = args.db
    if db is None:
        tmp = Path(tempfile.mkdtemp(prefix="cnbudget-load-"))
        db = tmp / "load.db"
    db = db.resolve()
    try:
        if not db.exists():
            build_store(args.n, db, args.jobs)
        from cnbudget.store.queries import list_documents

        doc_ids = [d.id for d in list_documents(str(db))]
        print(f"store: {db} with {len(doc_ids)} documents")
        port = free_port()
        server = start_server(db, port)
        try:
            base = f"http://{HOST}:{port}"
            client(Load(base, args.warmup, time.time() + 30, doc_ids, -1))  # untimed
            # Each client is a process: threads of one process would queue on its GIL and
            # charge that wait to the server's latency.
            share = [args.requests // args.clients] * args.clients
            for i in range(args.requests % args.clients):
                share[i] += 1
            deadline = time.time() + args.seconds
            loads = [Load(base, share[i], deadline, doc_ids, i, mix) for i in range(args.clients)]
            t0 = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.clients) as pool:
                done = list(pool.map(client, loads, timeout=args.seconds + 120))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()  # the server this script started, by its own handle
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    load = Load("", 0, 0, [], 0)
    for one in done:
        for k, v in one.latency.items():
            load.latency[k].extend(v)
        for k, c in one.status.items():
            load.status[k].update(c)
        load.errors.update(one.errors)
    total = sum(len(v) for v in load.latency.values())
    print(
        f"\n{args.clients} clients, {total} requests in {wall:.1f} s = {total / wall:.0f} req/s "
        f"(budget {args.requests} requests / {args.seconds:.0f} s; server: 1 uvicorn process, "
        f"{os.cpu_count()} CPUs shared with the clients)"
    )
    load1, load5, _ = os.getloadavg()
    print(f"machine load average during the run: {load1:.2f} (1 min), {load5:.2f} (5 min)")
    print(f"{'kind':<14}{'n':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses")
    for kind, _ in MIX:
        lat = sorted(load.latency.get(kind, []))
        if not lat:
            continue
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(load.status[kind].items()))
        print(
            f"{kind:<14}{len(lat):>7}{len(lat) / wall:>8.1f}{pct(lat, 50) * 1000:>9.1f}"
            f"{pct(lat, 99) * 1000:>9.1f}{lat[-1] * 1000:>9.1f}  {statuses}"
        )
    if load.errors:
        print("client errors:", dict(load.errors))
    fetch = sorted(load.latency.get("document", []))
    if fetch:
        p99 = pct(fetch, 99) * 1000
        verdict = "met" if p99 <= 50 else "NOT met"
        print(f"\ngoal p99 ≤ 50 ms for a document fetch: {p99:.1f} ms — {verdict}")
    bad = sum(n for k in load.status for s, n in load.status[k].items() if s >= 500)
    return 1 if bad or load.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
