"""Core screens, one module per concern: ``home``; ``auth`` (login, two-factor); ``account``
(the user's own tokens); ``jobs``; ``logs`` (access log, security events); ``users`` (users and
role grants). ``common`` holds the permission decorator and paging they share.

Views stay thin: they parse the request, call a selector or service and render. Writes are POST
only. Records that are not the user's answer 404, exactly as missing ones do.
"""

from fangkong.core.views.account import account, token_create_view, token_revoke_view
from fangkong.core.views.auth import LoginView, LogoutView, PasswordChangeView, otp_verify
from fangkong.core.views.common import require_perm
from fangkong.core.views.home import home
from fangkong.core.views.jobs import (
    job_detail,
    job_download,
    job_list,
    job_progress,
    job_retry_view,
)
from fangkong.core.views.logs import accesslog_list, securityevent_list
from fangkong.core.views.users import (
    grant_approvals,
    grant_approve,
    grant_create,
    grant_refuse,
    grant_revoke,
    user_create,
    user_detail,
    user_list,
)

__all__ = [
    "LoginView",
    "LogoutView",
    "PasswordChangeView",
    "accesslog_list",
    "grant_approvals",
    "grant_approve",
    "grant_refuse",
    "account",
    "grant_create",
    "grant_revoke",
    "home",
    "job_detail",
    "job_download",
    "job_list",
    "job_progress",
    "job_retry_view",
    "otp_verify",
    "require_perm",
    "securityevent_list",
    "token_create_view",
    "token_revoke_view",
    "user_create",
    "user_detail",
    "user_list",
]
