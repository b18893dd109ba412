"""Describe attendance's SS 12000 resources for the API's generic views.

calendarEvents, attendances, absences, attendanceEvents and attendanceSchedule are read
like every other resource (list, lookup, by id) through `resources.RESOURCES`; this module
adds their descriptions there. Writes (POST/DELETE attendances) and aggregatedAttendance
live in `attendance_views.py`.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope, may_see_location, not_protected
from skolsam.api.ss12000.paging import BadRequest, ListQuery, SortKey, as_date, as_enum, as_uuid
from skolsam.api.ss12000.resources import (
    ID,
    ID_DESC,
    MODIFIED_DESC,
    RESOURCES,
    Resource,
    subtree_in_scope,
    teaching,
)
from skolsam.api.ss12000.serializers import Ctx, _put, meta, person_ref, ref
from skolsam.attendance.models import (
    Absence,
    AbsenceType,
    Attendance,
    AttendanceEvent,
    AttendanceSchedule,
)
from skolsam.schedule.models import CalendarEvent


def _name(given: str | None, family: str | None) -> str:
    return " ".join(p for p in (given, family) if p)


def _uuids(q: ListQuery, name: str) -> list[Any]:
    return [as_uuid(v, name) for v in q.getlist(name)]


def _time_filter(q: ListQuery, name: str, column: str) -> Q:
    from datetime import datetime

    cond = Q()
    for suffix, op in (("onOrAfter", "gte"), ("onOrBefore", "lte")):
        raw = q.get(f"{name}.{suffix}")
        if raw is None:
            continue
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"{name}.{suffix}: {raw!r} är ingen RFC 3339-tidpunkt.") from None
        if moment.tzinfo is None:
            from django.utils import timezone

            moment = timezone.make_aware(moment)
        cond &= Q(**{f"{column}__{op}": moment})
    return cond


# --- calendarEvents --------------------------------------------------------------------------

CALENDAR_FIELDS = (
    "id",
    "created",
    "modified",
    "activity_id",
    "activity__display_name",
    "start_time",
    "end_time",
    "cancelled",
    "duration_minutes",
    "comment",
    "substitute_id",
    "substitute__person_id",
    "substitute__person__security_marking",
    "substitute__person__given_name",
    "substitute__person__family_name",
)


def calendar_events_visible_to_client(scope: ApiScope) -> QuerySet:
    return CalendarEvent.objects.filter(organisation_id__in=scope.org_ids)


def calendar_event_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        e: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "activity": ref(r["activity_id"], r["activity__display_name"], ctx),
            "startTime": r["start_time"],
            "endTime": r["end_time"],
            "cancelled": r["cancelled"],
            "teachingLengthStudent": r["duration_minutes"],
        }
        _put(e, "comment", r["comment"])
        # A protected substitute is left out: the exception would place her at the lesson.
        if r["substitute_id"] and may_see_location(
            ctx.scope, r["substitute__person__security_marking"]
        ):
            ctx.persons.add(r["substitute__person_id"])
            name = _name(r["substitute__person__given_name"], r["substitute__person__family_name"])
            e["teacherExceptions"] = [
                {"duty": ref(r["substitute_id"], name, ctx), "participates": True}
            ]
        out.append(e)
    return out


def lessons_of_students(scope: ApiScope, person_ids: list[Any]) -> Q:
    """Lessons of the groups these pupils belong to on the lesson's day.

    Only through memberships the client may see (as /groups lists them): a protected
    pupil's lessons, or a pupil's in another municipality, are not found by asking.
    """
    members = (
        access.memberships_visible_to_client(scope)
        .filter(
            person_id__in=person_ids,
            start_date__lte=OuterRef("date"),
            group_id__in=Activity.groups.through.objects.filter(
                activity_id=OuterRef(OuterRef("activity_id"))
            ).values("group_id"),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")))
    )
    return Q(Exists(members))


def lessons_taught_by(scope: ApiScope, duty_ids: list[Any]) -> Q:
    """Lessons these duties teach, as the activity's teachers or as the substitute."""
    substitutes = access.duties_visible_to_client(scope).filter(pk__in=duty_ids)
    return teaching(scope, duty_ids, activity="activity_id") | Q(
        substitute_id__in=substitutes.values("pk")
    )


