"""Exact money: parsing printed amounts into ``Decimal`` and the documented rounding tolerances.

Published figures are rounded to 0.01 万元 and percentages to 0.01 %. Every comparison of
printed figures in cnbudget goes through the constants below, so the tolerance policy is one
place (see docs/tolerance.md).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

#: Published amounts are rounded to this quantum (0.01 万元).
AMOUNT_QUANTUM = Decimal("0.01")
#: Published percentages are rounded to this quantum (0.01 %).
PERCENT_QUANTUM = Decimal("0.01")
#: Half a quantum: the largest error one rounded printed figure can carry.
HALF_QUANTUM = Decimal("0.005")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
#: Largest absolute amount a disclosure can hold, in 万元 (10^12 万元 = 10^16 元: a thousand
#: times any national budget). Larger printed figures are damage (OCR runs, byte flips, a
#: column of digits glued together), reported by the reader as a ParseIssue, never computed.
MAX_AMOUNT = Decimal(10) ** 12
#: Most digits (before and after the point) a printed amount may have: 13 integer digits
#: fit MAX_AMOUNT, plus up to 6 decimals of a 元 figure printed in 万元.
MAX_AMOUNT_DIGITS = 20

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


class AmountRangeError(ValueError):
    """A well-formed number that no disclosure can hold (too large or too many digits).

    A ``ValueError`` so every reader that reports unparseable cells reports this one too, with
    its location; the message says why, in Chinese and English."""

    def __init__(self, text: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.text = text
        self.message_zh = message_zh
        self.message_en = message_en


def check_amount_range(value: Decimal, text: str) -> Decimal:
    """``value`` if a disclosure can hold it, else :class:`AmountRangeError` (see MAX_AMOUNT)."""
    if not value.is_finite():
        raise AmountRangeError(
            text, f"金额不是有限数：{text[:40]}", f"amount not finite: {text[:40]}"
        )
    digits = len(value.as_tuple().digits)
    if digits > MAX_AMOUNT_DIGITS:
        raise AmountRangeError(
            text,
            f"金额位数过多（{digits} 位，上限 {MAX_AMOUNT_DIGITS} 位）：{text[:40]}",
            f"amount has too many digits ({digits}, limit {MAX_AMOUNT_DIGITS}): {text[:40]}",
        )
    if abs(value) > MAX_AMOUNT:
        raise AmountRangeError(
            text,
            f"金额超出公开文件可能的范围（绝对值大于 10^12 万元）：{text[:40]}",
            f"amount beyond what a disclosure can hold (|x| > 10^12 万元): {text[:40]}",
        )
    return value


def parse_amount(text: str) -> Decimal | None:
    """Parse a printed amount (``"4,701.75"``, ``"４７０１．７５"``, ``"11.6 0"``) to ``Decimal``.

    Returns ``None`` for a blank cell (blank and ``0.00`` differ in a published table: blank means
    nothing was printed). Raises ``ValueError`` when the cell holds something that is not a number,
    and :class:`AmountRangeError` (a ``ValueError``) for a number beyond :data:`MAX_AMOUNT` or
    :data:`MAX_AMOUNT_DIGITS`, so that readers report it with its location instead of dropping it
    or failing later in arithmetic.
    """
    t = normalize_number_text(text)
    if not t or t in _DASHES:
        return None
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    if len(t) > 4 * MAX_AMOUNT_DIGITS:  # Decimal() of a 10^6-digit run is slow: refuse early
        raise AmountRangeError(
            text,
            f"金额位数过多（{len(t)} 个字符）：{text[:40]}",
            f"amount has too many digits ({len(t)} characters): {text[:40]}",
        )
    if not _NUMBER_RE.match(t):
        raise ValueError(f"not an amount: {text[:80]!r}")
    try:
        value = Decimal(t)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise ValueError(f"not an amount: {text[:80]!r}") from exc
    check_amount_range(value, text)
    return -value if negative else value


def is_amount(text: str) -> bool:
    """True when ``text`` is a non-blank printed amount."""
    try:
        return parse_amount(text) is not None
    except ValueError:
        return False


def _wide(value: Decimal) -> Context:
    """A context with room for every digit of ``value`` and two decimals: ``quantize`` in the
    default 28-digit context raises InvalidOperation on a 27-digit figure (issue 13)."""
    return Context(prec=max(28, value.adjusted() + 4), Emax=999_999_999, Emin=-999_999_999)


def round_amount(value: Decimal) -> Decimal:
    """Round to the published quantum (0.01), half up as finance offices do.

    Exact for any finite value (the context widens with it); a non-finite value is returned as
    is, since it cannot be rounded and the readers never produce one."""
    if not value.is_finite():
        return value
    return value.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP, context=_wide(value))


def format_amount(value: Decimal | None, *, separators: bool = True) -> str:
    """Print an amount the way disclosures do: ``4,701.75`` (blank for ``None``)."""
    if value is None:
        return ""
    q = round_amount(value)
    if not q.is_finite():
        return str(q)
    return f"{q:,.2f}" if separators else f"{q:.2f}"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part ÷ whole × 100`` rounded to 0.01 %, or ``None`` when the whole is zero."""
    if whole == 0 or not (part.is_finite() and whole.is_finite()):
        return None
    ratio = part * HUNDRED / whole
    return ratio.quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP, context=_wide(ratio))
