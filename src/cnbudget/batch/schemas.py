"""Arrow schemas of the lake's datasets.

Why fixed schemas rather than inferred ones: every part file of a dataset must have the same
types (DuckDB, Spark and pandas read them as one table), and inference would guess ``double``
for money. Amounts are ``decimal128(20, 6)`` — the store's ``NUMERIC(20, 6)`` — so a lake
value, a store value and the printed figure are the same exact number. Figures that are not
printed amounts (a finding's expected value, a narrative share) are ``decimal128(38, 10)`` for
queries, with their exact text beside them where the store needs it back verbatim.
"""

from __future__ import annotations

import pyarrow as pa

from cnbudget.model.longform import LONG_COLUMNS

MONEY = pa.decimal128(20, 6)
FIGURE = pa.decimal128(38, 10)
_S = pa.string()
_I = pa.int32()

#: Columns every partitioned dataset starts with: the document key and the partition values.
_KEY = [
    ("sha256", _S),
    ("year", _I),
    ("kind", _S),
    ("region", _S),
]

DOCUMENTS = pa.schema(
    [
        *_KEY,
        ("path", _S),
        ("source_name", _S),
        ("reader", _S),
        ("province", _S),
        ("city", _S),
        ("district", _S),
        ("department", _S),
        ("alias", _S),
        ("full_name", _S),
        ("publication_date", pa.date32()),
        ("layout", _S),
        ("staff_authorized", _I),
        ("staff_actual", _I),
        ("staff_active", _I),
        ("pages", _I),
        ("table_count", _I),
        ("amount_count", _I),
        ("finding_count", _I),
        ("errors", _I),
        ("warnings", _I),
        ("notices", _I),
        ("claim_count", _I),
        ("seconds", pa.float64()),  # wall time of the per-document function (not money)
        ("cnbudget_version", _S),
        ("rulebook_version", _S),
        # What the store keeps and the loader needs back verbatim.
        ("scope", _S),
        ("meta_json", _S),  # the importer's metadata record, whatever fields it has
        ("document_json_zlib", pa.binary()),
        ("tables_json", _S),
        ("issues_json", _S),
        ("stats_json", _S),
    ]
)

#: The long form (:data:`cnbudget.model.longform.LONG_COLUMNS`, typed), then the document's
#: partition values and the store-only positions (``table_pos``, ``row_position``,
#: ``source_page``) that :mod:`cnbudget.batch.load` needs.
_LONG_TYPES = {
    "year": _I,
    "table_no": _I,
    "value": MONEY,
    "source_line": _I,
}
AMOUNTS = pa.schema(
    [
        ("sha256", _S),
        *[(c, _LONG_TYPES.get(c, _S)) for c in LONG_COLUMNS],
        ("kind", _S),
        ("region", _S),
        ("province", _S),
        ("city", _S),
        ("district", _S),
        ("table_pos", _I),
        ("row_position", _I),
        ("source_page", _I),
    ]
)

FINDING_FIGURES = ("expected", "found", "difference", "tolerance")
FINDINGS = pa.schema(
    [
        *_KEY,
        ("position", _I),
        ("rule", _S),
        ("severity", _S),
        ("family", _S),
        ("table_no", _I),
        ("table_type", _S),
        ("unit_name", _S),
        ("row_code", _S),
        ("row_key", _S),
        ("row_name", _S),
        ("column_label", _S),
        ("sentence", _S),
        *[(f, FIGURE) for f in FINDING_FIGURES],
        *[(f"{f}_text", _S) for f in FINDING_FIGURES],
        ("source_line", _I),
        ("message_zh", _S),
        ("message_en", _S),
        ("related_json", _S),
    ]
)

NARRATIVE_CLAIMS = pa.schema(
    [
        *_KEY,
        ("section", _S),
        ("paragraph", _I),
        ("line", _I),
        ("subject", _S),
        ("raw_subject", _S),
        ("sentence", _S),
        ("amount", FIGURE),
        ("share", FIGURE),
        ("share_base", _S),
        ("change", FIGURE),
        ("change_word", _S),
        ("rate", FIGURE),
        ("rate_word", _S),
        ("count", _I),
    ]
)

BLOBS = pa.schema(
    [
        *_KEY,
        ("size", pa.int64()),
        ("compression", _S),
        ("data", pa.binary()),
    ]
)

FAILURES = pa.schema(
    [
        ("sha256", _S),
        ("path", _S),
        ("reason", _S),  # short code: the summary groups failures by it
        ("reason_zh", _S),
        ("reason_en", _S),
        ("seconds", pa.float64()),
        ("cnbudget_version", _S),
        ("rulebook_version", _S),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "amounts": AMOUNTS,
    "findings": FINDINGS,
    "narrative_claims": NARRATIVE_CLAIMS,
    "blobs": BLOBS,
    "failures": FAILURES,
}
