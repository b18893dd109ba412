"""The phone-first teacher day: the start page leads to today's registers and to those left
unregistered, the week view's lessons open their registers (guardians' weeks are the portal's), a substitute takes the register
of the lesson given to her, and the mentor reaches a pupil's absence from her name.

Maria teaches 7B mathematics at Scheeleskolan (`build_day`); Ingrid teaches 7A there and
is given one of Maria's lessons as substitute; Lars mentors 7B.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from skolsam.activities.models import Activity
from skolsam.attendance.models import Attendance
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.duties.models import Duty
from skolsam.schedule import calendar
from skolsam.schedule.services import lesson_assign_substitute
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson, login

pytestmark = pytest.mark.django_db


def _register(lesson_obj) -> str:
    return reverse("attendance:register", args=[lesson_obj.pk])


def _section(html: str, heading: str) -> str:
    """Return the start page's section under `heading` (up to the next section)."""
    start = html.index(heading)
    return html[start : html.index("</section>", start)]


def _current_lesson(activity):
    """Schedule a lesson of `activity` that started ten minutes ago (today, Stockholm)."""
    now = calendar.local(timezone.now())
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0))
    return lesson(activity, now.date(), start=start.time().replace(microsecond=0), minutes=60)


def test_the_start_page_lists_todays_lessons_and_the_unregistered_ones_with_their_registers():
    day = build_day()
    client = Client()
    login(client, day.teacher)
    on = day.lesson.date
    now_on = _current_lesson(day.activity)
    yesterday = lesson(day.activity, on - timedelta(days=1), start=time(10, 0))
    reported = lesson(day.activity, on - timedelta(days=2), start=time(10, 0))
    reported.reported_at = timezone.now()
    reported.save(update_fields=["reported_at"])
    cancelled = lesson(day.activity, on - timedelta(days=3), start=time(10, 0))
    cancelled.cancelled = True
    cancelled.save(update_fields=["cancelled"])
    long_ago = lesson(day.activity, on - timedelta(days=20), start=time(10, 0))
    ingrids = Activity.objects.get(teachers__duty__person=day.other_teacher)
    others = lesson(ingrids, on - timedelta(days=1))

    html = client.get(reverse("start")).content.decode()

    today = _section(html, "Mina lektioner i dag")
    assert _register(day.lesson) in today and _register(now_on) in today
    assert "Pågår nu" in today
    unregistered = _section(html, "Ej registrerade lektioner")
    assert _register(yesterday) in unregistered
    for not_listed in (reported, cancelled, long_ago, others, now_on):
        assert _register(not_listed) not in unregistered
    assert _register(others) not in html


def test_the_start_page_costs_the_same_statements_for_one_lesson_or_many(client):
    day = build_day()
    login(client, day.teacher)
    client.get(reverse("start"))  # the session keeps the Actor from here on
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("start"))
    for back in range(1, 10):
        lesson(day.activity, day.lesson.date - timedelta(days=back), start=time(10, 0))
        lesson(day.activity, day.lesson.date, start=time(11 + back % 5, 0))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("start"))
    html = page.content.decode()
    # Today's ten lessons, and the newest ten unregistered with the count of all (nine
    # past days' and those of today that have ended, which depends on the clock).
    assert _section(html, "Mina lektioner i dag").count("/narvaro/lektion/") == 10
    assert _section(html, "Ej registrerade lektioner").count("/narvaro/lektion/") == 10
    assert "De 10 senaste av " in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_teachers_week_links_each_lesson_to_its_register_and_only_her_own():
    day = build_day()
    maria, ingrid = Client(), Client()
    login(maria, day.teacher)
    login(ingrid, day.other_teacher)
    assert _register(day.lesson) in maria.get(reverse("schedule:week")).content.decode()
    theirs = ingrid.get(reverse("schedule:week")).content.decode()
    assert "7B Matematik" not in theirs and _register(day.lesson) not in theirs


def test_a_substitute_takes_the_register_of_the_lesson_given_to_her():
    day = build_day()
    ingrid = Client()
    login(ingrid, day.other_teacher)
    url = _register(day.lesson)
    # Before the rektor gives her the lesson, it is missing for her.
    assert ingrid.get(url).status_code == 404
    rektor = day.actor(day.rektor)
    duty = Duty.objects.get(person=day.other_teacher)
    lesson_assign_substitute(actor=rektor, lesson=day.lesson, duty=duty)

    assert url in _section(ingrid.get(reverse("start")).content.decode(), "Mina lektioner i dag")
    assert ingrid.get(url).status_code == 200
    # Her own look at the lesson she takes is her work, not a look at others' data.
    assert not AuditEntry.objects.filter(action="attendance.view_register").exists()
    alva = day.pupils[0]
    saved = ingrid.post(url, {"version": 0, f"kind-{alva.pk}": "Frånvarande"})
    assert saved.status_code == 302
    row = Attendance.objects.get(calendar_event=day.lesson, student=alva)
    assert row.kind == "Frånvarande"
    assert row.reporter_id == day.other_teacher.pk

    # When the rektor takes the lesson back from her, it is missing again.
    lesson_assign_substitute(actor=rektor, lesson=day.lesson, duty=None)
    assert ingrid.get(url).status_code == 404


def test_the_mentor_reaches_a_pupils_absence_and_the_phone_report_from_her_name():
    day = build_day()
    elsa = f.PupilFactory(given_name="Elsa", security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    f.EnrolmentFactory(person=elsa, enroled_at=day.school)
    f.MembershipFactory(person=elsa, group=day.group)
    lars = Client()
    login(lars, day.mentor)
    html = lars.get(reverse("attendance:mentor", args=[day.group.pk])).content.decode()
    alva = day.pupils[0]
    overview = reverse("attendance:pupil", args=[day.school.pk, alva.pk])
    report = reverse("attendance:staff_report", args=[alva.pk])
    assert f'href="{overview}">{alva.full_name}</a>' in html
    assert f'href="{report}"' in html
    assert lars.get(overview).status_code == 200
    assert lars.get(report).status_code == 200
    # A pupil with skyddad folkbokföring is neither listed nor reachable for her mentor
    # who is not named for her: her pages answer like missing ones.
    assert "Elsa" not in html and str(elsa.pk) not in html
    assert lars.get(reverse("attendance:pupil", args=[day.school.pk, elsa.pk])).status_code == 404
    assert lars.get(reverse("attendance:staff_report", args=[elsa.pk])).status_code == 404
