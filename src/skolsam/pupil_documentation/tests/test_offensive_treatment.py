"""Reports of offensive treatment (kränkande behandling, SL 6:10) on the story's cast.

Maria, who teaches 7B at Scheeleskolan, sees Hugo push Alva in the corridor and reports
it. Anders, the rektor, is notified the same day and forwards it to the huvudman; Birgitta
at Köping's förvaltning (the huvudman's central staff, standing for its investigators)
investigates: interviews, conclusions, measures, closing. A report Anders leaves lying is
flagged as late; a report naming a staff member goes straight to Birgitta. Nobody else
reaches a case: not Lars, 7B's mentor, not Sofia the kurator, not Karin or Alva, not
Hugo, not Arboga's Per; for them the case is the 404 of a missing one. Elsa (skyddad
folkbokföring) named in a case hides it from everyone not named for her.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.messaging.models import Message, Recipient
from skolsam.pupil_documentation.access import offence_policy
from skolsam.pupil_documentation.models import (
    OffensiveTreatmentInterview,
    OffensiveTreatmentReport,
)
from skolsam.pupil_documentation.services.offensive_treatment import (
    offence_conclude,
    offence_forward,
    offence_interview_record,
    offence_report,
)
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import client_for, pupil_in

pytestmark = pytest.mark.django_db

TODAY = today()
TEXT = "Hugo knuffade Alva i korridoren och kallade henne fula saker."


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Hugo, Alva's classmate in 7B."""
    with django_db_blocker.unblock():
        story.people["hugo"] = pupil_in(
            story.scheeleskolan, story.groups["7B"], given_name="Hugo", family_name="Berg"
        )
    return story


def _actor(s: Any, key: str, on: date | None = None) -> Any:
    return actor_for_person(s.people[key].pk, on=on or TODAY)


def _report(s: Any, by: str = "teacher_of_7b", on: date | None = None, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "subjected": [s.pupil_in_7b],
        "pupil_actors": [s.people["hugo"]],
        "staff_actors": [],
        "description": TEXT,
        "occurred_on": on or TODAY,
        "place": "Korridoren vid matsalen",
    }
    fields.update(kw)
    return offence_report(actor=_actor(s, by, on), organisation=s.scheeleskolan, **fields)


def _post(client: Any, s: Any, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "subjected": [str(s.pupil_in_7b.pk)],
        "pupil_actors": [str(s.people["hugo"].pk)],
        "description": TEXT,
        "occurred_on": TODAY.isoformat(),
        "place": "Korridoren",
    }
    data.update(fields)
    return client.post(reverse("pupil_documentation:offence_new", args=[s.scheeleskolan.pk]), data)


def _notices_to(person: Any) -> list[Message]:
    return list(
        Message.objects.filter(
            pk__in=Recipient.objects.filter(person=person).values("message_id"),
            subject__icontains="kränkande",
        )
    )


