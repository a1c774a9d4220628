"""Security events: login failures, lockouts, and logins, written to the immutable log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from fangkong.core.models import SecurityEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip=client_ip(request),
        path=(request.path if request else "")[:200],
    )


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOCKED_OUT, username=(username or "")[:150], ip=ip_address
    )


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN, user=user, username=user.username, ip=client_ip(request)
    )


def log_denied(request, detail: str = "") -> None:
    """An access-control refusal (a record outside the user's area, a missing permission)."""
    user = getattr(request, "user", None)
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.DENIED,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        ip=client_ip(request),
        path=request.path[:200],  # never the query string
        detail=detail[:200],
    )
