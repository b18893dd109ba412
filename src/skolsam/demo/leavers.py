"""Last school year's year 9 at Centralskolan: the leavers whose slutbetyg the demo shows.

The generated register holds this school year only, so no pupil in it has finished year 9.
A slutbetyg needs one who has: this module registers a class of them, as the school's
administrator would have done, through the register's services:

- `LEAVERS` pupils, each with one guardian, enrolled at Centralskolan from the autumn
  they started year 7 to the last day of the spring term they finished year 9;
- their class ("9A 25/26" in the demo year 2026/27) for that last school year, and a
  språkval group for the half of them who read moderna språk (spanska);
- the class's activities that school year, one per subject, taught by the teachers who
  teach today's 9A the same subject (where their duty reaches back that far), and the
  moderna språk activity, taught by the English teacher.

The grades module gives them their term grades of that autumn and their final grades of
that spring (grades/demo.py); the rektor issues their slutbetyg in the demo. Idempotent: a
second load finds the class and adds nothing. The numbers are Skatteverket's test
personnummer not used elsewhere in the demo, so a leaver is never someone in the
generated register.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.activities.services import activity_create
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.curriculum.models import Syllabus
from skolsam.demo.generator import term_end, term_start
from skolsam.demo.names import BOYS, FAMILY_NAMES, GIRLS, MEN, WOMEN
from skolsam.demo.testnumbers import reserved_for_import_example, test_personnummer
from skolsam.duties.models import Duty
from skolsam.groups.models import Group
from skolsam.groups.services import group_create, group_membership_add
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person
from skolsam.people.services import PersonDetails
from skolsam.registration.services import pupil_register

UNIT = "koping/centralskolan"
CLASS = "9A"
LEAVERS = 20
# Moderna språk as språkval: the first half of the class (the rest read extra Swedish and
# English, which gives no grade of its own).
LANGUAGE_READERS = LEAVERS // 2
LANGUAGE_SYLLABUS = "GRGRMSP01"
# The activity the moderna språk teacher is taken from when today's class reads none.
LANGUAGE_TEACHER_FROM = "GRGRENG01"
KEY = f"leavers:{UNIT}"
# grades/demo.py's teacher without a licence: not one of the leavers' teachers.
UNLICENSED = f"teaches:{UNIT}/9A/GRGRMAT01"


@dataclass(frozen=True)
class Leavers:
    """The leavers' class, their last school year and the activities of that year."""

    group_id: UUID
    start: date
    end: date


def leaver_year(school_year: int) -> tuple[date, date]:
    """Return the first and last day of the school year before `school_year`'s."""
    return term_start(school_year - 1), term_end(school_year)


def _unused_numbers(born: int, count: int, taken: set[str]) -> list[str]:
    numbers = [
        n
        for n in test_personnummer(born_from=born, born_to=born)
        if n not in taken and n not in reserved_for_import_example()
    ]
    if len(numbers) < count:
        raise RuntimeError(
            f"Skatteverkets testlista räcker inte för {count} personer födda {born}."
        )
    return numbers


def _is_male(number: str) -> bool:
    return int(number[10]) % 2 == 1


def _teacher_duty(
    unit_id: UUID, syllabus_id: UUID, on: date, then: date, skip: UUID | None
) -> Duty | None:
    """A teacher of the subject at the unit today whose duty reached back to `then`.

    Today's 9A teacher first, then the other classes' (9B, 8A, ...): the leavers' teacher
    of the subject was one of them. `skip` is the teacher without a licence (grades/demo.py),
    whose grades would wait for a co-signer.
    """
    teaching = (
        ActivityTeacher.objects.filter(
            valid_on(on, "activity__"),
            activity__organisation_id=unit_id,
            activity__syllabus_id=syllabus_id,
            duty__start_date__lte=then,
        )
        .exclude(duty__person_id__in=[skip] if skip else [])
        .select_related("duty__duty_at", "activity")
        .order_by("-activity__display_name")
    )
    found = list(teaching)
    found.sort(key=lambda t: not t.activity.display_name.startswith(f"{CLASS} "))
    return found[0].duty if found else None


