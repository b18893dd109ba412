"""Incremental sync reconstructs a full crawl: the property an integrator builds on.

An integrator crawls every endpoint once, then asks only for what changed since its last
run (`meta.modified.after`) and for what went away (`/deletedEntities?after=`), and keeps
a mirror. For random sequences of register writes (through the services, as the web app
and imports make them) and days passing, that mirror must equal what a new full crawl
returns, for a client bound to the whole municipality and for one bound to one school.

The register is the story's (skolsam.testing.story), with Ebba, enrolled at Scheeleskolan
and not yet in a class: the writes happen at Scheeleskolan (7B, Maria's mathematics
lesson) and Gäddgårdsskolan in Arboga.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity
from skolsam.api.ss12000 import services as api_services
from skolsam.api.ss12000.tests.conftest import Api, Clock, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import AttendanceKind
from skolsam.attendance.services.absence import absence_report
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.attendance.services.register import Mark, register_save
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, GroupType, SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.duties.models import Duty
from skolsam.duties.services import duty_create, duty_end
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_cancel, enrolment_create, enrolment_end
from skolsam.groups.models import GroupMembership
from skolsam.groups.services import group_membership_add, group_membership_end
from skolsam.people.models import Person, Responsible
from skolsam.people.services import (
    person_create,
    person_update,
    responsible_add,
    responsible_end,
)
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.factories import EnrolmentFactory, PupilFactory

SYSTEM = system_actor("test")


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Ebba, enrolled at Scheeleskolan and not yet in a class."""
    with django_db_blocker.unblock():
        ebba = PupilFactory(given_name="Ebba")
        EnrolmentFactory(person=ebba, enroled_at=story.scheeleskolan, school_year=7)
        story.people["pupil_without_a_class"] = ebba
    return story


def _mathematics() -> Any:
    """Maria's Matematik 7B, whose lesson the runs take the register of."""
    return Activity.objects.get(display_name="Matematik 7B")


# Endpoint and its key in DeletedEntities.data (the spec's spelling).
ENDPOINTS = {
    "/persons": "persons",
    "/groups": "groups",
    "/duties": "duties",
    "/placements": "placements",
    "/activities": "activitites",
    "/organisations": "organisations",
    "/attendances": "attendances",
    "/absences": "absences",
}

Mirror = dict[str, dict[str, dict]]


def crawl(api: Api) -> Mirror:
    # Pages of ten: the story's Köping still spans several pages of persons, in a third of
    # the requests pages of three would take.
    return {
        endpoint: {row["id"]: row for row in api.all_pages(endpoint, {"limit": 10})}
        for endpoint in ENDPOINTS
    }


def sync(api: Api, mirror: Mirror, since: datetime) -> None:
    """Apply what changed and what went away since `since`, as an integrator would."""
    after = since.isoformat()
    gone: dict[str, set[str]] = {}
    query: dict[str, Any] = {"after": after, "limit": 5}
    while True:
        page = api.get("/deletedEntities", query)
        for key, ids in page["data"].items():
            gone.setdefault(key, set()).update(ids)
        if not page.get("pageToken"):
            break
        query = {"pageToken": page["pageToken"], "limit": 5}
    for endpoint, key in ENDPOINTS.items():
        for pk in gone.get(key, ()):
            mirror[endpoint].pop(pk, None)
        for row in api.all_pages(endpoint, {"meta.modified.after": after, "limit": 3}):
            mirror[endpoint][row["id"]] = row


# --- the writes -------------------------------------------------------------------------

Write = Callable[[Any, Clock, int], None]
_names = itertools.count()


def _pick(rows: list, n: int) -> Any:
    return rows[n % len(rows)] if rows else None


