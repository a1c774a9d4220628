from django.urls import path

from fangkong.core import views

app_name = "core"
urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/new/", views.token_create_view, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<uuid:pk>/retry/", views.job_retry_view, name="job_retry"),
    path("logs/access/", views.accesslog_list, name="accesslog_list"),
    path("logs/security/", views.securityevent_list, name="securityevent_list"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/grants/new/", views.grant_create, name="grant_create"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("grants/approvals/", views.grant_approvals, name="grant_approvals"),
    path("grants/<int:pk>/approve/", views.grant_approve, name="grant_approve"),
    path("grants/<int:pk>/refuse/", views.grant_refuse, name="grant_refuse"),
]
