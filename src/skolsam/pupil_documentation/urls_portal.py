"""The portal's special-support pages (`/portal/sarskilt-stod/`): a section declared in
portal_sections.py; the PDF is allowed in `portal.middleware.ALLOWED_DOMAIN_PAGES`."""

from django.urls import path

from skolsam.pupil_documentation import views_portal

app_name = "support_portal"

urlpatterns = [
    path("", views_portal.family_decisions, name="family"),
    path("<uuid:child_id>/", views_portal.child_decisions, name="child"),
    path(
        "beslut/<uuid:decision_id>/pdf/",
        views_portal.decision_pdf_download,
        name="decision_pdf",
    ),
]
