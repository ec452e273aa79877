"""The page handlers: one function per page, data from the store, HTML from Jinja2.

Why synchronous handlers (``def``): every page reads the database through SQLAlchemy's blocking
API; FastAPI runs such handlers in its thread pool, so a slow query never stalls the event
loop. Only the upload handler is ``async`` (it must await the multipart body) and hands its
parsing and checking to the thread pool itself.

Security, in one place:

* Jinja2 autoescape is on for every template and no document text is ever marked safe, so a
  department called ``<script>…`` is shown, not run; chart data goes through ``tojson``, which
  escapes ``<``, ``>``, ``&`` and quotes inside ``<script type="application/json">``.
* Every page is sent with a Content-Security-Policy that allows scripts from this site only
  (no inline scripts, no outside hosts: the pages work offline).
* Uploads are bounded (``max_upload_bytes``), kept under a random-free content address (their
  SHA-256) and parsed from a private temporary folder; storing one needs the token, given in
  the form or an ``X-Token`` / ``Authorization: Bearer`` header, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import hmac
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cnbudget import __version__
from cnbudget.api.errors import ApiError
from cnbudget.api.http import immutable_cache
from cnbudget.api.routes import etag_matches
from cnbudget.api.upload import ReceivedFile, check_for_page, ingest_file, receive_file
from cnbudget.api.worker import Parser
from cnbudget.model import Document
from cnbudget.money import format_amount
from cnbudget.store import (
    compare_documents,
    department_series,
    list_departments,
    list_documents,
    load_document,
    make_engine,
    raw_file,
    upgrade,
)
from cnbudget.store.responses import AnswerError, answer_finding, findings_with_answers
from cnbudget.web import TEMPLATE_DIR, WebSettings, data
from cnbudget.web.access import guarded as access_guard
from cnbudget.web.access import html_errors_route, out_of_range
from cnbudget.web.charts import document_charts, series_chart
from cnbudget.web.compare import build_compare, key_figures, reasons
from cnbudget.web.docview import build_view
from cnbudget.web.i18n import COOKIE, LANGS, TABLE_TITLES_EN, Lang, Translator, pick_lang

__all__ = ["Site", "create_router"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
TOKEN_COOKIE = "cnbudget_token"
#: Uploads waiting for "store it" are dropped after this many seconds.
PENDING_TTL = 6 * 3600
_SHA = re.compile(r"^[0-9a-f]{64}$")


# -- formatting filters -----------------------------------------------------------------------
def _amount(v: Decimal | float | int | None) -> str:
    if v is None:
        return ""
    return format_amount(Decimal(v).quantize(Decimal("0.01")))


def _signed(v: Decimal | None) -> str:
    if v is None:
        return ""
    s = _amount(v)
    return f"+{s}" if v > 0 else s


def _pct(v: Decimal | None, signed: bool = False) -> str:
    if v is None:
        return ""
    p = (Decimal(v) * 100).quantize(Decimal("0.01"))
    return f"{'+' if signed and p > 0 else ''}{p}%"


def _when(t: dt.datetime | dt.date | None) -> str:
    if t is None:
        return ""
    if isinstance(t, dt.datetime):
        return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return t.isoformat()


def _ratio(v: Decimal | None, digits: str = "0.01") -> str:
    if v is None:
        return ""
    return format(Decimal(v).quantize(Decimal(digits)), ",f")


def _short(text: str | None, n: int = 40) -> str:
    """At most ``n`` characters (a hostile 2,000-character name must not fill a title bar)."""
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def make_env() -> Environment:
    """The Jinja2 environment: autoescape for every template, whatever its name."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        amount=_amount, signed=_signed, pct=_pct, when=_when, ratio=_ratio, short=_short
    )
    return env


# -- garbage collection -----------------------------------------------------------------------
_frozen = False


