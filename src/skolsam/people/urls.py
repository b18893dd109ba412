from django.urls import path

from skolsam.people import views, views_edit

urlpatterns = [
    path("personer/", views.person_search_view, name="person_search"),
    path("personer/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("personer/<uuid:person_id>/andra/", views_edit.person_edit, name="person_edit"),
    path("personer/<uuid:person_id>/hantera/", views_edit.person_manage, name="person_manage"),
]
