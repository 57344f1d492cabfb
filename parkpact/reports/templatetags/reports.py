"""Template helpers for PDF reports (``{% load reports %}``)."""

import re

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_COUNTER = "\x00"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = re.sub(r'[\\"<>&\n]', lambda match: f"\\{ord(match[0]):x} ", text)
    return f'"{escaped}"'


@register.simple_tag
def page_x_of_y() -> SafeString:
    """The CSS ``content`` value of a "page X of Y" footer, in the active language.

    Translators may put the two numbers in either order ("第 X 页，共 Y 页")."""
    text = _("Page %(page)s of %(pages)s") % {
        "page": f"{_COUNTER}page{_COUNTER}",
        "pages": f"{_COUNTER}pages{_COUNTER}",
    }
    parts = []
    for index, part in enumerate(text.split(_COUNTER)):
        if index % 2:
            parts.append(f"counter({part})")
        elif part:
            parts.append(css_string(part))
    return mark_safe(" ".join(parts))  # noqa: S308 (built from escaped CSS strings only)
