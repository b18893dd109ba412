"""The session keeps its Actor until the register changes, however it changes.

Maria teaches 7B mathematics. Her second page costs no Actor queries; when her teaching
or her duty ends, by a service, a bulk statement or a cascade, her next request knows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.accounts.actor import actor_for_user
from skolsam.accounts.models import RegisterVersion
from skolsam.activities.models import ActivityTeacher
from skolsam.core.dates import today
from skolsam.duties.models import Duty
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db

ACTOR_TABLES = (
    "duties_duty",
    "duties_assignmentrole",
    "activities_activityteacher",
    "people_responsible",
    "people_protectedidentityauthorisation",
)


def _actor_queries(ctx: CaptureQueriesContext) -> list[str]:
    """Return the queries that select rows of one of the Actor's tables."""
    return [
        q["sql"]
        for q in ctx.captured_queries
        if any(q["sql"].startswith(f'SELECT "{t}".') for t in ACTOR_TABLES)
    ]


def test_the_second_request_reuses_the_sessions_actor_and_it_equals_a_fresh_one(client):
    day = build_day()
    user = login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert response.status_code == 200
    assert _actor_queries(first) and not _actor_queries(second)
    assert response.wsgi_request._skolsam_actor == actor_for_user(user)


def test_ending_the_teaching_by_a_bulk_delete_closes_the_register_at_the_next_request(client):
    day = build_day()
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    assert client.get(url).status_code == 200
    before = RegisterVersion.current()
    ActivityTeacher.objects.filter(activity=day.activity).delete()
    assert RegisterVersion.current() > before
    assert client.get(url).status_code == 404


def test_ending_the_duty_by_an_update_statement_is_seen_at_the_next_request(client):
    day = build_day()
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    assert client.get(url).wsgi_request._skolsam_actor.staff_org_ids == {day.school.pk}
    Duty.objects.filter(person=day.teacher).update(end_date=today() - timedelta(days=1))
    after = client.get(reverse("attendance:my_lessons")).wsgi_request._skolsam_actor
    assert after.staff_org_ids == frozenset() and after.group_ids == frozenset()


def test_a_change_the_actor_does_not_depend_on_keeps_the_cache(client):
    day = build_day()
    login(client, day.teacher)
    before = RegisterVersion.current()
    day.pupils[0].__class__.objects.filter(pk=day.pupils[0].pk).update(given_name="Alvina")
    day.lesson.__class__.objects.filter(pk=day.lesson.pk).update(room="B12")
    assert RegisterVersion.current() == before
    day.pupils[0].__class__.objects.filter(pk=day.pupils[0].pk).update(
        security_marking="Sekretessmarkering"
    )
    assert RegisterVersion.current() > before


@pytest.mark.django_db
def test_every_register_version_trigger_survives_the_migrations():
    """A migration that rebuilds a watched SQLite table must not leave it without triggers."""
    from django.db import connection

    from skolsam.accounts.triggers import WATCHED, sqlite_triggers

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
        assert set(sqlite_triggers()) <= present, set(sqlite_triggers()) - present
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            present = {row[0] for row in cursor.fetchall()}
        assert {f"{table}_register_version" for table, _ in WATCHED} <= present
