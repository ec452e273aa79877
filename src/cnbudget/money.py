"""Exact money: parsing printed amounts into ``Decimal`` and the documented rounding tolerances.

Published figures are rounded to 0.01 万元 and percentages to 0.01 %. Every comparison of
printed figures in cnbudget goes through the constants below, so the tolerance policy is one
place (see docs/tolerance.md).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: Published amounts are rounded to this quantum (0.01 万元).
AMOUNT_QUANTUM = Decimal("0.01")
#: Published percentages are rounded to this quantum (0.01 %).
PERCENT_QUANTUM = Decimal("0.01")
#: Half a quantum: the largest error one rounded printed figure can carry.
HALF_QUANTUM = Decimal("0.005")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

_TAG_RE = re.compile(r"</?(?:b|strong|p|span|i|em)\b[^>]*>", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")
_DASHES = {"-", "—", "–", "－", "/", "——"}


def strip_markup(text: str) -> str:
    """Remove the inline tags that PDF→text converters leave around cells (``<b>``, ``<p>``)."""
    if "<" not in text:
        return text.strip()
    return _TAG_RE.sub("", text).strip()


def normalize_number_text(text: str) -> str:
    """Fold a printed number to ASCII without separators: full-width digits, spaces, commas."""
    if text.isascii():  # the common case: skip NFKC and the tag regex when there is nothing
        t = strip_markup(text) if "<" in text else text
        return t.replace(",", "").replace(" ", "")
    t = unicodedata.normalize("NFKC", strip_markup(text))
    return t.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("，", "")


def parse_amount(text: str) -> Decimal | None:
    """Parse a printed amount (``"4,701.75"``, ``"４７０１．７５"``, ``"11.6 0"``) to ``Decimal``.

    Returns ``None`` for a blank cell (blank and ``0.00`` differ in a published table: blank means
    nothing was printed). Raises ``ValueError`` when the cell holds something that is not a number,
    so that readers can report it with its location instead of dropping it.
    """
    t = normalize_number_text(text)
    if not t or t in _DASHES:
        return None
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    if not _NUMBER_RE.match(t):
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(t)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise ValueError(f"not an amount: {text!r}") from exc
    return -value if negative else value


def is_amount(text: str) -> bool:
    """True when ``text`` is a non-blank printed amount."""
    try:
        return parse_amount(text) is not None
    except ValueError:
        return False


def round_amount(value: Decimal) -> Decimal:
    """Round to the published quantum (0.01), half up as finance offices do."""
    return value.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal | None, *, separators: bool = True) -> str:
    """Print an amount the way disclosures do: ``4,701.75`` (blank for ``None``)."""
    if value is None:
        return ""
    q = round_amount(value)
    return f"{q:,.2f}" if separators else f"{q:.2f}"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part ÷ whole × 100`` rounded to 0.01 %, or ``None`` when the whole is zero."""
    if whole == 0:
        return None
    return (part * HUNDRED / whole).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)
