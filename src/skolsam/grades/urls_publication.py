"""The rektor's page for publishing grading periods (`/betyg/publicering/`)."""

from django.urls import path

from skolsam.grades import views_publication

app_name = "grade_publication"

urlpatterns = [
    path("", views_publication.publish, name="publish"),
]