def test_teacher_to_rektor_to_huvudman_with_timestamps(s):
    maria = client_for(s.teacher_of_7b)
    start = maria.get(reverse("pupil_documentation:index")).content.decode()
    assert reverse("pupil_documentation:offence_index") in start
    new_url = reverse("pupil_documentation:offence_new", args=[s.scheeleskolan.pk])
    assert new_url in maria.get(reverse("pupil_documentation:offence_index")).content.decode()
    form = maria.get(reverse("pupil_documentation:offence_new", args=[s.scheeleskolan.pk]))
    assert form.status_code == 200 and s.pupil_in_7b.full_name in form.content.decode()
    answer = _post(maria, s)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    report = OffensiveTreatmentReport.objects.get()
    assert answer["Location"] == reverse("pupil_documentation:offence", args=[report.pk])
    assert report.reported_by_id == s.teacher_of_7b.pk and report.reported_on == TODAY
    assert report.forwarded_at is None and not report.rektor_step_skipped
    assert report.retention_class == "bevaras"
    # Anders is told the same day, without what happened or any child's name.
    (notice,) = _notices_to(s.rektor_at_scheeleskolan)
    for secret in (TEXT, s.pupil_in_7b.given_name, "Hugo", "Korridoren"):
        assert secret not in notice.body and secret not in notice.subject
    # Maria sees her report, not the investigation.
    own = maria.get(answer["Location"]).content.decode()
    assert TEXT in own and "Utredning" not in own
    # Anders sees the case at his unit and forwards it from the list.
    anders = client_for(s.rektor_at_scheeleskolan)
    listing = anders.get(reverse("pupil_documentation:offence_unit", args=[s.scheeleskolan.pk]))
    assert listing.status_code == 200 and "Skicka till huvudmannen" in listing.content.decode()
    forwarded = anders.post(
        reverse("pupil_documentation:offence", args=[report.pk]),
        {"step": "forward", "next": "unit"},
    )
    assert forwarded.status_code == 302
    report.refresh_from_db()
    assert report.forwarded_by_id == s.rektor_at_scheeleskolan.pk
    assert report.forwarded_at is not None and report.forwarded_at >= report.reported_at
    assert report.forwarded_on == TODAY
    assert not report.rektor_overdue(TODAY) and not report.huvudman_overdue(TODAY)
    assert _notices_to(s.central_admin_koping)
    # Birgitta investigates and closes the case.
    birgitta = client_for(s.central_admin_koping)
    start = birgitta.get(reverse("pupil_documentation:offence_index")).content.decode()
    assert reverse("pupil_documentation:offence_overview") in start
    overview = birgitta.get(reverse("pupil_documentation:offence_overview"))
    assert overview.status_code == 200
    case_url = reverse("pupil_documentation:offence", args=[report.pk])
    assert case_url in overview.content.decode()
    page = birgitta.get(case_url).content.decode()
    assert "Utredning" in page and TEXT in page
    interview = birgitta.post(
        case_url,
        {
            "step": "interview",
            "held_on": TODAY.isoformat(),
            "interviewee": "Alva och hennes mentor",
            "notes": "Alva berättar att det hänt flera gånger.",
        },
    )
    assert interview.status_code == 302, interview.content.decode()[:2000]
    closed = birgitta.post(
        case_url,
        {
            "step": "conclude",
            "conclusions": "Kränkning har skett.",
            "measures": "Samtal med Hugos vårdnadshavare; rastvakt i korridoren.",
            "follow_up_date": (TODAY + timedelta(days=14)).isoformat(),
            "close": "on",
        },
    )
    assert closed.status_code == 302, closed.content.decode()[:2000]
    report.refresh_from_db()
    assert report.closed_by_id == s.central_admin_koping.pk and not report.is_open
    assert OffensiveTreatmentInterview.objects.filter(report=report).count() == 1
    # Maria still sees her report, never the interview notes.
    assert "flera gånger" not in maria.get(case_url).content.decode()


def test_a_report_left_at_the_rektor_is_flagged_late_at_both_steps(s):
    late = _report(s, on=TODAY - timedelta(days=2))
    fresh = _report(s)
    assert late.rektor_overdue(TODAY) and late.huvudman_overdue(TODAY)
    assert not fresh.rektor_overdue(TODAY) and not fresh.huvudman_overdue(TODAY)
    assert fresh.rektor_overdue(TODAY + timedelta(days=1))
    assert not fresh.huvudman_overdue(TODAY + timedelta(days=1))
    assert fresh.huvudman_overdue(TODAY + timedelta(days=2))
    anders = client_for(s.rektor_at_scheeleskolan)
    page = anders.get(reverse("pupil_documentation:offence_unit", args=[s.scheeleskolan.pk]))
    assert page.content.decode().count("Sen hos rektor") == 1
    # Only the rektor forwards: the huvudman's list shows the flags without the button.
    central = client_for(s.central_admin_koping).get(
        reverse("pupil_documentation:offence_unit", args=[s.scheeleskolan.pk])
    )
    assert "Sen hos rektor" in central.content.decode()
    assert "Skicka till huvudmannen" not in central.content.decode()
    # Forwarded a day late: still flagged at the rektor's step, and recorded so.
    yesterday = _report(s, on=TODAY - timedelta(days=1))
    offence_forward(actor=_actor(s, "rektor_at_scheeleskolan"), report=yesterday)
    yesterday.refresh_from_db()
    assert yesterday.rektor_overdue(TODAY + timedelta(days=5))
    assert not yesterday.huvudman_overdue(TODAY + timedelta(days=5))
    entry = AuditEntry.objects.get(action="offence.forward", object_id=str(yesterday.pk))
    assert entry.detail["late"] is True
    overview = client_for(s.central_admin_koping).get(
        reverse("pupil_documentation:offence_overview")
    )
    assert "Sen till huvudman" in overview.content.decode()


