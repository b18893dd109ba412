"""Managing clients: the management command and the administrators' page.

The register is the story's (skolsam.testing.story): Alva goes to Scheeleskolan in Köping,
Maja to Gäddgårdsskolan in Arboga.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client

from skolsam.api.ss12000.models import ApiClient
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.organisations.models import Organisation
from skolsam.testing.factories import UserFactory


def _logged_in(user: Any) -> Client:
    """A browser logged in as `user`, two-factor verified where the project requires it."""
    try:
        from skolsam.testing.auth import verified_client
    except ImportError:  # before two-factor authentication existed
        browser = Client()
        browser.force_login(user)
        return browser
    return verified_client(user)


def _run(*args: str) -> Any:
    out = StringIO()
    call_command("ss12000_client", *args, stdout=out)
    return json.loads(out.getvalue())


def _token(credentials: dict) -> tuple[int, dict]:
    response = Client().post("/oauth/token", {"grant_type": "client_credentials", **credentials})
    return response.status_code, json.loads(response.content)


def test_command_creates_lists_rotates_and_revokes(story: Any, db: Any) -> None:
    created = _run(
        "create",
        "--name",
        "Köpings lärplattform",
        "--organisation",
        story.scheeleskolan.school_unit_code,
        "--scope",
        "*:read",
    )
    assert set(created) == {"client_id", "client_secret", "scopes"}
    status, body = _token(created)
    assert status == 200
    ids = {p["id"] for p in Api(body["access_token"]).get("/persons")["data"]}
    assert str(story.pupil_in_7b.pk) in ids and str(story.pupil_in_arboga.pk) not in ids

    listed = _run("list")
    assert listed[0]["client_id"] == created["client_id"]
    assert listed[0]["organisations"] == ["Scheeleskolan"]

    rotated = _run("rotate", created["client_id"])
    assert _token(created)[0] == 401
    assert _token(rotated)[0] == 200
    _run("revoke", created["client_id"])
    assert _token(rotated)[0] == 401
    assert not ApiClient.objects.get().is_active


def test_command_takes_ids_and_organisation_codes(story: Any, db: Any) -> None:
    Organisation.objects.filter(pk=story.koping.pk).update(organisation_code="KOP")
    by_code = _run("create", "--name", "A", "--organisation", "KOP", "--scope", "persons:read")
    by_id = _run(
        "create",
        "--name",
        "B",
        "--organisation",
        str(story.koping.pk),
        "--protected",
        "--scope",
        "persons:read",
    )
    assert by_code["client_id"] != by_id["client_id"]
    assert ApiClient.objects.get(client_id=by_id["client_id"]).allow_protected_data
    with pytest.raises(CommandError, match="Ingen organisation"):
        _run("create", "--name", "C", "--organisation", "99999999", "--scope", "persons:read")
    with pytest.raises(CommandError, match="Ingen klient"):
        _run("rotate", "ss12k_missing")


def test_admin_page_manages_clients(story: Any, db: Any) -> None:
    admin: Any = UserFactory(username="it-admin")
    admin.user_permissions.add(Permission.objects.get(codename="change_apiclient"))
    browser = _logged_in(admin)
    page = browser.get("/ss12000/clients/")
    assert page.status_code == 200
    response = browser.post(
        "/ss12000/clients/",
        {
            "name": "Schemasystemet",
            "organisations": story.scheeleskolan.school_unit_code,
            "scopes": ["persons:read"],
        },
    )
    assert response.status_code == 200
    client = ApiClient.objects.get(name="Schemasystemet")
    secret = response.context["created"]["client_secret"]
    assert _token({"client_id": client.client_id, "client_secret": secret})[0] == 200
    detail = browser.post(f"/ss12000/clients/{client.client_id}/", {"action": "rotate"})
    assert detail.context["new_secret"]
    browser.post(f"/ss12000/clients/{client.client_id}/", {"action": "revoke"})
    client.refresh_from_db()
    assert not client.is_active
    bad = browser.post(
        "/ss12000/clients/", {"name": "X", "organisations": "nope", "scopes": ["persons:read"]}
    )
    assert "Ingen organisation" in bad.content.decode()


def test_admin_page_is_not_found_for_others(story: Any, db: Any) -> None:
    browser = _logged_in(UserFactory(username="teacher"))
    assert browser.get("/ss12000/clients/").status_code == 404
    assert Client().get("/ss12000/clients/").status_code == 302


def test_documentation_and_spec_are_served(story: Any, db: Any) -> None:
    page = Client().get("/ss12000/docs/")
    assert page.status_code == 200
    assert "/persons/{id}" in page.content.decode()
    spec = json.loads(Client().get("/ss12000/v2.0/openapi.json").content)
    assert spec["info"]["version"] == "2.1.0"
    assert spec["servers"][0]["url"] == "http://testserver/ss12000/v2.0"
