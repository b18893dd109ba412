"""Answer SS 12000 2.1.0 requests: authenticate, scope, page, serialise, audit.

The shared machinery: `api_view` (authentication, scope, errors), the generic list,
lookup and by-id views over the registered resources (`resources/`), the audit of
reads, the spec's Error body, answers for what is not served, and the token endpoint.
Each resource's own views (writes, aggregates) live in its module under `resources/`.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from skolsam.api.ss12000 import auth, services, spec
from skolsam.api.ss12000.access import ApiScope, scope_for_client
from skolsam.api.ss12000.describe import Resource, check_expand, lookup_queryset
from skolsam.api.ss12000.paging import (
    BadRequest,
    as_bool,
    as_uuid,
    fetch_page,
    meta_filters,
    parse_list_query,
)
from skolsam.api.ss12000.scopes import ScopeError
from skolsam.api.ss12000.scopes import as_string as as_scope_string
from skolsam.api.ss12000.scopes import required as required_scope
from skolsam.api.ss12000.serializers import Ctx
from skolsam.audit.services import audit_record

log = logging.getLogger(__name__)


def json_response(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        content_type="application/json",
    )


def error(status: int, code: str, message: str) -> HttpResponse:
    response = json_response({"code": code, "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="ss12000"'
    return response


def insufficient_scope(request: HttpRequest, needed: str) -> HttpResponse:
    """Answer 403 in the spec's Error shape, naming the missing scope (RFC 6750 section 3.1)."""
    response = error(
        403,
        "InsufficientScope",
        f"Klienten saknar scopet {needed}, som krävs för {request.method} {request.path}.",
    )
    response["WWW-Authenticate"] = (
        f'Bearer realm="ss12000", error="insufficient_scope", scope="{needed}"'
    )
    return response


def granted_scopes(request: HttpRequest) -> frozenset[str]:
    """Return the scopes `api_view` found this request may use."""
    return frozenset(getattr(request, "ss12000_scopes", ()))


_ROUTE_ARG = re.compile(r"<[^>]+>")


def spec_path(request: HttpRequest) -> str:
    """Return the spec's path for the request's route: `/persons/{id}` for a person."""
    match = request.resolver_match
    route = match.route if match is not None else ""
    return "/" + _ROUTE_ARG.sub("{id}", route.split("v2.0/", 1)[-1])


def check_parameters(request: HttpRequest) -> None:
    """Refuse a query parameter the spec does not name for this read (400).

    A typo (`nameContain`) would otherwise be ignored and answered with unfiltered data,
    which the client would take for a filtered answer. The allowed names are read from the
    spec itself (`spec.query_parameters`), so they cannot drift from it.
    """
    path = spec_path(request)
    allowed = spec.query_parameters(path, str(request.method))
    if allowed is None:
        return
    unknown = [name for name in request.GET if name not in allowed]
    if unknown:
        raise BadRequest(
            f"Okänd parameter för {request.method} {path}: {', '.join(sorted(unknown))}. "
            f"Tillåtna: {', '.join(allowed) or 'inga'}.",
            code="UnknownParameter",
        )


# `api_view(resource=FROM_URL)`: the resource type is the view's `resource` URL argument.
FROM_URL = ""


