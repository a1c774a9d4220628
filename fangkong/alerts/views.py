"""Thin pages: the inbox, one alert with its acknowledgement, the header badge, text messages,
and the user's own alert settings (mobile number)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.alerts import selectors, services
from fangkong.alerts.filtersets import AlertFilterSet, SmsMessageFilterSet
from fangkong.alerts.models import Alert, AlertProfile, SmsMessage
from fangkong.alerts.sms import sms_retry
from fangkong.core.generic import ScopedListView, get_scoped_object_or_404, no_store
from fangkong.core.scoping import may_open
from fangkong.core.sensitive import MASKERS
from fangkong.core.validators import validate_mobile


class InboxView(ScopedListView):
    filterset_class = AlertFilterSet
    title = gettext_lazy("Alerts")
    results_template = "alerts/_alert_results.html"
    actions_template = "alerts/_inbox_actions.html"
    permission = "alerts.view_alert"

    def base_queryset(self):
        return selectors.alerts_for(self.request.user)


class SmsListView(ScopedListView):
    filterset_class = SmsMessageFilterSet
    title = gettext_lazy("Text messages")
    results_template = "alerts/_sms_results.html"
    permission = "alerts.view_smsmessage"

    def base_queryset(self):
        return selectors.sms_list(actor=self.request.user)

    def decorate(self, objects):
        for message in objects:
            message.masked_phone = MASKERS["mobile"](message.phone)
        return objects


def _get_alert(request, pk) -> Alert:
    try:
        return selectors.alert_get(actor=request.user, pk=pk)
    except Alert.DoesNotExist:
        raise Http404 from None


@login_required
def alert_detail(request, pk):
    alert = _get_alert(request, pk)
    link_open = may_open(request.user, alert.link)
    return render(request, "alerts/alert_detail.html", {"alert": alert, "link_open": link_open})


@login_required
@require_POST
def alert_acknowledge(request, pk):
    alert = _get_alert(request, pk)
    if not request.user.has_perm("alerts.change_alert"):
        raise PermissionDenied
    try:
        services.alert_acknowledge(actor=request.user, alert=alert)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("alerts:alert_detail", pk=alert.pk)
    messages.success(request, _("Acknowledged."))
    if request.headers.get("HX-Request"):
        return render(request, "alerts/_alert_row.html", {"alert": alert})
    return redirect(request.POST.get("next") or "alerts:inbox")


@login_required
def badge(request):
    """The header's unread badge, polled by htmx: one indexed count."""
    count = selectors.unread_count(request.user)
    response = render(request, "alerts/_badge.html", {"unread": count})
    return no_store(response)


@login_required
@require_POST
def sms_retry_view(request, pk):
    message = get_scoped_object_or_404(SmsMessage, request.user, "change", pk, request=request)
    sms_retry(actor=request.user, message=message)
    messages.success(request, _("The message will be sent again."))
    return redirect("alerts:sms_list")


class ProfileForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number for urgent alerts"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}),
        help_text=gettext_lazy("Leave empty to keep the number on record."),
    )
    sms_enabled = forms.BooleanField(
        label=gettext_lazy("Text me urgent alerts"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return validate_mobile(value) if value else ""


@login_required
def profile(request):
    """The signed-in user's own number for urgent alerts (kept encrypted, shown masked)."""
    current = AlertProfile.objects.filter(user=request.user).first()
    form = ProfileForm(
        request.POST or None,
        initial={"sms_enabled": current.sms_enabled if current else True},
    )
    if request.method == "POST" and form.is_valid():
        profile_obj = current or AlertProfile(user=request.user)
        if form.cleaned_data["phone"] or not current:
            profile_obj.phone = form.cleaned_data["phone"]
        profile_obj.sms_enabled = form.cleaned_data["sms_enabled"]
        profile_obj.save()
        messages.success(request, _("Saved."))
        return redirect("alerts:profile")
    masked = current.masked("phone") if current and current.phone else ""
    return no_store(render(request, "alerts/profile.html", {"form": form, "masked_phone": masked}))
