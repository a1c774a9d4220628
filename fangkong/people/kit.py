"""The person registry declared once for the module kit (see ``fangkong.core.kit``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key
from fangkong.people import selectors, services
from fangkong.people.filtersets import PersonFilterSet
from fangkong.people.forms import PersonForm
from fangkong.people.models import Person, Tag
from fangkong.places.models import Area


# ``ip``: the kit's views and API pass the client's address (core.kit.ip_kwargs), which the
# access log of duplicate-ID hits records.
def _create(*, actor, data: dict, ip: str | None = None) -> Person:
    data = dict(data)
    tags = data.pop("tags", None)
    return services.person_create(actor=actor, data=data, tags=tags, ip=ip)


def _update(
    *, actor, obj: Person, expected_version: int | None, data: dict, ip: str | None = None
) -> Person:
    data = dict(data)
    tags = data.pop("tags", None)
    return services.person_update(
        actor=actor, person=obj, expected_version=expected_version, data=data, tags=tags, ip=ip
    )


def _delete(*, actor, obj: Person, reason: str, expected_version: int | None) -> Person:
    return services.person_delete(
        actor=actor, person=obj, reason=reason, expected_version=expected_version
    )


def _check(
    *, actor, data: dict, exclude_pk: int | None = None, unique: bool = True, ip: str | None = None
) -> dict:
    data = {k: v for k, v in data.items() if k != "tags"}
    return services.person_check(
        data=data, exclude_pk=exclude_pk, actor=actor, check_duplicates=unique, ip=ip
    )


person_kit = register(
    ModelKit(
        model=Person,
        fields=(
            "name",
            "id_number",
            "phone",
            "area",
            "household",
            "relation",
            "sex",
            "birth_date",
            "current_address",
            "registered_residence",
            "is_resident",
            "tags",
        ),
        filterset=PersonFilterSet,
        selector=selectors.person_list,
        create=_create,
        update=_update,
        delete=_delete,
        check=_check,
        unique=("id_number",),
        extra_columns=("created_at",),
        counted=True,
        url_namespace="people",
        api_path="persons",
        options={
            # An ID number twice in one sheet: the second row is refused before anything is written.
            "import_unique": (("id_number",),),
            # UI (core.kit.views): the form, its choices and labels, what the pages join.
            "form_class": PersonForm,
            "limit_choices": {
                "area": {"level__in": [Area.Level.VILLAGE, Area.Level.COMMUNITY, Area.Level.GRID]}
            },
            "select_related": ("area", "household", "household__area"),
            "labels": {
                "area": gettext_lazy("Grid or village"),
                "is_resident": gettext_lazy("Lives here (resident)"),
            },
            "help_texts": {
                "household": gettext_lazy(
                    "Type the household's number, address or head; leave empty if none."
                ),
                "sex": gettext_lazy("Taken from the ID number when one is given."),
                "birth_date": gettext_lazy("Taken from the ID number when one is given."),
            },
        },
    )
)


def _tag_resolver(*, actor, perm: str):
    tags = {t.name: t for t in selectors.tag_choices()}

    def resolve(text: str, row: dict) -> Tag:
        if text not in tags:
            raise ValidationError(_("Unknown tag %(t)s.") % {"t": text})
        return tags[text]

    return resolve


register_natural_key(
    NaturalKey(
        model=Tag,
        to_text=lambda tag: tag.name,
        resolver=_tag_resolver,
        help=gettext_lazy("Existing tag names, separated by 、"),
    )
)
