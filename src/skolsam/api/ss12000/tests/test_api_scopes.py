"""Scopes: what an API client may read and write, per resource type, checked on every request.

The register is the story's (skolsam.testing.story): Köping's national-test integration may
only read; Köping's attendance app may read and write attendance (Alva's, in Maria's 7B
mathematics lesson); the learning platform has been narrowed to persons.
"""

from __future__ import annotations

import importlib
import json
import uuid
from datetime import date, time, timedelta
from io import StringIO
from typing import Any

import jwt
import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import scopes, services
from skolsam.api.ss12000.auth import signing_key
from skolsam.api.ss12000.models import ApiClient
from skolsam.api.ss12000.tests.conftest import BASE, Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import Attendance
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.changes import change_record
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.factories import UserFactory

DAY = date(2026, 9, 14)


@pytest.fixture
def lesson(db: Any, story: Any) -> CalendarEvent:
    start = calendar.at(DAY, time(8, 30))
    return CalendarEvent.objects.create(
        activity=Activity.objects.get(display_name="Matematik 7B"),
        organisation_id=story.scheeleskolan.pk,
        planned_date=DAY,
        date=DAY,
        start_time=start,
        end_time=start + timedelta(minutes=60),
        duration_minutes=60,
    )


@pytest.fixture
def alvas_attendance(story: Any, lesson: CalendarEvent) -> Attendance:
    return attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lesson,
        student=story.pupil_in_7b,
        attendance_minutes=60,
        valid_absence_minutes=0,
        invalid_absence_minutes=0,
    )


def _attendance_body(story: Any, lesson: CalendarEvent) -> dict:
    return {
        "calendarEvent": {"id": str(lesson.pk)},
        "student": {"id": str(story.pupil_in_7b.pk)},
        "isReported": True,
        "attendanceMinutes": 40,
        "validAbsenceMinutes": 0,
        "invalidAbsenceMinutes": 20,
    }


