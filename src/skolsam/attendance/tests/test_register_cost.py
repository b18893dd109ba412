"""The register is fast: one request per save, a constant and small number of statements.

Maria takes the register of her class of 5, and of her class of 30: the page and the
save cost the same few statements. Her own look at her register writes nothing; the
rektor's look at it is audit-logged.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.attendance.models import Attendance
from skolsam.audit.models import AuditEntry
from skolsam.testing.story import build_day, login, login_with_two_factor

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(WITH|INSERT|UPDATE|DELETE)\b", re.I)


def _writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if WRITE.match(q["sql"])]


def _save_data(day, version=0):
    alva, hugo = day.pupils[:2]
    return {
        "version": version,
        f"kind-{alva.pk}": "Frånvarande",
        f"kind-{hugo.pk}": "Sen",
        f"minutes-{hugo.pk}": "10",
        f"valid-{hugo.pk}": "on",
    }


@pytest.mark.parametrize("size", [5, 30])
def test_the_teachers_page_costs_at_most_10_statements_and_writes_nothing(client, size):
    day = build_day(pupils=size)
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    assert client.get(url).status_code == 200  # the session keeps the Actor from here on
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('<li class="reg-row">') == size
    assert len(ctx.captured_queries) <= 10, "\n".join(q["sql"][:150] for q in ctx.captured_queries)
    assert _writes(ctx) == []
    assert not AuditEntry.objects.filter(action="attendance.view_register").exists()


def test_the_rektors_look_at_a_register_is_still_audit_logged():
    day = build_day()
    rektor = login_with_two_factor(day.rektor)
    url = reverse("attendance:register", args=[day.lesson.pk])
    assert rektor.get(url).status_code == 200
    entry = AuditEntry.objects.get(action="attendance.view_register")
    assert entry.object_id == str(day.lesson.pk)


@pytest.mark.parametrize("size", [5, 30])
def test_an_htmx_save_is_one_request_and_at_most_10_statements_with_one_write(client, size):
    day = build_day(pupils=size)
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        saved = client.post(url, _save_data(day), HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    text = saved.content.decode()
    # The saved register comes back in place of the form: no redirect, no page around it.
    assert "<html" not in text and 'id="register-part"' in text
    assert 'id="register-status" hx-swap-oob="innerHTML">Närvaron är sparad: ' in text
    assert f"{size} elever, 1 med ogiltig frånvaro" in text
    assert 'name="version" value="1"' in text
    # SQLite writes the API's outbox row in a statement of its own.
    budget = 10 if connection.vendor == "postgresql" else 11
    assert len(ctx.captured_queries) <= budget, "\n".join(
        q["sql"][:150] for q in ctx.captured_queries
    )
    writes = _writes(ctx)
    if connection.vendor == "postgresql":
        # The claim, the upsert, the audit entry and the outbox row: one statement, one commit.
        assert len(writes) == 1 and writes[0].startswith("WITH claim AS")
    else:
        # Claim, upsert, outbox row and audit entry in one transaction.
        assert len(writes) == 4
        assert sum(1 for q in ctx.captured_queries if q["sql"].startswith("BEGIN")) <= 1
    rows = {a.student_id: a for a in Attendance.objects.filter(calendar_event=day.lesson)}
    assert len(rows) == size
    assert rows[day.pupils[0].pk].invalid_absence_minutes == 60
    assert rows[day.pupils[1].pk].valid_absence_minutes == 10


def test_an_htmx_save_that_is_refused_shows_the_errors_in_place_and_saves_nothing(client):
    day = build_day()
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    data = _save_data(day)
    data[f"minutes-{day.pupils[1].pk}"] = "500"
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "<html" not in text and 'role="alert"' in text and "ange minuter mellan 1" in text
    assert not Attendance.objects.filter(calendar_event=day.lesson).exists()


def test_without_javascript_the_plain_post_saves_and_redirects_to_the_page(client):
    day = build_day()
    login(client, day.teacher)
    url = reverse("attendance:register", args=[day.lesson.pk])
    response = client.post(url, _save_data(day), follow=True)
    assert response.redirect_chain == [(url, 302)]
    text = response.content.decode()
    assert 'role="status"' in text and "Närvaron är sparad: 3 elever" in text
    assert Attendance.objects.filter(calendar_event=day.lesson).count() == 3
    # The page marks the htmx form, which a browser without JavaScript posts as a form.
    assert 'hx-post="' + url + '"' in text and 'method="post"' in text
