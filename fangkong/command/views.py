"""Thin pages of the command app: the task board, a task with its actions, a group with its
members, areas nobody answers for, and note attachments (decrypted while downloaded)."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.command import selectors, services
from fangkong.command.models import CommandGroup, GroupMember, Task, TaskNote
from fangkong.core.generic import get_scoped_object_or_404, no_store, with_masked
from fangkong.core.jobfiles import SealedFileError, open_sealed
from fangkong.core.kit.views import KitDetailView
from fangkong.core.paging import CappedPaginator
from fangkong.core.scoping import covers
from fangkong.core.signals import log_denied


@login_required
def board(request):
    """The task board of the user's level: received and passed down, the next deadlines."""
    if not request.user.has_perm("command.view_task"):
        log_denied(request, "command.view_task")
        raise PermissionDenied
    return render(request, "command/board.html", selectors.task_board(actor=request.user))


@login_required
def uncovered(request):
    """Towns and villages of the user's areas with nobody answering for them (包干)."""
    if not request.user.has_perm("command.view_responsibility"):
        log_denied(request, "command.view_responsibility")
        raise PermissionDenied
    areas = selectors.areas_without_responsibility(actor=request.user)
    page = CappedPaginator(areas, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "command/uncovered.html",
        {"page_obj": page, "objects": list(page.object_list)},
    )


class GroupDetailView(KitDetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        members = GroupMember.objects.restrict(self.request.user, "view").filter(group=obj)
        context["members"] = with_masked(list(members))
        context["compositions"] = [
            g
            for g in CommandGroup.objects.restrict(self.request.user, "view").filter(
                group_kind=obj.group_kind, name=obj.name
            )
            if g.pk != obj.pk
        ] + list(CommandGroup.objects.restrict(self.request.user, "view").filter(supersedes=obj))
        return context


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Progress"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=2000,
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment (PDF, image, Word or Excel)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )


class TaskDetailView(KitDetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        context.update(
            {
                "notes": selectors.task_notes(actor=user, task=obj),
                "is_receiver": services.is_task_receiver(user, obj),
                "may_verify": obj.status == Task.Status.COMPLETED
                and covers(user, "command.verify_task", obj.from_area)
                and not services.is_task_receiver(user, obj),
                "note_form": NoteForm(),
                "subtasks": Task.objects.restrict(user, "view")
                .filter(parent=obj)
                .select_related("area"),
            }
        )
        return context


ACTIONS = ("acknowledge", "note", "complete", "verify", "return")


@login_required
@require_POST
def task_act(request, pk, action):
    """Acknowledge, report progress, complete, verify or send back a task. The services decide
    who may (the receiver, or the dispatching level); a refusal is 403 with the reason."""
    if action not in ACTIONS:
        raise Http404
    task = get_scoped_object_or_404(Task, request.user, "view", pk, request=request)
    user = request.user
    if action in ("acknowledge", "note", "complete") and not services.is_task_receiver(user, task):
        log_denied(request, f"{action} command.task#{task.pk}")
        raise PermissionDenied(_("This task was not dispatched to you."))
    try:
        if action == "acknowledge":
            services.task_acknowledge(actor=user, task=task)
            messages.success(request, _("Task acknowledged."))
        elif action == "note":
            form = NoteForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.task_note_add(
                actor=user,
                task=task,
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data.get("attachment"),
            )
            messages.success(request, _("Progress recorded."))
        elif action == "complete":
            services.task_complete(actor=user, task=task, report=request.POST.get("report", ""))
            messages.success(request, _("Reported as completed; waiting for verification."))
        elif action == "verify":
            services.task_verify(actor=user, task=task, accept=True)
            messages.success(request, _("Verified."))
        else:
            services.task_verify(
                actor=user, task=task, accept=False, note=request.POST.get("note", "")
            )
            messages.success(request, _("Sent back."))
    except PermissionDenied as exc:
        log_denied(request, f"{action} command.task#{task.pk}")
        raise PermissionDenied(str(exc) or _("You may not do this with this record.")) from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("command:task_detail", pk=task.pk)


@login_required
def note_attachment(request, pk):
    """A note's attachment, decrypted while it is sent, to users who may see the task."""
    note = get_scoped_object_or_404(TaskNote, request.user, "view", pk, request=request)
    if not note.attachment_file:
        raise Http404
    path = services.attachment_dir() / note.attachment_file
    if not path.exists():
        raise Http404
    try:
        chunks = open_sealed(path)
        first = next(chunks)
    except SealedFileError:
        raise Http404 from None

    def stream():
        yield first
        yield from chunks

    response = StreamingHttpResponse(stream(), content_type=note.attachment_type)
    # The uploader's file name only in the RFC 5987 form (percent-encoded): no header injection.
    response["Content-Disposition"] = (
        f"attachment; filename=\"note-{note.pk}\"; filename*=UTF-8''{quote(note.attachment_name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