def _forbidden(api: Api, method: str, path: str, needed: str, body: Any = None) -> None:
    """Expect 403 with the spec's Error body naming the missing scope."""
    raw = api.http.generic(
        method,
        BASE + path,
        data=json.dumps(body) if body is not None else b"",
        content_type="application/json",
        headers=api.headers,
    )
    assert raw.status_code == 403, (method, path, raw.content[:300])
    error = json.loads(raw.content)
    assert set(error) == {"code", "message"}
    assert error["code"] == "InsufficientScope"
    assert needed in error["message"]
    assert f'scope="{needed}"' in raw["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in raw["WWW-Authenticate"]


# --- a read-only client cannot write -----------------------------------------------------


def test_a_read_only_client_reads_but_cannot_post_or_delete_attendance(
    story: Any, lesson: CalendarEvent, alvas_attendance: Attendance
) -> None:
    national_tests, _ = make_client(
        [story.scheeleskolan], name="Nationella prov", scopes=["*:read"]
    )
    api = Api(token_for(national_tests))
    listed = api.get("/attendances")
    assert [row["id"] for row in listed["data"]] == [str(alvas_attendance.pk)]
    api.get(f"/attendances/{alvas_attendance.pk}")
    assert api.post("/attendances/lookup", {"ids": [str(alvas_attendance.pk)]})

    _forbidden(api, "POST", "/attendances", "attendances:write", _attendance_body(story, lesson))
    _forbidden(api, "DELETE", f"/attendances/{alvas_attendance.pk}", "attendances:write")
    # Refused before anything is looked up: a missing id answers the same 403, not 404.
    _forbidden(api, "DELETE", f"/attendances/{uuid.uuid4()}", "attendances:write")
    row = Attendance.objects.get()
    assert (row.attendance_minutes, row.invalid_absence_minutes) == (60, 0)
    refusals = AuditEntry.objects.filter(action="ss12000.forbidden")
    assert refusals.count() == 3
    assert {e.detail["method"] for e in refusals} == {"POST", "DELETE"}
    assert all(e.detail["client"] == national_tests.client_id for e in refusals)


def test_a_read_only_client_cannot_subscribe_or_report_back(db: Any, story: Any) -> None:
    reader, _ = make_client([story.koping], scopes=["persons:read", "subscriptions:read"])
    api = Api(token_for(reader))
    assert api.get("/subscriptions")["data"] == []
    body = {"name": "x", "target": "https://example.com/hook", "resourceTypes": []}
    _forbidden(api, "POST", "/subscriptions", "subscriptions:write", body)
    _forbidden(api, "PATCH", f"/subscriptions/{uuid.uuid4()}", "subscriptions:write", {})
    _forbidden(api, "DELETE", f"/subscriptions/{uuid.uuid4()}", "subscriptions:write")
    _forbidden(api, "POST", "/log/", "log:write", {"message": "x", "severityLevel": "Info"})
    _forbidden(api, "POST", "/statistics/", "statistics:write", {"resourceType": "Person"})


def test_a_write_scoped_client_writes_attendance(
    db: Any, story: Any, lesson: CalendarEvent
) -> None:
    register_app, _ = make_client(
        [story.scheeleskolan], name="Närvaroappen", scopes=["attendances:read attendances:write"]
    )
    api = Api(token_for(register_app))
    created = api.post("/attendances", _attendance_body(story, lesson))
    assert created["invalidAbsenceMinutes"] == 20
    api.request("DELETE", f"/attendances/{created['id']}", status=204, check=False)
    assert not Attendance.objects.exists()
    # Its scopes stop at attendance: the register's other resources are refused.
    _forbidden(api, "GET", "/persons", "persons:read")
    _forbidden(api, "GET", "/calendarEvents", "calendarEvents:read")
    _forbidden(api, "GET", "/aggregatedAttendance", "aggregatedAttendance:read")


def test_read_scopes_are_per_resource_type(db: Any, story: Any) -> None:
    platform, _ = make_client([story.koping], scopes=["persons:read"])
    api = Api(token_for(platform))
    assert api.get("/persons")["data"]
    api.get(f"/persons/{story.pupil_in_7b.pk}")
    assert api.post("/persons/lookup", {"ids": [str(story.pupil_in_7b.pk)]})
    _forbidden(api, "GET", "/groups", "groups:read")
    _forbidden(api, "GET", f"/groups/{story.groups['7B'].pk}", "groups:read")
    _forbidden(api, "POST", "/groups/lookup", "groups:read", {"ids": [str(story.groups["7B"].pk)]})
    _forbidden(api, "GET", "/deletedEntities", "deletedEntities:read")
    _forbidden(api, "GET", "/subscriptions", "subscriptions:read")
    # Without a token it is still 401, not 403: who asks comes before what they may do.
    Api(None).get("/groups", status=401, check=False)


def _api_routes() -> list[tuple[str, str, str]]:
    """Every (method, path, scope needed) the API serves, from the URL configuration."""
    routes = []

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            view: Any = pattern.callback
            methods = getattr(view, "ss12000_methods", None)
            if methods is None:
                continue
            resource = view.ss12000_resource or pattern.default_args["resource"]
            path = (prefix + str(pattern.pattern)).replace("<str:pk>", str(uuid.uuid4()))
            for method in methods:
                needed = scopes.required(resource, method, reads=view.ss12000_reads)
                routes.append((method, "/" + path, needed))

    walk(get_resolver().url_patterns, "")
    return routes


def test_every_api_route_needs_a_scope_from_the_vocabulary(db: Any, story: Any) -> None:
    routes = _api_routes()
    assert len(routes) > 40
    # The vocabulary is exactly what the routes use: no scope for something not served.
    assert {needed for _, _, needed in routes} == set(scopes.ALL_SCOPES)
    only_log, _ = make_client([story.koping], scopes=["log:write"])
    api = Api(token_for(only_log))
    for method, path, needed in routes:
        if needed == "log:write":
            continue
        _forbidden(api, method, path.removeprefix(BASE), needed, {})


# --- tokens carry the scopes ---------------------------------------------------------------


def _token(client: ApiClient, secret: str, scope: str | None = None) -> tuple[int, dict]:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = Client().post(
        "/oauth/token", data, headers={"Authorization": _basic(client.client_id, secret)}
    )
    return response.status_code, json.loads(response.content)


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, signing_key(), algorithms=["HS256"], audience="ss12000")


