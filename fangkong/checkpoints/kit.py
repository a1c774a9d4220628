"""The checkpoint registry, the shift roster and the passages, declared once for the kit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from fangkong.checkpoints import selectors, services
from fangkong.checkpoints.filtersets import CheckpointFilterSet, PassageFilterSet, ShiftFilterSet
from fangkong.checkpoints.forms import ShiftForm
from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key


def _checkpoint_update(*, actor, obj, expected_version, data):
    return services.checkpoint_update(
        actor=actor, checkpoint=obj, expected_version=expected_version, data=data
    )


def _checkpoint_delete(*, actor, obj, reason, expected_version):
    return services.checkpoint_delete(
        actor=actor, checkpoint=obj, reason=reason, expected_version=expected_version
    )


def _shift_update(*, actor, obj, expected_version, data):
    return services.shift_update(
        actor=actor, shift=obj, expected_version=expected_version, data=data
    )


def _shift_delete(*, actor, obj, reason, expected_version):
    return services.shift_delete(
        actor=actor, shift=obj, reason=reason, expected_version=expected_version
    )


checkpoint_kit = register(
    ModelKit(
        model=Checkpoint,
        fields=("area", "name", "kind", "location", "active"),
        filterset=CheckpointFilterSet,
        selector=selectors.checkpoint_list,
        create=services.checkpoint_create,
        update=_checkpoint_update,
        delete=_checkpoint_delete,
        check=lambda *, actor, data, exclude_pk=None: services.checkpoint_check(
            data=data, exclude_pk=exclude_pk
        ),
        extra_columns=("created_at",),
        url_namespace="checkpoints",
        api_path="checkpoints",
        options={
            "import_unique": (("area", "name"),),
            "select_related": ("area",),
            "labels": {"location": gettext_lazy("Where (road, station, dock)")},
        },
    )
)

shift_kit = register(
    ModelKit(
        model=Shift,
        fields=("checkpoint", "user", "start", "end", "duty", "note"),
        filterset=ShiftFilterSet,
        selector=selectors.shift_list,
        create=services.shift_create,
        update=_shift_update,
        delete=_shift_delete,
        check=lambda *, actor, data, exclude_pk=None: services.shift_check(
            data=data, exclude_pk=exclude_pk
        ),
        url_namespace="checkpoints",
        api_path="shifts",
        options={
            "form_class": ShiftForm,
            "select_related": ("checkpoint", "checkpoint__area", "user"),
            "import_exclude": ("user",),
        },
    )
)

passage_kit = register(
    ModelKit(
        model=Passage,
        fields=(
            "checkpoint",
            "at",
            "kind",
            "id_number",
            "name",
            "phone",
            "plate",
            "passengers",
            "temperature",
            "direction",
            "origin",
            "destination",
            "note",
        ),
        filterset=PassageFilterSet,
        selector=selectors.passage_list,
        create=services.passage_create,
        check=services.passage_check,
        extra_columns=("fever", "risk_origin"),
        url_namespace="checkpoints",
        api_path="passages",
        options={"select_related": ("checkpoint", "checkpoint__area")},
    )
)


def _checkpoint_resolver(*, actor, perm: str):
    checkpoints = {}
    for c in Checkpoint.objects.restrict(actor, "view").select_related("area"):
        checkpoints.setdefault(c.name, c)

    def resolve(text: str, row: dict) -> Checkpoint:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        if text not in checkpoints:
            raise ValidationError(_("No checkpoint named %(name)s in your area.") % {"name": text})
        return checkpoints[text]

    return resolve


register_natural_key(
    NaturalKey(
        model=Checkpoint,
        to_text=lambda checkpoint: checkpoint.name,
        resolver=_checkpoint_resolver,
        help=gettext_lazy("The checkpoint's name"),
        example="河坝镇大堤卡点",
    )
)
