"""Prove the access rules the matrix cannot show: history, 404s, boundaries, hemkommun."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.http import Http404

from skolsam.accounts import actor as actor_builder
from skolsam.core import access
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.policy import Action
from skolsam.enrolment import access as enrolment_access
from skolsam.groups import access as groups_access
from skolsam.organisations import access as organisations_access
from skolsam.people import access as people_access
from skolsam.testing import factories as f
from skolsam.testing.story import ARBOGA, KOPING, ON

pytestmark = pytest.mark.django_db

DAY_BEFORE = ON - timedelta(days=1)
DAY_AFTER = ON + timedelta(days=1)


def sees(person_id, person, on=ON) -> bool:
    actor = actor_builder.actor_for_person(person_id, on=on)
    return people_access.persons_visible_to(actor).filter(pk=person.pk).exists()


# --- forbidden answers like missing --------------------------------------------------


@pytest.mark.parametrize(
    "bad_id",
    ["", "not-a-uuid", "1 OR 1=1", "12345", None, 42, "0" * 31, str(uuid.uuid4())],
    ids=["empty", "text", "sql", "digits", "none", "int", "short-hex", "missing"],
)
def test_malformed_and_missing_ids_answer_404(story, bad_id):
    actor = actor_builder.actor_for_person(story.rektor_at_scheeleskolan.pk, on=ON)
    with pytest.raises(Http404, match="Personen finns inte"):
        people_access.person_for_actor(actor, bad_id)
    with pytest.raises(Http404, match="Gruppen finns inte"):
        groups_access.group_for_actor(actor, bad_id)
    with pytest.raises(Http404, match="Organisationen finns inte"):
        organisations_access.organisation_for_actor(actor, bad_id)


def test_forbidden_objects_answer_exactly_like_missing_ones(story):
    teacher = actor_builder.actor_for_person(story.teacher_of_7b.pk, on=ON)
    missing = str(uuid.uuid4())

    def message(fn, pk):
        with pytest.raises(Http404) as caught:
            fn(teacher, pk)
        return str(caught.value)

    for fn, forbidden in [
        (people_access.person_for_actor, story.pupil_in_arboga.pk),
        (people_access.person_for_actor, story.protected_pupil_in_7b.pk),
        (groups_access.group_for_actor, story.groups["8A"].pk),
        (groups_access.group_for_actor, story.groups["7A"].pk),
        (organisations_access.organisation_for_actor, story.gaddgardsskolan.pk),
    ]:
        assert message(fn, forbidden) == message(fn, missing)
        assert message(fn, str(forbidden)) == message(fn, missing)
    # ... while the objects the teacher may see come back, by UUID or by string.
    assert people_access.person_for_actor(teacher, str(story.pupil_in_7b.pk)) == story.pupil_in_7b
    assert groups_access.group_for_actor(teacher, story.groups["7B"].pk) == story.groups["7B"]


def test_nobody_without_a_person_sees_anyone(story):
    inactive = f.UserFactory(person=story.central_admin_koping, username="slutat", is_active=False)
    for actor in (
        actor_builder.actor_for_user(story.users["user_without_person"], on=ON),
        actor_builder.actor_for_user(inactive, on=ON),
        actor_builder.actor_for_user(object(), on=ON),
        access.system_actor("import"),
    ):
        assert not people_access.persons_visible_to(actor).exists()
        assert not groups_access.memberships_visible_to(actor).exists()
        assert not enrolment_access.enrolments_visible_to(actor).exists()


def test_a_logged_in_user_gets_the_roles_of_their_person(story):
    user = f.UserFactory(person=story.rektor_at_scheeleskolan, username="anders")
    actor = actor_builder.actor_for_user(user, on=ON)
    assert actor.user_id == user.pk and actor.person_id == story.rektor_at_scheeleskolan.pk
    assert actor.is_admin and not actor.is_central_admin
    assert DutyRole.REKTOR in actor.roles
    assert people_access.person_for_actor(actor, story.pupil_in_7a.pk) == story.pupil_in_7a


def test_teacher_search_never_finds_a_protected_pupil(story):
    for role in (
        "teacher_of_7b",
        "mentor_of_7b",
        "rektor_at_scheeleskolan",
        "kurator_at_scheeleskolan",
    ):
        actor = actor_builder.actor_for_person(story.people[role].pk, on=ON)
        found = people_access.persons_visible_to(actor).filter(given_name="Elsa")
        assert not found.exists(), role
        assert (
            not groups_access.memberships_visible_to(actor)
            .filter(person__given_name="Elsa")
            .exists()
        )


# --- history: inclusive end, no future grants -------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "granted"),
    [
        (date(2020, 1, 1), ON, True),  # ends today: still valid (inclusive end)
        (date(2020, 1, 1), DAY_BEFORE, False),  # ended yesterday
        (ON, None, True),  # starts today
        (DAY_AFTER, None, False),  # starts tomorrow: not yet
    ],
    ids=["ends-today", "ended-yesterday", "starts-today", "starts-tomorrow"],
)
def test_duty_periods(story, start, end, granted):
    rektor = f.PersonFactory(given_name="Vikarierande rektor")
    f.DutyFactory(
        person=rektor,
        duty_at=story.ullviskolan,
        duty_role=DutyRole.REKTOR,
        start_date=start,
        end_date=end,
    )
    actor = actor_builder.actor_for_person(rektor.pk, on=ON)
    assert (
        people_access.persons_visible_to(actor).filter(pk=story.pupil_at_ullviskolan.pk).exists()
        == granted
    )
    assert (
        organisations_access.organisation_policy.can(actor, Action.CHANGE, story.ullviskolan)
        == granted
    )
    # The rektor always sees themself, duty or not.
    assert people_access.person_for_actor(actor, rektor.pk) == rektor


@pytest.mark.parametrize(
    ("start", "end", "granted"),
    [
        (date(2015, 1, 1), ON, True),
        (date(2015, 1, 1), DAY_BEFORE, False),
        (ON, None, True),
        (DAY_AFTER, None, False),
    ],
    ids=["ends-today", "ended-yesterday", "starts-today", "starts-tomorrow"],
)
def test_custody_periods(story, start, end, granted):
    guardian = f.PersonFactory(given_name="Ny vårdnadshavare")
    f.ResponsibleFactory(
        person=story.pupil_in_7a, responsible=guardian, start_date=start, end_date=end
    )
    assert sees(guardian.pk, story.pupil_in_7a) == granted


def test_actor_as_of_a_date_follows_custody_history(story):
    guardian = story.guardian_whose_custody_ended  # custody ended 30 June 2026
    child = story.pupil_in_7b
    assert sees(guardian.pk, child, on=date(2026, 6, 30))
    assert not sees(guardian.pk, child, on=date(2026, 7, 1))
    assert not sees(guardian.pk, child, on=date(2009, 12, 31))  # before custody began


@pytest.mark.parametrize(
    ("end", "granted"),
    [(ON, True), (DAY_BEFORE, False)],
    ids=["membership-ends-today", "membership-ended-yesterday"],
)
def test_membership_end_stops_the_teachers_view(story, end, granted):
    pupil = f.PupilFactory(given_name="Vera")
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan)
    f.MembershipFactory(person=pupil, group=story.groups["7B"], end_date=end)
    assert sees(story.teacher_of_7b.pk, pupil) == granted
    assert sees(story.mentor_of_7b.pk, pupil) == granted
    # The rektor sees the pupil through the enrolment, whatever the class.
    assert sees(story.rektor_at_scheeleskolan.pk, pupil)


def test_assignment_role_and_activity_periods(story):
    mentor = f.PersonFactory(given_name="Blivande mentor")
    duty = f.DutyFactory(person=mentor, duty_at=story.scheeleskolan)
    f.AssignmentRoleFactory(duty=duty, group=story.groups["7A"], start_date=DAY_AFTER)
    teacher = f.PersonFactory(given_name="Tidigare lärare")
    f.ActivityTeacherFactory(
        duty=f.DutyFactory(person=teacher, duty_at=story.scheeleskolan),
        activity=f.ActivityFactory(
            organisation=story.scheeleskolan, groups=[story.groups["7A"]], end_date=DAY_BEFORE
        ),
    )
    for person in (mentor, teacher):
        assert not sees(person.pk, story.pupil_in_7a, on=ON)
    assert sees(mentor.pk, story.pupil_in_7a, on=DAY_AFTER)
    assert sees(teacher.pk, story.pupil_in_7a, on=DAY_BEFORE)


def test_ended_enrolment_stops_the_rektors_view(story):
    pupil = f.PupilFactory(given_name="Otto")
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, end_date=DAY_BEFORE)
    assert sees(story.rektor_at_scheeleskolan.pk, pupil, on=DAY_BEFORE)
    assert not sees(story.rektor_at_scheeleskolan.pk, pupil, on=ON)


def test_cancelled_enrolment_grants_nothing(story):
    pupil = f.PupilFactory(given_name="Tindra")
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, cancelled=True)
    assert not sees(story.rektor_at_scheeleskolan.pk, pupil)
    assert not sees(story.central_admin_koping.pk, pupil)


# --- huvudman boundaries ---------------------------------------------------------------


def test_a_group_in_another_huvudman_grants_nothing(story):
    # Arboga registers a Köping teacher's duty as mentor of its class 8A by mistake.
    f.AssignmentRoleFactory(duty=story.mentor_of_7b.duties.get(), group=story.groups["8A"])
    f.ActivityTeacherFactory(
        duty=story.teacher_of_7b.duties.get(),
        activity=f.ActivityFactory(organisation=story.gaddgardsskolan, groups=[story.groups["8A"]]),
    )
    for teacher in (story.mentor_of_7b, story.teacher_of_7b):
        actor = actor_builder.actor_for_person(teacher.pk, on=ON)
        assert story.groups["8A"].pk not in actor.group_ids
        assert (
            not people_access.persons_visible_to(actor).filter(pk=story.pupil_in_arboga.pk).exists()
        )
        with pytest.raises(Http404):
            groups_access.group_for_actor(actor, story.groups["8A"].pk)


def test_a_group_member_enrolled_elsewhere_stays_hidden_from_the_teacher(story):
    # A pupil of Arboga is put into Köping's class 7B without an enrolment in Köping.
    f.MembershipFactory(person=story.pupil_in_arboga, group=story.groups["7B"])
    assert not sees(story.teacher_of_7b.pk, story.pupil_in_arboga)
    teacher = actor_builder.actor_for_person(story.teacher_of_7b.pk, on=ON)
    assert (
        not groups_access.memberships_visible_to(teacher)
        .filter(person=story.pupil_in_arboga)
        .exists()
    )


def test_a_guardian_who_is_an_administrator_elsewhere_cannot_edit_their_child(story):
    # The rektor at Scheeleskolan has a child at school in Arboga.
    rektor = story.rektor_at_scheeleskolan
    f.ResponsibleFactory(person=story.pupil_in_arboga, responsible=rektor)
    actor = actor_builder.actor_for_person(rektor.pk, on=ON)
    assert people_access.person_for_actor(actor, story.pupil_in_arboga.pk) == story.pupil_in_arboga
    assert not people_access.may_edit_person(actor, story.pupil_in_arboga)
    assert people_access.may_edit_person(actor, story.pupil_in_7a)


def test_authorisation_does_not_follow_staff_to_another_huvudman(story):
    teacher = f.PersonFactory(given_name="Flyttad lärare")
    f.DutyFactory(person=teacher, duty_at=story.scheeleskolan, end_date=date(2026, 9, 30))
    f.DutyFactory(person=teacher, duty_at=story.gaddgardsskolan, start_date=date(2026, 10, 1))
    f.AuthorisationFactory(person=story.protected_pupil_in_7b, staff=teacher)
    protected = story.protected_pupil_in_7b
    before = actor_builder.actor_for_person(teacher.pk, on=date(2026, 9, 30))
    after = actor_builder.actor_for_person(teacher.pk, on=ON)
    assert people_access.person_for_actor(before, protected.pk) == protected
    assert access.may_see_location(before, protected)
    with pytest.raises(Http404):
        people_access.person_for_actor(after, protected.pk)
    assert not access.may_see_location(after, protected)


def test_authorisation_needs_a_current_duty_and_a_valid_period(story):
    protected = story.protected_pupil_in_7b
    former = f.PersonFactory(given_name="Före detta personal")
    f.DutyFactory(person=former, duty_at=story.scheeleskolan, end_date=DAY_BEFORE)
    f.AuthorisationFactory(person=protected, staff=former)
    expired = f.PersonFactory(given_name="Utgånget beslut")
    f.DutyFactory(person=expired, duty_at=story.scheeleskolan)
    f.AuthorisationFactory(person=protected, staff=expired, end_date=DAY_BEFORE)
    guardian_named = f.PersonFactory(given_name="Namngiven förälder")  # no duty at all
    f.AuthorisationFactory(person=protected, staff=guardian_named)
    for person in (former, expired, guardian_named):
        actor = actor_builder.actor_for_person(person.pk, on=ON)
        assert protected.pk not in actor.authorised_protected_ids
        assert not people_access.persons_visible_to(actor).filter(pk=protected.pk).exists()


# --- protected identity ----------------------------------------------------------------


def test_protected_pupil_sees_themself_with_location(story):
    protected = story.protected_pupil_in_7b
    actor = actor_builder.actor_for_person(protected.pk, on=ON)
    assert people_access.person_for_actor(actor, protected.pk) == protected
    assert access.may_see_location(actor, protected)


def test_guardian_of_protected_pupil_sees_the_child_but_not_its_location(story):
    actor = actor_builder.actor_for_person(story.guardian_of_protected_pupil.pk, on=ON)
    child = people_access.person_for_actor(actor, story.protected_pupil_in_7b.pk)
    assert not access.may_see_location(actor, child)
    assert not enrolment_access.enrolments_visible_to(actor).exists()


def test_protected_pupils_guardian_is_not_reachable_through_the_school(story):
    for role in ("teacher_of_7b", "rektor_at_scheeleskolan", "authorised_teacher_of_7b"):
        assert not sees(story.people[role].pk, story.guardian_of_protected_pupil), role


def test_a_protected_guardian_stays_hidden_while_the_child_is_visible(story):
    guardian = f.PersonFactory(
        given_name="Skyddad förälder", security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    f.ResponsibleFactory(person=story.pupil_in_7a, responsible=guardian)
    assert sees(story.rektor_at_scheeleskolan.pk, story.pupil_in_7a)
    assert not sees(story.rektor_at_scheeleskolan.pk, guardian)
    # ... and the protected guardian still sees their own child.
    assert sees(guardian.pk, story.pupil_in_7a)


def test_protected_colleague_is_hidden_from_colleagues(story):
    colleague = f.PersonFactory(
        given_name="Skyddad kollega", security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    f.DutyFactory(person=colleague, duty_at=story.scheeleskolan)
    assert not sees(story.teacher_of_7b.pk, colleague)
    assert not sees(story.rektor_at_scheeleskolan.pk, colleague)
    assert sees(story.central_admin_koping.pk, colleague)


def test_location_is_shown_only_to_named_staff_and_the_person(story):
    protected = story.protected_pupil_in_7b
    for role, allowed in [
        ("authorised_teacher_of_7b", True),
        ("protected_pupil_in_7b", True),
        ("central_admin_koping", False),
        ("guardian_of_protected_pupil", False),
        ("teacher_of_7b", False),
    ]:
        actor = actor_builder.actor_for_person(story.people[role].pk, on=ON)
        assert access.may_see_location(actor, protected) is allowed, role
    # Unprotected persons carry no location restriction of their own.
    anyone = actor_builder.actor_for_person(story.pupil_in_arboga.pk, on=ON)
    assert access.may_see_location(anyone, story.pupil_in_7a)


# --- guardians and colleagues ----------------------------------------------------------


def test_guardians_see_only_their_own_children(story):
    actor = actor_builder.actor_for_person(story.guardian_of_pupil_in_7b.pk, on=ON)
    assert set(people_access.persons_visible_to(actor)) == {
        story.guardian_of_pupil_in_7b,
        story.pupil_in_7b,
    }
    assert not groups_access.groups_visible_to(actor).exists()
    assert not organisations_access.organisations_visible_to(actor).exists()


def test_a_colleagues_own_guardian_is_not_shown_to_the_school(story):
    # A young fritidspedagog at Scheeleskolan has a god man; the school has no business there.
    god_man = f.PersonFactory(given_name="God man")
    f.ResponsibleFactory(
        person=story.colleague_at_scheeleskolan, responsible=god_man, relation_type="God man"
    )
    assert not sees(story.rektor_at_scheeleskolan.pk, god_man)
    # The guardian of a pupil is shown, as before.
    assert sees(story.rektor_at_scheeleskolan.pk, story.guardian_of_pupil_in_7b)


# --- hemkommun ------------------------------------------------------------------------


def _resident(**enrolment):
    resident = f.PupilFactory(given_name="Invånare", home_municipality_code=KOPING)
    if enrolment:
        f.EnrolmentFactory(person=resident, **enrolment)
    return resident


def test_hemkommun_sees_residents_who_are_or_were_enrolled_anywhere(story):
    now = _resident(enroled_at=story.gaddgardsskolan)
    earlier = _resident(
        enroled_at=story.gaddgardsskolan, start_date=date(2020, 8, 17), end_date=date(2025, 6, 13)
    )
    for resident in (now, earlier):
        assert sees(story.central_admin_koping.pk, resident)


def test_hemkommun_does_not_see_residents_before_they_start_or_cancelled(story):
    future = _resident(enroled_at=story.gaddgardsskolan, start_date=DAY_AFTER)
    cancelled = _resident(enroled_at=story.gaddgardsskolan, cancelled=True)
    never = _resident()
    for resident in (future, cancelled, never):
        assert not sees(story.central_admin_koping.pk, resident)
    assert sees(story.central_admin_koping.pk, future, on=DAY_AFTER)


def test_hemkommun_sees_placed_residents(story):
    child = f.PupilFactory(given_name="Förskolebarn", home_municipality_code=KOPING)
    preschool = f.SchoolUnitFactory(parent=story.arboga, school_types=["FS"])
    f.PlacementFactory(child=child, placed_at=preschool)
    assert sees(story.central_admin_koping.pk, child)
    assert not sees(story.central_admin_arboga.pk, f.PupilFactory(home_municipality_code=KOPING))


def test_only_central_administrators_act_as_hemkommun(story):
    # The rektor and the kurator work for Köping, but not for the municipality as a whole.
    for role in ("rektor_at_scheeleskolan", "kurator_at_scheeleskolan", "teacher_of_7b"):
        assert not sees(story.people[role].pk, story.koping_resident_at_arboga), role
    independent = f.HuvudmanFactory(
        display_name="Friskolan AB", municipality_code=KOPING, home_municipality_code=""
    )
    ceo = f.PersonFactory(given_name="Vd")
    f.DutyFactory(person=ceo, duty_at=independent, duty_role=DutyRole.OVRIG_ARBETSLEDNING)
    assert not sees(ceo.pk, story.koping_resident_at_arboga)


def test_hemkommun_sees_the_residents_enrolment_elsewhere(story):
    koping = actor_builder.actor_for_person(story.central_admin_koping.pk, on=ON)
    enrolment = story.koping_resident_at_arboga.enrolments.get()
    assert enrolment_access.enrolments_visible_to(koping).filter(pk=enrolment.pk).exists()
    assert (
        not enrolment_access.enrolments_visible_to(koping)
        .filter(person=story.pupil_in_arboga)
        .exists()
    )
    arboga = actor_builder.actor_for_person(story.central_admin_arboga.pk, on=ON)
    assert enrolment_access.enrolments_visible_to(arboga).filter(pk=enrolment.pk).exists()
    assert ARBOGA in arboga.home_municipality_codes