def freeze_gc_once() -> None:
    """Move every object alive after the first page render out of the cyclic collector.

    Why: a page builds tens of thousands of short-lived containers (the document model, its
    view, the rendered cells), which push Python into a full (generation 2) collection every
    few requests. A full collection walks every tracked object of the process — the ~130,000
    that FastAPI, SQLAlchemy, pydantic and the templates leave behind at start-up — and takes
    70–100 ms on the test machine, which put the 95th percentile of the document page at
    ~100 ms and single requests above 300 ms. ``gc.freeze()`` (after a ``gc.collect()``, so no
    garbage is kept) exempts those start-up objects from every later collection; full
    collections then cost a few milliseconds. Done once per process, after the first render,
    when modules, templates and the engine are all loaded; ``WebSettings.freeze_gc=False``
    turns it off.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


# -- the site ---------------------------------------------------------------------------------
class Site:
    """Per-app state: settings, one engine (created on first use), templates, uploads."""

    def __init__(self, settings: WebSettings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.env = make_env()
        self._engine: Engine | None = engine
        self._lock = threading.Lock()
        self.pending_dir = (
            Path(settings.upload_dir)
            if settings.upload_dir
            else Path(tempfile.gettempdir()) / f"cnbudget-web-{os.getuid()}" / "pending"
        )
        self._fragments: dict[tuple[Any, ...], Markup] = {}
        self._parser: Parser | None = None
        self._downloads: DownloadCache | None = None

    def parser(self, request: Request) -> Parser:
        """The bounded upload worker: the API's (one queue for the API and the pages) when the
        pages are mounted on it, else one of this site's, configured from the environment."""
        shared = getattr(request.app.state, "parser", None)
        if isinstance(shared, Parser):
            return shared
        with self._lock:
            if self._parser is None:
                from cnbudget.api.settings import Settings

                cfg = Settings.from_env()
                self._parser = Parser(
                    cfg.parse_workers,
                    queue=cfg.parse_queue,
                    memory_mb=cfg.worker_memory_mb,
                    seconds=cfg.worker_seconds,
                )
            return self._parser

    @property
    def downloads(self) -> DownloadCache:
        """Built downloads, on disk beside the database (see :class:`DownloadCache`)."""
        if self._downloads is None:
            with self._lock:
                if self._downloads is None:
                    self._downloads = DownloadCache(cache_folder(self.settings.db_url))
        return self._downloads

    def document_options(self, lang: Lang) -> Markup:
        """The ``<option>`` list of every current document for the compare pickers.

        With a thousand documents this list is most of the compare page's cost, and it only
        changes when a document is imported, so it is rendered once per data version and
        language. It is the output of an autoescaping template (never raw document text), so
        it is inserted as it is.
        """
        ver = data.version(self.engine)
        key = ("options", lang, ver)
        hit = self._fragments.get(key)
        if hit is None:
            html = self.env.get_template("_options.html").render(
                choices=data.current_documents(self.engine), t=Translator(lang)
            )
            hit = Markup(html)
            with self._lock:
                self._fragments = {k: v for k, v in self._fragments.items() if k[2] == ver}
                self._fragments[key] = hit
        return hit

    @property
    def engine(self) -> Engine:
        """The store's engine; the schema is brought to head once (a new database works)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = make_engine(self.settings.db_url)
                    upgrade(engine)
                    self._engine = engine
        return self._engine

    # rendering
    def lang(self, request: Request) -> Lang:
        return pick_lang(request.query_params.get("lang"), request.cookies.get(COOKIE))

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = self.lang(request)
        t = Translator(lang)
        other: Lang = "en" if lang == "zh" else "zh"
        q = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        switch = request.url.path + "?" + urlencode([*q, ("lang", other)])
        html = self.env.get_template(name).render(
            t=t,
            lang=lang,
            html_lang="zh-CN" if lang == "zh" else "en",
            switch_url=switch,
            path=request.url.path,
            **ctx,
        )
        resp = HTMLResponse(html, status_code=status, headers=HEADERS)
        if request.query_params.get("lang") in LANGS:
            resp.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax")
        if self.settings.freeze_gc:
            freeze_gc_once()
        return resp

    def not_found(self, request: Request, message: str) -> HTMLResponse:
        return self.render(
            request, "error.html", status=404, title_key="not_found", message=message
        )

    def error_page(
        self, request: Request, status: int, title: tuple[str, str], message: tuple[str, str]
    ) -> HTMLResponse:
        """An HTML error page with a bilingual title and message ``(zh, en)``."""
        en = self.lang(request) == "en"
        return self.render(
            request,
            "error.html",
            status=status,
            title=title[1] if en else title[0],
            message=message[1] if en else message[0],
        )

    def invalid(self, request: Request, what: str) -> HTMLResponse:
        """422: a parameter no page can answer (not a number, or outside what can be stored)."""
        return self.error_page(
            request,
            422,
            ("请求参数无效", "Invalid request"),
            (f"参数无效：{what}", f"invalid parameter: {what}"),
        )

    # access
    def _supplied_token(self, request: Request, form_token: str | None = None) -> str | None:
        if form_token:
            return form_token
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return request.headers.get("x-token")

    def token_ok(self, supplied: str | None) -> bool:
        token = self.settings.token
        if not token or not supplied:
            return False
        return hmac.compare_digest(supplied.encode(), token.encode())

    def may_read(self, request: Request) -> bool:
        if self.settings.public_reads or not self.settings.token:
            return True
        supplied = self._supplied_token(request) or request.cookies.get(TOKEN_COOKIE)
        return self.token_ok(supplied)

    # uploads waiting for "store it"
    def _sweep(self) -> None:
        if not self.pending_dir.is_dir():
            return
        now = time.time()
        for d in self.pending_dir.iterdir():
            try:
                if now - d.stat().st_mtime > PENDING_TTL:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                pass

    def pending_path(self, sha: str) -> Path | None:
        if not _SHA.match(sha):
            return None
        d = self.pending_dir / sha
        files = [p for p in d.iterdir() if p.is_file()] if d.is_dir() else []
        return files[0] if files else None


def _safe_name(name: str | None) -> str:
    """An uploaded file's name reduced to a harmless base name (kept as the source name)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    base = re.sub(r"[/:*?\"<>|]", "_", base)[:120]
    return base or "upload.txt"


