"""Transfer requests: ask the area that holds a person (outside your view) to move them to you,
and answer the requests made to your area. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.generic import (
    apply_validation_error,
    bootstrapify,
    client_ip,
    no_store,
    with_masked,
)
from fangkong.core.kit.forms import SecretCharField
from fangkong.core.signals import log_denied
from fangkong.people import selectors, services
from fangkong.people.models import TransferRequest
from fangkong.places import selectors as place_selectors
from fangkong.places.models import Area, Household


class TransferRequestForm(forms.Form):
    id_number = SecretCharField(label=gettext_lazy("Resident ID number"), max_length=30)
    to_area = forms.ModelChoiceField(
        label=gettext_lazy("Move into grid or village"), queryset=Area.objects.none()
    )
    household_number = forms.CharField(
        label=gettext_lazy("Household number"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("An existing household in that grid, or empty."),
    )
    reason = forms.CharField(label=gettext_lazy("Why the person should be moved"), max_length=200)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_area"].queryset = areas if areas is not None else Area.objects.none()
        bootstrapify(self)


class TransferDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("refuse", "refuse")])
    note = forms.CharField(max_length=200, required=False)


def _require_any(request, *perms: str) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        log_denied(request, " or ".join(perms))
        raise PermissionDenied


@login_required
def transfer_list(request):
    """Requests to my area (to answer) and from me (waiting, or answered)."""
    _require_any(request, "people.add_person", "people.change_person")
    to_me = selectors.transfer_requests_to_me(actor=request.user)
    from_me = list(selectors.transfer_requests_from_me(actor=request.user)[:100])
    # The requester sees the number they typed, masked, never the name or area it belongs to.
    with_masked([t.person for t in from_me])
    return no_store(
        render(
            request,
            "people/transfer_list.html",
            {
                "pending_to_me": to_me.filter(status=TransferRequest.Status.PENDING)[:200],
                "answered_to_me": to_me.exclude(status=TransferRequest.Status.PENDING)[:50],
                "from_me": from_me,
            },
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    """The ID number travels in the POST body only."""
    _require_any(request, "people.add_person")
    areas = place_selectors.areas_with_perm(actor=request.user, perm="people.add_person")
    form = TransferRequestForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            household = None
            if cd["household_number"].strip():
                try:
                    household = place_selectors.household_by_number(
                        actor=request.user, area=cd["to_area"], number=cd["household_number"]
                    )
                except Household.DoesNotExist:
                    raise ValidationError(
                        {
                            "household_number": _("There is no household %(n)s in %(grid)s.")
                            % {"n": cd["household_number"], "grid": cd["to_area"].name}
                        }
                    ) from None
            services.transfer_request(
                actor=request.user,
                id_number=cd["id_number"],
                to_area=cd["to_area"],
                to_household=household,
                reason=cd["reason"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Request sent. The area that holds the person will answer it.")
            )
            return redirect("people:transfer_list")
    return no_store(
        render(
            request,
            "people/transfer_form.html",
            {
                "form": form,
                "title": _("Ask for a person registered elsewhere"),
                "cancel_url": reverse("people:transfer_list"),
            },
            status=400 if form.errors else 200,
        )
    )


@login_required
@require_POST
def transfer_decide(request, pk: int):
    _require_any(request, "people.change_person")
    try:
        transfer = selectors.transfer_request_get(actor=request.user, pk=pk)
    except TransferRequest.DoesNotExist:
        log_denied(request, "transfer request")
        raise Http404 from None
    form = TransferDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or refuse the request."))
        return redirect("people:transfer_list")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.transfer_decide(
            actor=request.user, transfer=transfer, accept=accept, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        log_denied(request, "transfer decide")
        raise
    else:
        messages.success(
            request, _("The person was moved.") if accept else _("The request was refused.")
        )
    return redirect("people:transfer_list")
