from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from skolsam.attendance import stats_views, views

app_name = "attendance"

urlpatterns = [
    path("", views.my_lessons, name="my_lessons"),
    path("lektion/<uuid:lesson_id>/", views.lesson_register, name="register"),
    path("mentor/<uuid:group_id>/", views.mentor_group, name="mentor"),
    # The guardian pages moved to the portal (skolsam.portal); the old addresses redirect.
    path("vardnadshavare/", RedirectView.as_view(pattern_name="portal:start"), name="guardian"),
    path(
        "vardnadshavare/franvaro/",
        RedirectView.as_view(pattern_name="portal:absence_report"),
        name="guardian_report",
    ),
    path(
        "vardnadshavare/ledighet/",
        RedirectView.as_view(pattern_name="portal:leave"),
        name="guardian_leave",
    ),
    path(
        "vardnadshavare/ledighet/<uuid:leave_id>/godkann/",
        RedirectView.as_view(url=reverse_lazy("portal:leave")),
        name="guardian_consent",
    ),
    path(
        "vardnadshavare/meddelanden/last/",
        RedirectView.as_view(pattern_name="portal:notices"),
        name="notices_read",
    ),
    path(
        "vardnadshavare/schema/<uuid:placement_id>/",
        RedirectView.as_view(pattern_name="portal:schedule_submit"),
        name="schedule_submit",
    ),
    path("elev/<uuid:person_id>/anmalan/", views.staff_absence_report, name="staff_report"),
    path("elev/<uuid:person_id>/sarskilda-skal/", views.exemption_create, name="exemption"),
    path("ledighet/", views.leave_list, name="leave_list"),
    path("ledighet/<uuid:leave_id>/beslut/", views.leave_decide, name="leave_decide"),
    path("avdelning/<uuid:group_id>/", views.department, name="department"),
    path("vistelsescheman/", views.schedules_to_approve, name="schedules"),
    path("statistik/<uuid:org_id>/", stats_views.statistics, name="statistics"),
    path("statistik/<uuid:org_id>/elev/<uuid:person_id>/", stats_views.pupil, name="pupil"),
    path("utredning/<int:investigation_id>/", stats_views.investigation, name="investigation"),
    path("csn/<uuid:org_id>/", stats_views.csn, name="csn"),
    path("csn/rapport/<int:report_id>/", stats_views.csn_download, name="csn_download"),
    path("installningar/", views.settings_index, name="settings_index"),
    path("installningar/<uuid:org_id>/", views.attendance_settings, name="settings"),
]
