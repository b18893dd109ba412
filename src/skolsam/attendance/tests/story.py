"""Build a school day for the attendance tests.

Scheeleskolan has class 7B with pupils Alva, Hugo and Saga; Maria teaches them
mathematics today 08:30–09:30 and Lars mentors 7B. Alva's guardians are Karin (with an
e-mail address and a mobile) and Johan, whose custody ended last summer. Anders is rektor.
Ingrid teaches 7A at the same school and has nothing to do with 7B.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from skolsam.accounts.actor import actor_for_person
from skolsam.core.choices import AssignmentRoleType, DutyRole
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing import factories as f


def lesson(activity: Any, day: date, start: time = time(8, 30), minutes: int = 60) -> CalendarEvent:
    begin = calendar.at(day, start)
    return CalendarEvent.objects.create(
        activity=activity,
        organisation_id=activity.organisation_id,
        planned_date=day,
        date=day,
        start_time=begin,
        end_time=begin + timedelta(minutes=minutes),
        duration_minutes=minutes,
    )


@dataclass
class Day:
    school: Any
    group: Any
    pupils: list[Any]
    teacher: Any
    mentor: Any
    rektor: Any
    other_teacher: Any
    guardian: Any
    former_guardian: Any
    activity: Any
    lesson: Any

    def actor(self, person: Any, on: date | None = None) -> Any:
        return actor_for_person(person.pk, on=on or today())


def build_day(*, pupils: int = 3, day: date | None = None) -> Day:
    day = day or today()
    school = f.SchoolUnitFactory(display_name="Scheeleskolan", school_types=["GR", "GY"])
    group = f.GroupFactory(display_name="7B", organisation=school, start_date=date(2026, 1, 1))
    names = ["Alva", "Hugo", "Saga", "Elsa", "Noah", "Liam", "Maja"]
    members = []
    for i in range(pupils):
        pupil = f.PupilFactory(given_name=names[i % len(names)], family_name=f"Elev{i:02d}")
        f.EnrolmentFactory(person=pupil, enroled_at=school, start_date=date(2026, 1, 1))
        f.MembershipFactory(person=pupil, group=group, start_date=date(2026, 1, 1))
        members.append(pupil)
    guardian = f.PersonFactory(
        given_name="Karin",
        emails=[{"type": "Privat", "value": "karin@example.se"}],
        phone_numbers=[{"type": "Hem", "value": "070-1234567", "mobile": True}],
    )
    f.ResponsibleFactory(person=members[0], responsible=guardian)
    former = f.PersonFactory(
        given_name="Johan", emails=[{"type": "Privat", "value": "johan@example.se"}]
    )
    f.ResponsibleFactory(person=members[0], responsible=former, end_date=date(2026, 6, 30))
    teacher = f.DutyFactory(
        duty_at=school, person=f.PersonFactory(given_name="Maria"), signature="MARI"
    )
    activity = f.ActivityFactory(
        display_name="7B Matematik",
        organisation=school,
        groups=[group],
        start_date=date(2026, 1, 1),
    )
    f.ActivityTeacherFactory(activity=activity, duty=teacher)
    mentor = f.DutyFactory(duty_at=school, person=f.PersonFactory(given_name="Lars"))
    f.AssignmentRoleFactory(
        duty=mentor,
        group=group,
        assignment_role_type=AssignmentRoleType.MENTOR,
        start_date=date(2026, 1, 1),
    )
    rektor = f.DutyFactory(
        duty_at=school, duty_role=DutyRole.REKTOR, person=f.PersonFactory(given_name="Anders")
    )
    other = f.DutyFactory(duty_at=school, person=f.PersonFactory(given_name="Ingrid"))
    other_group = f.GroupFactory(
        display_name="7A", organisation=school, start_date=date(2026, 1, 1)
    )
    f.ActivityTeacherFactory(
        activity=f.ActivityFactory(
            organisation=school, groups=[other_group], start_date=date(2026, 1, 1)
        ),
        duty=other,
    )
    return Day(
        school=school,
        group=group,
        pupils=members,
        teacher=teacher.person,
        mentor=mentor.person,
        rektor=rektor.person,
        other_teacher=other.person,
        guardian=guardian,
        former_guardian=former,
        activity=activity,
        lesson=lesson(activity, day),
    )


def login(client: Any, person: Any) -> Any:
    user = f.UserFactory(person=person)
    client.force_login(user)
    return user


def login_with_two_factor(person: Any) -> Any:
    """Return a test client logged in as `person` with a verified second factor, as staff
    with a role that requires it (rektor, administrators) must be."""
    from skolsam.testing.auth import verified_client

    return verified_client(f.UserFactory(person=person))


def cells(html: str, text: str) -> list[str]:
    """Return the text of each cell in the first table row that mentions `text`."""
    import re
    from html import unescape

    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if text in row:
            found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            return [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]
    raise AssertionError(f"No table row mentions {text!r}")