def _last_day(clock: Clock, start: date, offset: int) -> date:
    # Yesterday (gone at once) or today (gone when the day turns), never before the start.
    return max(start, clock.today() - timedelta(days=(offset // 7) % 2))


def enrol_new_pupil(w: Any, clock: Clock, n: int) -> None:
    pupil = person_create(actor=SYSTEM, given_name=f"Ny{next(_names)}", family_name="Elevsson")
    school = w.scheeleskolan if n % 3 else w.gaddgardsskolan
    enrolment_create(
        actor=SYSTEM,
        person=pupil,
        school_unit=school,
        school_type="GR",
        school_year=7,
        start_date=clock.today() - timedelta(days=n % 3),
    )


def end_enrolment(w: Any, clock: Clock, n: int) -> None:
    today = clock.today()
    rows = list(
        Enrolment.objects.filter(cancelled=False, enroled_at=w.scheeleskolan)
        .exclude(end_date__lt=today)
        .filter(start_date__lte=today)
        .order_by("created", "pk")
    )
    enrolment = _pick(rows, n)
    if enrolment is not None:
        enrolment_end(
            actor=SYSTEM, enrolment=enrolment, end_date=_last_day(clock, enrolment.start_date, n)
        )


def cancel_enrolment(w: Any, clock: Clock, n: int) -> None:
    enrolment = _pick(
        list(
            Enrolment.objects.filter(cancelled=False, enroled_at=w.scheeleskolan).order_by(
                "created", "pk"
            )
        ),
        n,
    )
    if enrolment is not None:
        enrolment_cancel(actor=SYSTEM, enrolment=enrolment)


def join_class(w: Any, clock: Clock, n: int) -> None:
    # A pupil of the school without a class today (one may be in one class only).
    members = (
        GroupMembership.objects.filter(group__group_type=GroupType.KLASS)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=clock.today()))
        .values("person_id")
    )
    pupil = _pick(
        list(
            Person.objects.filter(enrolments__enroled_at=w.scheeleskolan)
            .exclude(pk__in=members)
            .distinct()
            .order_by("created", "pk")
        ),
        n,
    )
    if pupil is not None:
        group_membership_add(
            actor=SYSTEM, group=w.groups["7B"], person=pupil, start_date=clock.today()
        )


def leave_class(w: Any, clock: Clock, n: int) -> None:
    today = clock.today()
    rows = list(
        GroupMembership.objects.filter(group=w.groups["7B"])
        .exclude(end_date__lt=today)
        .filter(start_date__lte=today)
        .order_by("created", "pk")
    )
    membership = _pick(rows, n)
    if membership is not None:
        group_membership_end(
            actor=SYSTEM,
            membership=membership,
            end_date=_last_day(clock, membership.start_date, n),
        )


def rename(w: Any, clock: Clock, n: int) -> None:
    person = _pick(list(Person.objects.order_by("created", "pk")), n)
    person_update(actor=SYSTEM, person=person, given_name=f"Omdöpt{next(_names)}")


def protect(w: Any, clock: Clock, n: int) -> None:
    pupils = Person.objects.filter(
        security_marking=SecurityMarking.INGEN, enrolments__enroled_at=w.scheeleskolan
    ).distinct()
    pupil = _pick(list(pupils.order_by("created", "pk")), n)
    if pupil is not None:
        person_update(
            actor=SYSTEM, person=pupil, security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING
        )


def add_guardian(w: Any, clock: Clock, n: int) -> None:
    pupils = Person.objects.filter(enrolments__enroled_at=w.scheeleskolan).distinct()
    pupil = _pick(list(pupils.order_by("created", "pk")), n)
    guardian = person_create(actor=SYSTEM, given_name=f"Förälder{next(_names)}", family_name="Ek")
    responsible_add(actor=SYSTEM, person=pupil, responsible=guardian, start_date=clock.today())


def end_guardian(w: Any, clock: Clock, n: int) -> None:
    today = clock.today()
    rows = list(
        Responsible.objects.filter(person__enrolments__enroled_at=w.scheeleskolan)
        .exclude(end_date__lt=today)
        .filter(start_date__lte=today)
        .distinct()
        .order_by("created", "pk")
    )
    relation = _pick(rows, n)
    if relation is not None:
        responsible_end(
            actor=SYSTEM, relation=relation, end_date=_last_day(clock, relation.start_date, n)
        )


def hire(w: Any, clock: Clock, n: int) -> None:
    teacher = person_create(actor=SYSTEM, given_name=f"Lärare{next(_names)}", family_name="Ås")
    duty_create(
        actor=SYSTEM,
        person=teacher,
        duty_at=w.scheeleskolan if n % 2 else w.gaddgardsskolan,
        duty_role=DutyRole.LARARE,
        start_date=clock.today(),
    )


def end_duty(w: Any, clock: Clock, n: int) -> None:
    today = clock.today()
    rows = list(
        Duty.objects.filter(duty_at=w.scheeleskolan)
        .exclude(end_date__lt=today)
        .filter(start_date__lte=today)
        .order_by("created", "pk")
    )
    duty = _pick(rows, n)
    if duty is not None:
        duty_end(actor=SYSTEM, duty=duty, end_date=_last_day(clock, duty.start_date, n))


def _todays_lesson(w: Any) -> CalendarEvent:
    # The lesson `_run` puts on the first day (the clock may have moved on since).
    return CalendarEvent.objects.filter(activity=_mathematics()).order_by("start_time").get()


def mark_minutes(w: Any, clock: Clock, n: int) -> None:
    lesson = _todays_lesson(w)
    today = clock.today()
    members = list(
        Person.objects.filter(group_memberships__group=w.groups["7B"])
        .filter(group_memberships__start_date__lte=lesson.date)
        .exclude(group_memberships__end_date__lt=lesson.date)
        .distinct()
        .order_by("created", "pk")
    )
    pupil = _pick(members, n)
    if pupil is not None and lesson.date <= today:
        attendance_set_minutes(
            actor=SYSTEM,
            lesson=lesson,
            student=pupil,
            attendance_minutes=60 - 5 * (n % 3),
            valid_absence_minutes=5 * (n % 3),
            invalid_absence_minutes=0,
        )


def take_register(w: Any, clock: Clock, n: int) -> None:
    lesson = _todays_lesson(w)
    if lesson.date != clock.today():
        return  # the register of a past day needs a reason; today's is what teachers take
    teacher = actor_for_person(w.teacher_of_7b.pk, on=clock.today())
    roster = list(
        Person.objects.filter(group_memberships__group=w.groups["7B"])
        .filter(group_memberships__start_date__lte=lesson.date)
        .exclude(group_memberships__end_date__lt=lesson.date)
        .distinct()
        .order_by("created", "pk")
    )
    absent = _pick(roster, n)
    marks = [Mark(absent.pk, AttendanceKind.ABSENT, valid=bool(n % 2))] if absent else []
    lesson.refresh_from_db()
    with contextlib.suppress(DomainError):  # the roster changed since: a stale register
        register_save(actor=teacher, lesson=lesson, version=lesson.register_version, marks=marks)


def report_absence(w: Any, clock: Clock, n: int) -> None:
    pupils = Person.objects.filter(
        enrolments__enroled_at=w.scheeleskolan, enrolments__cancelled=False
    )
    pupil = _pick(list(pupils.distinct().order_by("created", "pk")), n)
    if pupil is None:
        return
    start = calendar.at(clock.today() + timedelta(days=1 + n % 3), time(8, 0))
    # Refused when she has no school that day (her enrolment ends first): nothing written.
    with contextlib.suppress(DomainError):
        absence_report(actor=SYSTEM, student=pupil, start=start, end=start + timedelta(hours=8))


def next_day(w: Any, clock: Clock, n: int) -> None:
    clock.next_day()


WRITES: dict[str, Write] = {
    f.__name__: f
    for f in (
        enrol_new_pupil,
        end_enrolment,
        cancel_enrolment,
        join_class,
        leave_class,
        rename,
        protect,
        add_guardian,
        end_guardian,
        hire,
        end_duty,
        mark_minutes,
        take_register,
        report_absence,
        next_day,
    )
}

rounds = st.lists(
    st.lists(st.tuples(st.sampled_from(sorted(WRITES)), st.integers(0, 20)), max_size=6),
    min_size=1,
    max_size=3,
)


def _clients(story: Any) -> dict[str, Api]:
    central, _ = make_client([story.koping], name="Köpings lärplattform")
    school, _ = make_client([story.scheeleskolan], name="Scheeleskolans schemasystem")
    return {"central": Api(token_for(central)), "school": Api(token_for(school))}


def _run(story: Any, clock: Clock, plan: list[list[tuple[str, int]]]) -> None:
    # Every run starts the day unrecorded, as a fresh process on a fresh database would.
    api_services._ended_recorded_through.clear()
    clients = _clients(story)
    # A lesson that began an hour ago (or at midnight, just after it), so its register is open.
    began = timezone.localtime(clock.moment) - timedelta(hours=1)
    at = time(began.hour, began.minute) if began.date() == clock.today() else time(0, 0)
    make_lesson(_mathematics(), clock.today(), at)
    since = {name: clock.now() for name in clients}
    mirrors = {name: crawl(api) for name, api in clients.items()}
    for round_ in plan:
        for name, n in round_:
            WRITES[name](story, clock, n)
        for name, api in clients.items():
            started = clock.now()
            sync(api, mirrors[name], since[name])
            since[name] = started
            fresh = crawl(api)
            for endpoint in ENDPOINTS:
                assert mirrors[name][endpoint] == fresh[endpoint], (
                    f"{name} {endpoint} after {round_}: "
                    f"missing {sorted(set(fresh[endpoint]) - set(mirrors[name][endpoint]))}, "
                    f"extra {sorted(set(mirrors[name][endpoint]) - set(fresh[endpoint]))}, "
                    "changed "
                    + str(
                        [
                            pk
                            for pk in fresh[endpoint]
                            if pk in mirrors[name][endpoint]
                            and mirrors[name][endpoint][pk] != fresh[endpoint][pk]
                        ]
                    )
                )


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param([[("end_enrolment", 0)]], id="an enrolment ends today"),
        pytest.param([[("end_enrolment", 8)]], id="an enrolment ended yesterday"),
        pytest.param([[("join_class", 0)]], id="a new class member"),
        pytest.param([[("leave_class", 1)], [("next_day", 0)]], id="a membership ends tonight"),
        pytest.param([[("end_enrolment", 1)], [("next_day", 0)]], id="an enrolment ends tonight"),
        pytest.param([[("protect", 0)]], id="protected identity set"),
        pytest.param([[("end_duty", 7)]], id="a duty ended"),
        pytest.param([[("enrol_new_pupil", 1), ("add_guardian", 0)]], id="a new pupil"),
        pytest.param([[("end_guardian", 1)], [("next_day", 0)]], id="a guardian link ends"),
        pytest.param([[("end_guardian", 7)]], id="a guardian link ended"),
        pytest.param([[("cancel_enrolment", 0)]], id="a cancelled enrolment"),
        pytest.param([[("rename", 0)]], id="a rename"),
        pytest.param([[("mark_minutes", 0), ("report_absence", 0)]], id="attendance"),
        pytest.param(
            [[("take_register", 0)], [("join_class", 0), ("take_register", 1)]],
            id="the teacher's register",
        ),
        pytest.param(
            [[("mark_minutes", 0), ("report_absence", 0)], [("protect", 0)]],
            id="a pupil with attendance is protected",
        ),
        pytest.param(
            [[("hire", 1)], [("end_duty", 1), ("next_day", 0)]], id="a new teacher leaves"
        ),
    ],
)
def test_an_incremental_sync_sees_what_a_crawl_sees(
    db: Any, s: Any, clock: Clock, plan: Any
) -> None:
    _run(s, clock, plan)


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=rounds)
def test_incremental_sync_reconstructs_a_full_crawl(
    db: Any, s: Any, clock: Clock, plan: Any
) -> None:
    start = clock.moment
    with transaction.atomic():
        try:
            _run(s, clock, plan)
        finally:
            transaction.set_rollback(True)
            clock.moment = start
