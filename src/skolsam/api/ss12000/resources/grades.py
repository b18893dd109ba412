"""Serve /grades: published grades (SS 12000 `Grade`), read only.

A grade's id is its lineage, the id of its first decision, and what is served is the
decision that stands now (`grades.PublishedGrade` points at it): an Ändring or a
Rättelse is the same grade with its `correctionType` set. Nothing is served before the
rektor publishes the grade's period (a prövning or a grade from an earlier school is
published with its decision), so a client never hands a pupil a grade before the school
does.

Scope: grades set at the client's organisations; a protected pupil's grades only for a
client that may see protected data (a grade says where the pupil goes to school); a
protected registrar or grading teacher is not named, nor found by the filters. The spec
requires `schoolUnit`, which it does not define: Skolsam sends the school unit both as
`organisation` (the spec's property) and as `schoolUnit` (docs/ss12000-conformance.md).
Grades are set in Skolsam: there is no write scope, and a POST or DELETE answers 405.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope, may_see_location, not_protected
from skolsam.api.ss12000.describe import ID, ID_DESC, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import person_name
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_date, as_uuid
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, put, ref

GRADE_FIELDS = (
    "id",
    "created",
    "modified",
    "grade__student_id",
    "grade__student__security_marking",
    "grade__student__given_name",
    "grade__student__family_name",
    "grade__organisation_id",
    "grade__organisation__display_name",
    "grade__group_id",
    "grade__group__display_name",
    "grade__registered_by_id",
    "grade__registered_by__security_marking",
    "grade__registered_by__given_name",
    "grade__registered_by__family_name",
    "grade__grading_teacher_id",
    "grade__grading_teacher__security_marking",
    "grade__grading_teacher__given_name",
    "grade__grading_teacher__family_name",
    "grade__registered_date",
    "grade__grade_value",
    "grade__final_grade",
    "grade__trial",
    "grade__adapted_study_plan",
    "grade__remark",
    "grade__converted",
    "grade__correction_type",
    "grade__semester",
    "grade__year",
    "grade__syllabus_id",
    "grade__syllabus__subject_name",
    "grade__syllabus__course_name",
    "grade__diploma_project",
)


def _person(r: dict, prefix: str, ctx: Ctx) -> dict | None:
    """A reference to the registrar or grading teacher, unless protected from the client."""
    pk = r[f"grade__{prefix}_id"]
    marking = r[f"grade__{prefix}__security_marking"]
    if pk is None or not may_see_location(ctx.scope, marking):
        return None
    name = person_name(r[f"grade__{prefix}__given_name"], r[f"grade__{prefix}__family_name"])
    return person_ref(pk, marking, name, ctx)


def grade_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        unit = ref(r["grade__organisation_id"], r["grade__organisation__display_name"], ctx)
        syllabus_name = r["grade__syllabus__course_name"] or r["grade__syllabus__subject_name"]
        g: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "student": person_ref(
                r["grade__student_id"],
                r["grade__student__security_marking"],
                person_name(r["grade__student__given_name"], r["grade__student__family_name"]),
                ctx,
            ),
            "organisation": unit,
            # Required by the spec's Grade, which never defines it: the same school unit.
            "schoolUnit": dict(unit),
            "registeredDate": r["grade__registered_date"],
            "gradeValue": r["grade__grade_value"],
            "finalGrade": r["grade__final_grade"],
            "trial": r["grade__trial"],
            "adaptedStudyPlan": r["grade__adapted_study_plan"],
            "converted": r["grade__converted"],
            "semester": r["grade__semester"],
            "year": r["grade__year"],
            "syllabus": ref(r["grade__syllabus_id"], syllabus_name, ctx),
        }
        put(g, "registeredBy", _person(r, "registered_by", ctx))
        put(g, "gradingTeacher", _person(r, "grading_teacher", ctx))
        if r["grade__group_id"] is not None:
            g["group"] = ref(r["grade__group_id"], r["grade__group__display_name"], ctx)
        put(g, "remark", r["grade__remark"])
        put(g, "correctionType", r["grade__correction_type"])
        put(g, "diplomaProject", r["grade__diploma_project"])
        out.append(g)
    return out


def _grade_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := q.get("organisation")) is not None:
        # "kopplade till skolenhet": that unit alone (the scope already holds the rest).
        qs = qs.filter(grade__organisation_id=as_uuid(org, "organisation"))
    if (student := q.get("student")) is not None:
        qs = qs.filter(grade__student_id=as_uuid(student, "student"))
    for name, field in (("registeredBy", "registered_by"), ("gradingTeacher", "grading_teacher")):
        if (person := q.get(name)) is not None:
            # A protected registrar or teacher is not named in the rows, nor found by them.
            qs = qs.filter(
                not_protected(scope, f"grade__{field}__"),
                **{f"grade__{field}_id": as_uuid(person, name)},
            )
    cond = Q()
    for suffix, op in (("onOrAfter", "gte"), ("onOrBefore", "lte")):
        if (raw := q.get(f"registeredDate.{suffix}")) is not None:
            day = as_date(raw, f"registeredDate.{suffix}")
            cond &= Q(**{f"grade__registered_date__{op}": day})
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="grades",
        entity="Grade",
        label="Betyg",
        queryset=access.grades_visible_to_client,
        fields=GRADE_FIELDS,
        serialize=grade_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            # The spec spells these two in lower camel case, unlike every other sort key.
            "registeredDateAsc": (SortKey("grade__registered_date", kind="date"), ID),
            "registeredDateDesc": (
                SortKey("grade__registered_date", desc=True, kind="date"),
                ID_DESC,
            ),
        },
        filters=_grade_filters,
    ),
)
