"""Paging under every sort key while the register changes: each record once, none hidden.

Köping's learning platform crawls every endpoint that has sort keys, under every one of
them, with a small page size. Between two pages the register changes: a record's sort
columns get new values (a rename, a moved date, a new `modified`), a record is deleted, a
new one is created, a pupil gets skyddad folkbokföring. The oracle:

- no id is served twice;
- a record the client could see when the crawl began and could still see at every page is
  served exactly once, wherever its new values would sort it;
- a record is never served on a page if the client could not see it then (deleted, or
  hidden by protected identity).

The writes go straight to the tables (the test is about paging, not about the services
that record changes); the oracle for "could see" is the client's scoped queryset itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skolsam.activities.models import Activity
from skolsam.api.ss12000.access import scope_for_client
from skolsam.api.ss12000.resources import RESOURCES
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.attendance.models import Absence, AbsenceChannel, AbsenceType
from skolsam.core.choices import SecurityMarking
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.grades.models import DecisionKind, Grade, GradeOrigin, PublishedGrade, StudyPlan
from skolsam.people.models import Person
from skolsam.schedule.models import Resource, Room
from skolsam.testing.factories import (
    ActivityFactory,
    DutyFactory,
    EnrolmentFactory,
    GroupFactory,
    PlacementFactory,
    PupilFactory,
    SchoolUnitFactory,
)

LESSON_DAY = date(2026, 10, 13)

# Names that differ only in case, accents and Swedish letters, so a rename crosses the
# cursor often.
NAMES = ["Åsa", "asa", "Zelda", "Ärla", "Örjan", "Emil", "Émile", "TE26A mentorsgrupp", "Ada"]


def _make(path: str, w: Any) -> Callable[[], Any]:
    """Return a maker of one new record the client sees, for `path`."""
    karlberg = w.scheeleskolan

    def person() -> Any:
        pupil = PupilFactory(given_name=random.choice(NAMES), family_name=random.choice(NAMES))
        EnrolmentFactory(person=pupil, enroled_at=karlberg)
        return pupil

    def absence() -> Any:
        start = timezone.make_aware(datetime(2026, 10, 13, 8)) + timedelta(
            minutes=random.randint(0, 500)
        )
        pupil = person()
        return Absence.objects.create(
            student=pupil,
            organisation=karlberg,
            start_time=start,
            end_time=start + timedelta(hours=1),
            type=AbsenceType.ANMALD,
            channel=AbsenceChannel.WEB,
        )

    def syllabus() -> Any:
        name = random.choice(NAMES)
        return Syllabus.objects.create(
            school_type="GR",
            subject_name=name,
            course_name=name,
            subject_code="MA",
            course_code=f"MA{random.randint(0, 10**6)}",
        )

    def grade() -> Any:
        syllabus, _ = Syllabus.objects.get_or_create(
            school_type="GR",
            subject_code="GRGRENG01",
            course_code="",
            defaults={"subject_name": "Engelska"},
        )
        decision = Grade.objects.create(
            student=person(),
            organisation=karlberg,
            registered_by=w.teacher_of_7b,
            registered_date=date(2026, 1, 1) + timedelta(days=random.randint(0, 300)),
            grade_value=random.choice("ABCDEF"),
            semester="VT",
            year=2026,
            syllabus=syllabus,
            school_type="GR",
            origin=GradeOrigin.EARLIER_SCHOOL,
            origin_school="Kolbäcksskolan",
            kind=DecisionKind.SET,
        )
        return PublishedGrade.objects.create(id=decision.lineage, grade=decision)

    def study_plan() -> Any:
        start = date(2026, 8, 1) + timedelta(days=random.randint(0, 99))
        end = random.choice([None, start + timedelta(days=random.randint(0, 1000))])
        return StudyPlan.objects.create(
            student=person(), organisation=karlberg, start_date=start, end_date=end
        )

    return {
        "persons": person,
        "grades": grade,
        "studyplans": study_plan,
        "groups": lambda: GroupFactory(organisation=karlberg, display_name=random.choice(NAMES)),
        "activities": lambda: ActivityFactory(
            organisation=karlberg, display_name=random.choice(NAMES)
        ),
        "organisations": lambda: SchoolUnitFactory(
            parent=w.koping, display_name=random.choice(NAMES)
        ),
        "duties": lambda: DutyFactory(duty_at=karlberg),
        "placements": lambda: PlacementFactory(
            placed_at=SchoolUnitFactory(parent=w.koping, school_types=["FS"])
        ),
        "calendarEvents": lambda: make_lesson(
            Activity.objects.get(display_name="Matematik 7B"), LESSON_DAY
        ),
        "absences": absence,
        "rooms": lambda: Room.objects.create(
            owner=karlberg, display_name=f"{random.choice(NAMES)} {random.randint(0, 10**6)}"
        ),
        "resources": lambda: Resource.objects.create(
            owner=karlberg, display_name=f"{random.choice(NAMES)} {random.randint(0, 10**6)}"
        ),
        "programmes": lambda: Programme.objects.create(
            name=random.choice(NAMES), type="Yrkesprogram", school_type="GY"
        ),
        "syllabuses": syllabus,
        "schoolUnitOfferings": lambda: SchoolUnitOffering.objects.create(
            offered_at=karlberg, start_date=date(2026, 8, 1) + timedelta(random.randint(0, 99))
        ),
    }[path]


def _query(path: str) -> dict[str, Any]:
    return day_window(LESSON_DAY) if path == "calendarEvents" else {}


# Sort keys on annotations: the column the annotation is read from.
COLUMNS = {"_end": "end_date", "_start": "start_date", "_civic": "civic_no"}


def _new_value(field: models.Field, rng: random.Random) -> Any:
    if isinstance(field, models.DateTimeField):
        return timezone.now() + timedelta(minutes=rng.randint(-5000, 5000))
    if isinstance(field, models.DateField):
        return date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    if field.name == "civic_no":
        return f"2012{rng.randint(10**7, 10**8 - 1)}"
    text = rng.choice(NAMES) + rng.choice(["", " 2", "b"])
    return text[: field.max_length] if field.max_length else text


def change(model: type[models.Model], pk: Any, columns: list[str], rng: random.Random) -> None:
    """Give one record new values in its sort columns (keeping periods well-formed)."""
    if model is PublishedGrade:
        change_grade(pk, columns, rng)
        return
    values: dict[str, Any] = {}
    for name in columns:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        values[name] = _new_value(field, rng)
    if "start_date" in values or "end_date" in values:
        start = values.get("start_date") or date(2026, 1, 1) + timedelta(rng.randint(0, 300))
        values["start_date"] = start
        values["end_date"] = start + timedelta(days=rng.randint(0, 400))
    if "start_time" in values:
        values["end_time"] = values["start_time"] + timedelta(hours=1)
    try:
        with transaction.atomic():
            model._default_manager.filter(pk=pk).update(**values)
    except IntegrityError:
        pass  # a code or civic number already taken: no change this time


def change_grade(pk: Any, columns: list[str], rng: random.Random) -> None:
    """A grade's decisions are immutable: its registration date moves with a new decision
    (a Rättelse) that the published grade then points at, as `published_grade_follow` does."""
    published = PublishedGrade.objects.select_related("grade").get(pk=pk)
    values: dict[str, Any] = {
        "modified": timezone.now() + timedelta(minutes=rng.randint(-5000, 5000))
    }
    if "grade__registered_date" in columns:
        old = published.grade
        values["grade"] = Grade.objects.create(
            supersedes=old,
            lineage=old.lineage,
            version=old.version + 1,
            kind=DecisionKind.RATTELSE,
            correction_type=DecisionKind.RATTELSE,
            reason="Fel datum",
            student_id=old.student_id,
            organisation_id=old.organisation_id,
            registered_by_id=old.registered_by_id,
            registered_date=date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)),
            grade_value=old.grade_value,
            semester=old.semester,
            year=old.year,
            syllabus_id=old.syllabus_id,
            school_type=old.school_type,
            origin=old.origin,
            origin_school=old.origin_school,
        )
    PublishedGrade.objects.filter(pk=pk).update(**values)


@dataclass
class Crawl:
    served: list[str]
    must: set[str]


def crawl_while_writing(
    api: Api,
    w: Any,
    client: Any,
    path: str,
    sortkey: str,
    limit: int,
    plan: list[tuple[str, int]],
) -> Crawl:
    res = RESOURCES[path]
    scope = scope_for_client(client)
    model = res.queryset(scope).model
    columns = sorted(
        {COLUMNS.get(k.expr, k.expr) for k in res.sortkeys[sortkey] if k.expr != "id"}
        | {"modified"}
    )
    rng = random.Random(len(plan) * 7919 + limit)

    def visible() -> set[str]:
        return {str(pk) for pk in res.queryset(scope).values_list("pk", flat=True)}

    always = visible()
    # Responses are not checked against the spec here (test_endpoints does that): speed.
    page = api.get(f"/{path}", {**_query(path), "sortkey": sortkey, "limit": limit}, check=False)
    served = [r["id"] for r in page["data"]]
    steps = iter(plan)
    while page["pageToken"]:
        op, n = next(steps, ("none", 0))
        ids = sorted(visible())
        target = ids[n % len(ids)] if ids else None
        if op == "change" and target:
            change(model, target, columns, rng)
        elif op == "delete" and target:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=target).delete()
            except (ProtectedError, RestrictedError):
                pass
        elif op == "insert":
            _make(path, w)()
        elif op == "protect":
            people = sorted(str(p) for p in Person.objects.values_list("pk", flat=True))
            Person.objects.filter(pk=people[n % len(people)]).update(
                security_marking=SecurityMarking.SEKRETESSMARKERING
            )
        now = visible()
        always &= now
        page = api.get(f"/{path}", {"pageToken": page["pageToken"], "limit": limit}, check=False)
        rows = [r["id"] for r in page["data"]]
        assert set(rows) <= now, f"{path} {sortkey}: served what the client may not see"
        served += rows
        assert len(served) < 500
    assert len(served) == len(set(served)), f"{path} {sortkey}: a record came twice"
    assert always <= set(served), f"{path} {sortkey}: a record that stayed in view was missed"
    return Crawl(served=served, must=always)


CASES = [(res.path, key) for res in RESOURCES.values() for key in res.sortkeys]


def populate(w: Any, path: str) -> None:
    make = _make(path, w)
    for _ in range(6):
        make()


# Every kind of write at least once, between the first pages of a crawl.
FIXED_PLAN = [("change", 0), ("insert", 0), ("change", 3), ("delete", 1), ("protect", 2)] * 2


@pytest.mark.slow
@pytest.mark.parametrize(("path", "sortkey"), CASES)
def test_every_sortkey_serves_each_record_once_while_the_register_changes(
    story_api: Api, story: Any, story_client: Any, path: str, sortkey: str
) -> None:
    populate(story, path)
    crawl_while_writing(story_api, story, story_client, path, sortkey, 2, FIXED_PLAN)


operations = st.lists(
    st.tuples(
        st.sampled_from(["change", "change", "delete", "insert", "protect", "none"]),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=st.sampled_from(CASES), limit=st.integers(1, 4), plan=operations)
def test_random_writes_between_pages_never_repeat_or_lose_a_record(
    story_api: Api, story: Any, story_client: Any, case: tuple[str, str], limit: int, plan: Any
) -> None:
    path, sortkey = case
    with transaction.atomic():
        try:
            populate(story, path)
            crawl_while_writing(story_api, story, story_client, path, sortkey, limit, plan)
        finally:
            transaction.set_rollback(True)


def test_the_property_covers_every_sortkey_of_every_endpoint() -> None:
    assert {path for path, _key in CASES} == {
        "persons",
        "groups",
        "activities",
        "organisations",
        "duties",
        "placements",
        "calendarEvents",
        "absences",
        "grades",
        "studyplans",
        "rooms",
        "resources",
        "programmes",
        "syllabuses",
        "schoolUnitOfferings",
    }
