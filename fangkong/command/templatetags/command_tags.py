"""Display helpers for the command app's generic record templates."""

from django import template
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from fangkong.core.fields import EncryptedTextField
from fangkong.core.kit import get_kit

register = template.Library()


def _display(obj, name: str) -> str:
    field = obj._meta.get_field(name)
    if isinstance(field, EncryptedTextField):
        return getattr(obj, f"masked_{name}", "") or "—"
    if field.choices:
        return getattr(obj, f"get_{name}_display")() or "—"
    value = getattr(obj, name)
    if value in (None, ""):
        return "—"
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return value.isoformat()
    return str(value)


@register.simple_tag
def detail_rows(obj):
    """``[(label, value)]`` of the kit's fields (and extra columns) of ``obj``, masked."""
    kit = get_kit(type(obj))
    return [
        (capfirst(obj._meta.get_field(n).verbose_name), _display(obj, n))
        for n in (*kit.fields, *kit.extra_columns)
    ]


@register.simple_tag
def value_of(obj, name):
    return _display(obj, name)


@register.filter
def split_words(value: str) -> list[str]:
    return str(value).split()
