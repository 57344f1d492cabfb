"""``{% load money %}``: amounts in CNY as the centre writes them (docs/money.md)."""

from decimal import Decimal

from django import template

from parkpact.core.money import format_cny

register = template.Library()


@register.filter
def cny(amount: Decimal | None) -> str:
    """¥1,234,567.89; an empty string for no amount."""
    return "" if amount is None else format_cny(amount)
