from django.urls import path

from skolsam.registration import views

urlpatterns = [
    path("elever/ny/", views.pupil_register, name="pupil_register"),
    path("personal/ny/", views.staff_register, name="staff_register"),
    path(
        "personer/<uuid:person_id>/inskrivning/ny/",
        views.enrolment_create,
        name="enrolment_create",
    ),
    path(
        "inskrivningar/<uuid:enrolment_id>/byt-skola/",
        views.enrolment_move_school,
        name="enrolment_move_school",
    ),
    path("inskrivningar/<uuid:enrolment_id>/avsluta/", views.enrolment_end, name="enrolment_end"),
]
