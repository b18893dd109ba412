"""Answer "who was in class 7B on 15 October" through the access layer."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.groups.selectors import group_members_on
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 8, 17)
OCTOBER_15 = date(2026, 10, 15)
TODAY = date(2026, 11, 22)


@pytest.fixture
def school():
    """Scheeleskolan's 7B on 15 October, seen from 22 November."""
    scheeleskolan = f.SchoolUnitFactory(display_name="Scheeleskolan")
    class_7b = f.GroupFactory(display_name="7B", organisation=scheeleskolan)
    class_7a = f.GroupFactory(display_name="7A", organisation=scheeleskolan)

    def pupil(name, *, enrolment_end=None, marking=SecurityMarking.INGEN, **membership):
        person = f.PupilFactory(given_name=name, family_name=name, security_marking=marking)
        f.EnrolmentFactory(person=person, enroled_at=scheeleskolan, end_date=enrolment_end)
        f.MembershipFactory(person=person, group=class_7b, **membership)
        return person

    people = {
        "stayed": pupil("Alva"),
        "left_on_the_15th": pupil("Bo", end_date=OCTOBER_15),
        "left_the_day_before": pupil("Cecilia", end_date=date(2026, 10, 14)),
        "joined_the_day_after": pupil("David", start_date=date(2026, 10, 16)),
        "joined_on_the_15th": pupil("Ebba", start_date=OCTOBER_15),
        # Moved to another municipality at the end of October: gone from the school today.
        "moved_away": pupil("Filip", end_date=date(2026, 10, 31), enrolment_end=date(2026, 10, 31)),
        "protected": pupil("Gun", marking=SecurityMarking.SKYDDAD_FOLKBOKFORING),
    }
    f.MembershipFactory(person=f.PupilFactory(given_name="Hanna"), group=class_7a)
    return scheeleskolan, class_7b, people


def names(persons) -> list[str]:
    return [p.given_name for p in persons]


def test_the_rektor_asks_who_was_in_7b_on_15_october(school):
    scheeleskolan, class_7b, _ = school
    rektor = f.staff_actor(scheeleskolan, role=DutyRole.REKTOR, on=TODAY)
    members = group_members_on(actor=rektor, group=class_7b, on=OCTOBER_15)
    # Inclusive ends; the pupil who has left since still counts; the protected pupil
    # never appears on a class list for the rektor.
    assert names(members) == ["Alva", "Bo", "Ebba", "Filip"]


def test_today_the_class_list_has_changed(school):
    scheeleskolan, class_7b, _ = school
    rektor = f.staff_actor(scheeleskolan, role=DutyRole.REKTOR, on=TODAY)
    assert names(group_members_on(actor=rektor, group=class_7b, on=TODAY)) == [
        "Alva",
        "David",
        "Ebba",
    ]


def test_only_named_staff_see_the_protected_pupil_on_the_list(school):
    scheeleskolan, class_7b, people = school
    mentor = f.PersonFactory(given_name="Mentor")
    duty = f.DutyFactory(person=mentor, duty_at=scheeleskolan)
    f.AssignmentRoleFactory(duty=duty, group=class_7b)
    f.AuthorisationFactory(person=people["protected"], staff=mentor)
    actor = actor_builder.actor_for_person(mentor.pk, on=TODAY)
    assert "Gun" in names(group_members_on(actor=actor, group=class_7b, on=OCTOBER_15))


def test_a_teacher_of_another_class_and_a_guardian_get_an_empty_list(school):
    scheeleskolan, class_7b, people = school
    other_teacher = f.PersonFactory()
    f.AssignmentRoleFactory(
        duty=f.DutyFactory(person=other_teacher, duty_at=scheeleskolan),
        group=f.GroupFactory(display_name="9C", organisation=scheeleskolan),
    )
    guardian = f.ResponsibleFactory(person=people["stayed"]).responsible
    for person in (other_teacher, guardian):
        actor = actor_builder.actor_for_person(person.pk, on=TODAY)
        assert not group_members_on(actor=actor, group=class_7b, on=OCTOBER_15).exists()


def test_a_rektor_elsewhere_gets_an_empty_list(school):
    _, class_7b, _ = school
    rektor = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR, on=TODAY)
    assert not group_members_on(actor=rektor, group=class_7b, on=OCTOBER_15).exists()
