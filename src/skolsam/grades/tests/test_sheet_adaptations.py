"""The grade sheet shows each pupil's active extra adaptations in the subject, or in all
subjects, beside the pupil: Maria sees Alva's longer writing time in mathematics and her
picture support in every subject, not Hugo's adaptation in Swedish nor an ended one, and
the sheet still costs the same number of queries whatever the group's size.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.dates import today
from skolsam.pupil_documentation.models import Outcome
from skolsam.pupil_documentation.services import adaptation_evaluate, adaptation_record
from skolsam.testing import factories as f
from skolsam.testing.story import login

from .conftest import syllabus
from .test_sheet_pages import _graded_day, _url

pytestmark = pytest.mark.django_db


def _adapt(g, pupil, text, subject=None, by=None):
    return adaptation_record(
        actor=g.actor(by or g.day.mentor),
        student=pupil,
        organisation=g.day.school,
        syllabus=subject,
        description=text,
        start_date=today(),
        follow_up_date=today() + timedelta(days=28),
    )


def _swedish(g):
    swedish = syllabus("GR", "GRGRSVE01", "Svenska")
    f.ActivityFactory(
        display_name="7B Svenska", organisation=g.day.school, groups=[g.day.group], syllabus=swedish
    )
    return swedish


def test_marias_sheet_shows_the_adaptations_in_mathematics_and_in_all_subjects(client):
    g = _graded_day(3)
    alva, hugo, saga = g.day.pupils
    _adapt(g, alva, "Förlängd skrivtid vid prov.", subject=g.syllabus, by=g.day.teacher)
    _adapt(g, alva, "Bildstöd i alla ämnen.")
    _adapt(g, hugo, "Uppläst text i svenska.", subject=_swedish(g))
    ended = _adapt(g, saga, "Extra genomgång.", subject=g.syllabus)
    adaptation_evaluate(
        actor=g.actor(g.day.mentor),
        adaptation=ended,
        evaluated_on=today(),
        effect="Behövs inte längre.",
        outcome=Outcome.END,
    )
    login(client, g.day.teacher)
    page = client.get(_url(g)).content.decode()
    assert "Förlängd skrivtid vid prov." in page
    assert "Bildstöd i alla ämnen." in page
    assert "Uppläst text i svenska." not in page
    assert "Extra genomgång." not in page
    assert reverse("pupil_documentation:pupil", args=[alva.pk]) in page
    entry = AuditEntry.objects.get(action="adaptation.sheet_view")
    assert set(
        AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True)
    ) == {alva.pk}


@pytest.mark.parametrize("size", [5, 30])
def test_the_sheet_with_adaptations_costs_the_same_whatever_the_group_size(client, size):
    g = _graded_day(size)
    for i, pupil in enumerate(g.day.pupils):
        _adapt(g, pupil, f"Anpassning {i}", subject=g.syllabus if i % 2 else None)
    login(client, g.day.teacher)
    url = _url(g)
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("Anpassning ") == size
    # Within the sheet's own budget (test_sheet_pages): the adaptations are one read, and
    # the audit entry with its persons two writes, whatever the number of pupils.
    assert len(ctx.captured_queries) <= 16, "\n".join(q["sql"][:150] for q in ctx.captured_queries)
