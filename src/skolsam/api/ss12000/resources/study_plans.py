"""Serve /studyplans: pupils' individual study plans (SS 12000 `StudyPlan`), read only.

A plan's content is its planned courses grouped by the spec's content type
(Code_StudyPlanContentType, in the spec's order), each group titled with the type's
Swedish heading and its points the sum of its courses' planned points (a course without
its own points counts the syllabus's). The spec has no field for whether a planned course
is graded, so none is invented: a client reads the pupil's grades from /grades.

Scope: plans set at the client's organisations; a protected pupil's plans only for a
client that may see protected data (a plan says where the pupil goes to school). The spec
offers `GET /studyplans` and `GET /studyplans/{id}` only; Skolsam also answers
`POST /studyplans/lookup` like every read resource (docs/ss12000-conformance.md). Study
plans are set in Skolsam: there is no write scope, and a POST or DELETE answers 405.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import (
    END_ASC,
    END_DESC,
    MODIFIED_DESC,
    START_ASC,
    START_DESC,
    Resource,
    with_end,
)
from skolsam.api.ss12000.filtering import person_name
from skolsam.api.ss12000.paging import ListQuery, as_date, as_uuid
from skolsam.api.ss12000.serializers import Ctx, group_by, meta, person_ref, put, ref
from skolsam.grades.models import StudyPlanContentType, StudyPlanCourse

STUDY_PLAN_FIELDS = (
    "id",
    "created",
    "modified",
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "start_date",
    "end_date",
)
COURSE_FIELDS = (
    "study_plan_id",
    "content_type",
    "syllabus_id",
    "syllabus__subject_name",
    "syllabus__course_name",
    "syllabus__points",
    "points",
    "note",
    "start_date",
    "end_date",
)
ORDER = {value: i for i, value in enumerate(StudyPlanContentType.values)}
HEADINGS = dict(StudyPlanContentType.choices)


def _content(courses: list[dict], ctx: Ctx) -> list[dict]:
    by_type = group_by(courses, "content_type")
    out = []
    for kind in sorted(by_type, key=lambda k: ORDER.get(k, len(ORDER))):
        rows = by_type[kind]
        syllabuses = []
        total = 0
        for c in rows:
            name = c["syllabus__course_name"] or c["syllabus__subject_name"]
            item: dict[str, Any] = {"syllabus": ref(c["syllabus_id"], name, ctx)}
            put(item, "note", c["note"])
            put(item, "startDate", c["start_date"])
            put(item, "endDate", c["end_date"])
            syllabuses.append(item)
            total += c["points"] if c["points"] is not None else (c["syllabus__points"] or 0)
        out.append(
            {"title": str(HEADINGS[kind]), "type": kind, "points": total, "syllabuses": syllabuses}
        )
    return out


def study_plan_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    # One query for every plan's courses: a page costs the same whatever its size.
    courses = group_by(
        StudyPlanCourse.objects.filter(study_plan_id__in=[r["id"] for r in rows])
        .order_by("study_plan_id", "content_type", "syllabus__subject_name", "id")
        .values(*COURSE_FIELDS),
        "study_plan_id",
    )
    out = []
    for r in rows:
        plan: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                person_name(r["student__given_name"], r["student__family_name"]),
                ctx,
            ),
            "startDate": r["start_date"],
            "content": _content(courses.get(r["id"], []), ctx),
        }
        put(plan, "endDate", r["end_date"])
        out.append(plan)
    return out


def _study_plan_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if students := [as_uuid(v, "student") for v in q.getlist("student")]:
        qs = qs.filter(student_id__in=students)
    cond = Q()
    for suffix, op in (("onOrAfter", "gte"), ("onOrBefore", "lte")):
        if (raw := q.get(f"startDate.{suffix}")) is not None:
            day = as_date(raw, f"startDate.{suffix}")
            cond &= Q(**{f"start_date__{op}": day})
        if (raw := q.get(f"endDate.{suffix}")) is not None:
            day = as_date(raw, f"endDate.{suffix}")
            # "Poster med ett endDate som ej är satt, tas alltid med."
            cond &= Q(end_date__isnull=True) | Q(**{f"end_date__{op}": day})
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="studyplans",
        entity="StudyPlan",
        label="Studieplaner",
        queryset=access.study_plans_visible_to_client,
        fields=STUDY_PLAN_FIELDS,
        serialize=study_plan_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartDateAsc": START_ASC,
            "StartDateDesc": START_DESC,
            "EndDateAsc": END_ASC,
            "EndDateDesc": END_DESC,
        },
        filters=_study_plan_filters,
        annotate=with_end,
    ),
)
