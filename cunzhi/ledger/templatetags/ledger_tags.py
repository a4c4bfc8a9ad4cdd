"""Template filters for money: integer fen shown as yuan."""

from django import template

from cunzhi.core.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """123456 -> 1,234.56 (an empty value shows as 0.00)."""
    try:
        return _yuan(int(fen or 0))
    except (TypeError, ValueError):
        return ""


@register.filter
def effect(entry) -> str:
    """An entry's effect on the balance: +1,000.00 for income, −1,000.00 for expenditure (reversals flip)."""
    value = entry.amount_fen if entry.direction == "income" else -entry.amount_fen
    return ("+" if value >= 0 else "−") + _yuan(abs(value))