def test_a_staff_actor_sends_the_case_straight_to_the_huvudman(s):
    ingrid = Duty.objects.get(person=s.teacher_of_7a, duty_at=s.scheeleskolan)
    report = _report(s, pupil_actors=[], staff_actors=[ingrid])
    assert report.rektor_step_skipped
    assert report.forwarded_at == report.reported_at
    assert report.forwarded_by_id == s.teacher_of_7b.pk
    assert not _notices_to(s.rektor_at_scheeleskolan)
    assert _notices_to(s.central_admin_koping)
    anders = client_for(s.rektor_at_scheeleskolan)
    assert anders.get(reverse("pupil_documentation:offence", args=[report.pk])).status_code == 404
    with pytest.raises(DomainError):
        offence_forward(actor=_actor(s, "rektor_at_scheeleskolan"), report=report)
    page = client_for(s.central_admin_koping).get(
        reverse("pupil_documentation:offence", args=[report.pk])
    )
    assert page.status_code == 200 and "rektors steg hoppades över" in page.content.decode()
    assert not offence_policy.can(
        _actor(s, "teacher_of_7a"), Action.VIEW, report
    )  # Ingrid, the alleged actor


@pytest.mark.parametrize(
    "key",
    [
        "teacher_of_7a",
        "mentor_of_7b",
        "authorised_teacher_of_7b",
        "kurator_at_scheeleskolan",
        "school_admin_at_scheeleskolan",
        "guardian_of_pupil_in_7b",
        "pupil_in_7b",
        "hugo",
        "teacher_in_arboga",
        "central_admin_arboga",
    ],
)
def test_anyone_else_gets_the_404_of_a_missing_case(s, key):
    report = _report(s)
    actor = _actor(s, key)
    for action in (Action.VIEW, Action.DECIDE, Action.FOLLOW_UP):
        assert not offence_policy.can(actor, action, report)
        assert not offence_policy.objects(actor, action).exists()
    client = client_for(s.people[key])
    missing = client.get(reverse("pupil_documentation:offence", args=[uuid.uuid4()]))
    forbidden = client.get(reverse("pupil_documentation:offence", args=[report.pk]))
    assert missing.status_code == forbidden.status_code == 404
    assert without_csrf_tokens(missing.content) == without_csrf_tokens(forbidden.content)
    posted = client.post(
        reverse("pupil_documentation:offence", args=[report.pk]), {"step": "forward"}
    )
    assert posted.status_code == 404
    assert OffensiveTreatmentReport.objects.get(pk=report.pk).forwarded_at is None
    assert (
        client.get(
            reverse("pupil_documentation:offence_unit", args=[s.scheeleskolan.pk])
        ).status_code
        == 404
    )
    overview = client.get(reverse("pupil_documentation:offence_overview"))
    if key == "central_admin_arboga":  # his own huvudman's overview: nothing of Köping's
        assert overview.status_code == 200
        assert "Scheeleskolan" not in overview.content.decode()
    else:
        assert overview.status_code == 404
    with pytest.raises(DomainError):
        offence_interview_record(
            actor=actor, report=report, held_on=TODAY, interviewee="X", notes="Y"
        )


def test_pupils_and_guardians_never_reach_a_case_nor_another_childs_name(s):
    _report(s)
    for key in ("pupil_in_7b", "guardian_of_pupil_in_7b", "hugo"):
        client = client_for(s.people[key])
        for url in (
            reverse("pupil_documentation:offence_index"),
            reverse("portal:home") if _has_portal() else reverse("pupil_documentation:index"),
        ):
            page = client.get(url)
            assert TEXT not in page.content.decode()
            assert "Hugo Berg" not in page.content.decode() or key == "hugo"


def _has_portal() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("portal:home")
    except NoReverseMatch:
        return False
    return True


def test_a_case_naming_a_protected_pupil_is_for_staff_named_for_her_only(s):
    report = _report(
        s, by="authorised_teacher_of_7b", subjected=[s.protected_pupil_in_7b], pupil_actors=[]
    )
    assert offence_policy.can(_actor(s, "authorised_teacher_of_7b"), Action.VIEW, report)
    for key in ("rektor_at_scheeleskolan", "central_admin_koping"):
        client = client_for(s.people[key])
        assert (
            client.get(reverse("pupil_documentation:offence", args=[report.pk])).status_code == 404
        )
    with pytest.raises(DomainError):
        _report(s, subjected=[s.protected_pupil_in_7b])  # Maria is not named for Elsa


