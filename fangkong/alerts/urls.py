from django.urls import path

from fangkong.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.profile, name="profile"),
    path("sms/", views.SmsListView.as_view(), name="sms_list"),
    path("sms/<int:pk>/retry/", views.sms_retry_view, name="sms_retry"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
