from django.urls import path

from skolsam.organisations import views

urlpatterns = [
    path("enheter/<uuid:organisation_id>/", views.school_unit_detail, name="school_unit_detail"),
    path(
        "enheter/<uuid:organisation_id>/elever/",
        views.school_unit_pupils_view,
        name="school_unit_pupils",
    ),
]
