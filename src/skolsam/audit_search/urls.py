from django.urls import path

from skolsam.audit_search import views

urlpatterns = [
    path("", views.audit_search, name="audit_search"),
]
