"""The policy API itself: the system actor's bypass, named actions, forbidden = missing."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from skolsam.accounts.actor import actor_for_person
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.groups.access import group_policy
from skolsam.organisations.access import organisation_policy
from skolsam.testing import factories as f
from skolsam.testing.story import ON

pytestmark = pytest.mark.django_db


def test_the_system_actor_passes_every_check_and_sees_every_row():
    school = f.SchoolUnitFactory()
    group = f.GroupFactory(organisation=school)
    system = system_actor("test")
    assert group_policy.can(system, Action.CHANGE, group)
    assert organisation_policy.can(system, Action.DECIDE, school)
    assert group_policy.objects(system, Action.CHANGE).filter(pk=group.pk).exists()


def test_an_action_a_policy_does_not_answer_for_is_an_error_not_a_no():
    school = f.SchoolUnitFactory()
    with pytest.raises(ValueError, match="does not answer"):
        organisation_policy.can(system_actor("test"), Action.CONSENT, school)


def test_only_the_rektor_decides_though_every_administrator_changes():
    school = f.SchoolUnitFactory()
    rektor = f.DutyFactory(duty_at=school, duty_role=DutyRole.REKTOR, start_date=date(2026, 1, 1))
    clerk = f.DutyFactory(
        duty_at=school, duty_role=DutyRole.SKOLADMINISTRATOR, start_date=date(2026, 1, 1)
    )
    teacher = f.DutyFactory(duty_at=school, start_date=date(2026, 1, 1))
    answers = {
        name: (
            organisation_policy.can(actor_for_person(d.person_id, on=ON), Action.CHANGE, school),
            organisation_policy.can(actor_for_person(d.person_id, on=ON), Action.DECIDE, school),
        )
        for name, d in (("rektor", rektor), ("clerk", clerk), ("teacher", teacher))
    }
    assert answers == {
        "rektor": (True, True),
        "clerk": (True, False),
        "teacher": (False, False),
    }
    clerk_actor = actor_for_person(clerk.person_id, on=ON)
    assert not organisation_policy.objects(clerk_actor, Action.DECIDE).exists()
    with pytest.raises(DomainError, match="Bara rektor"):
        organisation_policy.require(clerk_actor, Action.DECIDE, school, "Bara rektor.")


def test_get_answers_missing_malformed_and_forbidden_alike():
    school = f.SchoolUnitFactory()
    other = f.SchoolUnitFactory()
    teacher = actor_for_person(
        f.DutyFactory(duty_at=school, start_date=date(2026, 1, 1)).person_id, on=ON
    )
    assert organisation_policy.get(teacher, Action.VIEW, str(school.pk), "Finns inte.") == school
    messages = set()
    for pk in (other.pk, "not-a-uuid", "00000000-0000-0000-0000-000000000000", None):
        with pytest.raises(Http404) as caught:
            organisation_policy.get(teacher, Action.VIEW, pk, "Organisationen finns inte.")
        messages.add(str(caught.value))
    assert messages == {"Organisationen finns inte."}
