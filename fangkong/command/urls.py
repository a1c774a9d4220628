from django.urls import path

from fangkong.command import kit, views
from fangkong.core.kit.views import kit_urls

app_name = "command"
NO_IMPORT = {"import": None}
urlpatterns = [
    path("", views.board, name="board"),
    path("responsibilities/uncovered/", views.uncovered, name="uncovered"),
    # One URL per action (no free string in the path): acknowledge, note, complete, verify, return.
    *[
        path(
            f"tasks/<int:pk>/act/{action}/",
            views.task_act,
            {"action": action},
            name=f"task_{action}",
        )
        for action in views.ACTIONS
    ],
    path("tasks/notes/<int:pk>/file/", views.note_attachment, name="note_attachment"),
    *kit_urls(kit.response_level_kit, NO_IMPORT, prefix="response-levels/"),
    *kit_urls(kit.group_kit, {**NO_IMPORT, "detail": views.GroupDetailView}, prefix="groups/"),
    *kit_urls(kit.member_kit, prefix="members/"),
    *kit_urls(kit.meeting_kit, prefix="meetings/"),
    *kit_urls(kit.directive_kit, NO_IMPORT, prefix="directives/"),
    *kit_urls(
        kit.task_kit,
        {**NO_IMPORT, "detail": views.TaskDetailView, "edit": None, "delete": None},
        prefix="tasks/",
    ),
    *kit_urls(kit.responsibility_kit, prefix="responsibilities/"),
]