def _calendar_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if not q.from_token:
        for required in ("startTime.onOrAfter", "startTime.onOrBefore"):
            if q.get(required) is None:
                raise BadRequest(f"{required} krävs.")
    qs = qs.filter(
        _time_filter(q, "startTime", "start_time") & _time_filter(q, "endTime", "end_time")
    )
    if activities := _uuids(q, "activity"):
        qs = qs.filter(activity_id__in=activities)
    if (student := q.get("student")) is not None:
        qs = qs.filter(lessons_of_students(scope, [as_uuid(student, "student")]))
    if (teacher := q.get("teacher")) is not None:
        qs = qs.filter(lessons_taught_by(scope, [as_uuid(teacher, "teacher")]))
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if groups := _uuids(q, "group"):
        qs = qs.filter(_of_groups(groups))
    return qs


def _of_groups(group_ids: list[Any]) -> Q:
    return Q(
        Exists(
            Activity.groups.through.objects.filter(
                activity_id=OuterRef("activity_id"), group_id__in=group_ids
            )
        )
    )


def _calendar_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if activities := [as_uuid(v, "activities") for v in body.get("activities", [])]:
        cond |= Q(activity_id__in=activities)
    if students := [as_uuid(v, "student") for v in body.get("student", [])]:
        cond |= lessons_of_students(scope, students)
    if teachers := [as_uuid(v, "teacher") for v in body.get("teacher", [])]:
        cond |= lessons_taught_by(scope, teachers)
    return qs.filter(cond)


# --- attendances ----------------------------------------------------------------------------

ATTENDANCE_FIELDS = (
    "id",
    "created",
    "modified",
    "calendar_event_id",
    "calendar_event__reported_at",
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "reporter_id",
    "reporter__security_marking",
    "reporter__given_name",
    "reporter__family_name",
    "attendance_minutes",
    "valid_absence_minutes",
    "invalid_absence_minutes",
    "other_attendance_minutes",
    "absence_reason",
    "reported_timestamp",
)


def attendances_visible_to_client(scope: ApiScope) -> QuerySet:
    return Attendance.objects.filter(
        not_protected(scope, "student__"), organisation_id__in=scope.org_ids
    )


def attendance_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "calendarEvent": ref(r["calendar_event_id"], None, ctx),
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                _name(r["student__given_name"], r["student__family_name"]),
                ctx,
            ),
            "isReported": r["calendar_event__reported_at"] is not None,
            "attendanceMinutes": r["attendance_minutes"],
            "validAbsenceMinutes": r["valid_absence_minutes"],
            "invalidAbsenceMinutes": r["invalid_absence_minutes"],
            "otherAttendanceMinutes": r["other_attendance_minutes"],
        }
        if r["reporter_id"] and may_see_location(ctx.scope, r["reporter__security_marking"]):
            ctx.persons.add(r["reporter_id"])
            a["reporter"] = ref(
                r["reporter_id"], _name(r["reporter__given_name"], r["reporter__family_name"]), ctx
            )
        _put(a, "absenceReason", r["absence_reason"])
        _put(a, "reportedTimestamp", r["reported_timestamp"])
        out.append(a)
    return out


def _attendance_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (student := q.get("student")) is not None:
        qs = qs.filter(student_id=as_uuid(student, "student"))
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if (event := q.get("calendarEvent")) is not None:
        qs = qs.filter(calendar_event_id=as_uuid(event, "calendarEvent"))
    return qs


def _attendance_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    # `calendareEvents` is the spec's spelling.
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if activities := [as_uuid(v, "activities") for v in body.get("activities", [])]:
        cond |= Q(calendar_event__activity_id__in=activities)
    if students := [as_uuid(v, "students") for v in body.get("students", [])]:
        cond |= Q(student_id__in=students)
    if events := [as_uuid(v, "calendareEvents") for v in body.get("calendareEvents", [])]:
        cond |= Q(calendar_event_id__in=events)
    return qs.filter(cond)


# --- absences -------------------------------------------------------------------------------

ABSENCE_FIELDS = (
    "id",
    "created",
    "modified",
    "start_time",
    "end_time",
    "type",
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "organisation_id",
    "organisation__display_name",
    "registered_by_id",
    "registered_by__given_name",
    "registered_by__family_name",
    "registered_by__security_marking",
)


