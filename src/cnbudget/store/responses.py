"""Answers to findings (审核答复): the review round's memory.

A reviewer at the finance bureau, or the department, answers a finding with one of

* ``accepted``  (已接受，将修改) — the department will fix it;
* ``explained`` (已说明) — the figures are right, and the note says why;
* ``false``     (误报) — the rule is wrong here, and the note says why; counted per rule in
  :func:`rule_quality`, so that the rule book improves from use;
* ``open``      (重新打开) — withdraws the earlier answer.

Why answers are keyed by the finding's *place* (:func:`cnbudget.checks.findings.finding_keys`:
rule + table/row/column or sentence) and stored append-only: a re-check or a corrected version
stores new finding rows, and an answer must follow its finding there; the history (who said what
when) is what a review round is audited on. A corrected version *inherits* the newest answer of
each finding that recurs in it (same key) from the versions it supersedes, walked through
``supersedes_id`` at read time — nothing is copied, so an answer given to the old version after
the new one was imported still reaches it, and a finding that no longer recurs takes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cnbudget.store.db import DbLike, session_scope
from cnbudget.store.queries import findings as stored_findings
from cnbudget.store.queries import resolve_department
from cnbudget.store.schema import (
    RESPONSE_STATUSES,
    DocumentRow,
    FindingResponseRow,
    FindingRow,
)

__all__ = [
    "ANSWER_COLUMNS",
    "MAX_AUTHOR",
    "MAX_NOTE",
    "STATUS_LABELS",
    "Answer",
    "AnswerError",
    "RuleQuality",
    "answer_finding",
    "answers",
    "answers_for_file",
    "export_answers",
    "findings_with_answers",
    "history",
    "rule_quality",
    "version_chain",
]

#: Bounds on what a reviewer types (the web form and the API enforce them with a clear error).
MAX_NOTE = 2000
#: Characters an answer may not hold: C0 controls but tab and line feed, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_AUTHOR = 100

#: The columns of :func:`export_answers`, in order (CSV, XLSX and JSON exports share them).
ANSWER_COLUMNS = (
    "answered_at",
    "author",
    "status",
    "note",
    "rule",
    "severity",
    "finding_key",
    "document_id",
    "department",
    "year",
    "kind",
    "scope",
    "version",
)

#: Display labels, Chinese first.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "accepted": ("已接受", "accepted"),
    "explained": ("已说明", "explained"),
    "false": ("误报", "false positive"),
    "open": ("待处理", "open"),
}

#: How far back a corrected version looks for answers (a document is rarely republished more
#: than a few times; the bound keeps a corrupted ``supersedes_id`` cycle from looping).
MAX_CHAIN = 50


class AnswerError(ValueError):
    """An answer that cannot be stored; ``zh`` / ``en`` say why, ``code`` names the case."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


@dataclass(frozen=True)
class Answer:
    """The newest answer to one finding, as it applies to one document."""

    finding_key: str
    rule: str
    severity: str
    status: str
    note: str | None
    author: str
    created_at: dt.datetime
    document_id: int  # where it was given
    inherited: bool  # given to an earlier version of this document
    version: int | None = None  # the version of the document where it was given

    @property
    def label(self) -> tuple[str, str]:
        return STATUS_LABELS.get(self.status, (self.status, self.status))

    @classmethod
    def from_row(cls, r: FindingResponseRow, document_id: int, versions: dict[int, int]) -> Answer:
        """The stored row as it applies to ``document_id`` (inherited when given to another
        version of it)."""
        return cls(
            finding_key=r.finding_key,
            rule=r.rule,
            severity=r.severity,
            status=r.status,
            note=r.note,
            author=r.author,
            created_at=_aware(r.created_at),
            document_id=r.document_id,
            inherited=r.document_id != document_id,
            version=versions.get(r.document_id),
        )

    def jsonable(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        return d


def version_chain(s: Session, document_id: int) -> list[int]:
    """``document_id`` and the versions it supersedes, newest first."""
    chain: list[int] = []
    current: int | None = document_id
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = s.scalar(select(DocumentRow.supersedes_id).where(DocumentRow.id == current))
    return chain


def _versions(s: Session, ids: Sequence[int]) -> dict[int, int]:
    return dict(
        s.execute(select(DocumentRow.id, DocumentRow.version).where(DocumentRow.id.in_(ids))).all()
    )


def _newest(
    rows: Iterable[FindingResponseRow], chain: Sequence[int], versions: dict[int, int]
) -> dict[str, Answer]:
    """The newest answer per key, a later version's answer before an earlier version's."""
    rank = {doc_id: i for i, doc_id in enumerate(chain)}
    best: dict[str, FindingResponseRow] = {}
    for r in rows:
        b = best.get(r.finding_key)
        if b is None or (rank[r.document_id], -r.id) < (rank[b.document_id], -b.id):
            best[r.finding_key] = r
    # an "open" answer withdraws the earlier ones: the finding is unanswered again
    return {
        key: Answer.from_row(r, chain[0], versions) for key, r in best.items() if r.status != "open"
    }


def _aware(t: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; every answer is stored in UTC
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def answers(db: DbLike, document_id: int, keys: Iterable[str] | None = None) -> dict[str, Answer]:
    """Finding key → the answer that applies to it in ``document_id``.

    ``keys`` defaults to the keys of the document's current findings: an answer given to an
    earlier version applies only where its finding recurs.
    """
    with session_scope(db) as s:
        if keys is None:
            keys = [f["key"] for f in stored_findings(s, document_id)]
        wanted = set(keys)
        if not wanted:
            return {}
        chain = version_chain(s, document_id)
        rows = s.scalars(
            select(FindingResponseRow).where(
                FindingResponseRow.document_id.in_(chain),
                FindingResponseRow.finding_key.in_(sorted(wanted)),
            )
        ).all()
        return _newest(rows, chain, _versions(s, chain))


def answers_for_file(
    db: DbLike,
    sha256: str,
    *,
    names: Sequence[str],
    year: int | None,
    kind: str,
    scope: str,
    keys: Iterable[str],
) -> dict[str, Answer]:
    """The stored answers that apply to a file being checked (``cnbudget check --report
    --db``): those of the stored document with the same bytes; else, as a corrected version
    inherits them, those of the current stored version of the same identity (a department
    known by one of ``names``, the year, kind and scope). Several departments by that name
    (two cities' 财政局) give nothing rather than a guess.
    """
    wanted = list(keys)
    with session_scope(db) as s:
        doc_id = s.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha256))
        if doc_id is not None:
            return answers(s, doc_id, wanted)
        if year is not None:
            depts = {d for n in names if n for d in resolve_department(s, n)}
            if len(depts) != 1:
                return {}
            doc_id = s.scalar(
                select(DocumentRow.id).where(
                    DocumentRow.department_id == depts.pop(),
                    DocumentRow.year == year,
                    DocumentRow.kind == kind,
                    DocumentRow.scope == scope,
                    DocumentRow.is_current,
                )
            )
            if doc_id is not None:
                # the file is a later version than anything stored: every answer is carried over
                return {
                    k: dataclasses.replace(a, inherited=True)
                    for k, a in answers(s, doc_id, wanted).items()
                }
    return {}


