"""Serve the curriculum: /programmes, /syllabuses and /schoolUnitOfferings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import (
    END_ASC,
    END_DESC,
    ID,
    ID_DESC,
    MODIFIED_DESC,
    Resource,
    with_end,
)
from skolsam.api.ss12000.filtering import enums, one_uuid
from skolsam.api.ss12000.paging import ListQuery, SortKey
from skolsam.api.ss12000.serializers import Ctx, group_by, meta, put, ref
from skolsam.core.choices import SchoolType
from skolsam.core.db import AnyOf

PROGRAMME_FIELDS = (
    "id",
    "created",
    "modified",
    "name",
    "type",
    "parent_programme_id",
    "parent_programme__name",
    "school_type",
    "code",
    "content",
)


def programme_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    names: dict[str, str] = {}
    if ctx.names:
        from skolsam.curriculum.models import Syllabus

        wanted = {c for r in rows for part in r["content"] or [] for c in part.get("content") or []}
        names = {
            str(pk): name
            for pk, name in Syllabus.objects.filter(pk__in=wanted).values_list("pk", "subject_name")
        }
    out = []
    for r in rows:
        p: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "name": r["name"],
            "type": r["type"],
            "schoolType": r["school_type"],
        }
        if r["parent_programme_id"]:
            p["parentProgramme"] = ref(r["parent_programme_id"], r["parent_programme__name"], ctx)
        put(p, "code", r["code"])
        content = []
        for part in r["content"] or []:
            item: dict[str, Any] = {"type": part.get("type")}
            put(item, "points", part.get("points"))
            put(
                item, "content", [ref(c, names.get(str(c)), ctx) for c in part.get("content") or []]
            )
            content.append(item)
        put(p, "content", content)
        out.append(p)
    return out


SYLLABUS_FIELDS = (
    "id",
    "created",
    "modified",
    "school_type",
    "subject_code",
    "subject_name",
    "subject_designation",
    "course_code",
    "course_name",
    "start_school_year",
    "end_school_year",
    "points",
    "curriculum",
    "language_code",
    "official",
)


def syllabus_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        s: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "schoolType": r["school_type"],
            "subjectName": r["subject_name"],
            "official": r["official"],
        }
        for key, name in (
            ("subjectCode", "subject_code"),
            ("subjectDesignation", "subject_designation"),
            ("courseCode", "course_code"),
            ("courseName", "course_name"),
            ("startSchoolYear", "start_school_year"),
            ("endSchoolYear", "end_school_year"),
            ("points", "points"),
            ("curriculum", "curriculum"),
            ("languageCode", "language_code"),
        ):
            put(s, key, r[name])
        out.append(s)
    return out


OFFERING_FIELDS = (
    "id",
    "created",
    "modified",
    "offered_at_id",
    "offered_at__display_name",
    "start_date",
    "end_date",
)


def offering_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.curriculum.models import SchoolUnitOffering

    ids = [r["id"] for r in rows]
    syllabuses = group_by(
        SchoolUnitOffering.offered_syllabuses.through.objects.filter(
            AnyOf("schoolunitoffering_id", ids)
        )
        .order_by("id")
        .values("schoolunitoffering_id", "syllabus_id", "syllabus__subject_name"),
        "schoolunitoffering_id",
    )
    programmes = group_by(
        SchoolUnitOffering.offered_programmes.through.objects.filter(
            AnyOf("schoolunitoffering_id", ids)
        )
        .order_by("id")
        .values("schoolunitoffering_id", "programme_id", "programme__name"),
        "schoolunitoffering_id",
    )
    out = []
    for r in rows:
        # The spec's SchoolUnitOffering has no id or meta, yet has /schoolUnitOfferings/{id}
        # and is listed among deletions; we add both (extra fields are allowed) so the
        # entity can be fetched, paged and followed.
        o: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "offeredAt": ref(r["offered_at_id"], r["offered_at__display_name"], ctx),
            "offeredSyllabuses": [
                ref(s["syllabus_id"], s["syllabus__subject_name"], ctx)
                for s in syllabuses.get(r["id"], ())
            ],
        }
        put(
            o,
            "offeredProgrammes",
            [
                ref(p["programme_id"], p["programme__name"], ctx)
                for p in programmes.get(r["id"], ())
            ],
        )
        put(o, "startDate", r["start_date"])
        put(o, "endDate", r["end_date"])
        out.append(o)
    return out


def _programme_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if school_types := enums(q, "schoolType", SchoolType.values):
        qs = qs.filter(school_type__in=school_types)
    if (code := q.get("code")) is not None:
        qs = qs.filter(code=code)
    if (parent := one_uuid(q, "parentProgramme")) is not None:
        qs = qs.filter(parent_programme_id=parent)
    return qs


def _no_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    return qs


def _offering_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := one_uuid(q, "organisation")) is not None:
        qs = qs.filter(offered_at_id=org)
    return qs


RESOURCES = (
    Resource(
        path="programmes",
        entity="Programme",
        label="Program",
        queryset=access.programmes_visible_to_client,
        fields=PROGRAMME_FIELDS,
        serialize=programme_rows,
        sortkeys={
            "NameAsc": (SortKey("name", swedish=True), ID),
            "CodeAsc": (SortKey("code"), ID),
            "ModifiedDesc": MODIFIED_DESC,
        },
        filters=_programme_filters,
    ),
    Resource(
        path="syllabuses",
        entity="Syllabus",
        label="Ämnen och kurser",
        queryset=access.syllabuses_visible_to_client,
        fields=SYLLABUS_FIELDS,
        serialize=syllabus_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            **{
                f"{name}{direction}": (
                    SortKey(column, desc=direction == "Desc", swedish=column.endswith("_name")),
                    ID_DESC if direction == "Desc" else ID,
                )
                for name, column in (
                    ("SubjectName", "subject_name"),
                    ("SubjectCode", "subject_code"),
                    ("CourseName", "course_name"),
                    ("CourseCode", "course_code"),
                    ("SubjectDesignation", "subject_designation"),
                )
                for direction in ("Asc", "Desc")
            },
        },
        filters=_no_filters,
    ),
    Resource(
        path="schoolUnitOfferings",
        entity="SchoolUnitOffering",
        label="Skolenheternas utbud",
        queryset=access.offerings_visible_to_client,
        fields=OFFERING_FIELDS,
        serialize=offering_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartDateAsc": (SortKey("_start", kind="date"), ID),
            "StartDateDesc": (SortKey("_start", desc=True, kind="date"), ID_DESC),
            "EndDateAsc": END_ASC,
            "EndDateDesc": END_DESC,
        },
        filters=_offering_filters,
        annotate=lambda qs: with_end(qs).annotate(
            _start=Coalesce(F("start_date"), Value(date(1, 1, 1)))
        ),
    ),
)