def absences_visible_to_client(scope: ApiScope) -> QuerySet:
    return Absence.objects.filter(
        not_protected(scope, "student__"), organisation_id__in=scope.org_ids
    )


def absence_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "startTime": r["start_time"],
            "endTime": r["end_time"],
            "type": r["type"],
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                _name(r["student__given_name"], r["student__family_name"]),
                ctx,
            ),
            "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
        }
        if r["registered_by_id"] and may_see_location(
            ctx.scope, r["registered_by__security_marking"]
        ):
            a["registeredBy"] = person_ref(
                r["registered_by_id"],
                r["registered_by__security_marking"],
                _name(r["registered_by__given_name"], r["registered_by__family_name"]),
                ctx,
            )
        out.append(a)
    return out


def _absence_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if (student := q.get("student")) is not None:
        qs = qs.filter(student_id=as_uuid(student, "student"))
    if (by := q.get("registeredBy")) is not None:
        # A protected reporter is not named in the rows, nor found through them.
        qs = qs.filter(
            not_protected(scope, "registered_by__"), registered_by_id=as_uuid(by, "registeredBy")
        )
    if (kind := q.get("type")) is not None:
        qs = qs.filter(type=as_enum(kind, "type", AbsenceType.values))
    return qs.filter(
        _time_filter(q, "startTime", "start_time") & _time_filter(q, "endTime", "end_time")
    )


# --- attendanceEvents -----------------------------------------------------------------------

EVENT_FIELDS = (
    "id",
    "created",
    "modified",
    "time",
    "event_type",
    "person_id",
    "person__security_marking",
    "person__given_name",
    "person__family_name",
    "group_id",
    "group__display_name",
    "registered_by_id",
    "registered_by__given_name",
    "registered_by__family_name",
    "registered_by__security_marking",
)


def attendance_events_visible_to_client(scope: ApiScope) -> QuerySet:
    return AttendanceEvent.objects.filter(
        not_protected(scope, "person__"), group__organisation_id__in=scope.org_ids
    )


def attendance_event_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        e: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "time": r["time"],
            "eventType": r["event_type"],
            "person": person_ref(
                r["person_id"],
                r["person__security_marking"],
                _name(r["person__given_name"], r["person__family_name"]),
                ctx,
            ),
            "group": ref(r["group_id"], r["group__display_name"], ctx),
        }
        if r["registered_by_id"] and may_see_location(
            ctx.scope, r["registered_by__security_marking"]
        ):
            e["registeredBy"] = person_ref(
                r["registered_by_id"],
                r["registered_by__security_marking"],
                _name(r["registered_by__given_name"], r["registered_by__family_name"]),
                ctx,
            )
        out.append(e)
    return out


def _event_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if groups := _uuids(q, "group"):
        qs = qs.filter(group_id__in=groups)
    if (person := q.get("person")) is not None:
        qs = qs.filter(person_id=as_uuid(person, "person"))
    return qs


def _event_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if persons := [as_uuid(v, "person") for v in body.get("person", [])]:
        cond |= Q(person_id__in=persons)
    if groups := [as_uuid(v, "group") for v in body.get("group", [])]:
        cond |= Q(group_id__in=groups)
    return qs.filter(cond)


# --- attendanceSchedule ---------------------------------------------------------------------

SCHEDULE_FIELDS = (
    "id",
    "created",
    "modified",
    "placement_id",
    "number_of_weeks",
    "start_date",
    "end_date",
    "temporary",
    "schedule_entries",
)


def schedules_visible_to_client(scope: ApiScope) -> QuerySet:
    return AttendanceSchedule.objects.filter(
        not_protected(scope, "placement__child__"), placement__placed_at_id__in=scope.org_ids
    )


