"""The rektor's betygskatalog and certificates: /betyg/dokument/<period>/..."""

from django.urls import path

from skolsam.grades import views_documents as views

app_name = "grades_documents"

urlpatterns = [
    path("<uuid:period_id>/", views.period_documents, name="period"),
    path("<uuid:period_id>/las/", views.catalogue_lock_view, name="catalogue_lock"),
    path(
        "<uuid:period_id>/katalog/<uuid:catalogue_id>/signera/",
        views.catalogue_sign_view,
        name="catalogue_sign",
    ),
    path(
        "<uuid:period_id>/katalog/<uuid:catalogue_id>/pdf/",
        views.catalogue_pdf,
        name="catalogue_pdf",
    ),
    path("<uuid:period_id>/utskrift/", views.run_start, name="run_start"),
    path("<uuid:period_id>/utskrift/<uuid:run_id>/", views.run_progress, name="run_progress"),
    path("<uuid:period_id>/elev/<uuid:student_id>/", views.summary, name="summary"),
    path(
        "<uuid:period_id>/elev/<uuid:student_id>/utfarda/",
        views.summary_issue,
        name="summary_issue",
    ),
    path(
        "<uuid:period_id>/dokument/<uuid:document_id>/pdf/",
        views.document_pdf,
        name="document_pdf",
    ),
]
