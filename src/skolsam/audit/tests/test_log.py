"""Prove the audit log: what an entry records, where the request context comes from, and
that nothing can change or remove an entry once written."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from skolsam.accounts import actor as actor_builder
from skolsam.audit.models import AppendOnlyError, AuditEntry, AuditEntryPerson
from skolsam.audit.selectors import audit_entry_list
from skolsam.audit.services import audit_person_read, audit_record
from skolsam.core import access, context
from skolsam.core.choices import DutyRole
from skolsam.core.middleware import RequestContextMiddleware
from skolsam.people import services as people
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_admin_user():
    """Eva, school administrator at Scheeleskolan, logged in as `eva`."""
    school = build_school()
    duty = f.DutyFactory(
        duty_at=school,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Eva"),
    )
    user = f.UserFactory(person=duty.person, username="eva")
    pupil = f.PupilFactory(given_name="Alva", family_name="Andersson")
    f.EnrolmentFactory(person=pupil, enroled_at=school)
    return user, pupil


def serve(request, view):
    """Run `view` behind the request-context middleware, as Django would."""
    return RequestContextMiddleware(view)(request)


def test_an_entry_records_who_did_what_to_whom_from_where(school_admin_user):
    user, pupil = school_admin_user

    def view(request):
        actor = actor_builder.actor_for_user(user, on=ON)
        people.person_update(actor=actor, person=pupil, version=1, family_name="Berg")
        return HttpResponse("ok")

    request = RequestFactory().post(
        "/personer/", REMOTE_ADDR="192.0.2.10", HTTP_X_REQUEST_ID="req-2026-10-15-0001"
    )
    response = serve(request, view)
    assert response["X-Request-ID"] == "req-2026-10-15-0001"
    entry = AuditEntry.objects.get()
    assert entry.actor_id == user.pk
    assert entry.actor_label == "eva"
    assert (entry.action, entry.object_type, entry.object_id) == (
        "person.update",
        "Person",
        str(pupil.pk),
    )
    assert entry.person_id == pupil.pk
    assert entry.changes == {"family_name": ["Andersson", "Berg"]}
    assert entry.request_id == "req-2026-10-15-0001"
    assert entry.client_address == "192.0.2.10"
    assert entry.at is not None
    # The context does not outlive the request.
    assert context.current() is None


@pytest.mark.parametrize("incoming", ["", "short", "has spaces in it", "x" * 65, "semi;colon-123"])
def test_an_unusable_request_id_is_replaced_by_a_fresh_one(school_admin_user, incoming):
    _, pupil = school_admin_user

    def view(request):
        audit_person_read(actor=access.system_actor("test"), person=pupil)
        return HttpResponse("ok")

    response = serve(RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming), view)
    entry = AuditEntry.objects.get()
    assert entry.request_id == response["X-Request-ID"]
    assert entry.request_id != incoming and len(entry.request_id) == 32
    assert entry.detail == {"protected": False}


def test_each_request_gets_its_own_id():
    response_ids = set()
    for _ in range(3):
        response = serve(RequestFactory().get("/"), lambda r: HttpResponse("ok"))
        response_ids.add(response["X-Request-ID"])
    assert len(response_ids) == 3


@pytest.mark.parametrize(
    ("trust", "expected"),
    [(False, "192.0.2.10"), (True, "198.51.100.7")],
    ids=["proxy-not-trusted", "proxy-trusted"],
)
def test_x_forwarded_for_is_trusted_only_when_configured(settings, trust, expected):
    settings.SKOLSAM_TRUST_X_FORWARDED_FOR = trust

    def view(request):
        audit_record(actor=access.system_actor("test"), action="test", object_type="Test")
        return HttpResponse("ok")

    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.1"
    )
    serve(request, view)
    assert AuditEntry.objects.get().client_address == expected


def test_the_test_client_goes_through_the_middleware(client):
    # Any URL will do, even a missing one: the id is given before the URL is resolved.
    response = client.get("/finns-inte/", HTTP_X_REQUEST_ID="klient-0000001")
    assert response["X-Request-ID"] == "klient-0000001"


def test_outside_a_request_the_entry_says_so():
    entry = audit_record(
        actor=access.system_actor("demo_load"),
        action="demo.load",
        object_type="Organisation",
        detail={"rows": 3, "on": ON},
    )
    entry.refresh_from_db()
    assert (entry.request_id, entry.client_address) == ("", None)
    assert (entry.actor_id, entry.actor_label) == (None, "demo_load")
    assert entry.detail == {"rows": 3, "on": "2026-10-15"}


# --- append-only ------------------------------------------------------------------------------


@pytest.fixture
def entry():
    return audit_record(
        actor=access.system_actor("test"),
        action="person.view",
        object_type="Person",
        object_id="42",
        changes={"family_name": ["Andersson", "Berg"]},
    )


def test_saving_an_existing_entry_is_refused(entry):
    entry.action = "person.nothing"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "person.view"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'hidden' WHERE id = %s",
        "UPDATE audit_auditentry SET changes = '{}' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id >= %s",
    ],
    ids=["update-action", "update-changes", "delete", "delete-all"],
)
def test_the_database_refuses_raw_updates_and_deletes_on_every_database(entry, sql):
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    # The savepoint rolled back; the entry and the test's transaction are intact.
    assert AuditEntry.objects.get(pk=entry.pk).action == "person.view"


@pytest.mark.parametrize("manager", ["objects", "_base_manager"])
def test_queryset_updates_and_deletes_are_refused_on_every_database(entry, manager):
    # QuerySet.update() and .delete() bypass the model's save() and delete().
    entries = getattr(AuditEntry, manager).filter(pk=entry.pk)
    with pytest.raises(AppendOnlyError):
        entries.update(action="hidden")
    with pytest.raises(AppendOnlyError):
        entries.delete()
    with pytest.raises(AppendOnlyError):
        entries.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "person.view"


def _triggers_on_the_audit_table() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditentry' ORDER BY name"
            )
        return [row[0] for row in cursor.fetchall()]


def test_the_triggers_are_installed():
    expected = {
        "postgresql": ["audit_auditentry_append_only"],
        "sqlite": ["audit_auditentry_no_delete", "audit_auditentry_no_update"],
    }
    assert _triggers_on_the_audit_table() == expected[connection.vendor]


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_ends_cleanly_with_entries_in_the_log():
    # Its flush would meet the SQLite triggers; conftest.py empties the log first.
    audit_record(actor=access.system_actor("test"), action="test", object_type="Test")
    assert AuditEntry.objects.count() == 1


# --- entries about many persons (an API page) ----------------------------------------------


@pytest.fixture
def page_entry():
    """One read of a page of 1,000 persons, as the SS 12000 API logs it."""
    persons = [uuid4() for _ in range(1000)]
    entry = audit_record(
        actor=access.system_actor("API-klient Lärplattform"),
        action="ss12000.read",
        object_type="Person",
        person_ids=[*persons, persons[0]],  # a person twice on a page is recorded once
        detail={"rows": 1000},
    )
    return entry, persons


def test_an_entry_about_many_persons_is_found_by_each_of_them(page_entry):
    entry, persons = page_entry
    assert AuditEntryPerson.objects.filter(entry=entry).count() == 1000
    for person in (persons[0], persons[499], persons[-1]):
        assert list(audit_entry_list(person_id=person)) == [entry]
    assert list(audit_entry_list(person_id=uuid4())) == []


def test_the_search_by_person_finds_entries_about_her_alone_and_among_many(page_entry):
    entry, persons = page_entry
    card = audit_record(
        actor=access.system_actor("test"),
        action="person.view",
        object_type="Person",
        object_id=persons[7],
        person_id=persons[7],
    )
    assert list(audit_entry_list(person_id=persons[7])) == [card, entry]
    assert list(audit_entry_list(person_id=persons[7], action="ss12000")) == [entry]


def test_the_persons_of_an_entry_are_written_in_one_statement(django_assert_num_queries):
    persons = [uuid4() for _ in range(1000)]
    with django_assert_num_queries(2):  # the entry, then its persons
        audit_record(
            actor=access.system_actor("test"),
            action="ss12000.read",
            object_type="Person",
            person_ids=persons,
        )


@pytest.mark.parametrize("manager", ["objects", "_base_manager"])
def test_the_persons_of_an_entry_cannot_be_changed(page_entry, manager):
    entry, persons = page_entry
    rows = getattr(AuditEntryPerson, manager).filter(entry=entry)
    with pytest.raises(AppendOnlyError):
        rows.update(person_id=uuid4())
    with pytest.raises(AppendOnlyError):
        rows.delete()
    row = rows.first()
    row.person_id = uuid4()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert set(rows.values_list("person_id", flat=True)) == set(persons)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the persons table's trigger is PostgreSQL's"
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentryperson SET person_id = gen_random_uuid() WHERE entry_id = %s",
        "DELETE FROM audit_auditentryperson WHERE entry_id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_changes_to_the_persons_of_an_entry(page_entry, sql):
    entry, _ = page_entry
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AuditEntryPerson.objects.filter(entry=entry).count() == 1000
