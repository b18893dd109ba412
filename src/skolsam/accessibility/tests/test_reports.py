"""Anyone reports an accessibility problem; it reaches the huvudman as a case, and only there."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from skolsam.accessibility.models import AccessibilityReport
from skolsam.accessibility.notify import report_notify
from skolsam.audit.models import AuditEntry
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import build_story, login, login_with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    s = build_story()
    s.koping.email = "skolsam@koping.se"
    s.koping.save(update_fields=["email"])
    return s


def _report(client, organisation, **extra):
    data = {
        "huvudman": str(organisation.pk),
        "description": "Knappen Spara går inte att nå med tabb.",
    }
    data.update(extra)
    return client.post(reverse("accessibility:report"), data)


def test_every_page_links_the_statement_which_is_open_to_anyone(client, story):
    login_page = client.get(reverse("login")).content.decode()
    assert reverse("accessibility:statement") in login_page
    statement = client.get(reverse("accessibility:statement"))
    assert statement.status_code == 200
    body = statement.content.decode()
    assert "Tillgänglighetsredogörelse för Skolsam" in body
    assert "Köpings kommun" in body and "skolsam@koping.se" in body
    assert "digg.se" in body


def test_a_visitor_reports_a_problem_and_the_huvudman_is_told_once(
    client, story, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(client, story.koping, contact_email="anna@example.se")
    assert response.status_code == 302
    report = AccessibilityReport.objects.get()
    assert report.huvudman == story.koping and report.reporter is None
    # The task queued on commit tells the huvudman's address; a retry sends nothing more.
    assert report_notify(report_id=report.pk) is True
    assert report_notify(report_id=report.pk) is False
    assert [m.to for m in mail.outbox] == [["skolsam@koping.se"]]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"description": "Knapp\x00en syns inte alls"}, "description", "Null-tecken"),
        ({"description": "Knapp\x07en syns inte alls"}, "description", "otillåtet tecken"),
        ({"description": "x" * 4001}, "description", "som mest 4000 tecken"),
        ({"description": "kort"}, "description", "minst 10 tecken"),
        ({"huvudman": "00000000-0000-0000-0000-000000000000"}, "huvudman", "Välj"),
        ({"contact_email": "inte en adress"}, "contact_email", "e-post"),
        ({"page_url": "/sida/\u202eevil"}, "page_url", "riktningstecken"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_why_and_stores_nothing(
    client, story, extra, field, message
):
    response = _report(client, story.koping, **extra)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessibilityReport.objects.exists()


def test_a_logged_in_guardian_reports_under_her_name(client, story):
    login(client, story.guardian_of_pupil_in_7b)
    assert _report(client, story.koping).status_code == 302
    report = AccessibilityReport.objects.get()
    assert report.reporter == story.guardian_of_pupil_in_7b
    assert AuditEntry.objects.filter(
        action="accessibility.report", object_id=str(report.pk)
    ).exists()


def test_only_the_huvudmans_central_administrators_see_and_handle_its_cases(client, story):
    _report(client, story.koping)
    _report(client, story.arboga, description="Diagrammen saknar textalternativ.")
    koping_report = AccessibilityReport.objects.get(huvudman=story.koping)

    birgitta = login_with_two_factor(story.central_admin_koping)
    page = birgitta.get(reverse("accessibility:cases")).content.decode()
    assert "Knappen Spara" in page and "textalternativ" not in page

    per = login_with_two_factor(story.central_admin_arboga)
    page = per.get(reverse("accessibility:cases")).content.decode()
    assert "textalternativ" in page and "Knappen Spara" not in page
    handle = reverse("accessibility:case_handle", args=[koping_report.pk])
    missing = reverse("accessibility:case_handle", args=["00000000-0000-0000-0000-000000000000"])
    refused = per.post(handle, {"response": "Åtgärdat."})
    assert refused.status_code == 404
    assert without_csrf_tokens(refused.content) == without_csrf_tokens(
        per.post(missing, {"response": "Åtgärdat."}).content
    )

    login(client, story.teacher_of_7b)
    assert client.get(reverse("accessibility:cases")).status_code == 404

    assert birgitta.post(handle, {"response": ""}).status_code == 400
    assert birgitta.post(handle, {"response": "Vi har rättat fokusordningen."}).status_code == 302
    koping_report.refresh_from_db()
    assert koping_report.status == "Hanterad"
    assert koping_report.handled_by == story.central_admin_koping
    assert AuditEntry.objects.filter(action="accessibility.handle").count() == 1
