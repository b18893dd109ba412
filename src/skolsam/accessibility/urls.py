from django.urls import path

from skolsam.accessibility import views

app_name = "accessibility"

urlpatterns = [
    path("", views.statement, name="statement"),
    path("rapportera/", views.report, name="report"),
    path("rapportera/skickad/", views.report_sent, name="report_sent"),
    path("arenden/", views.cases, name="cases"),
    path("arenden/<uuid:report_id>/hanterad/", views.case_handle, name="case_handle"),
]
