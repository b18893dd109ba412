"""Serve /subscriptions: a client's webhooks (create, list, renew, delete)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import selectors, services
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Endpoint
from skolsam.api.ss12000.paging import as_uuid, parse_list_query
from skolsam.api.ss12000.scopes import READ, WRITE
from skolsam.api.ss12000.views import api_view, granted_scopes, json_response, request_query


@api_view(("GET", "POST"), resource="subscriptions")
def subscription_list(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    if request.method == "POST":
        body = services.parse_json_object(request.body)
        subscription = services.subscription_create(
            scope=scope, granted_scopes=granted_scopes(request), data=body
        )
        return json_response(selectors.subscription_json(subscription), status=201)
    q = parse_list_query(
        endpoint="subscriptions",
        query=request_query(request),
        client_id=scope.client_id,
        max_limit=settings.SKOLSAM_SS12000_MAX_PAGE_SIZE,
    )
    data, token = selectors.subscriptions_page(scope=scope, q=q)
    return json_response({"data": data, "pageToken": token})


@api_view(("GET", "PATCH", "DELETE"), resource="subscriptions")
def subscription_detail(request: HttpRequest, scope: ApiScope, pk: str) -> HttpResponse:
    subscription = selectors.subscription_for_client(scope=scope, pk=as_uuid(pk, "id"))
    if request.method == "DELETE":
        services.subscription_delete(scope=scope, subscription=subscription)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        body = services.parse_json_object(request.body, allow_empty=True)
        subscription = services.subscription_renew(
            scope=scope, subscription=subscription, data=body
        )
    return json_response(selectors.subscription_json(subscription))


RESOURCES = (
    Endpoint(
        path="subscriptions",
        label="Prenumerationer (webhooks)",
        access=(READ, WRITE),
        routes=lambda base: [
            path(f"{base}subscriptions", subscription_list, name="subscriptions"),
            path(f"{base}subscriptions/<str:pk>", subscription_detail, name="subscription"),
        ],
    ),
)