def _content_disposition(filename: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def cache_folder(db_url: str) -> Path:
    """Where built downloads are kept: ``<db>.cache/downloads`` beside a SQLite file; for a
    server database (PostgreSQL) ``$CNBUDGET_CACHE_DIR`` or a private folder in the system's
    temp dir, named after the URL so that two stores never share entries."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db_url)
    except Exception:  # a bare path (resolved by the store) rather than a URL
        url = None
    if url is not None and url.drivername.startswith("sqlite"):
        db = url.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            p = Path(db)
            return p.with_name(p.name + ".cache") / "downloads"
    root = os.environ.get("CNBUDGET_CACHE_DIR") or str(
        Path(tempfile.gettempdir()) / f"cnbudget-cache-{os.getuid()}"
    )
    tag = hashlib.sha256(db_url.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return Path(root) / tag / "downloads"


class DownloadCache:
    """Built downloads of document versions, one file each, keyed by the version's SHA-256.

    Why: rendering a PDF takes 10–20 s of CPU; a stored version never changes, so it is built
    once and then served from disk. Why a lock file (``flock``) rather than a thread lock:
    it makes two simultaneous requests build once whether they land in one server process or
    in two; the second waits and then reads the first one's file. Files are written to a
    temporary name and renamed, so a reader never sees half a file. When the folder cannot be
    written, the download is still built and served, just not kept.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.builds = 0  # how many times something was built (what the tests count)

    def get(self, key: str, build: Callable[[], bytes]) -> bytes:
        path = self.folder / key
        try:
            return path.read_bytes()
        except OSError:
            pass
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock = open(self.folder / f".{key}.lock", "a+b")
        except OSError:
            self.builds += 1
            return build()
        try:
            import fcntl

            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                return path.read_bytes()  # built by another request while this one waited
            except OSError:
                pass
            body = build()
            self.builds += 1
            tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            try:
                tmp.write_bytes(body)
                os.replace(tmp, path)
            except OSError:
                tmp.unlink(missing_ok=True)
            return body
        finally:
            lock.close()


@dataclass
class _Upload:
    sha256: str
    name: str
    size: int


# -- router -----------------------------------------------------------------------------------
def create_router(site: Site) -> APIRouter:
    """All page routes, bound to ``site``."""

    router = APIRouter(include_in_schema=False, route_class=html_errors_route(site))
    guarded = access_guard(site)

    # -- home --
    @router.get("/", response_class=HTMLResponse)
    @guarded
    def home(request: Request, q: str = "") -> Response:
        """Counts, search, latest imports and the largest errors."""
        eng = site.engine
        q = q.strip()[:200]
        results = data.search_documents(eng, q) if q else None
        return site.render(
            request,
            "home.html",
            nav="home",
            q=q,
            results=results,
            stats=data.overview(eng),
            latest=data.latest_documents(eng, 10),
            worst=data.worst_findings(eng, 10),
            regions=data.region_names(eng)[:40],
        )

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        """Exchange the token for a cookie (only needed when reads are not public)."""
        form = await request.form(max_files=0, max_fields=5)
        token = str(form.get("token") or "")
        nxt = str(form.get("next") or "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        if not site.token_ok(token):
            return site.render(request, "login.html", status=401, next=nxt, bad=True)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
        return resp

    # -- departments --
    @router.get("/departments", response_class=HTMLResponse)
    @guarded
    def departments(request: Request, q: str = "") -> Response:
        """Every department with its names, region and number of documents."""
        q = q.strip()[:200]
        rows = [d for d in list_departments(site.engine) if d.documents]
        if q:
            rows = [d for d in rows if q in d.region or any(q in n for n in (d.name, *d.aliases))]
        rows.sort(key=lambda d: (d.region, d.name))
        return site.render(request, "departments.html", nav="departments", q=q, rows=rows)

    @router.get("/departments/{dept_id}", response_class=HTMLResponse)
    @guarded
    def department(request: Request, dept_id: int) -> Response:
        """A department: its names, every stored document and its series by year."""
        eng = site.engine
        t = Translator(site.lang(request))
        docs = list_documents(eng, department=dept_id)
        if not docs:
            return site.not_found(request, t("not_found_dept", id=dept_id))
        info = next((d for d in list_departments(eng) if d.id == dept_id), None)
        counts = data.check_counts(eng, [d.id for d in docs])
        series = department_series(eng, dept_id)
        current = sorted((d for d in docs if d.is_current), key=lambda d: (d.kind, d.year))
        pairs = [
            (a, b)
            for a, b in itertools.pairwise(current)
            if a.kind == b.kind and b.year == a.year + 1
        ]
        return site.render(
            request,
            "department.html",
            nav="departments",
            info=info,
            docs=sorted(docs, key=lambda d: (-d.year, d.kind, -d.version)),
            latest=max(docs, key=lambda d: (d.year, d.version)),
            counts=counts,
            chart=series_chart(series, t),
            pairs=pairs[::-1],
        )

    # -- documents --
    def _doc_context(doc_id: int) -> tuple[Any, list[Any]] | None:
        refs = data.documents_of(site.engine, [doc_id])
        if doc_id not in refs:
            return None
        ref = refs[doc_id]
        siblings = list_documents(site.engine, department=ref.department_id)
        return ref, siblings

    @router.get("/documents/{doc_id}", response_class=HTMLResponse)
    @guarded
    def document(request: Request, doc_id: int) -> Response:
        """The disclosure laid out like the published one, with its findings panel."""
        eng = site.engine
        lang = site.lang(request)
        t = Translator(lang)
        ctx = _doc_context(doc_id)
        if ctx is None:
            return site.not_found(request, t("not_found_doc", id=doc_id))
        ref, siblings = ctx
        doc = load_document(eng, doc_id)
        info = next(d for d in siblings if d.id == doc_id)
        view = build_view(
            doc, findings_with_answers(eng, doc_id), en=lang == "en", line_label=t("line")
        )
        previous = _previous(siblings, info)
        formats = ["original", "json", "csv", "xlsx", "pdf"]
        if doc.metadata.reader == "pdf":
            formats.append("annotated")
        return site.render(
            request,
            "document.html",
            nav="document",
            ref=ref,
            info=info,
            doc=doc,
            view=view,
            versions=[
                d
                for d in siblings
                if d.year == info.year and d.kind == info.kind and d.id != doc_id
            ],
            previous=previous,
            downloads=formats,
            checked=None,
            answer_base=f"/documents/{doc_id}/findings" if site.settings.token else None,
            token_field=not site.token_ok(request.cookies.get(TOKEN_COOKIE)),
            saved=request.query_params.get("answered"),
        )

    @router.post("/documents/{doc_id}/findings/{key}/answer", response_class=HTMLResponse)
    async def answer(request: Request, doc_id: int, key: str) -> Response:
        """A reviewer's answer from the findings panel: the token (form field, or the login
        cookie, which is SameSite=strict so another site cannot post with it), then
        :func:`cnbudget.store.responses.answer_finding`; back to the document on success."""
        t = Translator(site.lang(request))
        try:  # 64 KB: a 2,000-character Chinese note is ~18 KB once percent-encoded
            form = await request.form(max_files=0, max_fields=8, max_part_size=64 * 1024)
        except StarletteHTTPException as exc:  # too many fields, a field too large, no form
            return site.error_page(
                request, 400, ("答复未保存", "Answer not saved"), (str(exc.detail),) * 2
            )
        if not site.settings.token:
            return site.error_page(
                request, 403, ("不能答复", "Cannot answer"), (t("answer_no_token"),) * 2
            )
        supplied = str(form.get("token") or "") or request.cookies.get(TOKEN_COOKIE)
        if not site.token_ok(supplied):
            return site.error_page(
                request,
                401 if not supplied else 403,  # as the API: none given 401, a wrong one 403
                ("令牌无效", "Wrong token"),
                ("需要有效的令牌才能答复", "a valid token is needed to answer"),
            )
        if out_of_range({"doc_id": doc_id}) is not None or not _KEY.fullmatch(key):
            return site.not_found(request, t("not_found_doc", id=doc_id))
        try:
            await run_in_threadpool(
                answer_finding,
                site.engine,
                doc_id,
                key,
                str(form.get("status") or ""),
                author=str(form.get("author") or ""),
                note=str(form.get("note") or "") or None,
            )
        except AnswerError as exc:
            status = 404 if exc.code in ("no_document", "no_finding") else 422
            return site.error_page(
                request, status, ("答复未保存", "Answer not saved"), (exc.zh, exc.en)
            )
        return RedirectResponse(f"/documents/{doc_id}?answered={key}#answer-{key}", status_code=303)

    @router.get("/documents/{doc_id}/charts", response_class=HTMLResponse)
    @guarded
    def document_charts_page(request: Request, doc_id: int) -> Response:
        """The document's charts (ECharts): 类→款→项, income, 基本/项目, 经济分类, 三公, YoY."""
        eng = site.engine
        t = Translator(site.lang(request))
        ctx = _doc_context(doc_id)
        if ctx is None:
            return site.not_found(request, t("not_found_doc", id=doc_id))
        ref, siblings = ctx
        info = next(d for d in siblings if d.id == doc_id)
        doc = load_document(eng, doc_id)
        prev = _previous(siblings, info)
        prev_doc = load_document(eng, prev.id) if prev is not None else None
        charts = document_charts(doc, t, prev_doc)
        return site.render(
            request, "charts.html", nav="document", ref=ref, info=info, charts=charts
        )

    @router.get("/documents/{doc_id}/download/{fmt}")
    @guarded
    def download(request: Request, doc_id: int, fmt: str) -> Response:
        """The original file, or the document as JSON, long-form CSV, XLSX or PDF.

        Built once per document version (see :class:`DownloadCache`) and sent with an ETag
        (the version's SHA-256), so a browser asking again gets a 304 without a body."""
        eng = site.engine
        t = Translator(site.lang(request))
        refs = data.documents_of(eng, [doc_id])
        if doc_id not in refs or fmt not in ("original", "json", "csv", "xlsx", "pdf", "annotated"):
            return site.not_found(request, t("not_found_doc", id=doc_id))
        from cnbudget.store.schema import DocumentRow

        with eng.connect() as conn:
            sha = conn.execute(
                select(DocumentRow.sha256).where(DocumentRow.id == doc_id)
            ).scalar_one()
        etag = f'"{sha}-{fmt}"'
        cache = {"ETag": etag, "Cache-Control": immutable_cache(site.settings)}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={**cache, **HEADERS})
        stem = f"cnbudget-{doc_id}-{refs[doc_id].year}"
        if fmt == "original":
            info = next(
                d
                for d in list_documents(eng, department=refs[doc_id].department_id)
                if d.id == doc_id
            )
            name = _safe_name(info.source_name or f"{stem}.txt")
            body, media = raw_file(eng, doc_id), "application/octet-stream"
        elif fmt == "annotated":
            name, media = f"{stem}.审核.pdf", _MEDIA["pdf"]
            try:
                body = site.downloads.get(
                    f"{sha}-{__version__}.annotated.pdf", lambda: annotated_pdf(eng, doc_id)
                )
            except NotAPdf:
                return site.not_found(request, t("not_found_doc", id=doc_id))
            except Exception as exc:  # an original the PDF library cannot rewrite (encrypted …)
                return site.error_page(
                    request,
                    422,
                    ("无法生成批注 PDF", "Cannot annotate this PDF"),
                    (
                        f"原始 PDF 无法加批注：{type(exc).__name__}",
                        f"the original PDF cannot be annotated: {type(exc).__name__}",
                    ),
                )
        else:
            name = f"{stem}.{fmt}"
            media = _MEDIA[fmt]
            body = site.downloads.get(
                f"{sha}-{__version__}.{fmt}", lambda: _export(load_document(eng, doc_id), fmt)
            )
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": _content_disposition(name), **cache, **HEADERS},
        )

    # -- compare --
    @router.get("/compare", response_class=HTMLResponse)
    @guarded
    def compare(
        request: Request, a: int | None = None, b: int | None = None, all: int = 0
    ) -> Response:
        """Two documents side by side, differences highlighted, with the stated reasons."""
        eng = site.engine
        t = Translator(site.lang(request))
        refs = data.documents_of(eng, [x for x in (a, b) if x is not None])
        ctx: dict[str, Any] = dict(
            nav="compare",
            options=site.document_options(t.lang),
            picked={"a": refs.get(a) if a else None, "b": refs.get(b) if b else None},
            a=a,
            b=b,
            show_all=bool(all),
        )
        if a is None or b is None:
            return site.render(request, "compare.html", result=None, **ctx)
        for x in (a, b):
            if x not in refs:
                return site.not_found(request, t("not_found_doc", id=x))
        doc_a, doc_b = load_document(eng, a), load_document(eng, b)
        diffs = compare_documents(eng, a, b)
        titles = {tb.type: tb.title for tb in (*doc_b.tables, *doc_a.tables)}
        if t.lang == "en":
            titles = {
                k: f"{v} · {TABLE_TITLES_EN.get(k, '')}".rstrip(" ·") for k, v in titles.items()
            }
        reasons_a, reasons_b = reasons(doc_a), reasons(doc_b)
        tables = build_compare(diffs, reasons_a, reasons_b, titles)
        return site.render(
            request,
            "compare.html",
            result=dict(
                ref_a=refs[a],
                ref_b=refs[b],
                keys=key_figures(doc_a, doc_b, t),
                tables=tables,
                changes=sum(tb.changes for tb in tables),
                reasons_a=reasons_a,
                reasons_b=reasons_b,
            ),
            **ctx,
        )

    # -- check a file --
    @router.get("/check", response_class=HTMLResponse)
    @guarded
    def check_form(request: Request) -> Response:
        """The upload form (drag and drop)."""
        return site.render(request, "check.html", nav="check", **_check_ctx(site))

    def check_page(
        request: Request, status: int = 200, error: str | None = None, **ctx: Any
    ) -> HTMLResponse:
        return site.render(
            request,
            "check.html",
            status=status,
            nav="check",
            error=error,
            **ctx,
            **_check_ctx(site),
        )

    def api_error_page(request: Request, exc: ApiError, prefix: str = "") -> HTMLResponse:
        en = site.lang(request) == "en"
        text = exc.message_en if en else exc.message_zh
        resp = check_page(request, status=exc.status, error=f"{prefix}{text}")
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    async def run_check(request: Request, upload: _Upload, path: Path) -> Response:
        """Check ``path`` in the bounded worker and show the result; a file that cannot be
        read is deleted at once and shown as a clear error, never as a list of findings."""
        t = Translator(site.lang(request))
        try:
            doc, flat, unstorable = await run_in_threadpool(
                site.parser(request).run, check_for_page, str(path)
            )
        except ApiError as exc:
            shutil.rmtree(path.parent, ignore_errors=True)
            if exc.status == 415:  # a format no reader knows: for a person, unreadable
                exc = ApiError(422, exc.code, exc.message_zh, exc.message_en)
            return api_error_page(request, exc, f"{t('check_failed')}{t.colon}")
        stored_id = await run_in_threadpool(_stored_id, site.engine, upload.sha256)
        if unstorable is not None or stored_id is not None:
            shutil.rmtree(path.parent, ignore_errors=True)  # nothing to keep it for
        view = await run_in_threadpool(
            build_view, doc, flat, en=t.lang == "en", line_label=t("line")
        )
        reason = None
        if unstorable is not None:
            reason = unstorable[3] if t.lang == "en" else unstorable[2]
        return check_page(
            request,
            status=getattr(request.state, "check_status", 200),
            error=getattr(request.state, "check_error", None),
            upload=upload,
            doc=doc,
            view=view,
            unstorable=reason,
            stored_id=stored_id,
        )

    @router.post("/check", response_class=HTMLResponse)
    async def check_upload(request: Request) -> Response:
        """Read and check an uploaded file in the bounded worker; show the findings and offer
        to store it when it can be stored.

        The body is streamed to disk and refused with 413 as soon as it passes the limit (the
        API's reader), and the upload waits for a place in the worker queue first: when the
        queue is full the page answers 503 with ``Retry-After`` without reading the body."""
        if not site.may_read(request):
            return site.render(request, "login.html", status=401, next="/check")
        pool = site.parser(request)
        try:
            with pool.admit():
                saved = await _receive_upload(site, request)
                path = site.pending_path(saved.sha256)
                assert path is not None
                return await run_check(request, saved, path)
        except ApiError as exc:
            if exc.code in ("missing_file", "unsupported_media_type"):
                # the form was sent without a file (or not as a form): say what to do
                return check_page(
                    request, status=400, error=Translator(site.lang(request))("check_no_file")
                )
            return api_error_page(request, exc)

    @router.post("/check/store", response_class=HTMLResponse)
    async def check_store(request: Request) -> Response:
        """Store a checked upload (needs the token) and go to its document page.

        A wrong token shows the same findings again with the error, so nothing is lost; a
        file the store refuses is deleted at once."""
        t = Translator(site.lang(request))
        form = await request.form(max_files=0, max_fields=5)
        sha = str(form.get("sha256") or "")
        supplied = site._supplied_token(request, str(form.get("token") or "") or None)
        if not site.settings.token:
            return check_page(request, status=403, error=t("check_no_token"))
        path = site.pending_path(sha)
        if path is None:
            return check_page(request, status=410, error=t("check_expired"))
        upload = _Upload(sha, path.name, path.stat().st_size)
        pool = site.parser(request)
        try:
            with pool.admit():
                if not site.token_ok(supplied):
                    request.state.check_status = 403
                    request.state.check_error = t("check_bad_token")
                    return await run_check(request, upload, path)
                received = ReceivedFile(path, path.name, upload.size)
                outcome = await run_in_threadpool(ingest_file, site.engine, received, pool)
        except ApiError as exc:
            if exc.status != 503:  # refused for good: do not keep it
                shutil.rmtree(path.parent, ignore_errors=True)
            return api_error_page(request, exc, f"{t('check_store_failed')}{t.colon}")
        shutil.rmtree(path.parent, ignore_errors=True)
        return RedirectResponse(f"/documents/{outcome.document_id}", status_code=303)

    # -- peers --
    @router.get("/peers", response_class=HTMLResponse)
    @guarded
    def peers_page(
        request: Request, year: int | None = None, region: str = "", kind: str = "budget"
    ) -> Response:
        """Departments of a year (and region) with per-staff 三公 and running costs, outliers
        flagged by robust z-score."""
        eng = site.engine
        stats = data.overview(eng)
        kind = kind if kind in ("budget", "final") else "budget"
        if year is None and stats.years:
            year = stats.years[0]
        region = region.strip()[:100]
        leaf = region.rsplit("/", 1)[-1] if region else None
        # The analysis peers (issue 8): the store's metrics, staffing read from the overview
        # text where the store has none, and the carry-over share; outliers explained.
        from cnbudget.analysis import region_peers

        profiles = region_peers(eng, year=year, kind=kind, region=leaf) if year is not None else []
        rows = [_PeerView.of(p) for p in profiles]
        if region:
            rows = [r for r in rows if r.region == region]
        rows.sort(key=lambda r: (not r.outlier, r.region, r.department))
        return site.render(
            request,
            "peers.html",
            nav="peers",
            rows=rows,
            year=year,
            years=stats.years,
            region=region,
            regions=data.region_names(eng, year, kind),
            kind=kind,
            threshold="3.5",
            outliers=sum(1 for r in rows if r.outlier),
        )

    from cnbudget.web.analysis import add_analysis_routes

    add_analysis_routes(router, site, guarded)
    return router


