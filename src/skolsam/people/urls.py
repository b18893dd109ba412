from django.urls import path

from skolsam.people import views

urlpatterns = [
    path("personer/", views.person_search_view, name="person_search"),
    path("personer/<uuid:person_id>/", views.person_detail, name="person_detail"),
]
