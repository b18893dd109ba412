"""Read what the API owns (subscriptions, clients, their reports) and the tombstones."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.models import (
    ENTITY_TYPES,
    ApiClient,
    Subscription,
)
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_datetime, as_enum, fetch_page
from skolsam.core.models import Tombstone, TombstoneOrganisation

# DeletedEntities.data keys, spelt as the spec spells them (`activitites` included).
DELETED_KEYS = {
    "Absence": "absences",
    "AttendanceEvent": "attendanceEvents",
    "Attendance": "attendances",
    "Grade": "grades",
    "CalendarEvent": "calendarEvents",
    "AttendanceSchedule": "attendanceSchedules",
    "Resource": "resources",
    "Room": "rooms",
    "Activity": "activitites",
    "Duty": "duties",
    "Placement": "placements",
    "StudyPlan": "studyPlans",
    "Programme": "programmes",
    "Syllabus": "syllabuses",
    "SchoolUnitOffering": "schoolUnitOfferings",
    "Group": "groups",
    "Person": "persons",
    "Organisation": "organisations",
}


# What a client sees now of the entity types whose rows can leave its view undeleted.
_VISIBLE: dict[str, Callable[[ApiScope], QuerySet]] = {
    "Person": access.persons_visible_to_client,
    "Duty": access.duties_visible_to_client,
    "Placement": access.placements_visible_to_client,
    "Group": access.groups_visible_to_client,
    "Activity": access.activities_visible_to_client,
    "CalendarEvent": access.calendar_events_visible_to_client,
    "Attendance": access.attendances_visible_to_client,
    "Absence": access.absences_visible_to_client,
    "AttendanceEvent": access.attendance_events_visible_to_client,
    "AttendanceSchedule": access.schedules_visible_to_client,
    "Grade": access.grades_visible_to_client,
    "StudyPlan": access.study_plans_visible_to_client,
}


def deleted_entities_visible_to_client(scope: ApiScope) -> QuerySet:
    """Tombstones of public reference data and of entities in the client's organisations.

    A deletion is listed as it is. A `left` tombstone (an entity that may have dropped out
    of view, core/changes.py) is listed only while the entity is out of this client's
    view: then a client that mirrors what it was served drops it, as a full crawl would.
    """
    gone = Q(left=False)
    for entity_type, visible in _VISIBLE.items():
        gone |= Q(left=True, entity_type=entity_type) & ~Q(
            entity_id__in=visible(scope).values("pk")
        )
    return Tombstone.objects.filter(
        Q(is_public=True)
        | Exists(
            TombstoneOrganisation.objects.filter(
                record_id=OuterRef("record_id"), organisation_id__in=scope.org_ids
            )
        )
    ).filter(gone)


def deleted_entities_page(
    *, scope: ApiScope, q: ListQuery, entity_types: Collection[str]
) -> tuple[dict[str, list[Any]], str | None, int]:
    """Page through tombstones of `entity_types` (those the client's scopes may read)."""
    qs = deleted_entities_visible_to_client(scope).filter(entity_type__in=entity_types)
    if (after := q.get("after")) is not None:
        qs = qs.filter(deleted_at__gt=as_datetime(after, "after"))
    if entities := [as_enum(e, "entities", ENTITY_TYPES) for e in q.getlist("entities")]:
        qs = qs.filter(entity_type__in=entities)
    page = fetch_page(
        q=q,
        queryset=qs,
        keys=(
            SortKey("deleted_at", kind="datetime", immutable=True),
            SortKey("id", kind="int", immutable=True),
        ),
        fields=("entity_type", "entity_id"),
        client_id=scope.client_id,
    )
    data: dict[str, list[Any]] = {}
    for row in page.rows:
        data.setdefault(DELETED_KEYS[row["entity_type"]], []).append(row["entity_id"])
    return data, page.next_token, len(page.rows)


def live_subscriptions() -> QuerySet:
    """Subscriptions that have not expired, of clients that are not revoked."""
    return Subscription.objects.filter(expires__gt=timezone.now(), client__is_active=True)


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "expires": subscription.expires,
        "name": subscription.name,
        "target": subscription.target,
        "resourceTypes": [{"resource": r} for r in subscription.resource_types],
    }


def subscriptions_page(*, scope: ApiScope, q: ListQuery) -> tuple[list[dict], str | None]:
    page = fetch_page(
        q=q,
        queryset=Subscription.objects.filter(client_id=scope.client_pk),
        keys=(
            SortKey("created", kind="datetime", immutable=True),
            SortKey("id", kind="uuid", immutable=True),
        ),
        fields=("id",),
        client_id=scope.client_id,
    )
    by_id = {s.pk: s for s in Subscription.objects.filter(pk__in=[r["id"] for r in page.rows])}
    return [subscription_json(by_id[r["id"]]) for r in page.rows], page.next_token


def subscription_for_client(*, scope: ApiScope, pk: UUID) -> Subscription:
    """Return the client's own subscription; another client's answers like a missing one."""
    subscription = Subscription.objects.filter(pk=pk, client_id=scope.client_pk).first()
    if subscription is None:
        raise Http404
    return subscription


def api_client_list() -> QuerySet:
    return ApiClient.objects.prefetch_related("organisations").order_by("-is_active", "name")


def api_client_get(client_id: str) -> ApiClient | None:
    return ApiClient.objects.filter(client_id=client_id).first()
