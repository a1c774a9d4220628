"""Records of the command and alerts apps for the jurisdiction walk's in-scope town, with the
distinctive texts the walker must never see (``core/tests/test_jurisdiction_walk.py``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MARKS = {
    "group": "越界工作组",
    "member": "越界组员",
    "meeting": "越界调度会",
    "directive": "越界指示",
    "task": "越界任务",
    "note": "越界进展",
    "responsibility": "越界包干人",
    "alert": "越界预警",
    "sms": "越界短信",
}
MEMBER_PHONE = "13712340001"
MEMBER_PHONE2 = "13712340002"


def walk_records(*, town, village, grid, actor, pk: int) -> set[str]:
    """A group with a member, a meeting, a directive, a task with a note, a responsibility,
    an alert and a text message, all in ``town`` (ids ``pk`` where the walk's ids are shared);
    returns the markers."""
    from fangkong.alerts.models import SmsMessage
    from fangkong.alerts.services import raise_alert
    from fangkong.command.models import (
        CommandGroup,
        Directive,
        GroupMember,
        Meeting,
        Responsibility,
        Task,
        TaskNote,
    )
    from fangkong.core.validators import mask_mobile

    now = timezone.now()
    group = CommandGroup.objects.create(
        pk=pk,
        area=town,
        group_kind="working",
        name=MARKS["group"],
        effective_from=dt.date(2020, 1, 28),
    )
    member = GroupMember(pk=pk, group=group, name=MARKS["member"], post="组长", phone=MEMBER_PHONE)
    member.save()
    meeting = Meeting.objects.create(
        pk=pk, area=town, meeting_kind="dispatch", title=MARKS["meeting"], held_at=now, chair="镇长"
    )
    directive = Directive.objects.create(
        pk=pk, area=town, title=MARKS["directive"], meeting=meeting, issued_at=now
    )
    task = Task.objects.create(
        pk=pk,
        area=village,
        from_area=town,
        directive=directive,
        title=MARKS["task"],
        deadline=now + dt.timedelta(days=1),
    )
    TaskNote.objects.create(pk=pk, task=task, author=actor, text=MARKS["note"])
    Responsibility(
        pk=pk,
        area=village,
        leader_name=MARKS["responsibility"],
        leader_level="town",
        phone=MEMBER_PHONE2,
        effective_from=dt.date(2020, 1, 28),
    ).save()
    raise_alert(kind="other", area=grid, title=MARKS["alert"], body=MARKS["alert"])
    SmsMessage.objects.create(phone=MEMBER_PHONE, text=MARKS["sms"], area=grid)
    return {
        *MARKS.values(),
        MEMBER_PHONE,
        MEMBER_PHONE2,
        mask_mobile(MEMBER_PHONE),
        mask_mobile(MEMBER_PHONE2),
        member.phone_bidx,
    }
