"""Reports and imports of grades: /betyg/rapporter/..."""

from django.urls import path

from skolsam.grades import views_reports as views

app_name = "grades_reports"

urlpatterns = [
    path("", views.reports_index, name="index"),
    path("scb/<uuid:organisation_id>/", views.scb_download, name="scb_download"),
    path("tidigare/<uuid:organisation_id>/", views.history_upload, name="history_upload"),
    path("tidigare/<uuid:organisation_id>/las-in/", views.history_confirm, name="history_confirm"),
]
