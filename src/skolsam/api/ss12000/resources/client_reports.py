"""Serve POST /log/ and POST /statistics/: what a client reports back about its own runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import services
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Endpoint
from skolsam.api.ss12000.scopes import WRITE
from skolsam.api.ss12000.views import api_view


@api_view(("POST",), resource="log")
def log_create(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    services.log_entry_create(scope=scope, data=services.parse_json_object(request.body))
    return HttpResponse(status=201)


@api_view(("POST",), resource="statistics")
def statistics_create(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    services.statistics_entry_create(scope=scope, data=services.parse_json_object(request.body))
    return HttpResponse(status=201)


RESOURCES = (
    Endpoint(
        path="log",
        label="Klientens logg",
        access=(WRITE,),
        routes=lambda base: [path(f"{base}log/", log_create, name="log")],
    ),
    Endpoint(
        path="statistics",
        label="Klientens statistik",
        access=(WRITE,),
        routes=lambda base: [path(f"{base}statistics/", statistics_create, name="statistics")],
    ),
)
