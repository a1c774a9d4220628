"""A filter left unset reads "any" (全部), not Django's "---------" or "Unknown" (未知)."""

import pytest
from django.utils import translation

from fangkong.alerts.filtersets import AlertFilterSet
from fangkong.alerts.models import Alert

pytestmark = pytest.mark.django_db


def test_unset_choice_and_yes_no_filters_read_any(grid_worker):
    with translation.override("zh-hans"):
        form = AlertFilterSet({}, Alert.objects.none(), actor=grid_worker).form
        choice, yes_no = str(form["kind"]), str(form["open"])
    assert '<option value="" selected>全部</option>' in choice and "---------" not in choice
    assert '<option value="unknown" selected>全部</option>' in yes_no and "未知" not in yes_no
