"""``GET /api/documents/{id}/changes``: what a corrected version changed (issue 14).

A thin shell over :func:`cnbudget.store.changes.version_changes`, like every read endpoint:
findings resolved, new and unchanged between two versions of one document (matched by their
stable rule + place key, each with the reviewer's answer where there is one) and the amounts
that changed, were added or removed (matched by :func:`cnbudget.store.compare_documents`).
Amounts are exact decimal strings, never JSON numbers.

Errors, in the API's one shape (:class:`cnbudget.api.errors.ApiError`):

* 404 ``document_not_found`` — the document, or the ``against`` document, is not stored;
* 404 ``not_a_version`` — ``against`` is stored but is not another version of the same document
  (another department, year, kind or scope, or the document itself): comparing two different
  documents is ``/api/compare``'s question, and calling its differences "resolved findings"
  would mislead. Why 404 and not 422: the request is well-formed (422 is kept for parameters
  no document could satisfy, such as ``against=0``); what it names — *that version of this
  document* — does not exist, as the analysis endpoints answer 404 for "no previous year";
  the schema fuzzing (``test_schemathesis``) holds every endpoint to that rule;
* a document without an earlier version is not an error: 200 with ``status``
  ``no_previous_version``, ``against`` null and empty lists.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from cnbudget.api.deps import get_engine, require_read
from cnbudget.api.errors import ApiError
from cnbudget.api.models import AmountDiffOut, DocumentOut
from cnbudget.api.routes import ERROR_RESPONSES, MAX_ID, DocId
from cnbudget.api.search import document_links
from cnbudget.store.changes import ChangesError, NotAVersion, VersionChanges, version_changes
from cnbudget.store.queries import jsonable

__all__ = ["ChangesOut", "changes_json", "create_router", "router"]

Amount = str  # an exact decimal as text
EngineDep = Annotated[Engine, Depends(get_engine)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FiguresOut(_Out):
    """A finding's figures in one version."""

    expected: Amount | None
    found: Amount | None
    difference: Amount | None
    tolerance: Amount | None
    source_line: int | None
    message: str
    message_en: str


class AnswerInfoOut(_Out):
    """The reviewer's newest answer to the finding, as it applies to the version shown."""

    status: str = Field(description="accepted | explained | false")
    note: str | None
    author: str
    created_at: dt.datetime
    inherited: bool = Field(description="given to an earlier version of this document")
    document_id: int | None = Field(None, description="the version it was given to")


class FindingChangeOut(_Out):
    key: str = Field(description="stable rule + place key of the finding")
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
    old: FiguresOut | None = Field(description="in the earlier version (null: new)")
    new: FiguresOut | None = Field(description="in this version (null: resolved)")
    figures_changed: bool = Field(description="expected/found/difference differ between both")
    answer: AnswerInfoOut | None


class ChangesOut(_Out):
    document: DocumentOut
    against: DocumentOut | None = Field(description="the earlier version compared with")
    status: Literal["compared", "no_previous_version", "not_checked"]
    resolved: list[FindingChangeOut] = Field(description="in the earlier version only")
    new: list[FindingChangeOut] = Field(description="in this version only")
    unchanged: list[FindingChangeOut] = Field(description="in both (same rule and place)")
    counts: dict[str, dict[str, int]] = Field(description="section → severity → findings")
    amounts_changed: list[AmountDiffOut] = Field(description="a = earlier version, b = this")
    amounts_added: list[AmountDiffOut]
    amounts_removed: list[AmountDiffOut]
    table_titles: dict[str, str] = Field(description="table type → printed title")
    answers_available: bool
    links: dict[str, str] = Field(default_factory=dict)


def changes_json(vc: VersionChanges) -> dict[str, Any]:
    """The JSON of ``vc`` (exact decimal strings), with the API paths of both versions."""
    out: dict[str, Any] = jsonable(vc)
    out["document"]["links"] = document_links(vc.document.id)
    base = f"/api/documents/{vc.document.id}/changes"
    links = {"self": base, "page": f"/documents/{vc.document.id}/changes"}
    if vc.against is not None:
        out["against"]["links"] = document_links(vc.against.id)
        links["self"] = f"{base}?against={vc.against.id}"
        links["compare"] = f"/api/compare?a={vc.against.id}&b={vc.document.id}&changed_only=true"
    out["links"] = links
    return out


def lookup(engine: Engine, document_id: int, against: int | None) -> VersionChanges:
    """:func:`version_changes` with its refusals as API errors (404, see the module)."""
    try:
        return version_changes(engine, document_id, against)
    except NotAVersion as exc:
        raise ApiError(404, exc.code, exc.zh, exc.en) from None
    except ChangesError as exc:
        raise ApiError(404, exc.code, exc.zh, exc.en) from None


def create_router() -> APIRouter:
    """The router of this endpoint (a function, so that tests can build a fresh one)."""
    r = APIRouter(
        prefix="/api",
        dependencies=[Depends(require_read)],
        responses=ERROR_RESPONSES,
        tags=["documents"],
    )

    @r.get(
        "/documents/{document_id}/changes",
        response_model=ChangesOut,
        summary="版本间的变化 / what changed since the previous version",
        description="Findings resolved, new and unchanged (matched by rule + place, with the "
        "reviewer's answers) and the amounts that changed, between this version and `against` "
        "(default: the version it supersedes). 404 `document_not_found` for an unknown id; 404 "
        "`not_a_version` when `against` is not another version of the same document (use "
        "/api/compare for two different documents).",
    )
    def get_changes(
        document_id: DocId,
        engine: EngineDep,
        against: Annotated[
            int | None,
            Query(ge=1, le=MAX_ID, description="较早版本的文件 id / the earlier version's id"),
        ] = None,
    ) -> dict[str, Any]:
        return changes_json(lookup(engine, document_id, against))

    return r


router = create_router()
