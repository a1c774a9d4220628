"""Project-level routes without a namespace: settings name them (LOGIN_URL, LOGIN_REDIRECT_URL)
and the two-factor middleware redirects to ``otp_verify``. Everything under /accounts/ stays
reachable before the second factor is given (see core.middleware)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from fangkong.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", views.otp_verify, name="otp_verify"),
    # Outside /accounts/ on purpose: changing the password needs the second factor first.
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
