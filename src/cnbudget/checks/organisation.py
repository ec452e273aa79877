"""What the 部门概况 says about the kinds of units a department has.

Why it matters to the checks: 机关运行经费 is the 日常公用经费 of 行政单位 and of 事业单位 managed
under the civil-service law (参照公务员法管理, 参公). A department that also funds other 事业单位
prints a 表6 公用经费 larger than its 机关运行经费, and that is right. Only where the document
shows there are no such units must the two figures agree.
"""

from __future__ import annotations

import re

from cnbudget.model import Document

_SHIYE = re.compile(r"(?<!参照公务员法管理的)(?<!参公)事业单位\s*(\d+)\s*(?:家|个)")
_CIVIL = re.compile(r"(?:参照公务员法管理的?|参公)(?:事业)?单位\s*(\d+)\s*(?:家|个)")
#: Rows that only 事业单位 have: 事业运行 项 (codes ending 50), 事业单位医疗, 事业单位离退休.
_SHIYE_ROWS = re.compile(r"^(?:事业运行|事业单位医疗|事业单位离退休)$")


def _overview_text(doc: Document) -> str:
    parts = [doc.metadata.structure or ""]
    parts += [s.title + "\n" + s.text() for sec in doc.overview for s in sec.walk()]
    return "\n".join(parts)


def shiye_outside_civil_service(doc: Document) -> bool | None:
    """True when the department includes 事业单位 not managed as 参公, False when the document
    shows it has none, None when it does not say."""
    text = _overview_text(doc)
    shiye = [int(n) for n in _SHIYE.findall(text)]
    civil = [int(n) for n in _CIVIL.findall(text)]
    if shiye:
        return max(shiye) > (max(civil) if civil else 0)
    for table in doc.tables:
        for row in table.rows:
            if (
                row.code
                and _SHIYE_ROWS.match(row.name or "")
                and any(a.value for a in row.values.values())
            ):
                return True
    return None
