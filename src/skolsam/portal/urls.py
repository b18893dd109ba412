from django.urls import path

from skolsam.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("barn/<uuid:child_id>/", views.child, name="child"),
    path("franvaro/", views.absence_report, name="absence_report"),
    path("franvaro/i-dag/", views.absence_today, name="absence_today"),
    path(
        "franvaro/<uuid:absence_id>/aterkalla/",
        views.absence_withdraw_view,
        name="absence_withdraw",
    ),
    path("franvaro/<uuid:absence_id>/avsluta/", views.absence_end_view, name="absence_end"),
    path("ledighet/", views.leave, name="leave"),
    path("ledighet/<uuid:leave_id>/godkann/", views.leave_consent, name="leave_consent"),
    path("meddelanden/", views.notices_page, name="notices"),
    path("barn/<uuid:child_id>/kalender/", views.calendar_feed, name="calendar_feed"),
    path("kalender/<str:token>.ics", views.ical, name="ical"),
    path("kontakt/", views.contact, name="contact"),
    path("visa-som/<uuid:guardian_id>/", views.preview_start, name="preview"),
    path(
        "visa-som/<uuid:guardian_id>/barn/<uuid:child_id>/",
        views.preview_child,
        name="preview_child",
    ),
    path("samtycke/", views.consent, name="consent"),
    path("lovschema/<uuid:placement_id>/", views.holiday_schedule, name="holiday_schedule"),
    path("vistelseschema/<uuid:placement_id>/", views.schedule_submit, name="schedule_submit"),
]
