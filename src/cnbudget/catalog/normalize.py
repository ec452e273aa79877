"""Normalisation of printed names and codes.

Disclosures are typed by hand, converted from PDF or exported from Excel, so the same subject
name shows up as ``维修（护）费``, ``维修(护)费`` or ``维修 （护） 费``, and the same code as
``2060499``, ``206 04 99`` or ``２０６０４９９``. Every comparison in the catalog goes through
these two functions so that formatting noise never decides whether a name or code "matches".
"""

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_code", "normalize_name"]

# After NFKC the full-width forms （）［］｛｝ are already ASCII; the CJK brackets are not, so they
# are mapped here. Every bracket style becomes a round one: the classification names only ever use
# round brackets, and document numbers mix 【】〔〕[] freely ("乌财企【2023】99号" vs "〔2023〕95号").
_BRACKETS = str.maketrans(
    {
        **dict.fromkeys("[【〔〖〘⦅〚", "("),
        **dict.fromkeys("]】〕〗〙⦆〛", ")"),
    }
)
# Zero-width characters are not whitespace for ``str.isspace`` but PDF extractors emit them.
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_NO_SPACE_CODE = re.compile(r"\s+")


def _one_pass(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = _INVISIBLE.sub("", s)
    return s.translate(_BRACKETS)


@lru_cache(maxsize=16384)
def normalize_name(s: str) -> str:
    """Return the comparison form of a printed name.

    NFKC (full-width → half-width), all whitespace and zero-width characters removed, and
    （）/()/【】/〔〕/[] … unified to ``(`` ``)``. The function is idempotent: removing a space
    can let NFKC compose characters that were separated by it (and NFKC can itself produce a
    space, e.g. from ``¨``), so the passes repeat until nothing changes.
    """
    out = _one_pass(s)
    for _ in range(4):  # converges after one or two passes for any real text
        again = _one_pass(out)
        if again == out:
            break
        out = again
    return out


def normalize_code(code: object) -> str:
    """Return the comparison form of a classification code.

    Accepts ``int`` and ``str``; applies NFKC (full-width digits) and removes whitespace, so the
    split form printed in tables (``"206\\t04\\t99"``, ``"301 01"``) joins into ``"2060499"`` /
    ``"30101"``. Nothing else is stripped: a malformed code must stay malformed, not be guessed.
    """
    return _NO_SPACE_CODE.sub("", unicodedata.normalize("NFKC", str(code)))
