"""Answer "where was this pupil enrolled on a day" through the access layer."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.enrolment.selectors import person_enrolments_on
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db

OCTOBER_15 = date(2026, 10, 15)
TODAY = date(2026, 11, 22)


@pytest.fixture
def region():
    koping = f.HuvudmanFactory(municipality_code="1983", home_municipality_code="1983")
    arboga = f.HuvudmanFactory(municipality_code="1984", home_municipality_code="1984")
    return {
        "koping": koping,
        "scheeleskolan": f.SchoolUnitFactory(display_name="Scheeleskolan", parent=koping),
        "arboga": arboga,
        "gaddgardsskolan": f.SchoolUnitFactory(display_name="Gäddgårdsskolan", parent=arboga),
    }


def schools(enrolments) -> list[str]:
    return [e.enroled_at.display_name for e in enrolments]


def test_a_pupil_who_changed_school_on_1_november(region):
    pupil = f.PupilFactory(home_municipality_code="1983")
    f.EnrolmentFactory(
        person=pupil, enroled_at=region["scheeleskolan"], end_date=date(2026, 10, 31)
    )
    f.EnrolmentFactory(
        person=pupil, enroled_at=region["gaddgardsskolan"], start_date=date(2026, 11, 1)
    )
    koping_rektor = f.staff_actor(region["scheeleskolan"], role=DutyRole.REKTOR, on=TODAY)
    arboga_rektor = f.staff_actor(region["gaddgardsskolan"], role=DutyRole.REKTOR, on=TODAY)
    hemkommun = f.staff_actor(region["koping"], role=DutyRole.OVRIG_ARBETSLEDNING, on=TODAY)

    def ask(actor, on):
        return schools(person_enrolments_on(actor=actor, person=pupil, on=on))

    # Köping's rektor still answers for 15 October, but does not see the Arboga school.
    assert ask(koping_rektor, OCTOBER_15) == ["Scheeleskolan"]
    assert ask(koping_rektor, TODAY) == []
    # Arboga's rektor sees only its own enrolment.
    assert ask(arboga_rektor, OCTOBER_15) == []
    assert ask(arboga_rektor, TODAY) == ["Gäddgårdsskolan"]
    # The home municipality follows its resident to the other municipality's school.
    assert ask(hemkommun, OCTOBER_15) == ["Scheeleskolan"]
    assert ask(hemkommun, TODAY) == ["Gäddgårdsskolan"]
    # The pupil and the guardian see both.
    guardian = f.ResponsibleFactory(person=pupil).responsible
    for person in (pupil, guardian):
        actor = actor_builder.actor_for_person(person.pk, on=TODAY)
        assert ask(actor, TODAY) == ["Gäddgårdsskolan"]
        assert ask(actor, OCTOBER_15) == ["Scheeleskolan"]


def test_cancelled_enrolments_are_not_listed(region):
    pupil = f.PupilFactory()
    f.EnrolmentFactory(person=pupil, enroled_at=region["scheeleskolan"], cancelled=True)
    rektor = f.staff_actor(region["scheeleskolan"], role=DutyRole.REKTOR, on=TODAY)
    assert not person_enrolments_on(actor=rektor, person=pupil, on=OCTOBER_15).exists()


def test_a_protected_pupils_school_is_shown_only_to_named_staff(region):
    school = region["scheeleskolan"]
    pupil = f.PupilFactory(security_marking=SecurityMarking.SEKRETESSMARKERING)
    f.EnrolmentFactory(person=pupil, enroled_at=school)
    central = f.staff_actor(region["koping"], role=DutyRole.OVRIG_ARBETSLEDNING, on=TODAY)
    rektor = f.staff_actor(school, role=DutyRole.REKTOR, on=TODAY)
    guardian = actor_builder.actor_for_person(
        f.ResponsibleFactory(person=pupil).responsible_id, on=TODAY
    )
    named = f.PersonFactory()
    f.DutyFactory(person=named, duty_at=school)
    f.AuthorisationFactory(person=pupil, staff=named)
    for actor in (central, rektor, guardian):
        assert not person_enrolments_on(actor=actor, person=pupil, on=OCTOBER_15).exists()
    for actor in (
        actor_builder.actor_for_person(named.pk, on=TODAY),
        actor_builder.actor_for_person(pupil.pk),
    ):
        assert schools(person_enrolments_on(actor=actor, person=pupil, on=OCTOBER_15)) == [
            "Scheeleskolan"
        ]


def test_a_teacher_sees_only_the_pupils_of_their_groups(region):
    school = region["scheeleskolan"]
    in_my_class, elsewhere = f.PupilFactory(), f.PupilFactory()
    class_7b = f.GroupFactory(organisation=school)
    for pupil in (in_my_class, elsewhere):
        f.EnrolmentFactory(person=pupil, enroled_at=school)
    f.MembershipFactory(person=in_my_class, group=class_7b)
    teacher = f.PersonFactory()
    f.AssignmentRoleFactory(duty=f.DutyFactory(person=teacher, duty_at=school), group=class_7b)
    actor = actor_builder.actor_for_person(teacher.pk, on=TODAY)
    assert person_enrolments_on(actor=actor, person=in_my_class, on=OCTOBER_15).exists()
    assert not person_enrolments_on(actor=actor, person=elsewhere, on=OCTOBER_15).exists()
