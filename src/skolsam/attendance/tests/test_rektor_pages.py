"""The rektor's pages over HTTP: statistics and flags, investigations, CSN with the return
to full-time study, leave decisions and särskilda skäl. Figures are checked against cases
worked out by hand."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from skolsam.attendance.models import (
    AbsenceInvestigation,
    Attendance,
    CsnDecision,
    CsnReturn,
    LeaveRequest,
    LeaveStatus,
    Notice,
)
from skolsam.attendance.services.leave import leave_request_create
from skolsam.attendance.services.register import Mark, register_save
from skolsam.audit.models import AuditEntry
from skolsam.core.dates import today
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, cells, lesson, login, login_with_two_factor

pytestmark = pytest.mark.django_db

SEPTEMBER = "?start=2026-09-01&end=2026-09-30"


def _september_at_scheeleskolan():
    """Four 60-minute lessons of 7B on 7 and 8 September 2026, registers taken.

    Alva: absent without reason from the first lesson (60 min invalid) and with a valid
    reason from the second (60 min valid): 120 of 240 scheduled minutes = 50 %.
    Hugo: 20 minutes late without reason: 20 of 240 = 8.3 %. Saga: present throughout.
    The school: 720 minutes scheduled, 60 valid (8.3 %), 80 invalid (11.1 %).
    """
    day = build_day(day=date(2026, 9, 7))
    alva, hugo, _saga = day.pupils
    second = lesson(day.activity, date(2026, 9, 7), start=time(10, 0))
    third = lesson(day.activity, date(2026, 9, 8))
    fourth = lesson(day.activity, date(2026, 9, 8), start=time(10, 0))
    teacher = day.actor(day.teacher)
    for item, marks in (
        (
            day.lesson,
            [Mark(alva.pk, "Frånvarande"), Mark(hugo.pk, "Sen", False, 20)],
        ),
        (second, [Mark(alva.pk, "Frånvarande", True)]),
        (third, []),
        (fourth, []),
    ):
        register_save(actor=teacher, lesson=item, version=0, marks=marks)
    return day


def test_the_statistics_page_shows_the_hand_computed_figures_and_flags_alva():
    day = _september_at_scheeleskolan()
    alva, hugo, saga = day.pupils
    rektor = login_with_two_factor(day.rektor)
    page = rektor.get(reverse("attendance:statistics", args=[day.school.pk]) + SEPTEMBER)
    assert page.status_code == 200
    html = page.content.decode()
    assert "720 min" in html
    assert "60 min (8,3 %)" in html and "80 min (11,1 %)" in html
    # Scheduled, valid, invalid minutes and absence percent per pupil.
    assert cells(html, f"{alva.given_name} {alva.family_name}</a></th><td>7B</td><td class")[
        2:
    ] == ["240", "60", "60", "50,0"]
    assert cells(html, f"{hugo.given_name} {hugo.family_name}</a></th><td>7B</td><td class")[
        2:
    ] == ["240", "0", "20", "8,3"]
    assert cells(html, f"{saga.given_name} {saga.family_name}</a></th><td>7B</td><td class")[
        2:
    ] == ["240", "0", "0", "0,0"]
    # The flag list: 10 % or 3 invalid occasions by default; only Alva is over.
    flagged = html.split("Elever över gränsen")[1].split("Alla elever")[0]
    assert alva.family_name in flagged and "frånvaro 50,0 %" in flagged
    assert hugo.family_name not in flagged
    assert AuditEntry.objects.filter(action="attendance.statistics").count() == 1


def test_a_teacher_cannot_open_the_statistics_page():
    day = _september_at_scheeleskolan()
    from django.test import Client

    client = Client()
    login(client, day.teacher)
    url = reverse("attendance:statistics", args=[day.school.pk]) + SEPTEMBER
    assert client.get(url).status_code == 404


def test_the_rektor_starts_an_investigation_from_the_flag_list_and_records_its_steps():
    day = _september_at_scheeleskolan()
    alva = day.pupils[0]
    rektor = login_with_two_factor(day.rektor)
    html = rektor.get(
        reverse("attendance:statistics", args=[day.school.pk]) + SEPTEMBER
    ).content.decode()
    pupil_url = reverse("attendance:pupil", args=[day.school.pk, alva.pk])
    assert pupil_url in html
    page = rektor.get(pupil_url + SEPTEMBER).content.decode()
    assert "240 min" in page and page.count("60 min (25,0 %)") == 2
    started = rektor.post(pupil_url + SEPTEMBER)
    investigation = AbsenceInvestigation.objects.get(student=alva)
    assert started.status_code == 302
    assert started["Location"] == reverse("attendance:investigation", args=[investigation.pk])
    # What the absence looked like when it started is kept with it.
    assert investigation.basis == {
        "scheduled": 240,
        "valid": 60,
        "invalid": 60,
        "percent": 50.0,
        "invalid_occasions": 1,
    }
    assert (investigation.period_start, investigation.period_end) == (
        date(2026, 9, 1),
        date(2026, 9, 30),
    )
    url = started["Location"]
    step = rektor.post(
        url,
        {
            "action": "step",
            "kind": "Samtal med vårdnadshavare",
            "date": today().isoformat(),
            "note": "Karin berättade om oro för en kompis.",
        },
    )
    assert step.status_code == 302
    empty = rektor.post(
        url, {"action": "step", "kind": "Elevhälsan", "date": today().isoformat(), "note": ""}
    )
    assert empty.status_code == 400 and investigation.steps.count() == 1
    closed = rektor.post(
        url, {"action": "close", "conclusion": "Frånvaron är utredd; åtgärder beslutade."}
    )
    assert closed.status_code == 302
    page = rektor.get(url).content.decode()
    assert "Karin berättade om oro för en kompis." in page
    investigation.refresh_from_db()
    assert investigation.status == "Avslutad"
    # A second investigation can start once the first is closed, never two at once.
    assert rektor.post(pupil_url + SEPTEMBER).status_code == 302
    assert rektor.post(pupil_url + SEPTEMBER).status_code == 200
    assert AbsenceInvestigation.objects.filter(student=alva, status="Pågår").count() == 1


def test_csn_list_decision_file_and_the_return_to_full_time_study():
    day = _september_at_scheeleskolan()
    alva, hugo, _saga = day.pupils
    alva.enrolments.update(school_type="GY")
    hugo.enrolments.update(school_type="GY")
    rektor = login_with_two_factor(day.rektor)
    # The rektor lowers the school's CSN threshold to one hour on the settings page.
    settings = rektor.post(
        reverse("attendance:settings", args=[day.school.pk]), {"csn_threshold_hours": "1"}
    )
    assert settings.status_code == 302
    csn_url = reverse("attendance:csn", args=[day.school.pk])
    html = rektor.get(csn_url + "?manad=2026-09").content.decode()
    # Alva: 60 invalid minutes, at the threshold; Hugo: 20, under it.
    assert cells(html, alva.family_name)[:2] == [alva.full_name, "60 min"]
    assert hugo.family_name not in html.split("Rapporterade till CSN")[0]

    refrain = rektor.post(
        csn_url, {"manad": "2026-09", "student": alva.pk, "decision": "Avstå", "reason": ""}
    )
    assert refrain.status_code == 302 and not CsnDecision.objects.exists()
    rektor.post(
        csn_url, {"manad": "2026-09", "student": alva.pk, "decision": "Rapportera", "reason": ""}
    )
    decision = CsnDecision.objects.get(student=alva)
    assert (decision.decision, decision.invalid_minutes) == ("Rapportera", 60)
    # A pupil not on the list cannot be decided on.
    stranger = rektor.post(
        csn_url, {"manad": "2026-09", "student": hugo.pk, "decision": "Rapportera"}
    )
    assert stranger.status_code == 404

    rektor.post(csn_url, {"manad": "2026-09", "action": "export"})
    decision.refresh_from_db()
    report = decision.report
    assert report is not None and (report.row_count, report.return_count) == (1, 0)
    download = rektor.get(reverse("attendance:csn_download", args=[report.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{report.filename}"'
    lines = download.content.decode().split("\r\n")
    assert lines[0].startswith(f"H;SKOLSAM-CSN;2;{day.school.school_unit_code};;2026-09;")
    assert lines[1] == (
        f"P;{alva.civic_no};{alva.family_name};{alva.given_name};2026-09;60;"
        f"{decision.decided_at.date().isoformat()}"
    )
    assert lines[2:] == ["T;1;0", ""]
    # A reported decision cannot be changed.
    rektor.post(
        csn_url, {"manad": "2026-09", "student": alva.pk, "decision": "Avstå", "reason": "x"}
    )
    assert CsnDecision.objects.get(student=alva).decision == "Rapportera"

    # Alva is back in full-time study from 5 October; the return goes in the next file.
    page = rektor.get(csn_url + "?manad=2026-10").content.decode()
    assert "Anmäl återgång" in page
    too_early = rektor.post(
        csn_url,
        {"manad": "2026-10", "action": "return", "student": alva.pk, "return_date": "2026-08-20"},
    )
    assert too_early.status_code == 302 and not CsnReturn.objects.exists()
    rektor.post(
        csn_url,
        {"manad": "2026-10", "action": "return", "student": alva.pk, "return_date": "2026-10-05"},
    )
    back = CsnReturn.objects.get(student=alva)
    assert (back.return_date, back.decision_id, back.report_id) == (
        date(2026, 10, 5),
        decision.pk,
        None,
    )
    assert "kommer med i nästa CSN-fil" in rektor.get(csn_url + "?manad=2026-10").content.decode()
    twice = rektor.post(
        csn_url,
        {"manad": "2026-10", "action": "return", "student": alva.pk, "return_date": "2026-10-06"},
    )
    assert twice.status_code == 302 and CsnReturn.objects.count() == 1

    rektor.post(csn_url, {"manad": "2026-10", "action": "export"})
    back.refresh_from_db()
    second = back.report
    assert second is not None and (second.row_count, second.return_count) == (0, 1)
    lines = rektor.get(reverse("attendance:csn_download", args=[second.pk])).content.decode()
    assert lines.split("\r\n")[1:] == [
        f"R;{alva.civic_no};{alva.family_name};{alva.given_name};2026-10-05;2026-09;"
        f"{back.decided_at.date().isoformat()}",
        "T;0;1",
        "",
    ]
    page = rektor.get(csn_url + "?manad=2026-10").content.decode()
    assert f"Från 2026-10-05 – rapporterad {second.created_at:%Y-%m-%d}" in page
    # Nothing left to report: the rektor is told so and no empty file is made.
    nothing = rektor.post(csn_url, {"manad": "2026-10", "action": "export"}, follow=True)
    assert "Det finns inget att rapportera" in nothing.content.decode()
    from skolsam.attendance.models import CsnReport

    assert CsnReport.objects.count() == 2
    assert AuditEntry.objects.filter(action="csn.return", person_id=alva.pk).count() == 1
    assert AuditEntry.objects.filter(action="export", object_type="CsnReportDownload").count() == 2


def test_a_teacher_cannot_decide_csn_or_record_a_return():
    day = _september_at_scheeleskolan()
    from django.test import Client

    teacher = Client()
    login(teacher, day.teacher)
    url = reverse("attendance:csn", args=[day.school.pk])
    assert teacher.get(url).status_code == 404
    assert (
        teacher.post(
            url, {"manad": "2026-09", "student": day.pupils[0].pk, "decision": "Rapportera"}
        ).status_code
        == 404
    )
    assert not CsnDecision.objects.exists()


def test_a_leave_request_through_the_rektors_decision(django_capture_on_commit_callbacks):
    day = build_day()
    alva = day.pupils[0]
    tomorrow = today() + timedelta(days=1)
    future = lesson(day.activity, tomorrow)
    from django.test import Client

    guardian = Client()
    login(guardian, day.guardian)
    applied = guardian.post(
        reverse("portal:leave"),
        {
            "child": str(alva.pk),
            "start_date": tomorrow.isoformat(),
            "end_date": tomorrow.isoformat(),
            "reason": "Farmors 90-årsdag",
        },
    )
    assert applied.status_code == 302
    leave = LeaveRequest.objects.get(student=alva)
    assert leave.status == LeaveStatus.REQUESTED

    rektor = login_with_two_factor(day.rektor)
    listing = rektor.get(reverse("attendance:leave_list")).content.decode()
    assert "Farmors 90-årsdag" in listing
    decide = reverse("attendance:leave_decide", args=[leave.pk])
    # A rejection needs a reason; without one nothing changes.
    rektor.post(decide, {"decision": "reject", "reason": ""})
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        granted = rektor.post(decide, {"decision": "grant", "reason": ""})
    assert granted.status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.GRANTED
    row = Attendance.objects.get(calendar_event=future, student=alva)
    assert (row.kind, row.valid, row.source, row.valid_absence_minutes) == (
        "Frånvarande",
        True,
        "Ledighet",
        60,
    )
    # The decision goes to the guardian when the queued task runs: once per channel.
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.get(task_path__endswith="send_leave_decision_notices_task")
    for _ in range(2):  # a retried task sends nothing twice
        queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert sorted(
        Notice.objects.filter(kind="Ledighetsbeslut").values_list("guardian_id", "channel")
    ) == sorted(
        [(day.guardian.pk, "E-post"), (day.guardian.pk, "SMS"), (day.guardian.pk, "Skolsam")]
    )
    assert [m.to for m in mail.outbox] == [["karin@example.se"]]
    assert "beviljad" in mail.outbox[0].body
    # The guardian reads it in Skolsam.
    assert "Beslut om ledighet" in guardian.get(reverse("portal:notices")).content.decode()
    # and her start card counts it as new.
    assert "Meddelanden från skolan: 1 ny" in guardian.get(reverse("portal:start")).content.decode()
    # A teacher cannot open the rektor's list.
    teacher = Client()
    login(teacher, day.teacher)
    assert teacher.get(reverse("attendance:leave_list")).status_code == 404


def test_sarskilda_skal_stop_the_notice_for_that_pupil_only(django_capture_on_commit_callbacks):
    day = build_day()
    alva, hugo = day.pupils[:2]
    hugos_guardian = f.PersonFactory(emails=[{"type": "Privat", "value": "hugos@example.se"}])
    f.ResponsibleFactory(person=hugo, responsible=hugos_guardian)
    rektor = login_with_two_factor(day.rektor)
    url = reverse("attendance:exemption", args=[alva.pk])
    assert rektor.get(url).status_code == 200
    missing = rektor.post(
        url, {"start_date": today().isoformat(), "end_date": today().isoformat(), "reason": ""}
    )
    assert missing.status_code == 400 and "Detta fält måste fyllas i." in missing.content.decode()
    saved = rektor.post(
        url,
        {
            "start_date": today().isoformat(),
            "end_date": today().isoformat(),
            "reason": "Sista lektionen före avslutningen",
        },
    )
    assert saved.status_code == 302
    from django.test import Client

    teacher = Client()
    login(teacher, day.teacher)
    assert teacher.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(
            reverse("attendance:register", args=[day.lesson.pk]),
            {"version": 0, f"kind-{alva.pk}": "Frånvarande", f"kind-{hugo.pk}": "Frånvarande"},
        )
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.get(task_path__endswith="send_absence_notices_task")
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert set(Notice.objects.values_list("student_id", flat=True)) == {hugo.pk}
    assert [m.to for m in mail.outbox] == [["hugos@example.se"]]


def test_the_csn_page_offers_decisions_only_to_the_rektor_and_the_service_refuses_others():
    day = _september_at_scheeleskolan()
    alva = day.pupils[0]
    alva.enrolments.update(school_type="GY")
    from skolsam.attendance.models import AttendancePolicy

    AttendancePolicy.objects.create(organisation=day.school, csn_threshold_minutes=60)
    # Sofia is the school's administrator: she sees the list, but the law gives the
    # decision to the rektor, so she gets no form and her posts change nothing.
    sofia = f.DutyFactory(
        duty_at=day.school,
        duty_role="Skoladministratör",
        person=f.PersonFactory(given_name="Sofia"),
    ).person
    administrator = login_with_two_factor(sofia)
    url = reverse("attendance:csn", args=[day.school.pk]) + "?manad=2026-09"
    html = administrator.get(url).content.decode()
    assert alva.full_name in html
    assert 'name="decision"' not in html and 'value="export"' not in html
    administrator.post(url, {"manad": "2026-09", "student": alva.pk, "decision": "Rapportera"})
    administrator.post(url, {"manad": "2026-09", "action": "export"})
    assert not CsnDecision.objects.exists()
    from skolsam.attendance.models import CsnReport

    assert not CsnReport.objects.exists()
    rektor = login_with_two_factor(day.rektor).get(url).content.decode()
    assert 'name="decision"' in rektor and 'value="export"' in rektor


def test_the_leave_list_offers_the_decision_only_to_the_rektor():
    day = build_day()
    alva = day.pupils[0]
    start = today() + timedelta(days=3)
    leave = leave_request_create(
        actor=day.actor(day.guardian),
        student=alva,
        start_date=start,
        end_date=start,
        reason="Farmors 90-årsdag",
    )
    sofia = f.DutyFactory(
        duty_at=day.school,
        duty_role="Skoladministratör",
        person=f.PersonFactory(given_name="Sofia"),
    ).person
    administrator = login_with_two_factor(sofia)
    listing = administrator.get(reverse("attendance:leave_list")).content.decode()
    assert "Farmors 90-årsdag" in listing and "Rektor beslutar om ledigheten." in listing
    assert 'name="decision"' not in listing
    administrator.post(
        reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "grant", "reason": ""}
    )
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.REQUESTED
    rektor = login_with_two_factor(day.rektor).get(reverse("attendance:leave_list"))
    assert 'name="decision"' in rektor.content.decode()
