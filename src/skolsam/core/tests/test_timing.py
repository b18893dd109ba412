"""The Server-Timing header counts every statement of a request; the floor needs a login."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path

from skolsam.core import timing
from skolsam.testing import factories as f

# The URLs as the server has them with SKOLSAM_SERVER_TIMING=true (the setting is read
# when the URLconf is imported, so the test names the floor itself).
urlpatterns = [
    path("_timing/golv/", timing.floor, name="timing_floor"),
    path("", include("skolsam.conf.urls")),
]

TIMED = override_settings(
    MIDDLEWARE=["skolsam.core.timing.ServerTimingMiddleware", *settings.MIDDLEWARE],
    ROOT_URLCONF=__name__,
)
HEADER = re.compile(r'^app;dur=([0-9.]+), db;dur=([0-9.]+);desc="(\d+)"$')


@pytest.fixture
def teacher_client(client):
    school = f.SchoolUnitFactory()
    teacher = f.PersonFactory()
    f.DutyFactory(person=teacher, duty_at=school)
    client.force_login(f.UserFactory(person=teacher))
    return client


@pytest.mark.django_db
@TIMED
def test_the_header_counts_every_statement_of_the_request(teacher_client):
    with CaptureQueriesContext(connection) as queries:
        response = teacher_client.get("/")
    assert response.status_code == 200
    found = HEADER.match(response["Server-Timing"])
    assert found is not None
    app_ms, db_ms, statements = found.groups()
    assert int(statements) == len(queries) > 0
    assert float(app_ms) >= float(db_ms) >= 0


@pytest.mark.django_db
@TIMED
def test_the_floor_answers_a_logged_in_user_and_sends_others_to_the_login(teacher_client):
    response = teacher_client.get("/_timing/golv/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "Server-Timing" in response
    teacher_client.logout()
    anonymous = teacher_client.get("/_timing/golv/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_without_the_setting_there_is_no_header_and_no_floor(teacher_client):
    assert "Server-Timing" not in teacher_client.get("/")
    assert teacher_client.get("/_timing/golv/").status_code == 404