# -- helpers ----------------------------------------------------------------------------------
@dataclass
class _PeerView:
    """A row of the peers page: an analysis peer profile flattened for the template."""

    document_id: int
    department: str
    region: str
    staff: int | None
    three_public: Decimal | None
    running_costs: Decimal | None
    metrics: dict[str, Any]
    outlier: bool
    reasons_zh: list[str]
    reasons_en: list[str]

    @classmethod
    def of(cls, p: Any) -> _PeerView:
        return cls(
            document_id=p.base.document_id,
            department=p.department,
            region=p.base.region,
            staff=p.staff,
            three_public=p.base.three_public,
            running_costs=p.running_costs,
            metrics=p.metrics,
            outlier=p.outlier,
            reasons_zh=p.reasons_zh,
            reasons_en=p.reasons_en,
        )


def _previous(siblings: list[Any], info: Any) -> Any | None:
    """The current document of the same department, kind and scope (部门/单位) for the year
    before, if stored."""
    return next(
        (
            d
            for d in siblings
            if d.is_current
            and d.kind == info.kind
            and d.scope == info.scope
            and d.year == info.year - 1
        ),
        None,
    )


_FAMILY_ORDER = ("arithmetic", "cross", "narrative", "catalog", "completeness", "final")


@functools.cache
def _families() -> tuple[tuple[tuple[str, int], ...], int]:
    """Rule families of the rule book with their rule counts (what the check page explains)."""
    from collections import Counter

    from cnbudget.checks import load_rules

    rules = load_rules()
    counts = Counter(r.family for r in rules.values())
    fams = tuple((f, counts[f]) for f in _FAMILY_ORDER if counts.get(f))
    return fams, len(rules)


