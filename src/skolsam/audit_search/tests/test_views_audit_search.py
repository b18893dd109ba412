"""Test the auditors' search of the audit log through HTTP.

The school day of skolsam.testing.story: Maria, who teaches 7B at Scheeleskolan, looks at
Alva's card; Anders, the rektor, looks at Hugo's. The data protection officer, who holds the
permission to search the log, finds out who looked at whom; Maria, without the permission,
does not even learn the page exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from skolsam.accounts.actor import actor_for_user
from skolsam.audit.models import AuditEntry
from skolsam.audit.services import audit_record
from skolsam.core.choices import SecurityMarking
from skolsam.demo import testnumbers
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client
from skolsam.testing.story import Day, build_day

pytestmark = pytest.mark.django_db


@dataclass
class Log:
    day: Day
    alva: Any
    hugo: Any
    teacher: Any  # Maria's User
    rektor: Any  # Anders's User
    data_protection_officer: Any


def _as(user: Any) -> Client:
    return verified_client(user)


def _auditor(**kwargs: Any) -> Any:
    user: Any = f.UserFactory(**kwargs)
    user.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    return user


@pytest.fixture
def log() -> Log:
    day = build_day()
    alva, hugo, _saga = day.pupils
    teacher = f.UserFactory(person=day.teacher, username="maria.larare")
    rektor = f.UserFactory(person=day.rektor, username="anders.rektor")

    _as(teacher).get(reverse("person_detail", args=[alva.pk]))
    _as(rektor).get(reverse("person_detail", args=[hugo.pk]))
    return Log(day, alva, hugo, teacher, rektor, _auditor(username="dso", person=None))


def _search(client: Client, **params: Any) -> Any:
    return client.get(reverse("audit_search"), params)


def test_anonymous_users_are_sent_to_the_login(log):
    response = Client().get(reverse("audit_search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_teacher_without_the_permission_gets_404(log):
    response = _search(_as(log.teacher), person=log.alva.civic_no)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="audit.search").exists()


def test_the_menu_shows_the_log_only_to_auditors(log):
    teacher_page = _as(log.teacher).get(reverse("start")).content.decode()
    auditor_page = _as(log.data_protection_officer).get(reverse("start")).content.decode()
    assert reverse("audit_search") not in teacher_page
    assert reverse("audit_search") in auditor_page


def test_an_auditor_finds_who_looked_at_a_pupil_by_civic_number(log):
    civic = log.alva.civic_no
    response = _search(_as(log.data_protection_officer), person=f"{civic[2:8]}-{civic[8:]}")
    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert [(e.action, e.actor_label) for e in entries] == [("person.view", "maria.larare")]


def test_an_auditor_can_search_by_person_id(log):
    response = _search(_as(log.data_protection_officer), person=str(log.hugo.pk))
    entries = list(response.context["page"].object_list)
    assert [e.actor_label for e in entries] == ["anders.rektor"]


def test_an_auditor_finds_what_one_user_has_done(log):
    response = _search(_as(log.data_protection_officer), actor="ANDERS.REKTOR")
    entries = list(response.context["page"].object_list)
    assert {e.person_id for e in entries} == {log.hugo.pk}
    assert "anders.rektor" in response.content.decode()


def test_the_action_filter_matches_a_family_of_actions(log):
    client = _as(log.data_protection_officer)
    by_family = list(_search(client, action="person").context["page"].object_list)
    exact = list(_search(client, action="person.view").context["page"].object_list)
    assert len(by_family) == len(exact) == 2
    assert not list(_search(client, action="pers").context["page"].object_list)


def test_the_date_range_includes_both_days(log):
    client = _as(log.data_protection_officer)
    today = timezone.localdate()
    on_the_day = _search(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert len(on_the_day.context["page"].object_list) == 2
    yesterday = (today - timedelta(days=1)).isoformat()
    before = _search(client, date_to=yesterday)
    assert not before.context["page"].object_list


def test_an_end_before_the_start_is_refused(log):
    today = timezone.localdate()
    response = _search(
        _as(log.data_protection_officer),
        date_from=today.isoformat(),
        date_to=(today - timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 400
    assert response.context["page"] is None
    assert "Slutdatum kan inte ligga före startdatum." in response.content.decode()
    assert not AuditEntry.objects.filter(action="audit.search").exists()


def test_an_unknown_civic_number_is_reported_on_the_field(log):
    # A valid test number that no factory hands out (they use births from 1976 on).
    nobody = testnumbers.test_personnummer(born_from=1930, born_to=1940)[0]
    response = _search(_as(log.data_protection_officer), person=nobody)
    assert response.context["page"] is None
    assert "Det finns ingen person med det personnumret" in response.content.decode()


def test_searching_the_log_is_itself_logged(log):
    auditor = log.data_protection_officer
    _search(_as(auditor), person=log.alva.civic_no, action="person")
    entry = AuditEntry.objects.get(action="audit.search")
    assert entry.actor_id == auditor.pk
    assert entry.person_id == log.alva.pk
    assert entry.detail["action"] == "person"
    assert entry.detail["person_id"] == str(log.alva.pk)
    assert entry.detail["page"] == 1


def test_results_are_paginated_newest_first(log):
    auditor = log.data_protection_officer
    actor = actor_for_user(auditor)
    for n in range(1, 61):
        audit_record(actor=actor, action="test.bulk", object_type="Test", object_id=n)
    client = _as(auditor)
    first = _search(client, action="test.bulk")
    page = first.context["page"]
    assert page.paginator.count == 60
    assert [e.object_id for e in page.object_list[:2]] == ["60", "59"]
    assert "sida=2" in first.content.decode()
    second = _search(client, action="test.bulk", sida=2)
    assert len(second.context["page"].object_list) == 10
    assert second.context["page"].object_list[-1].object_id == "1"


# --- names, labels and the CSV export -------------------------------------------------------


def _rows(response: Any) -> list[Any]:
    return list(response.context["rows"])


def test_the_page_names_actors_events_objects_and_persons(log):
    response = _search(_as(log.data_protection_officer), person=log.alva.civic_no)
    html = response.content.decode()
    [row] = _rows(response)
    assert row.actor_name == log.teacher.person.full_name
    assert row.actor_username == "maria.larare"
    assert row.action_label == "Personkort visat"
    alva = log.alva.full_name
    assert (row.object_type_label, row.object_name) == ("Person", alva)
    assert row.person.name == alva
    for shown in (log.teacher.person.full_name, "Personkort visat", alva):
        assert shown in html
    civic = log.alva.civic_no
    assert f"{civic[:8]}-{civic[8:]}" in html


def test_groups_and_schools_are_named_but_not_for_a_protected_pupil(log):
    actor = actor_for_user(log.rektor)
    class_7b = log.alva.group_memberships.get().group
    hidden_pupil: Any = f.PupilFactory(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    audit_record(
        actor=actor,
        action="membership.add",
        object_type="Group",
        object_id=class_7b.pk,
        person_id=log.alva.pk,
    )
    audit_record(
        actor=actor,
        action="membership.add",
        object_type="Group",
        object_id=class_7b.pk,
        person_id=hidden_pupil.pk,
    )
    response = _search(_as(log.data_protection_officer), action="membership")
    rows = {row.person.pk: row for row in _rows(response)}
    assert (rows[log.alva.pk].object_name, rows[log.alva.pk].object_hidden) == ("7B", False)
    assert (rows[hidden_pupil.pk].object_name, rows[hidden_pupil.pk].object_hidden) == ("", True)
    assert "dold (skyddad identitet)" in response.content.decode()


def test_the_page_costs_the_same_queries_for_a_few_entries_and_fifty(log):
    client = _as(log.data_protection_officer)
    class_7b = log.alva.group_memberships.get().group
    school = class_7b.organisation

    def add_entries(n: int) -> None:
        for _ in range(n):
            user = f.UserFactory()
            pupil: Any = f.PupilFactory()
            actor = actor_for_user(user)
            audit_record(
                actor=actor, action="person.view", object_type="Person", object_id=pupil.pk
            )
            audit_record(
                actor=actor,
                action="membership.add",
                object_type="Group",
                object_id=class_7b.pk,
                person_id=pupil.pk,
            )
            audit_record(
                actor=actor,
                action="organisation.update",
                object_type="Organisation",
                object_id=school.pk,
            )
            audit_record(actor=actor, action="auth.login", object_type="User", object_id=user.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = _search(client, action="")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add_entries(1)
    queries()  # the client's first request also loads what its session caches
    few = queries()
    add_entries(12)
    assert len(_search(client).context["rows"]) == 50
    assert queries() == few


@pytest.mark.usefixtures("at_noon")  # today's 08:30 register is open
def test_an_auditor_finds_who_changed_a_pupils_attendance(log):
    day, alva, hugo = log.day, log.alva, log.hugo
    saved = _as(log.teacher).post(
        reverse("attendance:register", args=[day.lesson.pk]),
        {"version": 0, f"kind-{alva.pk}": "Frånvarande"},
    )
    assert saved.status_code in (200, 302)
    response = _search(_as(log.data_protection_officer), person=str(alva.pk), action="attendance")
    [row] = _rows(response)
    assert row.actor_username == "maria.larare"
    assert row.action_label == "Elevens närvaro ändrad"
    assert row.object_type_label == "Lektion" and row.object_name.startswith("7B Matematik")
    assert row.entry.changes["kind"] == [None, "Frånvarande"]
    # Hugo stayed present: nothing about him changed.
    nothing = _search(_as(log.data_protection_officer), person=str(hugo.pk), action="attendance")
    assert not _rows(nothing)


def _download(client: Client, **params: Any) -> Any:
    return client.get(reverse("export_audit_log"), params)


def test_the_search_result_exports_as_csv_and_the_export_is_logged(log):
    auditor = log.data_protection_officer
    response = _download(_as(auditor), action="person")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "granskningslogg-" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tid;Utförd av;Användarnamn;Händelse;Händelsekod;Objekttyp;Objekt")
    body = lines[1:]
    assert len(body) == 2
    assert any(
        f"{log.teacher.person.full_name};maria.larare;Personkort visat;person.view;Person;"
        f"{log.alva.full_name};" in line
        for line in body
    )
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor_id, entry.object_type) == (auditor.pk, "Granskningslogg")
    assert entry.detail["rows"] == 2
    assert set(entry.detail["persons"]) == {str(log.alva.pk), str(log.hugo.pk)}
    assert entry.detail["filters"] == {"action": "person"}


def test_the_export_guards_cells_against_spreadsheet_formulas(log):
    actor = actor_for_user(log.rektor)
    audit_record(actor=actor, action="=cmd|' /c calc'!a0", object_type="Test")
    response = _download(_as(log.data_protection_officer), action="=cmd|' /c calc'!a0")
    line = response.content.decode("utf-8-sig").splitlines()[1]
    assert ";'=cmd|" in line and ";=cmd" not in line


def test_only_auditors_export_and_bad_filters_are_refused(log):
    assert _download(_as(log.teacher)).status_code == 404
    today = timezone.localdate()
    bad = _download(
        _as(log.data_protection_officer),
        date_from=today.isoformat(),
        date_to=(today - timedelta(days=1)).isoformat(),
    )
    assert bad.status_code == 400
    assert "Slutdatum kan inte ligga före startdatum." in bad.content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()