def schedule_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.attendance.models import AttendanceScheduleStateChange

    states: dict[Any, list[dict]] = {}
    for change in (
        AttendanceScheduleStateChange.objects.filter(schedule_id__in=[r["id"] for r in rows])
        .order_by("registered_at", "id")
        .values("schedule_id", "state", "registered_at", "comment", "registered_by_id")
    ):
        item: dict[str, Any] = {"state": change["state"], "registeredAt": change["registered_at"]}
        _put(item, "comment", change["comment"])
        if change["registered_by_id"]:
            item["registeredBy"] = ref(change["registered_by_id"], None, ctx)
        states.setdefault(change["schedule_id"], []).append(item)
    out = []
    for r in rows:
        entries = [
            {
                "weekOffset": e["weekOffset"],
                "dayOfWeek": e["dayOfWeek"],
                "startTime": e["startTime"],
                "endTime": e["endTime"],
            }
            for e in r["schedule_entries"]
        ]
        schedule: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "placement": ref(r["placement_id"], None, ctx),
            "numberOfWeeks": r["number_of_weeks"],
            "startDate": r["start_date"],
            "temporary": r["temporary"],
            "state": states.get(r["id"], []),
            "scheduleEntries": entries,
            # The spec lists `scheduleDays` as required without defining it; Skolsam sends
            # the entries under both names so strict clients are satisfied.
            "scheduleDays": entries,
        }
        _put(schedule, "endDate", r["end_date"])
        out.append(schedule)
    return out


def _schedule_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (placement := q.get("placement")) is not None:
        qs = qs.filter(placement_id=as_uuid(placement, "placement"))
    if (group := q.get("group")) is not None:
        qs = qs.filter(placement__group_id=as_uuid(group, "group"))
    for name, lookup in (
        ("startDate.onOrBefore", "start_date__lte"),
        ("startDate.onOrAfter", "start_date__gte"),
        ("endDate.onOrBefore", "end_date__lte"),
        ("endDate.onOrAfter", "end_date__gte"),
    ):
        if (raw := q.get(name)) is not None:
            qs = qs.filter(**{lookup: as_date(raw, name)})
    return qs


def _schedule_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    placements = [as_uuid(v, "placement") for v in body.get("placement", [])]
    return qs.filter(
        Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])]) | Q(placement_id__in=placements)
    )


ATTENDANCE_RESOURCES = (
    Resource(
        path="calendarEvents",
        entity="CalendarEvent",
        queryset=calendar_events_visible_to_client,
        fields=CALENDAR_FIELDS,
        serialize=calendar_event_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartTimeAsc": (SortKey("start_time", kind="datetime"), ID),
            "StartTimeDesc": (SortKey("start_time", desc=True, kind="datetime"), ID_DESC),
        },
        filters=_calendar_filters,
        lookup_keys=("ids", "activities", "student", "teacher"),
        lookup=_calendar_lookup,
    ),
    Resource(
        path="attendances",
        entity="Attendance",
        queryset=attendances_visible_to_client,
        fields=ATTENDANCE_FIELDS,
        serialize=attendance_rows,
        sortkeys={},
        filters=_attendance_filters,
        lookup_keys=("ids", "activities", "students", "calendareEvents"),
        lookup=_attendance_lookup,
    ),
    Resource(
        path="absences",
        entity="Absence",
        queryset=absences_visible_to_client,
        fields=ABSENCE_FIELDS,
        serialize=absence_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartTimeAsc": (SortKey("start_time", kind="datetime"), ID),
            "StartTimeDesc": (SortKey("start_time", desc=True, kind="datetime"), ID_DESC),
        },
        filters=_absence_filters,
    ),
    Resource(
        path="attendanceEvents",
        entity="AttendanceEvent",
        queryset=attendance_events_visible_to_client,
        fields=EVENT_FIELDS,
        serialize=attendance_event_rows,
        sortkeys={},
        filters=_event_filters,
        lookup_keys=("ids", "person", "group"),
        lookup=_event_lookup,
    ),
    Resource(
        path="attendanceSchedule",
        entity="AttendanceSchedule",
        queryset=schedules_visible_to_client,
        fields=SCHEDULE_FIELDS,
        serialize=schedule_rows,
        sortkeys={},
        filters=_schedule_filters,
        lookup_keys=("ids", "placement"),
        lookup=_schedule_lookup,
    ),
)


def register() -> None:
    """Add attendance's resources to the API's table (idempotent; urls.py calls it)."""
    for resource in ATTENDANCE_RESOURCES:
        RESOURCES.setdefault(resource.path, resource)
