"""The outbox guard itself: the ids a statement writes must be the ids the outbox names.

Each test runs the guard's ledger by hand (the autouse guard is off for them) with every
statement counted as product code, then records one entity or another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction

from skolsam.core.changes import change_record
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import Group
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.changes_guard import Ledger, _tables

pytestmark = [pytest.mark.django_db, pytest.mark.unrecorded_writes]


@contextmanager
def ledger() -> Iterator[Ledger]:
    """Watch the statements made inside, all as if product code made them."""
    book = Ledger(*_tables(), caller=lambda: "skolsam.product:1 (service)")

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        pending = book.before(sql, None if many else params)
        result = execute(sql, params, many, context)
        book.statement(sql, getattr(context.get("cursor"), "rowcount", -1), pending)
        return result

    with connection.execute_wrapper(wrapper):
        yield book


def record(entity_type: str, *ids: Any) -> None:
    change_record(entity_type=entity_type, ids=ids, organisation_ids=[])


def missing_ids(book: Ledger) -> set[str]:
    return {i for _, rows in book.unrecorded() for row in rows for i in row.values() if i}


def test_an_insert_is_recorded_only_under_its_own_id():
    alva, elsa = f.PersonFactory(given_name="Alva"), f.PersonFactory(given_name="Elsa")
    with ledger() as book:
        theo = Person.objects.create(given_name="Theo", family_name="Ek")
        record("Person", elsa.pk)
    assert missing_ids(book) == {str(theo.pk)}
    record("Person", theo.pk)
    assert book.unrecorded() == []
    assert alva.pk != theo.pk


def test_an_update_and_a_delete_name_the_rows_they_touch_before_they_run():
    alva, elsa = f.PersonFactory(given_name="Alva"), f.PersonFactory(given_name="Elsa")
    with ledger() as book:
        Person.objects.filter(pk=alva.pk).update(given_name="Alvah")
        record("Person", elsa.pk)
    assert missing_ids(book) == {str(alva.pk)}
    group, other = f.GroupFactory(display_name="7B"), f.GroupFactory(display_name="7A")
    with ledger() as book:
        Group.objects.filter(pk=group.pk).delete()
        record("Group", other.pk)
    assert missing_ids(book) == {str(group.pk)}


def test_a_row_of_another_entity_is_recorded_under_that_entity_s_id():
    """An enrolment is part of its pupil's Person: the record must name the pupil."""
    alva, elsa = f.PupilFactory(given_name="Alva"), f.PupilFactory(given_name="Elsa")
    school = f.SchoolUnitFactory()
    with ledger() as book:
        Enrolment.objects.create(person=alva, enroled_at=school, start_date=f.TERM_START)
        record("Person", elsa.pk)
    assert missing_ids(book) == {str(alva.pk)}
    record("Person", alva.pk)
    assert book.unrecorded() == []


def test_a_bulk_record_without_ids_covers_any_row_of_its_type():
    with ledger() as book:
        Person.objects.bulk_create(
            [Person(given_name=n, family_name="Ek") for n in ("Theo", "Selma")]
        )
    assert len(missing_ids(book)) == 2
    record("Person")
    assert book.unrecorded() == []


def test_a_rolled_back_write_is_forgotten_with_its_savepoint():
    alva = f.PersonFactory(given_name="Alva")
    with ledger() as book:
        try:
            with transaction.atomic():
                Person.objects.filter(pk=alva.pk).update(given_name="Alvah")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert book.unrecorded() == []
