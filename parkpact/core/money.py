"""Money in ParkPact: Decimal yuan (CNY), rounded half up to the fen (0.01) once, at the end.

The one rounding rule (docs/money.md): intermediate amounts keep full precision; every amount
that is stored, shown or paid is rounded with ROUND_HALF_UP to two decimal places.
"""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_cny(amount: Decimal | int | str) -> Decimal:
    """Round an amount to the fen, half up; floats are refused because they are not exact."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def format_cny(amount: Decimal) -> str:
    """¥1,234,567.89: thousands separated, always two decimals."""
    return f"¥{to_cny(amount):,.2f}"
