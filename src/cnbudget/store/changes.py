"""What changed between two versions of one document: the review round's second half.

A finance bureau sends a department its findings; the department publishes a corrected version,
imported as a new version of the same document (``supersedes_id`` points back, ``is_current``
moves). The reviewer's question is then not "what is wrong with version 2" but "what did the
correction fix, what did it break, what is still open, and which figures moved". This module
answers it from the store:

* findings are matched by their stable key (:func:`cnbudget.checks.findings.finding_keys`:
  rule + place, figures excluded), so a finding whose amounts changed but which is still at the
  same place is *unchanged* (both figures are kept, so the change is visible) rather than one
  resolved and one new;
* amounts are matched by :func:`cnbudget.store.queries.compare_documents` — the one matcher of
  the project, so this page never disagrees with ``/compare``;
* each finding carries the reviewer's answer (:mod:`cnbudget.store.responses`) as it applies to
  the version it is shown from: a resolved finding the old version's, the others the new one's
  (which a corrected version inherits for every finding that recurs).

Everything is read in one session, so the two versions are seen as of the same moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnbudget.checks.findings import finding_keys
from cnbudget.store.db import DbLike, session_scope
from cnbudget.store.queries import (
    AmountDiff,
    DocumentInfo,
    compare_documents,
    findings,
    list_documents,
)
from cnbudget.store.schema import CheckRunRow, DocumentRow, TableRow

__all__ = [
    "SEVERITIES",
    "AnswerInfo",
    "ChangesError",
    "Figures",
    "FindingChange",
    "NotAVersion",
    "UnknownDocument",
    "VersionChanges",
    "version_changes",
]

#: Severities in the order the pages count them.
SEVERITIES = ("error", "warning", "notice")

Status = Literal["compared", "no_previous_version", "not_checked"]


class ChangesError(LookupError):
    """The question cannot be asked; ``code``, ``zh`` and ``en`` say why (the API's error)."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


class UnknownDocument(ChangesError):
    """No stored document has this id (the API answers 404)."""


class NotAVersion(ChangesError):
    """``against`` is stored but is not a version of the same document — another department,
    year, kind (预算/决算) or scope (部门/单位) — or is the document itself (the API answers 404
    ``not_a_version``: two different documents are compared on ``/compare``, not here)."""


@dataclass(frozen=True)
class Figures:
    """The figures a finding printed in one version (exact, ``None`` where the rule has none).

    Why kept per version: an unchanged finding (same rule, same place) whose found amount moved
    from 74.11 to 74.21 is a correction that did not work, and the reviewer must see both.
    """

    expected: Decimal | None
    found: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    source_line: int | None
    message: str
    message_en: str


@dataclass(frozen=True)
class AnswerInfo:
    """The reviewer's newest answer to a finding, as it applies to the version shown.

    A copy of :class:`cnbudget.store.responses.Answer`'s public fields, so that this module's
    result (and its JSON) does not change shape when that class grows.
    """

    status: str
    note: str | None
    author: str
    created_at: dt.datetime
    inherited: bool
    document_id: int | None = None


@dataclass(frozen=True)
class FindingChange:
    """One finding of either version, with where it is and its figures in each version.

    ``old`` is ``None`` for a new finding, ``new`` is ``None`` for a resolved one; an unchanged
    finding has both, and ``figures_changed`` says whether its expected/found amounts moved.
    """

    key: str
    rule: str
    severity: str
    family: str
    table_no: int | None
    table_type: str | None
    unit_name: str | None
    row_code: str | None
    row_key: str | None
    row_name: str | None
    column: str | None
    sentence: str | None
    old: Figures | None
    new: Figures | None
    figures_changed: bool
    answer: AnswerInfo | None = None

    @property
    def figures(self) -> Figures:
        """The figures of the version the finding is shown from (new, else old)."""
        shown = self.new if self.new is not None else self.old
        assert shown is not None
        return shown


@dataclass(frozen=True)
class VersionChanges:
    """Everything that changed between ``against`` (the earlier version) and ``document``.

    ``status`` is ``compared``; ``no_previous_version`` when the document supersedes nothing and
    no ``against`` was given (every list is then empty — a first publication has nothing to be
    compared with, which is an answer, not an error); ``not_checked`` when either version has no
    check run, so that findings cannot be compared (claiming them "resolved" would be false) —
    the amounts are compared all the same.

    Finding lists keep the order of the check run (most severe first, then the place in the
    document: the order of the document page's findings panel); ``counts`` is section →
    severity → number. Amounts are :class:`~cnbudget.store.queries.AmountDiff` with ``a`` the
    earlier version and ``b`` this one, in the earlier version's order.
    """

    document: DocumentInfo
    against: DocumentInfo | None
    status: Status
    resolved: list[FindingChange] = field(default_factory=list)
    new: list[FindingChange] = field(default_factory=list)
    unchanged: list[FindingChange] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    amounts_changed: list[AmountDiff] = field(default_factory=list)
    amounts_added: list[AmountDiff] = field(default_factory=list)
    amounts_removed: list[AmountDiff] = field(default_factory=list)
    table_titles: dict[str, str] = field(default_factory=dict)
    answers_available: bool = False

    @property
    def compared(self) -> bool:
        return self.status == "compared"


# -- helpers ----------------------------------------------------------------------------------
def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _figures(f: Mapping[str, Any]) -> Figures:
    return Figures(
        expected=_dec(f.get("expected")),
        found=_dec(f.get("found")),
        difference=_dec(f.get("difference")),
        tolerance=_dec(f.get("tolerance")),
        source_line=f.get("source_line"),
        message=str(f.get("message") or ""),
        message_en=str(f.get("message_en") or ""),
    )


def _keyed(flat: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Finding key → flat finding, in run order.

    The store's dicts carry ``key``; where they do not (an older store module), the keys are
    computed here over the whole, unfiltered list — the same computation, so the same keys.
    """
    keys = [f.get("key") for f in flat]
    if any(k is None for k in keys):
        keys = finding_keys(flat)
    return {str(k): f for k, f in zip(keys, flat, strict=True)}


def _change(
    key: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> FindingChange:
    ref = new if new is not None else old
    assert ref is not None
    fo = _figures(old) if old is not None else None
    fn = _figures(new) if new is not None else None
    moved = (
        fo is not None
        and fn is not None
        and (fo.expected, fo.found, fo.difference) != (fn.expected, fn.found, fn.difference)
    )
    return FindingChange(
        key=key,
        rule=str(ref["rule"]),
        severity=str(ref["severity"]),
        family=str(ref.get("family") or ""),
        table_no=ref.get("table_no"),
        table_type=ref.get("table_type"),
        unit_name=ref.get("unit_name"),
        row_code=ref.get("row_code"),
        row_key=ref.get("row_key"),
        row_name=ref.get("row_name"),
        column=ref.get("column"),
        sentence=ref.get("sentence"),
        old=fo,
        new=fn,
        figures_changed=moved,
    )


def _counts(items: Sequence[FindingChange]) -> dict[str, int]:
    out = dict.fromkeys(SEVERITIES, 0)
    for f in items:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out


def _info(s: Session, document_id: int) -> DocumentInfo | None:
    dept = s.scalar(select(DocumentRow.department_id).where(DocumentRow.id == document_id))
    if dept is None:
        return None
    return next(d for d in list_documents(s, department=dept) if d.id == document_id)


def _checked(s: Session, document_id: int) -> bool:
    run = select(CheckRunRow.id).where(CheckRunRow.document_id == document_id).limit(1)
    return s.scalar(run) is not None


def _same_series(a: DocumentInfo, b: DocumentInfo) -> bool:
    """Versions of one document share department, year, kind and scope (the store's identity)."""
    return (a.department_id, a.year, a.kind, a.scope) == (b.department_id, b.year, b.kind, b.scope)


def _titles(s: Session, ids: Sequence[int]) -> dict[str, str]:
    """Table type → printed title, this version's first (a title may be reworded)."""
    out: dict[str, str] = {}
    for doc_id in ids:
        rows = s.execute(
            select(TableRow.type, TableRow.title)
            .where(TableRow.document_id == doc_id)
            .order_by(TableRow.position)
        )
        for ttype, title in rows:
            out.setdefault(ttype, title)
    return out


def _resolve_against(s: Session, doc: DocumentInfo, against: int | None) -> DocumentInfo | None:
    if against is None:
        if doc.supersedes_id is None:
            return None
        against = doc.supersedes_id
    other = _info(s, against)
    if other is None:
        raise UnknownDocument(
            "document_not_found", f"找不到文件 {against}", f"document {against} not found"
        )
    if other.id == doc.id or not _same_series(doc, other):
        raise NotAVersion(
            "not_a_version",
            f"文件 {against} 不是文件 {doc.id} 的另一个版本（部门、年度、类别和范围须相同；"
            "比较两份不同的文件请用“对比”）",
            f"document {against} is not another version of document {doc.id} (same department, "
            "year, kind and scope required; compare two different documents with /compare)",
        )
    return other


# -- answers ----------------------------------------------------------------------------------
def _answers(s: Session, document_id: int, keys: Sequence[str]) -> dict[str, AnswerInfo] | None:
    """Key → answer in ``document_id``; ``None`` when the answers module is not installed.

    Imported here, not at the top: answers are an addition to the review round, and the
    comparison must work (without them) in a build that does not have them.
    """
    try:
        from cnbudget.store.responses import answers
    except ImportError:
        return None
    if not keys:
        return {}
    got = answers(s, document_id, list(keys))
    return {
        k: AnswerInfo(
            status=a.status,
            note=a.note,
            author=a.author,
            created_at=a.created_at,
            inherited=bool(a.inherited),
            document_id=getattr(a, "document_id", None),
        )
        for k, a in got.items()
    }


def _with_answers(
    items: list[FindingChange], got: Mapping[str, AnswerInfo] | None
) -> list[FindingChange]:
    if not got:
        return items
    return [replace(f, answer=got[f.key]) if f.key in got else f for f in items]


# -- the question -----------------------------------------------------------------------------
def _finding_sections(
    s: Session, old_id: int, new_id: int
) -> tuple[list[FindingChange], list[FindingChange], list[FindingChange], bool]:
    """(resolved, new, unchanged, answers available) of two checked versions."""
    old = _keyed(findings(s, old_id))
    new = _keyed(findings(s, new_id))
    resolved = [_change(k, f, None) for k, f in old.items() if k not in new]
    added = [_change(k, None, f) for k, f in new.items() if k not in old]
    unchanged = [_change(k, old[k], f) for k, f in new.items() if k in old]
    old_answers = _answers(s, old_id, [f.key for f in resolved])
    new_answers = _answers(s, new_id, [f.key for f in (*added, *unchanged)])
    return (
        _with_answers(resolved, old_answers),
        _with_answers(added, new_answers),
        _with_answers(unchanged, new_answers),
        old_answers is not None and new_answers is not None,
    )


def version_changes(db: DbLike, document_id: int, against: int | None = None) -> VersionChanges:
    """What changed from ``against`` to ``document_id``: findings resolved, new and unchanged,
    and the amounts that changed, were added or removed.

    ``against`` defaults to the version ``document_id`` supersedes; without one the result's
    ``status`` is ``no_previous_version``. Raises :class:`UnknownDocument` for an id that is not
    stored and :class:`NotAVersion` for an ``against`` that is not another version of the same
    document. ``against`` may be a later version too: the lists then read "from ``against`` to
    this one" all the same.
    """
    with session_scope(db) as s:
        doc = _info(s, document_id)
        if doc is None:
            raise UnknownDocument(
                "document_not_found",
                f"找不到文件 {document_id}",
                f"document {document_id} not found",
            )
        other = _resolve_against(s, doc, against)
        if other is None:
            return VersionChanges(
                document=doc,
                against=None,
                status="no_previous_version",
                counts={k: _counts([]) for k in ("resolved", "new", "unchanged")},
            )
        diffs = compare_documents(s, other.id, doc.id, include_same=False)
        titles = _titles(s, [doc.id, other.id])
        resolved: list[FindingChange] = []
        added: list[FindingChange] = []
        unchanged: list[FindingChange] = []
        answered = False
        status: Status = "not_checked"
        if _checked(s, other.id) and _checked(s, doc.id):
            status = "compared"
            resolved, added, unchanged, answered = _finding_sections(s, other.id, doc.id)
    return VersionChanges(
        document=doc,
        against=other,
        status=status,
        resolved=resolved,
        new=added,
        unchanged=unchanged,
        counts={
            "resolved": _counts(resolved),
            "new": _counts(added),
            "unchanged": _counts(unchanged),
        },
        amounts_changed=[d for d in diffs if d.status == "changed"],
        amounts_added=[d for d in diffs if d.status == "added"],
        amounts_removed=[d for d in diffs if d.status == "removed"],
        table_titles=titles,
        answers_available=answered,
    )
