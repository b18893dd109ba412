from django.urls import path

from skolsam.duties import views

urlpatterns = [
    path("personer/<uuid:person_id>/tjanster/ny/", views.duty_create, name="duty_create"),
    path("tjanster/<uuid:duty_id>/avsluta/", views.duty_end, name="duty_end"),
    path(
        "grupper/<uuid:group_id>/roller/ny/",
        views.assignment_role_add,
        name="assignment_role_add",
    ),
]
