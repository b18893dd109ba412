"""Route the SS 12000 API, its token endpoint, its documentation and the client page."""

from django.urls import path, re_path

from skolsam.api.ss12000 import docs, pages, views
from skolsam.api.ss12000.resources import TYPES, Resource

BASE = "ss12000/v2.0/"

app_name = "ss12000"

urlpatterns = [
    path("oauth/token", views.token, name="token"),
    path(f"{BASE}openapi.json", docs.spec_json, name="spec"),
    path("ss12000/docs/", docs.documentation, name="docs"),
    path("ss12000/clients/", pages.client_list, name="clients"),
    path("ss12000/clients/<str:client_id>/", pages.client_detail, name="client"),
]
for name, kind in TYPES.items():
    # A resource's own routes come first: they serve a write on a path the generic
    # views also read.
    if kind.routes is not None:
        urlpatterns += kind.routes(BASE)
    if isinstance(kind, Resource):
        urlpatterns += [
            path(f"{BASE}{name}", views.resource_list, {"resource": name}, name=f"{name}-list"),
            path(
                f"{BASE}{name}/lookup",
                views.resource_lookup,
                {"resource": name},
                name=f"{name}-lookup",
            ),
            path(f"{BASE}{name}/<str:pk>", views.resource_detail, {"resource": name}, name=name),
        ]
urlpatterns += [re_path(rf"^{BASE}(?P<rest>.*)$", views.not_found)]