def _check_ctx(site: Site) -> dict[str, Any]:
    families, total = _families()
    return {
        "limit_mb": round(site.settings.max_upload_bytes / 1024 / 1024, 1),
        "can_store": bool(site.settings.token),
        "families": families,
        "rule_count": total,
    }


async def _receive_upload(site: Site, request: Request) -> _Upload:
    """Stream the form's ``file`` into ``pending/<sha256>/<name>`` (at most the upload limit,
    counted while streaming; 413 beyond it, 422 for an empty file)."""
    site._sweep()
    site.pending_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=site.pending_dir, prefix=".in-") as tmp:
        received = await receive_file(request, Path(tmp), site.settings.max_upload_bytes)
        if received.size == 0:
            raise ApiError(
                422,
                "empty_file",
                "文件是空的（0 字节），没有可核对的内容",
                "the file is empty (0 bytes): there is nothing to check",
            )
        h = hashlib.sha256()
        with received.path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        sha = h.hexdigest()
        name = _safe_name(received.filename)
        folder = site.pending_dir / sha
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o700)
        os.replace(received.path, folder / name)
    return _Upload(sha, name, received.size)


def _stored_id(engine: Engine, sha: str) -> int | None:
    """The id of the stored document with these exact bytes, if any."""
    from cnbudget.store.schema import DocumentRow

    with engine.connect() as conn:
        return conn.execute(select(DocumentRow.id).where(DocumentRow.sha256 == sha)).scalar()


_MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class NotAPdf(ValueError):
    """The stored original is not a PDF: there is nothing to annotate."""


#: A finding key as :func:`cnbudget.checks.findings.finding_keys` makes them.
_KEY = re.compile(r"[0-9a-f]{24}(~[0-9]{1,6})?")


def annotated_pdf(engine: Engine, doc_id: int) -> bytes:
    """The stored original PDF with its findings drawn on it (:mod:`cnbudget.outputs.annotate`).

    Why the document is checked again here: stored findings keep their line and cell but not
    their box on the page; the stored canonical document keeps every box, and checking it
    gives the same findings (same rule book) with their boxes. Cached per version by the
    caller, so this runs once.
    """
    from cnbudget.checks import check_document
    from cnbudget.outputs.annotate import annotate_pdf

    raw = raw_file(engine, doc_id)
    if not raw.startswith(b"%PDF-") and b"%PDF-" not in raw[:1024]:
        raise NotAPdf(doc_id)
    doc = load_document(engine, doc_id)
    report = check_document(doc)
    with tempfile.TemporaryDirectory(prefix="cnbudget-annotate-") as tmp:
        src, out = Path(tmp) / "original.pdf", Path(tmp) / "annotated.pdf"
        src.write_bytes(raw)
        annotate_pdf(src, report, out, doc=doc)
        return out.read_bytes()


def _export(doc: Document, fmt: str) -> bytes:
    """The document written as ``fmt`` (the media type is :data:`_MEDIA`)."""
    if fmt == "json":
        return doc.model_dump_json(indent=1, exclude_none=True).encode()
    if fmt == "csv":
        from cnbudget.export import write_csv

        buf = io.BytesIO()
        write_csv(doc, buf)
        return buf.getvalue()
    if fmt == "xlsx":
        from cnbudget.outputs.xlsx import write_xlsx

        with tempfile.TemporaryDirectory() as d:
            return write_xlsx(doc, Path(d) / "doc.xlsx").read_bytes()
    from cnbudget.outputs.pdf import render_pdf

    return render_pdf(doc)


def chart_json(charts: Any) -> str:
    """Chart data for ``<script type="application/json">`` (the template uses ``tojson``)."""
    return json.dumps(charts, ensure_ascii=False)
