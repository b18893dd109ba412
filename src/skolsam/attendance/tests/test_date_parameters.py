"""Every date a page reads, from its address or a form, answers an impossible or
out-of-range date with 400 and a Swedish reason: never a 5xx, never silently another day.

The story is Scheeleskolan's day (see story.py): Maria teaches 7B, Lars mentors it,
Anders is rektor, Karin is Alva's guardian; Eva is a central administrator and Siv
searches the audit log.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.attendance.services.investigations import investigation_open
from skolsam.core.choices import DutyRole
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client
from skolsam.testing.story import build_day, login, login_with_two_factor

pytestmark = pytest.mark.django_db

BAD_DAYS = ["9999-12-31", "0001-01-01", "2026-02-30", "abc"]
BAD_MONTHS = ["9999-12", "0001-01", "2026-13", "abc"]
REASONS = (
    "giltigt datum",
    "giltig månad",
    "utanför de datum Skolsam hanterar",
    "Skriv datumet som ÅÅÅÅ-MM-DD",
)


class World:
    def __init__(self) -> None:
        self.day = build_day()
        self.alva = self.day.pupils[0]
        self.central = f.DutyFactory(
            duty_at=self.day.school.parent, duty_role=DutyRole.SKOLADMINISTRATOR
        ).person
        self.investigation = investigation_open(
            actor=actor_for_person(self.day.rektor.pk),
            student=self.alva,
            organisation=self.day.school,
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 30),
            basis={},
        )
        auditor = f.UserFactory()
        auditor.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
        self.auditor = auditor
        self.clients: dict[str, Client] = {}

    def client(self, who: str) -> Client:
        if who not in self.clients:
            self.clients[who] = self._login(who)
        return self.clients[who]

    def _login(self, who: str) -> Client:
        if who == "auditor":
            return verified_client(self.auditor)
        person = {
            "teacher": self.day.teacher,
            "mentor": self.day.mentor,
            "rektor": self.day.rektor,
            "guardian": self.day.guardian,
            "central": self.central,
        }[who]
        if who in ("rektor", "central"):
            return login_with_two_factor(person)
        client = Client()
        login(client, person)
        return client


def _school(w: World) -> str:
    return str(w.day.school.pk)


# (id, who may open the page, method, url, the date field, other fields, bad values)
CASES = [
    ("my-lessons", "teacher", "get", lambda w: reverse("attendance:my_lessons"), "dag", {}),
    (
        "mentor-week",
        "mentor",
        "get",
        lambda w: reverse("attendance:mentor", args=[w.day.group.pk]),
        "vecka",
        {},
    ),
    ("schedule-week", "teacher", "get", lambda w: reverse("schedule:week"), "vecka", {}),
    (
        "statistics-start",
        "rektor",
        "get",
        lambda w: reverse("attendance:statistics", args=[_school(w)]),
        "start",
        {},
    ),
    (
        "statistics-end",
        "rektor",
        "get",
        lambda w: reverse("attendance:statistics", args=[_school(w)]),
        "end",
        {},
    ),
    (
        "pupil-statistics",
        "rektor",
        "get",
        lambda w: reverse("attendance:pupil", args=[_school(w), w.alva.pk]),
        "start",
        {},
    ),
    (
        "csn-month",
        "rektor",
        "get",
        lambda w: reverse("attendance:csn", args=[_school(w)]),
        "manad",
        {},
    ),
    (
        "csn-decision-month",
        "rektor",
        "post",
        lambda w: reverse("attendance:csn", args=[_school(w)]),
        "manad",
        {"action": "export"},
    ),
    (
        "class-list-as-of",
        "rektor",
        "get",
        lambda w: reverse("group_detail", args=[w.day.group.pk]),
        "datum",
        {},
    ),
    (
        "class-list-export",
        "rektor",
        "get",
        lambda w: reverse("export_class_list", args=[w.day.group.pk, "csv"]),
        "datum",
        {},
    ),
    (
        "unit-pupils-export",
        "rektor",
        "get",
        lambda w: reverse("export_school_unit_pupils", args=[_school(w), "csv"]),
        "datum",
        {},
    ),
    ("audit-search", "auditor", "get", lambda w: reverse("audit_search"), "date_from", {}),
    (
        "guardian-absence",
        "guardian",
        "post",
        lambda w: reverse("portal:absence_report"),
        "first_day",
        {"children": "{alva}", "scope": "day"},
    ),
    (
        "guardian-leave",
        "guardian",
        "post",
        lambda w: reverse("portal:leave"),
        "start_date",
        {"child": "{alva}", "end_date": "2026-12-20", "reason": "Resa"},
    ),
    (
        "phone-report",
        "rektor",
        "post",
        lambda w: reverse("attendance:staff_report", args=[w.alva.pk]),
        "first_day",
        {"child": "{alva}", "scope": "day", "guardian": "{guardian}"},
    ),
    (
        "exemption",
        "rektor",
        "post",
        lambda w: reverse("attendance:exemption", args=[w.alva.pk]),
        "start_date",
        {"end_date": "2026-12-20", "reason": "Skäl"},
    ),
    (
        "lesson-move",
        "rektor",
        "post",
        lambda w: reverse("schedule:lesson", args=[w.day.lesson.pk]),
        "date",
        {"action": "move", "start": "09:00", "end": "10:00"},
    ),
    (
        "calendar-term",
        "rektor",
        "post",
        lambda w: reverse("schedule:calendar", args=[_school(w)]),
        "termin-start_date",
        {
            "action": "term",
            "termin-name": "Vårterminen 2027",
            "termin-school_year": "2026",
            "termin-end_date": "2027-06-10",
        },
    ),
    (
        "investigation-step",
        "rektor",
        "post",
        lambda w: reverse("attendance:investigation", args=[w.investigation.pk]),
        "date",
        {"action": "step", "kind": "Samtal med eleven", "note": "Samtal med eleven"},
    ),
]


def _send(client: Client, w: World, method: str, url: str, field: str, extra: dict, bad: str):
    data = {k: v.format(alva=w.alva.pk, guardian=w.day.guardian.pk) for k, v in extra.items()}
    data[field] = bad
    return client.get(url, data) if method == "get" else client.post(url, data)


@pytest.mark.parametrize(
    ("who", "method", "url", "field", "extra"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_impossible_or_out_of_range_date_answers_400_with_a_swedish_reason(
    who, method, url, field, extra
):
    w = World()
    client = w.client(who)
    values = BAD_MONTHS if field == "manad" else BAD_DAYS
    for bad in values:
        answer = _send(client, w, method, url(w), field, extra, bad)
        html = answer.content.decode()
        assert answer.status_code == 400, (bad, answer.status_code)
        assert any(reason in html for reason in REASONS), (bad, html[-2000:])


@pytest.mark.slow  # every role × every dated page × every bad date: half a minute
def test_no_role_gets_a_server_error_from_a_date_on_any_page():
    w = World()
    for who in ("teacher", "mentor", "rektor", "guardian", "central", "auditor"):
        client = w.client(who)
        for _id, _who, method, url, field, extra in CASES:
            for bad in BAD_MONTHS if field == "manad" else BAD_DAYS:
                answer = _send(client, w, method, url(w), field, extra, bad)
                assert answer.status_code in (400, 404), (who, _id, bad, answer.status_code)


def test_the_reason_names_the_date_and_how_to_write_it():
    w = World()
    page = w.client("teacher").get(reverse("attendance:my_lessons"), {"dag": "2026-02-30"})
    assert page.status_code == 400
    assert "Dagen ”2026-02-30” är inget giltigt datum" in page.content.decode()
    far = w.client("teacher").get(reverse("schedule:week"), {"vecka": "0001-01-01"})
    assert "Veckan 0001-01-01 ligger utanför de datum Skolsam hanterar" in far.content.decode()
