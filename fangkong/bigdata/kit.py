"""The big-data module's models declared once for the module kit (see ``fangkong.core.kit``)."""

from __future__ import annotations

from django.dispatch import receiver

from fangkong.bigdata import selectors, services
from fangkong.bigdata.filtersets import (
    CarrierListFilterSet,
    ListRowFilterSet,
    VerificationOutcomeFilterSet,
    VerificationTaskFilterSet,
)
from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask
from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.batch import records_created

carrier_list_kit = register(
    ModelKit(
        model=CarrierList,
        fields=("area", "name", "carrier", "source", "list_date", "received_at", "note"),
        filterset=CarrierListFilterSet,
        selector=selectors.carrier_list_list,
        extra_columns=(
            "status",
            "file_name",
            "rows_total",
            "rows_rejected",
            "rows_matched",
            "rows_ambiguous",
            "rows_unmatched",
        ),
        url_namespace="bigdata",
        api_path="carrier-lists",
        options={"select_related": ("area", "job")},
    )
)

list_row_kit = register(
    ModelKit(
        model=ListRow,
        fields=(
            "carrier_list",
            "sheet",
            "line",
            "name",
            "phone",
            "id_number",
            "arrival_date",
            "origin",
            "phone_region",
            "village",
            "status",
            "match_by",
            "person",
        ),
        filterset=ListRowFilterSet,
        selector=selectors.list_row_list,
        url_namespace="bigdata",
        api_path="carrier-list-rows",
        options={"select_related": ("carrier_list__area", "person")},
    )
)

task_kit = register(
    ModelKit(
        model=VerificationTask,
        fields=(
            "area",
            "person",
            "name",
            "phone",
            "phone_region",
            "arrival_date",
            "origin",
            "carrier_list",
            "source",
            "status",
            "outcome",
            "note",
            "due_at",
            "verified_at",
        ),
        filterset=VerificationTaskFilterSet,
        selector=selectors.task_list,
        extra_columns=("created_at",),
        url_namespace="bigdata",
        api_path="verification-tasks",
        options={"select_related": ("area", "person__area", "carrier_list", "key_person")},
    )
)

outcome_kit = register(
    ModelKit(
        model=VerificationOutcome,
        fields=("task", "outcome", "note", "recorded_at"),
        filterset=VerificationOutcomeFilterSet,
        selector=selectors.outcome_list,
        create=services.outcome_create,
        check=lambda *, actor, data, exclude_pk=None: services.outcome_check(data=data),
        url_namespace="bigdata",
        api_path="verification-outcomes",
        options={"select_related": ("task__area",)},
    )
)


@receiver(records_created, sender=VerificationOutcome)
def _outcomes_from_batch(sender, objs, actor, **kwargs):
    """Outcomes sent by phones in a batch reach their tasks in the batch's transaction."""
    services.outcomes_apply(actor=actor, outcomes=list(objs))
