"""The patrols app's models declared once for the module kit (pages, API, batch, Excel)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key
from fangkong.patrols import filtersets as fs
from fangkong.patrols import selectors, services
from fangkong.patrols.models import (
    Arrangement,
    Ceremony,
    Dispersal,
    FollowUp,
    Patrol,
    SpotCheck,
    Venue,
    VenueInspection,
    VenueOrder,
    Violation,
)
from fangkong.places.models import Area

# Patrols and cases are logged by the town or the village; field records down to the grid.
TOWN_DOWN = {
    "area": {
        "level__in": [Area.Level.TOWN, Area.Level.VILLAGE, Area.Level.COMMUNITY, Area.Level.GRID]
    }
}
VILLAGE_DOWN = {"area": {"level__in": [Area.Level.VILLAGE, Area.Level.COMMUNITY, Area.Level.GRID]}}


def _adapters(update, noun: str):
    """The kit's ``update``/``delete``/``check`` signatures over this app's services."""

    def _update(*, actor, obj, expected_version, data):
        return update(actor=actor, expected_version=expected_version, data=data, **{noun: obj})

    return _update


def _delete(*, actor, obj, reason, expected_version):
    return services.delete_record(
        actor=actor, obj=obj, reason=reason, expected_version=expected_version
    )


def _check(check):
    return lambda *, actor, data, exclude_pk=None: check(data=data, exclude_pk=exclude_pk)


patrol_kit = register(
    ModelKit(
        model=Patrol,
        fields=services.PATROL_FIELDS,
        filterset=fs.PatrolFilterSet,
        selector=selectors.patrol_list,
        create=services.patrol_create,
        update=_adapters(services.patrol_update, "patrol"),
        delete=_delete,
        check=_check(services.patrol_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="patrols",
        options={"limit_choices": TOWN_DOWN, "select_related": ("area",)},
    )
)

spot_check_kit = register(
    ModelKit(
        model=SpotCheck,
        fields=services.SPOT_CHECK_FIELDS,
        filterset=fs.SpotCheckFilterSet,
        selector=selectors.spot_check_list,
        create=services.spot_check_create,
        update=_adapters(services.spot_check_update, "spot_check"),
        delete=_delete,
        check=_check(services.spot_check_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="spot-checks",
        options={"limit_choices": VILLAGE_DOWN, "select_related": ("area",)},
    )
)

dispersal_kit = register(
    ModelKit(
        model=Dispersal,
        fields=services.DISPERSAL_FIELDS,
        filterset=fs.DispersalFilterSet,
        selector=selectors.dispersal_list,
        create=services.dispersal_create,
        update=_adapters(services.dispersal_update, "dispersal"),
        delete=_delete,
        check=_check(services.dispersal_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="dispersals",
        options={"limit_choices": VILLAGE_DOWN, "select_related": ("area",)},
    )
)

violation_kit = register(
    ModelKit(
        model=Violation,
        fields=services.VIOLATION_FIELDS,
        filterset=fs.ViolationFilterSet,
        selector=selectors.violation_list,
        create=services.violation_create,
        update=_adapters(services.violation_update, "violation"),
        delete=_delete,
        check=_check(services.violation_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="violations",
        options={
            "limit_choices": TOWN_DOWN,
            "select_related": ("area", "person", "person__area"),
            "help_texts": {
                "person": gettext_lazy(
                    "Type a name, pinyin initials or the last four digits; leave empty if the "
                    "person is not registered here."
                ),
            },
        },
    )
)

venue_kit = register(
    ModelKit(
        model=Venue,
        fields=services.VENUE_FIELDS,
        filterset=fs.VenueFilterSet,
        selector=selectors.venue_list,
        create=services.venue_create,
        update=_adapters(services.venue_update, "venue"),
        delete=_delete,
        check=_check(services.venue_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="venues",
        options={
            "limit_choices": VILLAGE_DOWN,
            "select_related": ("area",),
            "import_unique": (("area", "name"),),
        },
    )
)

venue_order_kit = register(
    ModelKit(
        model=VenueOrder,
        fields=services.ORDER_FIELDS,
        filterset=fs.VenueOrderFilterSet,
        selector=selectors.venue_order_list,
        create=services.venue_order_create,
        update=_adapters(services.venue_order_update, "order"),
        check=_check(services.venue_order_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="venue-orders",
        options={"select_related": ("venue", "venue__area")},
    )
)

venue_inspection_kit = register(
    ModelKit(
        model=VenueInspection,
        fields=services.INSPECTION_FIELDS,
        filterset=fs.VenueInspectionFilterSet,
        selector=selectors.venue_inspection_list,
        create=services.inspection_create,
        update=_adapters(services.inspection_update, "inspection"),
        check=_check(services.inspection_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="venue-inspections",
        options={"select_related": ("venue", "venue__area")},
    )
)

ceremony_kit = register(
    ModelKit(
        model=Ceremony,
        fields=services.CEREMONY_FIELDS,
        filterset=fs.CeremonyFilterSet,
        selector=selectors.ceremony_list,
        create=services.ceremony_create,
        update=_adapters(services.ceremony_update, "ceremony"),
        delete=_delete,
        check=_check(services.ceremony_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="ceremonies",
        options={
            "limit_choices": VILLAGE_DOWN,
            "select_related": ("area",),
            "help_texts": {
                "decided_on": gettext_lazy("Only for a postponed or cancelled wedding or banquet."),
                "arrangements": gettext_lazy("Funerals only: tick what the family agreed to."),
                "attendees": gettext_lazy("Funerals only: how many attended."),
            },
        },
    )
)

follow_up_kit = register(
    ModelKit(
        model=FollowUp,
        fields=services.FOLLOW_UP_FIELDS,
        filterset=fs.FollowUpFilterSet,
        selector=selectors.follow_up_list,
        create=services.follow_up_create,
        update=_adapters(services.follow_up_update, "follow_up"),
        check=_check(services.follow_up_check),
        extra_columns=("created_at",),
        url_namespace="patrols",
        api_path="follow-ups",
        options={"select_related": ("ceremony", "ceremony__area")},
    )
)


def _arrangement_resolver(*, actor, perm: str):
    known = {}
    for item in Arrangement.objects.all():
        known[item.code] = known[item.name] = known[str(item)] = item

    def resolve(text: str, row: dict) -> Arrangement:
        if text not in known:
            raise ValidationError(_("Unknown arrangement %(t)s.") % {"t": text})
        return known[text]

    return resolve


register_natural_key(
    NaturalKey(
        model=Arrangement,
        to_text=str,
        resolver=_arrangement_resolver,
        help=gettext_lazy("Simplified arrangements, separated by 、"),
    )
)
