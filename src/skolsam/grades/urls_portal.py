"""The portal's grade pages (`/portal/betyg/`): a section declared in portal_sections.py."""

from django.urls import path

from skolsam.grades import views_portal

app_name = "grades_portal"

urlpatterns = [
    path("", views_portal.family_grades, name="family"),
    path("<uuid:child_id>/", views_portal.child_grades, name="child"),
]
