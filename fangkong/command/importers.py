from django.utils.translation import gettext_lazy as _

from fangkong.command import kit
from fangkong.core.kit.columns import KitImporter


class MeetingImporter(KitImporter):
    key, title, kit = "command.meetings", _("Meetings"), kit.meeting_kit


class MemberImporter(KitImporter):
    key, title, kit = "command.group-members", _("Group members"), kit.member_kit


class ResponsibilityImporter(KitImporter):
    key, title, kit = (
        "command.responsibilities",
        _("Area responsibilities"),
        kit.responsibility_kit,
    )