def api_view(
    methods: tuple[str, ...], *, resource: str, reads: tuple[str, ...] = ("GET",)
) -> Callable:
    """Authenticate the bearer token, check its scope, build the client's reach, map errors.

    This is the one place scopes are enforced: every API view is wrapped here and names
    its resource type. `reads` are the methods that read (a lookup's POST reads); every
    other method writes.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(405, "MethodNotAllowed", f"{request.method} stöds inte här.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                authenticated = auth.authenticate_bearer(request.headers.get("Authorization", ""))
            except auth.AuthError as exc:
                return error(401, "Unauthorized", str(exc))
            needed = required_scope(
                resource or kwargs["resource"], str(request.method), reads=reads
            )
            scope = scope_for_client(authenticated.client)
            if needed not in authenticated.scopes:
                # A client trying what it may not is worth an auditor's eye (a read-only
                # integration that writes is misconfigured, or someone else holds its token).
                audit_record(
                    actor=scope.actor,
                    action="ss12000.forbidden",
                    object_type="ApiClient",
                    object_id=authenticated.client.pk,
                    detail={
                        "client": scope.client_id,
                        "method": request.method,
                        "path": request.path,
                        "scope": needed,
                    },
                )
                return insufficient_scope(request, needed)
            request.ss12000_client = authenticated.client  # type: ignore[attr-defined]
            request.ss12000_scopes = authenticated.scopes  # type: ignore[attr-defined]
            # What ended by the calendar is recorded before anything is served.
            services.ended_relations_record(scope.on)
            try:
                if request.method == "GET" or request.method in reads:
                    check_parameters(request)
                return view(request, scope, *args, **kwargs)
            except BadRequest as exc:
                return error(400, exc.code, exc.message)
            except Http404:
                return error(404, "NotFound", "Posten hittades inte.")
            except services.TooLarge as exc:
                return error(503, "TooLarge", str(exc))
            except RequestDataTooBig:
                return error(
                    400,
                    "TooLarge",
                    "Anropets kropp är större än servern tar emot "
                    f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} byte).",
                )

        # What the route test reads to prove every route needs a known scope.
        wrapper.ss12000_methods = methods  # type: ignore[attr-defined]
        wrapper.ss12000_resource = resource  # type: ignore[attr-defined]
        wrapper.ss12000_reads = reads  # type: ignore[attr-defined]
        return wrapper

    return decorate


def request_query(request: HttpRequest) -> dict[str, list[str]]:
    query = {k: request.GET.getlist(k) for k in request.GET}
    # NUL cannot be stored or compared in PostgreSQL text; no SS 12000 value holds one.
    if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in query.items()):
        raise BadRequest("Parametrarna innehåller ett NUL-tecken.")
    return query


def _ctx(scope: ApiScope, resource: Resource, params: dict[str, list[str]]) -> Ctx:
    names = params.get("expandReferenceNames")
    return Ctx(
        scope=scope,
        names=as_bool(names[-1], "expandReferenceNames") if names else False,
        expand=check_expand(resource, params.get("expand", [])),
    )


def _audit(
    scope: ApiScope,
    request: HttpRequest,
    resource: str,
    items: list[dict],
    ctx: Ctx,
    *,
    person_id: UUID | None = None,
) -> None:
    """Log one read with every person the answer holds, so a search by person finds it."""
    audit_record(
        actor=scope.actor,
        action="ss12000.read",
        object_type=resource,
        person_id=person_id,
        person_ids=ctx.persons - {person_id},
        detail={
            "client": scope.client_id,
            "method": request.method,
            "path": request.path,
            "query": request_query(request),
            "rows": len(items),
            "ids": [str(item["id"]) for item in items if "id" in item],
            "protected": sum(
                1 for item in items if item.get("securityMarking", "Ingen") != "Ingen"
            ),
        },
    )


def _resource(name: str) -> Resource:
    # Read at call time: the resource modules import this one for `api_view`.
    from skolsam.api.ss12000.resources import RESOURCES

    return RESOURCES[name]


# --- read resources ------------------------------------------------------------------------


@api_view(("GET",), resource=FROM_URL)
def resource_list(request: HttpRequest, scope: ApiScope, resource: str) -> HttpResponse:
    res = _resource(resource)
    q = parse_list_query(
        endpoint=res.path,
        query=request_query(request),
        client_id=scope.client_id,
        max_limit=settings.SKOLSAM_SS12000_MAX_PAGE_SIZE,
        sortkeys=tuple(res.sortkeys),
    )
    ctx = _ctx(scope, res, q.params)
    visible = res.queryset(scope)
    # A snapshot's later pages read the client's scope as it is now, not the filters.
    qs = visible if q.snapshot else res.filters(visible.filter(meta_filters(q)), q, scope)
    keys = res.sortkeys[q.sortkey] if q.sortkey else res.default_sort
    page = fetch_page(
        q=q,
        queryset=qs,
        keys=keys,
        fields=res.fields,
        client_id=scope.client_id,
        annotate=res.annotate,
        visible=visible,
        client_pk=scope.client_pk,
    )
    data = res.serialize(page.rows, ctx)
    _audit(scope, request, res.entity, data, ctx)
    return json_response({"data": data, "pageToken": page.next_token})


@api_view(("POST",), resource=FROM_URL, reads=("POST",))
def resource_lookup(request: HttpRequest, scope: ApiScope, resource: str) -> HttpResponse:
    res = _resource(resource)
    params = request_query(request)
    ctx = _ctx(scope, res, params)
    body = services.parse_lookup_body(request.body, res.lookup_keys)
    qs = lookup_queryset(res, res.queryset(scope), body, scope)
    if res.annotate:
        qs = res.annotate(qs)
    rows = list(qs.order_by("pk").values(*res.fields)[: services.LOOKUP_MAX + 1])
    if len(rows) > services.LOOKUP_MAX:
        raise services.TooLarge(f"Svaret blir större än {services.LOOKUP_MAX} poster.")
    data = res.serialize(rows, ctx)
    _audit(scope, request, res.entity, data, ctx)
    return json_response(data)


@api_view(("GET",), resource=FROM_URL)
def resource_detail(request: HttpRequest, scope: ApiScope, resource: str, pk: str) -> HttpResponse:
    res = _resource(resource)
    key = as_uuid(pk, "id")
    ctx = _ctx(scope, res, request_query(request))
    qs = res.queryset(scope).filter(pk=key)
    if res.annotate:
        qs = res.annotate(qs)
    rows = list(qs.values(*res.fields))
    if not rows:
        raise Http404
    data = res.serialize(rows, ctx)
    _audit(scope, request, res.entity, data, ctx, person_id=key if res.is_person else None)
    return json_response(data[0])


# --- the rest of the spec ------------------------------------------------------------------------

# The spec's resource types (its paths' first segment). Those not registered in
# `resources/` answer 501 until the register holds them.
SPEC_RESOURCES = (
    "organisations",
    "persons",
    "placements",
    "duties",
    "groups",
    "programmes",
    "studyplans",
    "syllabuses",
    "schoolUnitOfferings",
    "activities",
    "calendarEvents",
    "attendances",
    "attendanceEvents",
    "attendanceSchedule",
    "grades",
    "aggregatedAttendance",
    "absences",
    "resources",
    "rooms",
    "subscriptions",
    "deletedEntities",
    "log",
    "statistics",
)


def not_held() -> set[str]:
    """Return the spec's resource types Skolsam does not serve yet."""
    from skolsam.api.ss12000.resources import TYPES

    return set(SPEC_RESOURCES) - set(TYPES)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Answer paths the register does not serve with the spec's Error body."""
    first = rest.strip("/").split("/")[0]
    if first in not_held():
        return error(
            501,
            "NotImplemented",
            f"Skolsam har ännu inga {first} i registret; resursen ingår i SS 12000 men "
            "kommer med närvaro-, schema- och betygsmodulerna.",
        )
    return error(404, "NotFound", "Resursen finns inte.")


