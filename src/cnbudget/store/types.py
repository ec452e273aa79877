"""Column types that keep money exact on every backend.

Why: SQLite has no decimal type. SQLAlchemy's ``Numeric`` there is stored as a binary double
(``REAL``), so ``4701.75`` would come back through a float and ``SUM`` would add floats. The
issue demands amounts "stored exactly, never float". So :class:`Money` is ``NUMERIC(20, 6)``
on PostgreSQL (exact, summed exactly by the server) and, on SQLite, a 64-bit integer count of
millionths of a 万元: ``SUM`` over integers is exact in SQLite, and 9.2e12 万元 is ample headroom.
Six decimals hold any 元 amount with fen converted to 万元 (0.01 元 = 0.000001 万元); a value with
more decimals is refused rather than rounded.

:class:`ExactDecimal` is for figures that are not printed amounts (a finding's expected value, a
tolerance): unbounded ``NUMERIC`` on PostgreSQL, the exact decimal text on SQLite.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["MONEY_SCALE", "ExactDecimal", "Money", "MoneyPrecisionError", "tidy"]

#: Decimal places kept for amounts (in 万元).
MONEY_SCALE = 6
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_INT64 = 2**63
_NUMERIC_LIMIT = Decimal(10) ** (20 - MONEY_SCALE)


_CENT = Decimal("0.01")


def tidy(value: Decimal) -> Decimal:
    """The same amount with the printed two decimals when it has no more (``4701.750000`` →
    ``4701.75``), so both backends return what the disclosure printed; finer values keep
    their digits (``0.012345``)."""
    cents = value.quantize(_CENT)
    if cents == value:
        return cents
    return value.quantize(_QUANTUM).normalize()


class MoneyPrecisionError(ValueError):
    """An amount the store cannot keep exactly: more than six decimals (it would have to be
    rounded) or beyond the column's range (±9.2e12 万元 on SQLite, ±1e14 on PostgreSQL)."""


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__} ({value!r})")


class Money(TypeDecorator[Decimal]):
    """An exact amount in 万元: ``NUMERIC(20,6)`` on PostgreSQL, integer millionths on SQLite."""

    impl = Numeric(20, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        d = _to_decimal(value)
        q = d.quantize(_QUANTUM)
        if q != d:
            raise MoneyPrecisionError(
                f"amount {d} has more than {MONEY_SCALE} decimals; refusing to round it"
            )
        if dialect.name == "sqlite":
            n = int(q.scaleb(MONEY_SCALE))
            if not -_INT64 <= n < _INT64:
                raise MoneyPrecisionError(f"amount {d} is too large for the SQLite store")
            return n
        if abs(q) >= _NUMERIC_LIMIT:
            raise MoneyPrecisionError(f"amount {d} does not fit NUMERIC(20, {MONEY_SCALE})")
        return q

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):  # only if someone stored a float by hand
                raise TypeError(f"inexact amount {value!r} found in the store")
            return tidy(Decimal(int(value)).scaleb(-MONEY_SCALE))
        return tidy(Decimal(value))

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class ExactDecimal(TypeDecorator[Decimal]):
    """Any exact decimal: unbounded ``NUMERIC`` on PostgreSQL, its text on SQLite."""

    impl = Numeric()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        d = _to_decimal(value)
        if dialect.name == "sqlite":
            return format(d, "f")
        return d

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) if not isinstance(value, Decimal) else value

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