def test_every_read_and_write_is_audited_under_each_pupil(s):
    report = _report(s)
    offence_forward(actor=_actor(s, "rektor_at_scheeleskolan"), report=report)
    client_for(s.central_admin_koping).get(reverse("pupil_documentation:offence", args=[report.pk]))
    client_for(s.teacher_of_7b).get(reverse("pupil_documentation:offence", args=[report.pk]))
    for action in ("offence.report", "offence.forward", "offence.view", "offence.view_report"):
        entry = AuditEntry.objects.get(action=action, object_id=str(report.pk))
        persons = set(
            AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True)
        )
        assert {s.pupil_in_7b.pk, s.people["hugo"].pk} <= persons, action


def test_the_statistics_hold_no_names(s):
    ingrid = Duty.objects.get(person=s.teacher_of_7a, duty_at=s.scheeleskolan)
    _report(s)
    _report(s, pupil_actors=[], staff_actors=[ingrid])
    page = client_for(s.central_admin_koping).get(reverse("pupil_documentation:offence_overview"))
    html = page.content.decode()
    assert page.status_code == 200
    stats = html[html.index("stats-heading") :]
    assert "Scheeleskolan" in stats
    for person in (s.pupil_in_7b, s.people["hugo"], s.teacher_of_7a, s.teacher_of_7b):
        assert person.given_name not in html and person.family_name not in html
    term = f"{'VT' if TODAY.month <= 6 else 'HT'} {TODAY.year}"
    assert f"<td>{term}</td><td>2</td><td>1</td>" in stats


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Beskriv vad som har hänt."),
        ({"subjected": []}, "Välj minst en elev som har blivit utsatt."),
        ({"occurred_on": (TODAY + timedelta(days=1)).isoformat()}, "kan inte ligga i framtiden"),
        ({"occurred_on": "1899-01-01"}, "utanför de datum Skolsam hanterar"),
        ({"occurred_on": "2026-13-40"}, "ÅÅÅÅ-MM-DD"),
        ({"place": ""}, "Ange var det hände."),
        ({"pupil_actors": [str(uuid.uuid4())]}, "Välj ett giltigt alternativ"),
        (
            {"pupil_actors": ["ALVA"]},
            "Välj ett giltigt alternativ",
        ),
    ],
)
def test_bad_input_is_refused_in_swedish_and_changes_nothing(s, fields, message):
    if fields.get("pupil_actors") == ["ALVA"]:
        fields = {"pupil_actors": [str(s.pupil_in_7b.pk)]}
        message = "både utsatt och utövare"
    answer = _post(client_for(s.teacher_of_7b), s, **fields)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not OffensiveTreatmentReport.objects.exists()
    assert not Message.objects.filter(subject__icontains="kränkande").exists()


def test_an_investigation_refuses_bad_input(s):
    report = _report(s)
    rektor = _actor(s, "rektor_at_scheeleskolan")
    with pytest.raises(DomainError, match="framtiden"):
        offence_interview_record(
            actor=rektor,
            report=report,
            held_on=TODAY + timedelta(days=1),
            interviewee="A",
            notes="B",
        )
    with pytest.raises(DomainError, match="slutsatser"):
        offence_conclude(
            actor=rektor,
            report=report,
            conclusions=" ",
            measures="",
            follow_up_date=None,
            close=True,
        )
    assert OffensiveTreatmentReport.objects.get(pk=report.pk).is_open


def test_the_lists_cost_the_same_whatever_the_number_of_cases(s, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _report(s)
    unit_url = reverse("pupil_documentation:offence_unit", args=[s.scheeleskolan.pk])
    overview_url = reverse("pupil_documentation:offence_overview")
    anders = client_for(s.rektor_at_scheeleskolan)
    birgitta = client_for(s.central_admin_koping)
    anders.get(unit_url)
    birgitta.get(overview_url)
    with CaptureQueriesContext(connection) as few_unit:
        anders.get(unit_url)
    with CaptureQueriesContext(connection) as few_overview:
        birgitta.get(overview_url)
    for _ in range(4):
        _report(s)
    with django_assert_max_num_queries(len(few_unit.captured_queries)):
        assert anders.get(unit_url).content.decode().count("Skicka till huvudmannen") == 5
    with django_assert_max_num_queries(len(few_overview.captured_queries)):
        birgitta.get(overview_url)
