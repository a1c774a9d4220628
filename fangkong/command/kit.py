"""The command app's models declared once for the module kit (pages, API, Excel)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.command import filtersets as fs
from fangkong.command import selectors, services
from fangkong.command.models import (
    CommandGroup,
    Directive,
    GroupMember,
    Meeting,
    ResponseLevel,
    Responsibility,
    Task,
)
from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key
from fangkong.places.models import Area


def _adapt(check, create, update, delete):
    return {
        "create": create,
        "update": update,
        "delete": delete,
        "check": lambda *, actor, data, exclude_pk=None: check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
    }


response_level_kit = register(
    ModelKit(
        model=ResponseLevel,
        fields=services.RESPONSE_LEVEL_FIELDS,
        filterset=fs.ResponseLevelFilterSet,
        selector=selectors.response_level_list,
        **_adapt(
            services.response_level_check,
            services.response_level_create,
            services.response_level_update,
            services.response_level_delete,
        ),
        extra_columns=("created_at",),
        url_namespace="command",
        api_path="response-levels",
        options={
            "limit_choices": {"area": {"level__in": [Area.Level.DISTRICT]}},
            "select_related": ("area",),
        },
    )
)

group_kit = register(
    ModelKit(
        model=CommandGroup,
        fields=services.GROUP_FIELDS,
        filterset=fs.CommandGroupFilterSet,
        selector=selectors.group_list,
        **_adapt(
            services.group_check,
            services.group_create,
            services.group_update,
            services.group_delete,
        ),
        url_namespace="command",
        api_path="groups",
        options={"select_related": ("area", "supersedes")},
    )
)

member_kit = register(
    ModelKit(
        model=GroupMember,
        fields=services.MEMBER_FIELDS,
        filterset=fs.GroupMemberFilterSet,
        selector=selectors.member_list,
        **_adapt(
            services.member_check,
            services.member_create,
            services.member_update,
            services.member_delete,
        ),
        url_namespace="command",
        api_path="group-members",
        options={"select_related": ("group__area",)},
    )
)

meeting_kit = register(
    ModelKit(
        model=Meeting,
        fields=services.MEETING_FIELDS,
        filterset=fs.MeetingFilterSet,
        selector=selectors.meeting_list,
        **_adapt(
            services.meeting_check,
            services.meeting_create,
            services.meeting_update,
            services.meeting_delete,
        ),
        url_namespace="command",
        api_path="meetings",
        options={"select_related": ("area",)},
    )
)

directive_kit = register(
    ModelKit(
        model=Directive,
        fields=services.DIRECTIVE_FIELDS,
        filterset=fs.DirectiveFilterSet,
        selector=selectors.directive_list,
        **_adapt(
            services.directive_check,
            services.directive_create,
            services.directive_update,
            services.directive_delete,
        ),
        url_namespace="command",
        api_path="directives",
        options={"select_related": ("area", "meeting")},
    )
)


def _task_create(*, actor, data):
    return services.task_dispatch(actor=actor, data=data)


task_kit = register(
    ModelKit(
        model=Task,
        fields=services.TASK_FIELDS,
        filterset=fs.TaskFilterSet,
        selector=selectors.task_list,
        create=_task_create,
        check=lambda *, actor, data, exclude_pk=None: services.task_check(
            actor=actor, data=data, exclude_pk=exclude_pk
        ),
        extra_columns=("status", "dispatched_at", "acknowledged_at", "completed_at", "verified_at"),
        url_namespace="command",
        api_path="tasks",
        options={
            "select_related": ("area", "from_area", "assignee_group", "directive"),
            "labels": {"area": _("Dispatched to")},
            "limit_choices": {"area": {"level__in": [Area.Level.TOWN, Area.Level.VILLAGE]}},
        },
    )
)

responsibility_kit = register(
    ModelKit(
        model=Responsibility,
        fields=services.RESPONSIBILITY_FIELDS,
        filterset=fs.ResponsibilityFilterSet,
        selector=selectors.responsibility_list,
        **_adapt(
            services.responsibility_check,
            services.responsibility_create,
            services.responsibility_update,
            services.responsibility_delete,
        ),
        url_namespace="command",
        api_path="responsibilities",
        options={"select_related": ("area",), "import_unique": (("area", "leader_name"),)},
    )
)


def _group_resolver(*, actor, perm: str):
    groups = {g.name: g for g in CommandGroup.objects.restrict(actor, "view")}
    return lambda text, row: groups.get(text.strip())


register_natural_key(
    NaturalKey(
        model=CommandGroup,
        to_text=lambda group: group.name,
        resolver=_group_resolver,
        help=_("Name of a group of yours."),
        example="综合协调组",
        width=20,
    )
)
