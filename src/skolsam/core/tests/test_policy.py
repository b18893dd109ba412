"""The policy API itself: the system actor's bypass, named actions, forbidden = missing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.http import Http404

from skolsam.accounts.actor import actor_for_person
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.groups.access import group_policy
from skolsam.imports.access import import_guardian_policy, import_pupil_policy
from skolsam.organisations.access import organisation_policy
from skolsam.people.access import StaffNaming, staff_naming_policy
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db


def test_the_system_actor_passes_every_check_and_sees_every_row():
    school = f.SchoolUnitFactory()
    group = f.GroupFactory(organisation=school)
    system = system_actor("test")
    assert group_policy.can(system, Action.CHANGE, group)
    assert organisation_policy.can(system, Action.DECIDE, school)
    assert group_policy.objects(system, Action.CHANGE).filter(pk=group.pk).exists()


def test_the_system_actor_names_any_staff_and_imports_onto_anyone():
    """The grant's staff check and the import's reach are policies: the bypass is Policy's."""
    arboga_teacher = f.DutyFactory(duty_at=f.SchoolUnitFactory()).person
    guardian_only = f.ResponsibleFactory().responsible  # no duty anywhere
    protected = f.PupilFactory(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    system = system_actor("test")
    for staff in (arboga_teacher, guardian_only):
        naming = StaffNaming(staff=staff, start_date=ON, end_date=None)
        assert staff_naming_policy.can(system, Action.AUTHORISE, naming)
    everyone = [arboga_teacher, guardian_only, protected]
    assert import_pupil_policy.among(system, Action.IMPORT, everyone) == {p.pk for p in everyone}
    assert import_guardian_policy.among(system, Action.IMPORT, everyone) == {p.pk for p in everyone}


def test_the_staff_naming_policy_names_only_the_granting_huvudman_s_staff_in_the_period():
    school = build_school()
    central = f.DutyFactory(duty_at=school.parent, duty_role=DutyRole.OVRIG_ARBETSLEDNING)
    birgitta = actor_for_person(central.person_id, on=ON)
    mentor = f.DutyFactory(duty_at=school, start_date=date(2026, 8, 1), end_date=None).person
    arboga_teacher = f.DutyFactory(duty_at=f.SchoolUnitFactory()).person

    def may(staff, start, end=None):
        naming = StaffNaming(staff=staff, start_date=start, end_date=end)
        return staff_naming_policy.can(birgitta, Action.AUTHORISE, naming)

    assert may(mentor, ON)
    assert may(mentor, date(2026, 1, 1))  # overlaps the duty from August
    assert not may(mentor, date(2026, 1, 1), date(2026, 7, 31))  # ends before it starts
    assert not may(arboga_teacher, ON)
    assert set(staff_naming_policy.objects(birgitta, Action.AUTHORISE)) == {
        d for d in Duty.objects.filter(person=mentor)
    } | {central}
    teacher = actor_for_person(mentor.pk, on=ON)  # not central: names no one
    naming = StaffNaming(staff=mentor, start_date=ON, end_date=None)
    assert not staff_naming_policy.can(teacher, Action.AUTHORISE, naming)


def test_no_domain_module_grants_by_testing_the_system_actor():
    """`actor.is_system` decides a right only in core.policy; elsewhere it names a channel
    or a label, each listed here with why."""
    allowed = {
        "core/access.py": "defines the system actor",
        "core/policy.py": "the one bypass",
        "core/portal.py": "is_portal_only: the system has no pages, staff or portal",
        "attendance/access.py": (
            "is_api_client tells an SS 12000 client from the system; absence_report_channel "
            "says which channel (API) a system report is recorded under"
        ),
        "attendance/demo.py": "builds a system actor",
        "attendance/services/register.py": "the audit label 'system'",
        "audit/services.py": "the audit label 'system'",
        "imports/services.py": "the audit label 'system'",
    }
    src = Path(__file__).resolve().parents[2]
    found = {
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "tests" not in path.parts and "is_system" in path.read_text()
    }
    assert found - set(allowed) == set(), "test actor.is_system through a policy instead"
    assert set(allowed) <= found, "an allowance outlived its code"


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
