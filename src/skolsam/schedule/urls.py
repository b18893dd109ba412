from django.urls import path

from skolsam.schedule import views

app_name = "schedule"

urlpatterns = [
    path("", views.week, name="week"),
    path("import/<uuid:org_id>/", views.timetable_import, name="import"),
    path("lektion/<uuid:lesson_id>/", views.lesson_edit, name="lesson"),
    path("kalender/<uuid:org_id>/", views.calendar_settings, name="calendar"),
    path("lokaler/<uuid:org_id>/", views.rooms, name="rooms"),
]
