"""Money is integer fen (分), never float: shown as yuan in one way everywhere."""


def yuan(fen: int) -> str:
    """Fen shown as yuan with two decimals and thousands separators: 123456 -> 1,234.56."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{part:02d}"
