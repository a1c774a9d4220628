from django.utils.translation import gettext_lazy as _

from fangkong.command import kit
from fangkong.core.kit.columns import KitExporter


class ResponseLevelExporter(KitExporter):
    key, title, kit = "command.response-levels", _("Response levels"), kit.response_level_kit


class GroupExporter(KitExporter):
    key, title, kit = "command.groups", _("Command groups"), kit.group_kit


class MemberExporter(KitExporter):
    key, title, kit = "command.group-members", _("Group members"), kit.member_kit


class MeetingExporter(KitExporter):
    key, title, kit = "command.meetings", _("Meetings"), kit.meeting_kit


class DirectiveExporter(KitExporter):
    key, title, kit = "command.directives", _("Directives"), kit.directive_kit


class TaskExporter(KitExporter):
    key, title, kit = "command.tasks", _("Tasks"), kit.task_kit


class ResponsibilityExporter(KitExporter):
    key, title, kit = (
        "command.responsibilities",
        _("Area responsibilities"),
        kit.responsibility_kit,
    )
