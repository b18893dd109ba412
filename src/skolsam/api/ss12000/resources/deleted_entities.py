"""Serve /deletedEntities: tombstones of the entity types the client may read."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import selectors
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Endpoint
from skolsam.api.ss12000.paging import parse_list_query
from skolsam.api.ss12000.scopes import readable_entities
from skolsam.api.ss12000.views import api_view, granted_scopes, json_response, request_query
from skolsam.audit.services import audit_record


@api_view(("GET",), resource="deletedEntities")
def deleted_entities(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    q = parse_list_query(
        endpoint="deletedEntities",
        query=request_query(request),
        client_id=scope.client_id,
        max_limit=settings.SKOLSAM_SS12000_MAX_PAGE_SIZE,
    )
    data, token, count = selectors.deleted_entities_page(
        scope=scope, q=q, entity_types=readable_entities(granted_scopes(request))
    )
    audit_record(
        actor=scope.actor,
        action="ss12000.read",
        object_type="DeletedEntities",
        detail={"client": scope.client_id, "path": request.path, "rows": count},
    )
    return json_response({"data": data, "pageToken": token})


RESOURCES = (
    Endpoint(
        path="deletedEntities",
        label="Borttagna poster",
        routes=lambda base: [
            path(f"{base}deletedEntities", deleted_entities, name="deleted-entities")
        ],
    ),
)
