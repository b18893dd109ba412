"""Route URLs to the domain apps."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from skolsam.accounts import views_start
from skolsam.core import timing

urlpatterns = [
    path("", views_start.start, name="start"),
    path("admin/", admin.site.urls),
    path("", include("skolsam.accounts.urls")),
    path("", include("skolsam.people.urls")),
    path("", include("skolsam.organisations.urls")),
    path("", include("skolsam.groups.urls")),
    path("", include("skolsam.registration.urls")),
    path("", include("skolsam.duties.urls")),
    path("", include("skolsam.imports.urls")),
    path("", include("skolsam.exports.urls")),
    path("audit/", include("skolsam.audit_search.urls")),
    path("schema/", include("skolsam.schedule.urls")),
    path("narvaro/", include("skolsam.attendance.urls")),
    path("betyg/", include("skolsam.grades.urls")),
    path("anpassningar/", include("skolsam.pupil_documentation.urls")),
    path("portal/betyg/", include("skolsam.grades.urls_portal")),
    path("portal/sarskilt-stod/", include("skolsam.pupil_documentation.urls_portal")),
    path("portal/", include("skolsam.portal.urls")),
    path("betyg/publicering/", include("skolsam.grades.urls_publication")),
    path("meddelanden/", include("skolsam.messaging.urls")),
    path("hjalp/", include("skolsam.help.urls")),
    path("", include("skolsam.api.ss12000.urls")),
    path("tillganglighet/", include("skolsam.accessibility.urls")),
    path("betyg/dokument/", include("skolsam.grades.urls_documents")),
    path("betyg/rapporter/", include("skolsam.grades.urls_reports")),
    path("betyg/statistik/", include("skolsam.grades.urls_stats")),
]

if settings.SKOLSAM_SERVER_TIMING:
    urlpatterns.append(path("_timing/golv/", timing.floor, name="timing_floor"))
