"""Protected identity on the attendance pages: a pupil with skyddad folkbokföring is placed
at no school unit, on no page, for anyone who may not see her location.

Alva in 7B at Scheeleskolan has skyddad folkbokföring. Eva is a central administrator of
the huvudman and is not named for Alva; Greta is a central administrator who is. Both see
that Alva exists (to name staff for her), but only Greta may learn where she goes to
school. Every page that ties Alva to a school unit must answer Eva exactly as it answers
for a pupil who does not exist.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.attendance.models import (
    Absence,
    AbsenceInvestigation,
    AttendanceSchedule,
    CsnDecision,
    CsnReport,
    LeaveRequest,
    ScheduleState,
)
from skolsam.attendance.services.investigations import investigation_open
from skolsam.attendance.services.leave import leave_request_create
from skolsam.attendance.tests.test_rektor_pages import SEPTEMBER, _september_at_scheeleskolan
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.groups.models import Group
from skolsam.testing import factories as f
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _protected_alva():
    """Return September at Scheeleskolan with Alva protected, and Eva and Greta centrally."""
    day = _september_at_scheeleskolan()
    alva = day.pupils[0]
    alva.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    alva.save(update_fields=["security_marking"])
    huvudman = day.school.parent
    eva = f.DutyFactory(
        duty_at=huvudman,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Eva"),
    ).person
    greta = f.DutyFactory(
        duty_at=huvudman,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Greta"),
    ).person
    f.AuthorisationFactory(person=alva, staff=greta, start_date=date(2026, 1, 1))
    other_school = f.SchoolUnitFactory(parent=huvudman, display_name="Ekbacken")
    return day, alva, eva, greta, other_school


def _same_as_missing(answer, missing) -> bool:
    """Tell whether a refused page answers exactly like one about something that is not there."""
    return (answer.status_code, without_csrf_tokens(answer.content)) == (
        404,
        without_csrf_tokens(missing.content),
    )


def _missing(client, name, *args):
    """Return the answer for the same page about something that does not exist."""
    return client.get(reverse(name, args=args))


def test_a_protected_pupils_statistics_answer_like_a_missing_pupil_at_every_unit():
    day, alva, eva, greta, other_school = _protected_alva()
    central = login_with_two_factor(eva)
    for unit in (day.school, other_school):
        url = reverse("attendance:pupil", args=[unit.pk, alva.pk]) + SEPTEMBER
        answer = central.get(url)
        missing = central.get(reverse("attendance:pupil", args=[unit.pk, uuid.uuid4()]) + SEPTEMBER)
        assert _same_as_missing(answer, missing), unit
        # Starting an investigation is refused the same way and writes nothing.
        assert central.post(url).status_code == 404
    assert not AbsenceInvestigation.objects.exists()
    # Greta is named for Alva: she sees Alva's 120 minutes at Scheeleskolan.
    named = login_with_two_factor(greta)
    page = named.get(reverse("attendance:pupil", args=[day.school.pk, alva.pk]) + SEPTEMBER)
    assert page.status_code == 200 and "240" in page.content.decode()


def test_the_unit_statistics_count_a_protected_pupil_only_for_those_named_for_her():
    day, alva, eva, greta, _other = _protected_alva()
    url = reverse("attendance:statistics", args=[day.school.pk]) + SEPTEMBER
    html = login_with_two_factor(eva).get(url).content.decode()
    # Without Alva: Hugo and Saga, 480 minutes scheduled, Hugo's 20 invalid.
    assert alva.family_name not in html and "480 min" in html and "720 min" not in html
    html = login_with_two_factor(greta).get(url).content.decode()
    assert alva.family_name in html and "720 min" in html


def test_an_investigation_about_a_protected_pupil_is_missing_for_those_not_named():
    day, alva, eva, greta, _other = _protected_alva()
    investigation = investigation_open(
        actor=actor_for_person(greta.pk),
        student=alva,
        organisation=day.school,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        basis={},
    )
    central = login_with_two_factor(eva)
    url = reverse("attendance:investigation", args=[investigation.pk])
    answer = central.get(url)
    missing = _missing(central, "attendance:investigation", investigation.pk + 1000)
    assert _same_as_missing(answer, missing)
    refused = central.post(url, {"action": "close", "conclusion": "Klar"})
    assert refused.status_code == 404
    assert AbsenceInvestigation.objects.get().closed_at is None
    assert login_with_two_factor(greta).get(url).status_code == 200


def test_csn_lists_decisions_and_files_leave_out_a_protected_pupil_for_those_not_named():
    day, alva, eva, _greta, _other = _protected_alva()
    alva.enrolments.update(school_type="GY")
    # Only the rektor decides on CSN; Anders is named for Alva too.
    f.AuthorisationFactory(person=alva, staff=day.rektor, start_date=date(2026, 1, 1))
    named = login_with_two_factor(day.rektor)
    settings = named.post(
        reverse("attendance:settings", args=[day.school.pk]), {"csn_threshold_hours": "1"}
    )
    assert settings.status_code == 302, settings.content.decode()
    csn_url = reverse("attendance:csn", args=[day.school.pk])
    assert alva.family_name in named.get(csn_url + "?manad=2026-09").content.decode()
    named.post(csn_url, {"manad": "2026-09", "student": alva.pk, "decision": "Rapportera"})
    exported = named.post(csn_url, {"manad": "2026-09", "action": "export"}, follow=True)
    assert "CSN-filen är skapad" in exported.content.decode(), exported.content.decode()
    report = CsnReport.objects.get()
    assert report.row_count == 1

    central = login_with_two_factor(eva)
    for month in ("2026-09", "2026-10"):
        html = central.get(f"{csn_url}?manad={month}").content.decode()
        # Not on the list, not among the reported, and the file with her is not offered.
        assert alva.family_name not in html and report.filename not in html
    decided = central.post(
        csn_url, {"manad": "2026-09", "student": alva.pk, "decision": "Avstå", "reason": "x"}
    )
    assert decided.status_code == 404
    returned = central.post(
        csn_url,
        {"manad": "2026-10", "action": "return", "student": alva.pk, "return_date": "2026-10-05"},
    )
    assert returned.status_code == 404
    assert CsnDecision.objects.get().decision == "Rapportera"
    download = central.get(reverse("attendance:csn_download", args=[report.pk]))
    missing = _missing(central, "attendance:csn_download", report.pk + 1000)
    assert _same_as_missing(download, missing)
    assert named.get(reverse("attendance:csn_download", args=[report.pk])).status_code == 200


def test_leave_requests_for_a_protected_pupil_are_decided_only_by_those_named():
    day, alva, eva, greta, _other = _protected_alva()
    start = date.today() + timedelta(days=14)
    leave = leave_request_create(
        actor=actor_for_person(day.guardian.pk),
        student=alva,
        start_date=start,
        end_date=start,
        reason="Bröllop",
    )
    central = login_with_two_factor(eva)
    listing = central.get(reverse("attendance:leave_list")).content.decode()
    assert alva.family_name not in listing
    decided = central.post(
        reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "grant", "reason": ""}
    )
    assert decided.status_code == 404
    assert LeaveRequest.objects.get().decided_at is None
    named = login_with_two_factor(greta).get(reverse("attendance:leave_list")).content.decode()
    assert alva.family_name in named


def test_a_protected_childs_vistelseschema_waits_only_for_staff_named_for_her():
    huvudman = f.HuvudmanFactory()
    preschool = f.SchoolUnitFactory(parent=huvudman, school_types=["FS"])
    department = f.GroupFactory(
        organisation=preschool, group_type="Avdelning", start_date=date(2026, 1, 1)
    )
    child = f.PupilFactory(security_marking=SecurityMarking.SEKRETESSMARKERING)
    placement = f.PlacementFactory(
        child=child, placed_at=preschool, group=department, start_date=date(2026, 1, 1)
    )
    AttendanceSchedule.objects.create(
        placement=placement, start_date=date(2026, 1, 1), state=ScheduleState.BEGART
    )
    eva = f.DutyFactory(duty_at=huvudman, duty_role=DutyRole.SKOLADMINISTRATOR).person
    greta = f.DutyFactory(duty_at=huvudman, duty_role=DutyRole.SKOLADMINISTRATOR).person
    f.AuthorisationFactory(person=child, staff=greta, start_date=date(2026, 1, 1))
    url = reverse("attendance:schedules")
    assert child.family_name not in login_with_two_factor(eva).get(url).content.decode()
    assert child.family_name in login_with_two_factor(greta).get(url).content.decode()
    assert Group.objects.filter(pk=department.pk).exists()


def test_the_phone_report_page_for_a_protected_pupil_is_missing_for_those_not_named():
    day, alva, eva, greta, _other = _protected_alva()
    # Alva's guardian Karin is protected too, as families with skyddad folkbokföring are.
    day.guardian.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    day.guardian.save(update_fields=["security_marking"])
    central = login_with_two_factor(eva)
    url = reverse("attendance:staff_report", args=[alva.pk])
    answer = central.get(url)
    missing = _missing(central, "attendance:staff_report", uuid.uuid4())
    assert _same_as_missing(answer, missing)
    refused = central.post(
        url, {"child": str(alva.pk), "scope": "day", "first_day": date.today().isoformat()}
    )
    assert refused.status_code == 404 and not Absence.objects.exists()
    # Greta is named for Alva: the page is there for her.
    assert login_with_two_factor(greta).get(url).status_code == 200


def test_the_phone_report_page_does_not_name_a_protected_guardian_to_school_staff():
    day, _alva, _eva, _greta, _other = _protected_alva()
    hugo = day.pupils[1]
    hidden = f.PersonFactory(
        given_name="Ronja", security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    f.ResponsibleFactory(person=hugo, responsible=hidden)
    f.ResponsibleFactory(person=hugo, responsible=f.PersonFactory(given_name="Petter"))
    html = (
        login_with_two_factor(day.rektor)
        .get(reverse("attendance:staff_report", args=[hugo.pk]))
        .content.decode()
    )
    assert "Petter" in html
    assert "Ronja" not in html and hidden.family_name not in html


def test_the_sarskilda_skal_page_for_a_protected_pupil_is_missing_for_those_not_named():
    _day, alva, eva, greta, _other = _protected_alva()
    central = login_with_two_factor(eva)
    answer = central.get(reverse("attendance:exemption", args=[alva.pk]))
    missing = _missing(central, "attendance:exemption", uuid.uuid4())
    assert _same_as_missing(answer, missing)
    named = login_with_two_factor(greta)
    assert named.get(reverse("attendance:exemption", args=[alva.pk])).status_code == 200


def test_a_teachers_lesson_list_does_not_count_a_protected_pupil_she_cannot_see():
    day, _alva, _eva, _greta, _other = _protected_alva()
    maria = Client()
    login(maria, day.teacher)
    html = maria.get(reverse("attendance:my_lessons"), {"dag": "2026-09-07"}).content.decode()
    # 08:30: Alva absent (not on Maria's register any more) and Hugo late: one, not two.
    assert "Rapporterad, 1 frånvarande" in html
    assert "2 frånvarande" not in html