def test_a_token_carries_the_clients_scopes_and_may_be_narrowed(db: Any, story: Any) -> None:
    client, secret = make_client(
        [story.koping], scopes=["persons:read", "groups:read", "attendances:read"]
    )
    status, body = _token(client, secret)
    assert status == 200
    assert body["scope"] == "persons:read groups:read attendances:read"
    assert _claims(body["access_token"])["scope"] == body["scope"]

    status, body = _token(client, secret, "persons:read")
    assert status == 200 and body["scope"] == "persons:read"
    assert _claims(body["access_token"])["scope"] == "persons:read"
    narrow = Api(body["access_token"])
    narrow.get("/persons")
    _forbidden(narrow, "GET", "/groups", "groups:read")

    # `*:read` asks for every read scope the client holds, and no more.
    status, body = _token(client, secret, "*:read")
    assert body["scope"] == "persons:read groups:read attendances:read"


def test_a_token_request_cannot_widen_or_name_unknown_scopes(db: Any, story: Any) -> None:
    client, secret = make_client([story.koping], scopes=["*:read"])
    status, body = _token(client, secret, "persons:read attendances:write")
    assert status == 400 and body["error"] == "invalid_scope"
    assert "attendances:write" in body["error_description"]
    status, body = _token(client, secret, "*:write")
    assert status == 400 and "inget av de begärda" in body["error_description"]
    status, body = _token(client, secret, "people:read")
    assert status == 400 and body["error"] == "invalid_scope"
    assert "people" in body["error_description"]
    writer, secret = make_client([story.koping], scopes=["attendances:read", "attendances:write"])
    status, body = _token(writer, secret, "attendances:write")
    assert status == 400 and "kräver attendances:read" in body["error_description"]


def test_a_token_reaches_only_as_far_as_the_client_does_now(db: Any, story: Any) -> None:
    """A request uses the token's scopes only while the client still holds them."""
    client, _ = make_client([story.koping], scopes=["*:read"])
    api = Api(token_for(client))
    api.get("/groups")
    services.api_client_set_scopes(
        actor=system_actor("test"), client=client, scopes=["persons:read"]
    )
    _forbidden(api, "GET", "/groups", "groups:read")
    api.get("/persons")
    wide = Api(token_for(client, scopes.ALL_SCOPES))
    _forbidden(wide, "POST", "/log/", "log:write", {"message": "x", "severityLevel": "Info"})


# --- scopes in what the client may subscribe to and see deleted ------------------------------


def test_webhooks_and_tombstones_only_cover_readable_types(
    db: Any, story: Any, settings: Any
) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    client, _ = make_client(
        [story.koping],
        scopes=[
            "persons:read",
            "subscriptions:read",
            "subscriptions:write",
            "deletedEntities:read",
        ],
    )
    api = Api(token_for(client))
    hook = {"name": "Elever", "target": "http://127.0.0.1:9/hook"}
    api.post(
        "/subscriptions",
        {**hook, "resourceTypes": [{"resource": "Person"}]},
        status=201,
        check=False,
    )
    refused = api.post(
        "/subscriptions",
        {**hook, "resourceTypes": [{"resource": "Group"}]},
        status=400,
        check=False,
    )
    assert "groups:read" in refused["message"]
    for entity_type in ("Person", "Group"):
        change_record(
            entity_type=entity_type,
            ids=[uuid.uuid4()],
            organisation_ids=[story.scheeleskolan.pk],
            deleted=True,
        )
    data = api.get("/deletedEntities")["data"]
    assert set(data) == {"persons"}


