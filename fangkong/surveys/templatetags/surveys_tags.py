"""Small template helpers of the surveys pages."""

from django import template

register = template.Library()


@register.filter
def at(values, index):
    """``values[index]`` for a dict key or a list position, or ``None`` when absent."""
    if isinstance(values, dict):
        return values.get(index)
    try:
        return values[int(index)]
    except (IndexError, TypeError, ValueError):
        return None
