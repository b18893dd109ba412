"""Build the register the administrators' page tests work in.

Köping runs Malmaskolan (förskoleklass, grundskola, fritidshem; classes 5A and 5B) and
Karlbergsskolan (grundskola only; class 6A) through its förvaltning; Arboga runs
Gäddgårdsskolan next door. In 5A go Alva, whose guardians are Erik (with phone and
e-mail) and Lena (skyddad folkbokföring, a teacher at Karlbergsskolan), and Bo; Saga in 5A has skyddad folkbokföring,
and one of Malmaskolan's two administrators is named to see where she is. Cecilia left 5A
a month ago. Every date hangs on today, so the story holds whenever the tests run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.test import Client

from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.demo.testnumbers import test_personnummer
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client

TODAY = today()
TERM_START = TODAY - timedelta(days=60)
KOPING = "1983"

# New persons typed into the forms take numbers the shared factories never hand out
# (they use children born 2010-2020 and adults born 1976-1995).
NEW_CHILDREN = test_personnummer(born_from=2021, born_to=2021)
NEW_ADULTS = test_personnummer(born_from=1996, born_to=2000)


def dashed(number: str) -> str:
    """Write a stored civic number the way an administrator types it."""
    return f"{number[:8]}-{number[8:]}"


@dataclass
class Register:
    koping: Any
    forvaltning: Any
    malmaskolan: Any
    karlbergsskolan: Any
    gaddgardsskolan: Any
    class_5a: Any
    class_5b: Any
    class_6a: Any
    alva: Any
    bo: Any
    saga: Any
    cecilia: Any
    erik: Any
    lena: Any
    person_in_arboga: Any
    school_administrator: Any
    authorised_administrator: Any
    central_administrator: Any
    teacher_of_5b: Any
    teacher_in_arboga: Any

    def client(self, user: Any) -> Client:
        """A browser logged in as `user`, two-factor verified as the middleware wants."""
        return verified_client(user)


def pupil_in(unit: Any, group: Any, *, school_year: int = 5, **person: Any) -> Any:
    pupil = f.PupilFactory(**person)
    f.EnrolmentFactory(
        person=pupil, enroled_at=unit, school_year=school_year, start_date=TERM_START
    )
    f.MembershipFactory(person=pupil, group=group, start_date=TERM_START)
    return pupil


def user_for(person: Any) -> Any:
    # No password: the tests log in with verified_client, and hashing one with Argon2
    # would cost a third of a second per user.
    return f.UserFactory(person=person, password=None)


def staff_user(unit: Any, role: str = DutyRole.SKOLADMINISTRATOR, **person: Any) -> Any:
    user = user_for(f.PersonFactory(**person))
    f.DutyFactory(person=user.person, duty_at=unit, duty_role=role, start_date=TERM_START)
    return user


def build_register() -> Register:
    koping = f.HuvudmanFactory(
        display_name="Köpings kommun", municipality_code=KOPING, home_municipality_code=KOPING
    )
    forvaltning = f.ForvaltningFactory(
        display_name="Barn- och utbildningsförvaltningen", parent=koping
    )
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan", parent=forvaltning)
    karlbergsskolan = f.SchoolUnitFactory(
        display_name="Karlbergsskolan", parent=forvaltning, school_types=["GR"]
    )
    gaddgardsskolan = f.SchoolUnitFactory(display_name="Gäddgårdsskolan")
    class_5a = f.GroupFactory(display_name="5A", organisation=malmaskolan, start_date=TERM_START)
    class_5b = f.GroupFactory(display_name="5B", organisation=malmaskolan, start_date=TERM_START)
    class_6a = f.GroupFactory(
        display_name="6A", organisation=karlbergsskolan, start_date=TERM_START
    )

    alva = pupil_in(malmaskolan, class_5a, given_name="Alva", family_name="Lindqvist")
    bo = pupil_in(malmaskolan, class_5a, given_name="Bo", family_name="Berg")
    saga = pupil_in(
        malmaskolan,
        class_5a,
        given_name="Saga",
        family_name="Holm",
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
    )
    cecilia = f.PupilFactory(given_name="Cecilia", family_name="Dahl")
    f.EnrolmentFactory(person=cecilia, enroled_at=malmaskolan, start_date=TERM_START)
    f.MembershipFactory(
        person=cecilia,
        group=class_5a,
        start_date=TERM_START,
        end_date=TODAY - timedelta(days=30),
    )
    erik = f.PersonFactory(
        given_name="Erik",
        family_name="Lindqvist",
        phone_numbers=[{"type": "Hem", "value": "070-111 22 33", "mobile": True}],
        emails=[{"type": "Privat", "value": "erik.lindqvist@example.se"}],
    )
    lena = f.PersonFactory(
        given_name="Lena",
        family_name="Lindqvist",
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
        phone_numbers=[{"type": "Hem", "value": "070-999 88 77", "mobile": True}],
        emails=[{"type": "Privat", "value": "lena.hemlig@example.se"}],
    )
    # Lena works at Karlbergsskolan, so the central administrator sees that she exists.
    f.DutyFactory(person=lena, duty_at=karlbergsskolan, start_date=TERM_START)
    f.ResponsibleFactory(person=alva, responsible=erik, start_date=date(2015, 1, 1))
    f.ResponsibleFactory(person=alva, responsible=lena, start_date=date(2015, 1, 1))

    person_in_arboga = f.PersonFactory(given_name="Arvid", family_name="Ek")
    f.DutyFactory(person=person_in_arboga, duty_at=gaddgardsskolan, start_date=TERM_START)

    school_administrator = staff_user(malmaskolan, given_name="Maria", family_name="Admin")
    authorised_administrator = staff_user(malmaskolan, given_name="Nils", family_name="Named")
    f.AuthorisationFactory(
        person=saga, staff=authorised_administrator.person, start_date=TERM_START
    )
    central_administrator = staff_user(forvaltning, given_name="Cilla", family_name="Central")
    teacher_of_5b = user_for(f.PersonFactory(given_name="Tove", family_name="Lärare"))
    duty = f.DutyFactory(
        person=teacher_of_5b.person,
        duty_at=malmaskolan,
        duty_role=DutyRole.LARARE,
        start_date=TERM_START,
    )
    f.AssignmentRoleFactory(duty=duty, group=class_5b, start_date=TERM_START)
    teacher_in_arboga = staff_user(gaddgardsskolan, role=DutyRole.LARARE)

    return Register(
        koping=koping,
        forvaltning=forvaltning,
        malmaskolan=malmaskolan,
        karlbergsskolan=karlbergsskolan,
        gaddgardsskolan=gaddgardsskolan,
        class_5a=class_5a,
        class_5b=class_5b,
        class_6a=class_6a,
        alva=alva,
        bo=bo,
        saga=saga,
        cecilia=cecilia,
        erik=erik,
        lena=lena,
        person_in_arboga=person_in_arboga,
        school_administrator=school_administrator,
        authorised_administrator=authorised_administrator,
        central_administrator=central_administrator,
        teacher_of_5b=teacher_of_5b,
        teacher_in_arboga=teacher_in_arboga,
    )


def row_counts() -> dict[str, int]:
    """Count the rows the forms write, to show that a refused form wrote nothing."""
    from skolsam.audit.models import AuditEntry
    from skolsam.duties.models import AssignmentRole, Duty
    from skolsam.enrolment.models import Enrolment
    from skolsam.groups.models import Group, GroupMembership
    from skolsam.people.models import Person, Responsible

    models = (Person, Responsible, Enrolment, GroupMembership, Group, Duty, AssignmentRole)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["AuditEntry writes"] = AuditEntry.objects.exclude(
        action__in=["person.view", "person.edit_form", "group.list", "school_unit.pupils"]
    ).count()
    return counts
