"""Test the shipped example file as a newcomer uses it: in the demo, on the import page.

The demo is loaded once for this module inside a transaction that is rolled back at the
end. Its school administrator at Centralskolan 7–9 uploads docs/examples/import-example.*
on the import page; every pupil is new to the demo, every class exists there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from skolsam.accounts.models import User
from skolsam.demo.services import demo_data_load
from skolsam.demo.testnumbers import reserved_for_import_example
from skolsam.groups.models import GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person, Responsible
from skolsam.testing.auth import verified_client

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Load the demo once for the module; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_data_load()
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", ["import-example.csv", "import-example.xlsx"])
def test_the_example_file_imports_into_the_demo_on_the_import_page(demo: Any, name: str) -> None:
    centralskolan = Organisation.objects.get(display_name="Centralskolan")
    client = verified_client(User.objects.get(username="admin.centralskolan"))
    url = reverse("register_import", args=[centralskolan.pk])
    assert client.get(url).status_code == 200

    checked = client.post(url, {"file": SimpleUploadedFile(name, (EXAMPLES / name).read_bytes())})

    plan = checked.context["plan"]
    assert [(i.row, i.column, i.message) for i in plan.issues] == []
    confirmed = client.post(
        reverse("register_import_confirm", args=[centralskolan.pk]),
        {"token": checked.context["staged"].token},
    )
    assert confirmed.status_code == 302
    pupils = Person.objects.filter(civic_no__in=reserved_for_import_example())
    assert pupils.count() == 8
    classes = GroupMembership.objects.filter(person__in=pupils).values_list(
        "group__organisation", "group__display_name"
    )
    assert {unit for unit, _ in classes} == {centralskolan.pk}
    assert {c for _, c in classes} == {"7A", "7B", "8A", "8B", "9A", "9B"}
    assert Responsible.objects.filter(person__in=pupils).count() == 15