# --- token endpoint ------------------------------------------------------------------------------


def _oauth_error(status: int, code: str, description: str) -> HttpResponse:
    response = json_response({"error": code, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="ss12000"'
    return response


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """Issue an access token: OAuth 2.0 client credentials (RFC 6749 section 4.4)."""
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "Använd POST.")
    if request.POST.get("grant_type") != "client_credentials":
        return _oauth_error(
            400, "unsupported_grant_type", "Endast grant_type=client_credentials stöds."
        )
    client_id, secret = services.client_credentials(request)
    if not client_id or not secret:
        return _oauth_error(401, "invalid_client", "client_id och client_secret krävs.")
    client = auth.authenticate_client(client_id, secret)
    if client is None:
        return _oauth_error(401, "invalid_client", "Fel klient-id eller hemlighet.")
    try:
        granted = auth.token_scopes(client, request.POST.get("scope"))
    except ScopeError as exc:
        return _oauth_error(400, "invalid_scope", " ".join(exc.messages))
    access_token, lifetime = auth.issue_token(client, granted)
    scope = scope_for_client(client)
    audit_record(
        actor=scope.actor,
        action="ss12000.token",
        object_type="ApiClient",
        object_id=client.pk,
        detail={"client": client.client_id, "scope": as_scope_string(granted)},
    )
    # `scope` is always answered, so a client sees what it got (RFC 6749 section 5.1).
    response = json_response(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": as_scope_string(granted),
        }
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
