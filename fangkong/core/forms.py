"""Forms of the core screens: login, two-factor code, API tokens, users and role grants."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Role
from fangkong.core.scoping import area_model


def bootstrap(form: forms.Form) -> None:
    """Give every widget Bootstrap's classes so templates can render fields plainly."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        )


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
                "class": "form-control form-control-lg text-center fk-otp",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return code


class TokenCreateForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("", _("Never (revoke it by hand)")),
    ]
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("Which device or script uses it, e.g. “checkpoint tablet 3”."),
    )
    expires_in = forms.ChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, required=False, initial="90"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # Indent by level so the tree reads as a tree in a plain <select>.
        return f"{'　' * (len(obj.path.strip('/').split('/')) - 1)}{obj.name} ({obj.code})"


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Role) -> str:
        # Role names are stored in English source text and translated when shown.
        return gettext(obj.name)


class GrantForm(forms.Form):
    """Role and area; the area choices are only those in the actor's grant scope.

    The choice queryset is also what validates a POSTed area id, so a forged id outside the
    scope fails here as "not one of the available choices"; the service re-checks anyway.
    """

    role = RoleChoiceField(label=_("Role"), queryset=Role.objects.all())
    # The area model lives in another app (settings.FANGKONG_AREA_MODEL): core does not import
    # it, so the choices are set per form from the areas the view passes in.
    area = AreaChoiceField(label=_("Area"), queryset=None)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else area_model().objects.none()
        self.fields["area"].error_messages["invalid_choice"] = _(
            "This area is not within your responsibility, or no longer exists."
        )
        bootstrap(self)


class UserCreateForm(GrantForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    organisation = forms.CharField(label=_("Organisation"), max_length=100, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common or all-digit password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = [
        "username",
        "full_name",
        "organisation",
        "password1",
        "password2",
        "role",
        "area",
    ]

    def __init__(self, *args, superuser: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A superuser may create an account without a grant; nobody else could then see it.
        self.fields["role"].required = not superuser
        self.fields["area"].required = not superuser

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        if bool(data.get("role")) != bool(data.get("area")) and not self.errors.get("area"):
            self.add_error("area", _("Choose both a role and an area, or neither."))
        return data


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("Username or name")}
        )
