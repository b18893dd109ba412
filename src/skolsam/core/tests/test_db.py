"""AnyOf: a list of keys as one array parameter on PostgreSQL, IN elsewhere."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from skolsam.core.db import AnyOf
from skolsam.people.models import Person
from skolsam.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_any_of_selects_exactly_the_listed_rows():
    a, b, c = PersonFactory(), PersonFactory(), PersonFactory()
    found = set(Person.objects.filter(AnyOf("pk", [a.pk, c.pk, uuid.uuid4()])))
    assert found == {a, c}
    assert b not in found


def test_any_of_an_empty_list_selects_nothing_and_combines_with_or():
    a = PersonFactory(given_name="Ensam")
    assert not Person.objects.filter(AnyOf("pk", [])).exists()
    either = Person.objects.filter(Q(AnyOf("pk", [])) | Q(given_name="Ensam"))
    assert list(either) == [a]


def test_any_of_sends_the_list_as_one_parameter_on_postgresql():
    people = [PersonFactory() for _ in range(30)]
    with CaptureQueriesContext(connection) as captured:
        assert Person.objects.filter(AnyOf("pk", [p.pk for p in people])).count() == 30
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
    else:
        assert " IN (" in sql
