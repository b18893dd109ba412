from django.urls import path

from skolsam.groups import views

urlpatterns = [
    path("grupper/ny/", views.group_create, name="group_create"),
    path("grupper/<uuid:group_id>/", views.group_detail, name="group_detail"),
    path(
        "grupper/<uuid:group_id>/medlemmar/ny/", views.membership_add, name="group_membership_add"
    ),
    path(
        "grupper/medlemskap/<uuid:membership_id>/avsluta/",
        views.membership_end,
        name="group_membership_end",
    ),
    path("personer/<uuid:person_id>/byt-klass/", views.class_move, name="class_move"),
]
