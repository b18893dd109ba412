from django.urls import path

from skolsam.imports import views

urlpatterns = [
    path("enheter/<uuid:organisation_id>/import/", views.import_upload, name="register_import"),
    path(
        "enheter/<uuid:organisation_id>/import/bekrafta/",
        views.import_confirm,
        name="register_import_confirm",
    ),
    path(
        "enheter/<uuid:organisation_id>/import/<uuid:import_id>/",
        views.import_result,
        name="register_import_result",
    ),
]