def test_removing_a_read_scope_narrows_the_clients_webhooks(
    db: Any, story: Any, settings: Any
) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    client, _ = make_client([story.koping], scopes=["*:read", "subscriptions:write"])
    Api(token_for(client)).post(
        "/subscriptions",
        {
            "name": "Allt",
            "target": "http://127.0.0.1:9/hook",
            "resourceTypes": [{"resource": t} for t in ("Person", "Group", "Grade", "StudyPlan")],
        },
        status=201,
        check=False,
    )
    services.api_client_set_scopes(
        actor=system_actor("test"),
        client=client,
        scopes=["persons:read", "subscriptions:read", "subscriptions:write"],
    )
    # Group, Grade and StudyPlan are no longer the client's to know about.
    assert client.subscriptions.get().resource_types == ["Person"]


# --- changing scopes: service, command, page --------------------------------------------------


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (["people:read"], "people är ingen resurstyp"),
        (["persons"], "har inte formen resurs:read"),
        (["persons:admin"], "har inte formen resurs:read"),
        (["persons:write"], "persons går bara att läsa"),
        (["log:read"], "log går bara att skriva till"),
        (["attendances:write"], "attendances:write kräver attendances:read"),
        ([], "minst ett scope"),
        ([" "], "minst ett scope"),
        (
            [f"x{n}:read" for n in range(1000)],
            r"x4 är ingen resurstyp som API:t har \(och 995 till\)\.",
        ),
        (["a" * 10_000], "a…' har inte formen"),
    ],
)
def test_bad_scopes_are_refused_with_a_clear_error(
    db: Any, story: Any, given: list, says: str
) -> None:
    client, _ = make_client([story.koping], scopes=["persons:read"])
    with pytest.raises(scopes.ScopeError, match=says):
        services.api_client_set_scopes(actor=system_actor("test"), client=client, scopes=given)
    client.refresh_from_db()
    assert client.scopes == ["persons:read"]


def test_changing_scopes_is_audit_logged(db: Any, story: Any) -> None:
    client, _ = make_client([story.koping], scopes=["*:read"])
    services.api_client_set_scopes(
        actor=system_actor("test"),
        client=client,
        scopes=["*:read", "attendances:write", "subscriptions:write"],
    )
    entry = AuditEntry.objects.filter(action="ss12000.client.scopes").get()
    assert entry.object_id == str(client.pk)
    assert entry.detail["added"] == ["attendances:write", "subscriptions:write"]
    assert entry.detail["removed"] == []
    created = AuditEntry.objects.filter(action="ss12000.client.create").get()
    assert "persons:read" in created.detail["scopes"]


def _run(*args: str) -> Any:
    out = StringIO()
    call_command("ss12000_client", *args, stdout=out)
    return json.loads(out.getvalue())


def test_command_creates_with_scopes_and_changes_them(db: Any, story: Any) -> None:
    created = _run(
        "create",
        "--name",
        "Nationella prov",
        "--organisation",
        story.scheeleskolan.school_unit_code,
        "--scope",
        "persons:read groups:read",
        "--scope",
        "attendances:read",
    )
    assert created["scopes"] == ["persons:read", "groups:read", "attendances:read"]
    client_id = created["client_id"]
    assert _run("scopes", client_id)["scopes"] == created["scopes"]
    added = _run("scopes", client_id, "--add", "attendances:write")
    assert added["scopes"][-1] == "attendances:write"
    removed = _run("scopes", client_id, "--remove", "*:write", "--remove", "groups:read")
    assert removed["scopes"] == ["persons:read", "attendances:read"]
    replaced = _run("scopes", client_id, "--set", "*:read")
    assert replaced["scopes"] == [s for s in scopes.ALL_SCOPES if s.endswith(":read")]
    assert _run("list")[0]["scopes"] == replaced["scopes"]

    with pytest.raises(CommandError, match="kräver attendances:read"):
        _run("scopes", client_id, "--remove", "attendances:read", "--add", "attendances:write")
    with pytest.raises(CommandError, match="people är ingen resurstyp"):
        _run("scopes", client_id, "--add", "people:read")
    with pytest.raises(CommandError, match="--scope"):
        _run("create", "--name", "X", "--organisation", story.scheeleskolan.school_unit_code)
    assert ApiClient.objects.get(client_id=client_id).scopes == replaced["scopes"]