def demo_leavers_load(*, named: dict[str, Any], school_year: int) -> Leavers | None:
    """Register last school year's year 9 at Centralskolan once (see the module's docstring)."""
    unit_id = named.get(f"org:{UNIT}")
    admin_id = named.get(f"admin:{UNIT}")
    if unit_id is None or admin_id is None:
        return None
    start, end = leaver_year(school_year)
    name = f"{CLASS} {start.year % 100}/{end.year % 100}"
    existing = Group.objects.filter(organisation_id=unit_id, display_name=name).first()
    if existing is not None:
        named[KEY] = existing.pk
        return Leavers(existing.pk, start, end)
    day = today()
    # As the administrator on the days it was done: the pupils registered when they began
    # year 7, the class and activities made when their last school year began. (Today the
    # administrator could no longer change a departed pupil's relations.)
    enrolled = term_start(school_year - 3)
    registering = actor_for_person(admin_id, on=enrolled)
    admin = actor_for_person(admin_id, on=start)
    unit = Organisation.objects.get(pk=unit_id)
    rng = random.Random(9)
    taken = {n for n in Person.objects.values_list("civic_no", flat=True) if n}
    pupils_born = end.year - 16  # year 9 is the autumn of the year one turns 15
    pupil_numbers = rng.sample(_unused_numbers(pupils_born, LEAVERS, taken), LEAVERS)
    guardian_numbers = rng.sample(
        [n for b in range(1976, 1986) for n in _unused_numbers(b, 0, taken)], LEAVERS
    )
    group = group_create(
        actor=admin,
        organisation=unit,
        display_name=name,
        group_type=GroupType.KLASS,
        start_date=start,
        end_date=end,
        school_type=SchoolType.GR,
    )
    language = group_create(
        actor=admin,
        organisation=unit,
        display_name=f"Spanska 9 {start.year % 100}/{end.year % 100}",
        group_type=GroupType.UNDERVISNING,
        start_date=start,
        end_date=end,
        school_type=SchoolType.GR,
    )
    for i, (number, parent) in enumerate(zip(pupil_numbers, guardian_numbers, strict=True)):
        family = rng.choice(FAMILY_NAMES)
        pupil = PersonDetails(
            given_name=rng.choice(BOYS if _is_male(number) else GIRLS),
            family_name=family,
            civic_no=number,
        )
        guardian = PersonDetails(
            given_name=rng.choice(MEN if _is_male(parent) else WOMEN),
            family_name=family,
            civic_no=parent,
        )
        registration = pupil_register(
            actor=registering,
            pupil=pupil,
            guardians=[guardian],
            school_unit=unit,
            school_type=SchoolType.GR,
            start_date=enrolled,
            end_date=end,
            school_year=9,
        )
        for joined in (group, language) if i < LANGUAGE_READERS else (group,):
            group_membership_add(
                actor=admin, group=joined, person=registration.pupil, start_date=start, end_date=end
            )
    # Today's 9A subjects, each taught that year by whoever teaches it today.
    subjects = (
        Activity.objects.filter(
            valid_on(day),
            organisation_id=unit_id,
            display_name__startswith=f"{CLASS} ",
            syllabus__isnull=False,
        )
        .select_related("syllabus")
        .order_by("display_name")
    )
    then = end - timedelta(weeks=3)
    unlicensed = named.get(UNLICENSED)
    for activity in subjects:
        syllabus = activity.syllabus
        assert syllabus is not None
        duty = _teacher_duty(unit_id, syllabus.pk, day, then, unlicensed)
        if duty is None:
            continue
        activity_create(
            actor=admin,
            organisation=unit,
            display_name=f"{name} {syllabus.subject_name}",
            groups=[group],
            teachers=[duty],
            start_date=start,
            end_date=end,
            syllabus=syllabus,
        )
    spanish = Syllabus.objects.filter(subject_code=LANGUAGE_SYLLABUS, course_code="").first()
    english = Syllabus.objects.filter(subject_code=LANGUAGE_TEACHER_FROM, course_code="").first()
    duty = _teacher_duty(unit_id, english.pk, day, then, unlicensed) if english else None
    if spanish is not None and duty is not None:
        activity_create(
            actor=admin,
            organisation=unit,
            display_name=f"{language.display_name} Moderna språk",
            groups=[language],
            teachers=[duty],
            start_date=start,
            end_date=end,
            syllabus=spanish,
        )
    named[KEY] = group.pk
    return Leavers(group.pk, start, end)
