"""The observation module's records declared once for the module kit (``fangkong.core.kit``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.crypto import blind_index
from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, natural_key, register_natural_key
from fangkong.core.kit.forms import KitForm
from fangkong.core.scoping import areas_for
from fangkong.core.validators import mask_resident_id, normalize_resident_id
from fangkong.observation import selectors, services
from fangkong.observation.filtersets import (
    HealthCheckFilterSet,
    KeyPersonFilterSet,
    ObservationFilterSet,
    RosterFilterSet,
    SiteFilterSet,
    TeamMemberFilterSet,
)
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    Observation,
    ObservationSite,
    RosterEntry,
    Symptom,
    TeamMember,
    TeamRole,
)
from fangkong.places.models import Area

_GRID_OR_VILLAGE = {
    "level__in": [Area.Level.TOWN, Area.Level.VILLAGE, Area.Level.COMMUNITY, Area.Level.GRID]
}


class TeamForm(KitForm):
    """Team and roster forms: the user account offered only among people who hold a role in
    an area the actor can see (never the district's whole user list)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("user")
        if field is not None:
            from fangkong.core.models import User

            areas = areas_for(self.actor, "observation.view_observation")
            field.queryset = (
                User.objects.filter(is_active=True, grants__area__in=areas)
                .distinct()
                .order_by("username")
            )


key_person_kit = register(
    ModelKit(
        model=KeyPerson,
        fields=(
            "person",
            "category",
            "source",
            "origin",
            "arrival_date",
            "last_exposure_date",
            "note",
        ),
        filterset=KeyPersonFilterSet,
        selector=selectors.key_person_list,
        create=services.key_person_create,
        update=lambda *, actor, obj, expected_version, data: services.key_person_update(
            actor=actor, key_person=obj, expected_version=expected_version, data=data
        ),
        delete=lambda *, actor, obj, reason, expected_version: services.key_person_delete(
            actor=actor, key_person=obj, reason=reason, expected_version=expected_version
        ),
        check=lambda *, actor, data, exclude_pk=None: services.key_person_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        extra_columns=("status", "identified_at", "area"),
        url_namespace="observation",
        api_path="key-persons",
        options={
            "select_related": ("person", "category", "area"),
            "help_texts": {
                "person": gettext_lazy("Type the name, initials or last four digits of the ID."),
                "last_exposure_date": gettext_lazy(
                    "For a close contact: the observation runs 14 days from this date."
                ),
            },
        },
    )
)

observation_kit = register(
    ModelKit(
        model=Observation,
        fields=("key_person", "kind", "site", "room", "start_date"),
        filterset=ObservationFilterSet,
        selector=selectors.observation_list,
        create=services.observation_create,
        check=lambda *, actor, data, exclude_pk=None: services.observation_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        extra_columns=("person", "area", "planned_end_date", "status", "ended_at", "hospital"),
        url_namespace="observation",
        api_path="observations",
        options={
            "select_related": ("person", "area", "site", "key_person__category"),
        },
    )
)

check_kit = register(
    ModelKit(
        model=HealthCheck,
        fields=("observation", "date", "half", "temperature", "symptoms", "note"),
        filterset=HealthCheckFilterSet,
        selector=selectors.check_list,
        create=services.check_create,
        check=lambda *, actor, data, exclude_pk=None, unique=True: services.check_check(
            actor=actor, data=data, exclude_pk=exclude_pk, unique=unique
        ),
        extra_columns=("checked_at", "fever", "abnormal"),
        url_namespace="observation",
        api_path="checks",
        options={"select_related": ("observation__person", "observation__area")},
    )
)

site_kit = register(
    ModelKit(
        model=ObservationSite,
        fields=("area", "name", "address", "capacity", "phone", "active"),
        filterset=SiteFilterSet,
        selector=selectors.site_list,
        create=services.site_create,
        update=lambda *, actor, obj, expected_version, data: services.site_update(
            actor=actor, site=obj, expected_version=expected_version, data=data
        ),
        delete=lambda *, actor, obj, reason, expected_version: services.site_delete(
            actor=actor, site=obj, reason=reason, expected_version=expected_version
        ),
        check=lambda *, actor, data, exclude_pk=None: services.site_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        url_namespace="observation",
        api_path="observation-sites",
        options={"select_related": ("area",), "import_unique": (("area", "name"),)},
    )
)

roster_kit = register(
    ModelKit(
        model=RosterEntry,
        fields=("area", "role", "name", "phone", "user"),
        filterset=RosterFilterSet,
        selector=selectors.roster_list,
        create=services.roster_create,
        update=lambda *, actor, obj, expected_version, data: services.roster_update(
            actor=actor, entry=obj, expected_version=expected_version, data=data
        ),
        delete=lambda *, actor, obj, reason, expected_version: services.roster_delete(
            actor=actor, entry=obj, reason=reason, expected_version=expected_version
        ),
        check=lambda *, actor, data, exclude_pk=None: services.roster_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        url_namespace="observation",
        api_path="team-roster",
        options={
            "select_related": ("area", "role"),
            "limit_choices": {"area": _GRID_OR_VILLAGE},
            "import_unique": (("area", "role"),),
            "import_exclude": ("user",),
            "form_class": TeamForm,
            "labels": {"area": gettext_lazy("Grid or village")},
        },
    )
)

team_kit = register(
    ModelKit(
        model=TeamMember,
        fields=("observation", "role", "name", "phone", "user"),
        filterset=TeamMemberFilterSet,
        selector=selectors.team_member_list,
        create=services.team_member_create,
        update=lambda *, actor, obj, expected_version, data: services.team_member_update(
            actor=actor, member=obj, expected_version=expected_version, data=data
        ),
        check=lambda *, actor, data, exclude_pk=None: services.team_member_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        url_namespace="observation",
        api_path="team-members",
        options={
            "select_related": ("observation__person", "observation__area", "role"),
            "form_class": TeamForm,
        },
    )
)


# --------------------------------------------------------------------------- natural keys


def _named(model):
    def resolver(*, actor, perm: str):
        items = {}
        for item in model.objects.all():
            items[item.code] = item
            items[item.name] = item
            items[str(item)] = item

        def resolve(text: str, row: dict):
            if text not in items:
                raise ValidationError(_("Unknown entry “%(t)s”.") % {"t": text})
            return items[text]

        return resolve

    return resolver


for _model in (KeyPersonCategory, TeamRole, Symptom):
    register_natural_key(
        NaturalKey(
            model=_model,
            to_text=str,
            resolver=_named(_model),
            help=gettext_lazy("The name as listed (or its code)."),
        )
    )


def _person_resolver(*, actor, perm: str):
    from fangkong.people.models import Person

    scoped = Person.objects.restrict(actor, "view")

    def resolve(text: str, row: dict):
        number = normalize_resident_id(text)
        found = scoped.filter(id_number_bidx=blind_index(number, "resident_id")).first()
        if found is None:
            raise ValidationError(
                _("No person with this ID number in your area of responsibility.")
            )
        return found

    return resolve


def register_person_key() -> None:
    from fangkong.people.models import Person

    if natural_key(Person) is None:
        register_natural_key(
            NaturalKey(
                model=Person,
                # Exports show the masked number; imports take the full one.
                to_text=lambda p: f"{p.name} {mask_resident_id(p.id_number or '')}",
                resolver=_person_resolver,
                help=gettext_lazy("The person's full 18-character ID number."),
                example="430971199001011234",
                width=24,
            )
        )


register_person_key()


def _observation_key_resolver(*, actor, perm: str):
    def resolve(text: str, row: dict):
        raise ValidationError(_("Observations are not imported."))

    return resolve


register_natural_key(
    NaturalKey(
        model=KeyPerson,
        to_text=lambda kp: f"{kp.person.name} · {kp.category}",
        resolver=_observation_key_resolver,
        help=gettext_lazy("Not imported."),
    )
)
register_natural_key(
    NaturalKey(
        model=Observation,
        to_text=lambda o: f"{o.person.name} {o.start_date}",
        resolver=_observation_key_resolver,
        help=gettext_lazy("Not imported."),
    )
)
register_natural_key(
    NaturalKey(
        model=ObservationSite,
        to_text=lambda s: s.name,
        resolver=_observation_key_resolver,
        help=gettext_lazy("The site's name."),
    )
)
