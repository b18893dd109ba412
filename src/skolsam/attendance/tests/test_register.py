"""The teacher's lesson register, the guardian's report, notices, leave, preschool, statistics."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from skolsam.attendance.csn import csn_candidates
from skolsam.attendance.models import (
    Attendance,
    AttendanceEvent,
    AttendanceKind,
    LeaveStatus,
    Notice,
    NoticeChannel,
)
from skolsam.attendance.notices import send_absence_notices, send_leave_decision_notices
from skolsam.attendance.services.csn import csn_decide, csn_report_export
from skolsam.attendance.services.leave import (
    leave_request_consent,
    leave_request_create,
    leave_request_decide,
)
from skolsam.attendance.services.notice_exemptions import notice_exemption_create
from skolsam.attendance.services.preschool import (
    attendance_schedule_decide,
    attendance_schedule_submit,
)
from skolsam.attendance.services.register import Mark, StaleRegister, register_save
from skolsam.attendance.stats import school_figures
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.people.access import persons_visible_to
from skolsam.schedule import calendar
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson, login

pytestmark = pytest.mark.django_db


def _post(client, day, marks, version=0, reason=""):
    data = {"version": version, "reason": reason}
    for pupil, kind, valid, minutes in marks:
        data[f"kind-{pupil.pk}"] = kind
        if valid:
            data[f"valid-{pupil.pk}"] = "on"
        data[f"minutes-{pupil.pk}"] = minutes
    return client.post(reverse("attendance:register", args=[day.lesson.pk]), data)


def test_the_teacher_sees_today_and_saves_the_register_in_one_request(client):
    day = build_day()
    login(client, day.teacher)
    page = client.get(reverse("attendance:my_lessons"))
    assert page.status_code == 200 and "7B Matematik" in page.content.decode()
    alva, hugo, saga = day.pupils
    response = _post(client, day, [(alva, "Frånvarande", False, ""), (hugo, "Sen", True, "10")])
    assert response.status_code == 302
    rows = {a.student_id: a for a in Attendance.objects.filter(calendar_event=day.lesson)}
    assert len(rows) == 3
    assert (rows[alva.pk].invalid_absence_minutes, rows[alva.pk].attendance_minutes) == (60, 0)
    assert (rows[hugo.pk].valid_absence_minutes, rows[hugo.pk].attendance_minutes) == (10, 50)
    assert rows[saga.pk].kind == AttendanceKind.PRESENT and rows[saga.pk].attendance_minutes == 60
    day.lesson.refresh_from_db()
    assert day.lesson.register_version == 1 and day.lesson.reported_at is not None


def test_a_second_teacher_with_a_stale_register_does_not_overwrite_the_first(client):
    day = build_day()
    login(client, day.teacher)
    alva = day.pupils[0]
    assert _post(client, day, [(alva, "Frånvarande", True, "")], version=0).status_code == 302
    stale = _post(client, day, [(alva, "Närvarande", False, "")], version=0)
    assert stale.status_code == 409
    assert "Någon annan har sparat" in stale.content.decode()
    assert Attendance.objects.get(calendar_event=day.lesson, student=alva).kind == "Frånvarande"


def test_a_correction_after_the_day_needs_a_reason_and_is_logged():
    yesterday = today() - timedelta(days=1)
    day = build_day(day=yesterday)
    teacher = day.actor(day.teacher)
    alva = day.pupils[0]
    register_save(actor=teacher, lesson=day.lesson, version=0, marks=[])
    with pytest.raises(DomainError):
        register_save(
            actor=teacher,
            lesson=day.lesson,
            version=1,
            marks=[Mark(alva.pk, "Frånvarande")],
        )
    register_save(
        actor=teacher,
        lesson=day.lesson,
        version=1,
        marks=[Mark(alva.pk, "Frånvarande")],
        reason="Eleven var på studiebesök, inte i klassrummet",
    )
    entry = AuditEntry.objects.get(action="attendance.correct")
    assert entry.changes[str(alva.pk)][0] == ["Närvarande", False, 0]
    assert entry.detail["reason"].startswith("Eleven var")


def test_each_pupil_whose_attendance_changes_gets_an_entry_under_the_pupil():
    yesterday = today() - timedelta(days=1)
    day = build_day(day=yesterday)
    teacher = day.actor(day.teacher)
    alva, hugo, saga = day.pupils
    register_save(
        actor=teacher,
        lesson=day.lesson,
        version=0,
        marks=[Mark(alva.pk, "Frånvarande"), Mark(hugo.pk, "Sen", minutes=10)],
    )
    marked = {e.person_id: e for e in AuditEntry.objects.filter(action="attendance.mark")}
    # Saga was present by default: nothing changed for her, so no entry about her.
    assert marked.keys() == {alva.pk, hugo.pk}
    assert marked[alva.pk].changes == {
        "kind": [None, "Frånvarande"],
        "valid": [None, False],
        "minutes": [None, 0],
    }
    assert (marked[alva.pk].object_type, marked[alva.pk].object_id) == (
        "CalendarEvent",
        str(day.lesson.pk),
    )
    assert marked[hugo.pk].changes["minutes"] == [None, 10]
    # A correction the day after: only Saga's entry, with the reason.
    register_save(
        actor=teacher,
        lesson=day.lesson,
        version=1,
        marks=[
            Mark(alva.pk, "Frånvarande"),
            Mark(hugo.pk, "Sen", minutes=10),
            Mark(saga.pk, "Frånvarande", valid=True),
        ],
        reason="Saga var hos skolsköterskan",
    )
    corrected = AuditEntry.objects.filter(action="attendance.mark", person_id=saga.pk).get()
    assert corrected.changes == {"kind": ["Närvarande", "Frånvarande"], "valid": [False, True]}
    assert corrected.detail == {
        "date": yesterday.isoformat(),
        "reason": "Saga var hos skolsköterskan",
    }
    assert AuditEntry.objects.filter(action="attendance.mark").count() == 3


def test_a_teacher_of_another_class_gets_not_found(client):
    day = build_day()
    login(client, day.other_teacher)
    assert client.get(reverse("attendance:register", args=[day.lesson.pk])).status_code == 404


def test_the_register_costs_the_same_number_of_queries_for_3_and_30_pupils(
    client, django_assert_max_num_queries
):
    counts = []
    for size in (3, 30):
        day = build_day(pupils=size)
        client.logout()
        login(client, day.teacher)
        marks = [(p, "Frånvarande", i % 2 == 0, "") for i, p in enumerate(day.pupils[:3])]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert _post(client, day, marks).status_code == 302
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_guardians_report_makes_valid_absence_that_the_teacher_sees(client):
    day = build_day()
    alva = day.pupils[0]
    login(client, day.guardian)
    response = client.post(
        reverse("portal:absence_report"),
        {"children": str(alva.pk), "scope": "day", "first_day": today().isoformat()},
    )
    assert response.status_code == 302
    row = Attendance.objects.get(calendar_event=day.lesson, student=alva)
    assert (row.kind, row.valid, row.valid_absence_minutes, row.source) == (
        "Frånvarande",
        True,
        60,
        "Frånvaroanmälan",
    )
    client.logout()
    login(client, day.teacher)
    page = client.get(reverse("attendance:register", args=[day.lesson.pk])).content.decode()
    assert "Frånvaroanmälan från vårdnadshavare" in page
    # The teacher saves without touching Alva: the report stays valid absence.
    _post(client, day, [(alva, "Frånvarande", True, "")])
    assert (
        Attendance.objects.get(calendar_event=day.lesson, student=alva).source == "Frånvaroanmälan"
    )


def test_a_guardian_cannot_report_another_childs_absence(client):
    day = build_day()
    login(client, day.guardian)
    response = client.post(
        reverse("portal:absence_report"),
        {"children": str(day.pupils[1].pk), "scope": "day", "first_day": today().isoformat()},
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_invalid_absence_gives_exactly_one_notice_per_guardian_and_channel(capsys):
    day = build_day()
    alva = day.pupils[0]
    later = lesson(day.activity, day.lesson.date, start=time(10, 0), minutes=50)
    teacher = day.actor(day.teacher)
    register_save(actor=teacher, lesson=day.lesson, version=0, marks=[Mark(alva.pk, "Frånvarande")])
    register_save(actor=teacher, lesson=later, version=0, marks=[Mark(alva.pk, "Frånvarande")])
    sent = send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    again = send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    assert (sent, again) == (3, 0)
    notices = Notice.objects.filter(student=alva)
    assert {n.channel for n in notices} == {"Skolsam", "E-post", "SMS"}
    assert {n.guardian_id for n in notices} == {day.guardian.pk}  # not the former guardian
    assert len(notices[0].lessons) == 2
    assert len(mail.outbox) == 1 and "08:30–09:30" in mail.outbox[0].body
    assert "SMS till 070-1234567" in capsys.readouterr().out


def test_a_protected_guardian_is_told_only_inside_skolsam_and_an_exemption_stops_notices():
    day = build_day()
    alva, hugo = day.pupils[:2]
    day.guardian.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    day.guardian.save()
    hugos_guardian = f.PersonFactory(emails=[{"type": "Privat", "value": "g@example.se"}])
    f.ResponsibleFactory(person=hugo, responsible=hugos_guardian)
    notice_exemption_create(
        actor=day.actor(day.rektor),
        student=hugo,
        start_date=today(),
        end_date=today(),
        reason="Sista lektionen",
    )
    register_save(
        actor=day.actor(day.teacher),
        lesson=day.lesson,
        version=0,
        marks=[Mark(alva.pk, "Frånvarande"), Mark(hugo.pk, "Frånvarande")],
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    assert list(Notice.objects.values_list("student_id", "channel")) == [
        (alva.pk, NoticeChannel.INAPP)
    ]


def test_a_leave_request_goes_through_the_rektors_decision_to_both_guardians():
    day = build_day()
    alva = day.pupils[0]
    second = f.PersonFactory(given_name="Per")
    f.ResponsibleFactory(person=alva, responsible=second)
    from skolsam.attendance.models import AttendancePolicy

    AttendancePolicy.objects.create(organisation=day.school, leave_requires_all_guardians=True)
    tomorrow = today() + timedelta(days=1)
    future = lesson(day.activity, tomorrow)
    leave = leave_request_create(
        actor=day.actor(day.guardian),
        student=alva,
        start_date=tomorrow,
        end_date=tomorrow,
        reason="Farmors 90-årsdag",
    )
    assert leave.status == LeaveStatus.AWAITING_GUARDIANS
    with pytest.raises(DomainError):
        leave_request_decide(actor=day.actor(day.rektor), leave=leave, grant=True)
    leave = leave_request_consent(actor=day.actor(second), leave=leave)
    assert leave.status == LeaveStatus.REQUESTED
    with pytest.raises(DomainError):
        leave_request_decide(actor=day.actor(day.teacher), leave=leave, grant=True)
    leave_request_decide(actor=day.actor(day.rektor), leave=leave, grant=True, reason="")
    row = Attendance.objects.get(calendar_event=future, student=alva)
    assert (row.valid, row.source) == (True, "Ledighet")
    send_leave_decision_notices(leave_id=leave.pk)
    inapp = Notice.objects.filter(channel="Skolsam", kind="Ledighetsbeslut")
    assert {n.guardian_id for n in inapp} == {day.guardian.pk, second.pk}


def test_preschool_check_in_and_out_on_the_tablet(client):
    unit = f.SchoolUnitFactory(school_types=["FS"])
    department = f.GroupFactory(
        display_name="Solen", group_type="Avdelning", school_type="FS", organisation=unit
    )
    child = f.PupilFactory(given_name="Signe")
    placement = f.PlacementFactory(
        child=child, placed_at=unit, group=department, start_date=date(2026, 1, 1)
    )
    guardian = f.PersonFactory()
    f.ResponsibleFactory(person=child, responsible=guardian)
    staff = f.DutyFactory(duty_at=unit, duty_role="Förskollärare")
    f.AssignmentRoleFactory(
        duty=staff,
        group=department,
        assignment_role_type="Förskollärare",
        start_date=date(2026, 1, 1),
    )
    from skolsam.accounts.actor import actor_for_person

    weekday = calendar.WEEKDAYS[today().weekday()]
    schedule = attendance_schedule_submit(
        actor=actor_for_person(guardian.pk),
        placement=placement,
        entries=[{"weekOffset": 0, "dayOfWeek": weekday, "startTime": "07:30", "endTime": "16:00"}],
        start_date=today() - timedelta(days=7),
    )
    attendance_schedule_decide(
        actor=actor_for_person(staff.person_id), schedule=schedule, approve=True
    )
    login(client, staff.person)
    url = reverse("attendance:department", args=[department.pk])
    page = client.get(url).content.decode()
    assert "Schema 07:30–16:00" in page and "0 av 1 barn är här" in page
    client.post(url, {"person": str(child.pk), "event_type": "In"})
    assert "1 av 1 barn är här" in client.get(url).content.decode()
    twice = client.post(url, {"person": str(child.pk), "event_type": "In"}, HTTP_HX_REQUEST="true")
    assert "redan incheckad" in twice.content.decode()
    out = client.post(url, {"person": str(child.pk), "event_type": "Ut"}, HTTP_HX_REQUEST="true")
    assert out.status_code == 200 and "0 av 1 barn är här" in out.content.decode()
    assert sorted(AttendanceEvent.objects.values_list("event_type", flat=True)) == ["In", "Ut"]
    # Staff at another preschool cannot open the tablet page or check the child in.
    elsewhere = f.DutyFactory(duty_at=f.SchoolUnitFactory(school_types=["FS"]))
    client.logout()
    login(client, elsewhere.person)
    assert client.get(url).status_code == 404
    assert client.post(url, {"person": str(child.pk), "event_type": "In"}).status_code == 404
    assert AttendanceEvent.objects.count() == 2


def test_statistics_and_csn_match_hand_computed_figures():
    # Two 60-minute lessons on two days; Alva: 60 min invalid + 60 min valid of 240 min
    # scheduled (2 days x 2 lessons) = 50 %; Hugo: 20 min late, invalid.
    first = date(2026, 9, 7)
    day = build_day(day=first)
    alva, hugo, _saga = day.pupils
    second_lesson = lesson(day.activity, first, start=time(10, 0))
    third = lesson(day.activity, date(2026, 9, 8))
    fourth = lesson(day.activity, date(2026, 9, 8), start=time(10, 0))
    rektor = day.actor(day.rektor, on=date(2026, 9, 30))
    for item, marks in (
        (
            day.lesson,
            [Mark(alva.pk, "Frånvarande"), Mark(hugo.pk, "Sen", False, 20)],
        ),
        (second_lesson, [Mark(alva.pk, "Frånvarande", True)]),
        (third, []),
        (fourth, []),
    ):
        register_save(actor=rektor, lesson=item, version=0, marks=marks)
    figures = school_figures(
        organisation_id=day.school.pk,
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
        visible=persons_visible_to(rektor),
    )
    by_name = {p.person.pk: p.figures for p in figures.pupils}
    assert (by_name[alva.pk].scheduled, by_name[alva.pk].valid, by_name[alva.pk].invalid) == (
        240,
        60,
        60,
    )
    assert by_name[alva.pk].absent_percent == 50.0
    assert (by_name[hugo.pk].invalid, by_name[hugo.pk].absent_percent) == (20, 8.3)
    assert figures.total.scheduled == 720 and figures.total.invalid == 80
    assert [p.person.pk for p in figures.flagged] == [alva.pk]
    # CSN: upper secondary pupils with at least 4 hours invalid in the month.
    from skolsam.attendance.models import AttendancePolicy

    AttendancePolicy.objects.create(organisation=day.school, csn_threshold_minutes=60)
    alva.enrolments.update(school_type="GY")
    candidates = csn_candidates(
        organisation=day.school, month=date(2026, 9, 1), visible=persons_visible_to(rektor)
    )
    assert [(c.student.pk, c.invalid_minutes) for c in candidates] == [(alva.pk, 60)]
    csn_decide(
        actor=rektor,
        student=alva,
        organisation=day.school,
        month=date(2026, 9, 1),
        invalid_minutes=60,
        decision="Rapportera",
    )
    report = csn_report_export(actor=rektor, organisation=day.school, month=date(2026, 9, 1))
    lines = report.content.splitlines()
    assert lines[0].startswith("H;SKOLSAM-CSN;2;") and lines[-1] == "T;1;0"
    assert lines[1].startswith(
        f"P;{alva.civic_no};{alva.family_name};{alva.given_name};2026-09;60;"
    )
    with pytest.raises(DomainError):
        csn_report_export(actor=rektor, organisation=day.school, month=date(2026, 9, 1))


def test_a_teacher_who_does_not_teach_the_lesson_cannot_save_its_register():
    day = build_day()
    with pytest.raises(DomainError) as caught:
        register_save(actor=day.actor(day.other_teacher), lesson=day.lesson, version=0, marks=[])
    assert not isinstance(caught.value, StaleRegister)
    assert "behörighet" in caught.value.messages[0]
    day.lesson.refresh_from_db()
    assert day.lesson.register_version == 0 and not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="attendance.").exists()


def test_a_save_costs_the_same_queries_for_one_pupil_and_sixty():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 60):
        day = build_day(pupils=size)
        teacher = day.actor(day.teacher)
        marks = [Mark(p.pk, "Frånvarande") for p in day.pupils[:1]]
        with CaptureQueriesContext(connection) as ctx:
            result = register_save(actor=teacher, lesson=day.lesson, version=0, marks=marks)
        assert result.saved == size
        assert Attendance.objects.filter(calendar_event=day.lesson).count() == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    if connection.vendor == "postgresql":
        assert counts[0] == 2  # the roster, then one statement for everything else