def _admin() -> Client:
    from skolsam.testing.auth import verified_client

    admin: Any = UserFactory(username="it-admin")
    admin.user_permissions.add(Permission.objects.get(codename="change_apiclient"))
    return verified_client(admin)


def test_the_page_creates_a_client_with_scopes_and_edits_them(db: Any, story: Any) -> None:
    browser = _admin()
    page = browser.get("/ss12000/clients/").content.decode()
    assert "<legend>Behörigheter (scopes)</legend>" in page
    assert 'value="attendances:write"' in page
    assert 'value="persons:write"' not in page  # persons cannot be written in SS 12000
    assert '<label for="scope-personsread">' in page

    browser.post(
        "/ss12000/clients/",
        {
            "name": "Nationella prov",
            "organisations": story.scheeleskolan.school_unit_code,
            "scopes": ["persons:read", "groups:read"],
        },
    )
    client = ApiClient.objects.get(name="Nationella prov")
    assert client.scopes == ["persons:read", "groups:read"]
    listing = browser.get("/ss12000/clients/").content.decode()
    assert "Läsa: personer, grupper. Skriva: inget." in listing

    url = f"/ss12000/clients/{client.client_id}/"
    saved = browser.post(
        url, {"action": "scopes", "scopes": ["attendances:read", "attendances:write"]}
    )
    assert saved.status_code == 200 and saved.context["scopes_saved"]
    client.refresh_from_db()
    assert client.scopes == ["attendances:read", "attendances:write"]
    detail = saved.content.decode()
    assert 'value="attendances:write" id="scope-attendanceswrite" checked' in detail

    refused = browser.post(url, {"action": "scopes", "scopes": ["attendances:write"]})
    assert "attendances:write kräver attendances:read" in refused.content.decode()
    # What was sent stays on the page to correct; nothing is saved.
    assert 'id="scope-attendancesread" checked' not in refused.content.decode()
    client.refresh_from_db()
    assert client.scopes == ["attendances:read", "attendances:write"]
    empty = browser.post(
        "/ss12000/clients/",
        {"name": "Utan scope", "organisations": story.scheeleskolan.school_unit_code},
    )
    assert "minst ett scope" in empty.content.decode()
    assert not ApiClient.objects.filter(name="Utan scope").exists()


# --- clients registered before scopes ------------------------------------------------------------


def test_clients_from_before_scopes_keep_reading_but_not_writing_attendance(
    story: Any, lesson: CalendarEvent
) -> None:
    migration = importlib.import_module("skolsam.api.ss12000.migrations.0002_client_scopes")
    old, _ = make_client([story.scheeleskolan], scopes=["persons:read"])
    ApiClient.objects.filter(pk=old.pk).update(scopes=[])
    migration.grant_existing(apps, None)
    old.refresh_from_db()
    # What the migration grants is valid today (write only with read) and reads everything.
    assert old.scopes == scopes.parse_scopes(old.scopes)
    # Every read there was then; rooms, resources, grades and studyplans came later and
    # are granted by hand.
    later = {"rooms:read", "resources:read", "grades:read", "studyplans:read"}
    assert {s for s in scopes.ALL_SCOPES if s.endswith(":read")} - later <= set(old.scopes)
    assert not later & set(old.scopes)
    assert "attendances:write" not in old.scopes
    api = Api(token_for(old))
    api.get("/attendances")
    _forbidden(api, "POST", "/attendances", "attendances:write", _attendance_body(story, lesson))
    api.post("/log/", {"message": "Synk klar", "severityLevel": "Info"}, status=201, check=False)
