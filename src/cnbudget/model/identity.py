"""What makes a document *which* document: its scope (部门 or 单位) and whether it is a template.

Why here, in the model: every reader (text, PDF, XLSX, HTML) must decide the same way, and the
store must be able to decide again for a document a reader did not mark (a document parsed by
an older version, a reader that does not call these yet). Both decisions read only printed
text, so they are plain functions of strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cnbudget.model.document import DocumentScope

__all__ = ["UNIT_LAYOUTS", "is_placeholder_name", "scope_from_texts"]

#: Layouts that are 单位 (one budget unit) disclosures by definition.
UNIT_LAYOUTS: frozenset[str] = frozenset({"shanghai-unit-budget-9"})

# 「2025年区级单位预算」「单位决算」「单位预算公开」: the title of a unit's own disclosure. A 部门
# title may also mention 预算单位 (its units), so only 单位 directly before 预算/决算 counts, and
# not inside 部门单位 (no such title exists, but the guard keeps 部门 titles safe).
_UNIT_TITLE = re.compile(r"(?<!部门)单位(?:预算|决算)")
_DEPT_TITLE = re.compile(r"部门(?:预算|决算)")

# Placeholders of a blank template: 上海市XX局, ××单位, 某某区, ＊＊部门, ○○局.
_PLACEHOLDER = re.compile(r"[XxＸｘ×*＊○]{2,}|某某")


def is_placeholder_name(name: str | None) -> bool:
    """Whether a department name is a template's placeholder (「上海市XX局」), not a real name."""
    return bool(name) and _PLACEHOLDER.search(name.replace(" ", "")) is not None  # type: ignore[union-attr]


def scope_from_texts(texts: Iterable[str], layout: str | None = None) -> DocumentScope:
    """``unit`` for a 单位预算/单位决算 (by its layout or its title lines), else ``department``.

    ``texts`` are the title lines (cover page); the first line naming either scope decides, so
    a contents line further down cannot override the cover.
    """
    if layout in UNIT_LAYOUTS:
        return "unit"
    for t in texts:
        t = t.replace(" ", "").replace("\u3000", "")
        if _DEPT_TITLE.search(t):
            return "department"
        if _UNIT_TITLE.search(t):
            return "unit"
    return "department"
