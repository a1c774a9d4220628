"""The 24:00 daily situation report and the dashboard."""

from django.urls import path

from fangkong.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("issue/", views.report_issue, name="report_issue"),
    path("daily/<int:pk>/", views.report_detail, name="report_detail"),
    path("daily/<int:pk>/compare/", views.report_compare, name="report_compare"),
    path("daily/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("daily/<int:pk>/report.docx", views.report_docx, name="report_docx"),
    path("daily/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/live/", views.dashboard_live, name="dashboard_live"),
    path("dashboard/trends/", views.dashboard_trends, name="dashboard_trends"),
]