def findings_with_answers(
    db: DbLike, document_id: int, *, severity: str | None = None
) -> list[dict[str, Any]]:
    """The document's findings (:func:`cnbudget.store.queries.findings`) each with ``answer``:
    the JSON of its :class:`Answer`, or ``None`` while unanswered."""
    with session_scope(db) as s:
        found = stored_findings(s, document_id)
        got = answers(s, document_id, [f["key"] for f in found])
    out = []
    for f in found:
        if severity is not None and f["severity"] != severity:
            continue
        a = got.get(f["key"])
        out.append({**f, "answer": a.jsonable() if a is not None else None})
    return out


def answer_finding(
    db: DbLike,
    document_id: int,
    finding_key: str,
    status: str,
    *,
    author: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    """Store an answer to a finding of the document's latest check run; returns it.

    Refused with :class:`AnswerError` (never stored half): an unknown document or finding, a
    status not in :data:`RESPONSE_STATUSES`, no author, control characters (line breaks and tabs
    in a note are fine), and ``explained`` / ``false`` without a
    note (an explanation nobody wrote down cannot be reviewed).
    """
    status = (status or "").strip()
    author = " ".join((author or "").split())
    # browsers send a textarea's line breaks as CRLF while its maxlength counts one character
    note = (note or "").replace("\r\n", "\n").replace("\r", "\n").strip() or None
    bad = next((c for c in author + (note or "") if _CONTROL.match(c)), None)
    if bad is not None:  # NUL cannot even be stored in PostgreSQL text
        raise AnswerError(
            "bad_text",
            f"答复人或说明含有控制字符 U+{ord(bad):04X}",
            f"author or note holds the control character U+{ord(bad):04X}",
        )
    if status not in RESPONSE_STATUSES:
        raise AnswerError(
            "bad_status",
            f"答复状态无效：{status!r}（可选 {', '.join(RESPONSE_STATUSES)}）",
            f"invalid status {status!r} (one of {', '.join(RESPONSE_STATUSES)})",
        )
    if not author:
        raise AnswerError("no_author", "请填写答复人", "say who answers (author)")
    if len(author) > MAX_AUTHOR:
        raise AnswerError(
            "author_too_long",
            f"答复人过长（最多 {MAX_AUTHOR} 字）",
            f"author longer than {MAX_AUTHOR} characters",
        )
    if note is not None and len(note) > MAX_NOTE:
        raise AnswerError(
            "note_too_long",
            f"说明过长（最多 {MAX_NOTE} 字）",
            f"note longer than {MAX_NOTE} characters",
        )
    if status in ("explained", "false") and note is None:
        raise AnswerError(
            "note_required",
            "“已说明”和“误报”需要填写说明",
            "'explained' and 'false' need a note saying why",
        )
    with session_scope(db) as s:
        doc = s.get(DocumentRow, document_id)
        if doc is None:
            raise AnswerError(
                "no_document", f"没有编号为 {document_id} 的文档", f"no document {document_id}"
            )
        finding = next(
            (f for f in stored_findings(s, document_id) if f["key"] == finding_key), None
        )
        if finding is None:
            raise AnswerError(
                "no_finding",
                f"该文档最新一次检查中没有此项检查结果（{finding_key}）",
                f"the document's latest check has no finding {finding_key}",
            )
        row = FindingResponseRow(
            document_id=document_id,
            finding_key=finding_key,
            rule=str(finding["rule"]),
            severity=str(finding["severity"]),
            status=status,
            note=note,
            author=author,
            created_at=now or dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.commit()
        return Answer.from_row(row, document_id, {document_id: doc.version})


def history(db: DbLike, document_id: int, finding_key: str) -> list[Answer]:
    """Every answer ever given to this finding in this document and its earlier versions,
    oldest first (the audit trail; ``open`` rows included)."""
    with session_scope(db) as s:
        chain = version_chain(s, document_id)
        rows = s.scalars(
            select(FindingResponseRow)
            .where(
                FindingResponseRow.document_id.in_(chain),
                FindingResponseRow.finding_key == finding_key,
            )
            .order_by(FindingResponseRow.created_at, FindingResponseRow.id)
        ).all()
        versions = _versions(s, chain)
        return [Answer.from_row(r, document_id, versions) for r in rows]


def export_answers(db: DbLike) -> list[dict[str, Any]]:
    """Every answer ever stored, oldest first, with its document's identity: the export of the
    review round (``cnbudget query answers``, CSV/JSON/XLSX)."""
    with session_scope(db) as s:
        rows = s.execute(
            select(FindingResponseRow, DocumentRow)
            .join(DocumentRow, DocumentRow.id == FindingResponseRow.document_id)
            .order_by(FindingResponseRow.created_at, FindingResponseRow.id)
        ).all()
        return [
            {
                "answered_at": r.created_at.isoformat(),
                "author": r.author,
                "status": r.status,
                "note": r.note,
                "rule": r.rule,
                "severity": r.severity,
                "finding_key": r.finding_key,
                "document_id": d.id,
                "department": d.department_name,
                "year": d.year,
                "kind": d.kind,
                "scope": d.scope,
                "version": d.version,
            }
            for r, d in rows
        ]


@dataclass(frozen=True)
class RuleQuality:
    """How a rule fares with reviewers: of its findings in current documents, how many were
    answered, and how many called false (误报率 = false / answered)."""

    rule: str
    findings: int  # in the latest check of every current document
    answered: int
    accepted: int
    explained: int
    false: int

    @property
    def false_rate(self) -> float | None:  # a ratio for display, not money
        return self.false / self.answered if self.answered else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "false_rate": self.false_rate}


def rule_quality(db: DbLike) -> list[RuleQuality]:
    """Per rule: findings, answers by status and false positives, worst rule first.

    Each (document chain, finding) counts once, with its newest answer: a finding marked false in
    version 1 and recurring in version 2 is one false positive, not two. Only the current version
    of each document is counted, so answers follow the documents as they are now.
    """
    with session_scope(db) as s:
        latest_run = (
            select(func.max(FindingRow.check_run_id))
            .where(FindingRow.document_id == DocumentRow.id)
            .correlate(DocumentRow)
            .scalar_subquery()
        )
        per_rule = dict(
            s.execute(
                select(FindingRow.rule, func.count())
                .join(DocumentRow, DocumentRow.id == FindingRow.document_id)
                .where(DocumentRow.is_current, FindingRow.check_run_id == latest_run)
                .group_by(FindingRow.rule)
            ).all()
        )
        answered_docs = s.scalars(
            select(DocumentRow.id).where(
                DocumentRow.is_current, DocumentRow.id.in_(_answered_chains(s))
            )
        ).all()
        statuses: dict[str, dict[str, int]] = {}
        for doc_id in answered_docs:
            for a in answers(s, doc_id).values():
                by = statuses.setdefault(a.rule, {})
                by[a.status] = by.get(a.status, 0) + 1
    rules = sorted(set(per_rule) | set(statuses))
    out = [
        RuleQuality(
            rule=r,
            findings=int(per_rule.get(r, 0)),
            answered=sum(statuses.get(r, {}).values()),
            accepted=statuses.get(r, {}).get("accepted", 0),
            explained=statuses.get(r, {}).get("explained", 0),
            false=statuses.get(r, {}).get("false", 0),
        )
        for r in rules
    ]
    out.sort(key=lambda q: (-q.false, -(q.false_rate or 0), q.rule))
    return out


def _answered_chains(s: Session) -> list[int]:
    """The current versions of every document that holds an answer (walked forward through
    ``supersedes_id``: a handful of answered documents, never a scan of the whole store)."""
    out: set[int] = set()
    for doc_id in s.scalars(select(FindingResponseRow.document_id).distinct()).all():
        current, seen = doc_id, set()
        while current not in seen and len(seen) < MAX_CHAIN:
            seen.add(current)
            later = s.scalar(select(DocumentRow.id).where(DocumentRow.supersedes_id == current))
            if later is None:
                break
            current = later
        out.add(current)
    return sorted(out)
