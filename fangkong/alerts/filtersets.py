"""One FilterSet per list: the inbox and the text messages (page, API and export alike)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.alerts.models import Alert, SmsMessage
from fangkong.core.filtersets import ScopedFilterSet


class AlertFilterSet(ScopedFilterSet):
    open = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", label=_("Not yet acknowledged")
    )

    class Meta:
        model = Alert
        fields = ["open", "kind", "severity"]


class SmsMessageFilterSet(ScopedFilterSet):
    class Meta:
        model = SmsMessage
        fields = ["status", "template"]
