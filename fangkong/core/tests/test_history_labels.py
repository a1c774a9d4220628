"""A change history reads as the rest of the page: every field named in the interface's
language, every time local and to the minute."""

import datetime as dt

from django.apps import apps
from django.utils.functional import Promise

from fangkong.command.models import Task
from fangkong.core.generic.history import HIDDEN_HISTORY_FIELDS, _display, secret_fields
from fangkong.people.models import Person


def test_every_field_a_history_can_show_has_a_translatable_name():
    unnamed = []
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong") or not hasattr(model, "history"):
            continue
        if model.__name__.startswith("Historical"):
            continue
        _encrypted, companions = secret_fields(model)
        for field in model._meta.concrete_fields:
            hidden = HIDDEN_HISTORY_FIELDS | companions | {"deleted_at", "deleted_reason"}
            if field.name not in hidden and not isinstance(field.verbose_name, Promise):
                unnamed.append(f"{model._meta.label}.{field.name}")
    assert unnamed == []


def test_times_in_a_history_are_local_to_the_minute(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    field = Task._meta.get_field("completed_at")
    utc = dt.datetime(2020, 1, 29, 16, 56, 49, 236303, tzinfo=dt.UTC)
    assert _display(field, utc, None, {}) == "2020-01-30 00:56"
    birth = Person._meta.get_field("birth_date")
    assert _display(birth, dt.date(1990, 1, 5), None, {}) == "1990-01-05"
