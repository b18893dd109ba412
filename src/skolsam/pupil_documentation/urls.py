from django.urls import path

from skolsam.pupil_documentation import views

app_name = "pupil_documentation"

urlpatterns = [
    path("", views.index, name="index"),
    path("enhet/<uuid:organisation_id>/", views.unit, name="unit"),
    path("elev/<uuid:person_id>/", views.pupil, name="pupil"),
    path("<uuid:adaptation_id>/", views.adaptation, name="adaptation"),
]
