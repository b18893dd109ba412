"""Who acts for a child has one answer (people.access, the table in docs/architecture.md).

Before, `Actor.responsible_for_ids` (every relation type) let an annan ansvarig apply for
leave and agree to it, while notices and the leave's "every guardian" went to custody
only; and a pupil's guardians kept everything after the pupil turned 18.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.leave import leave_request_consent, leave_request_create
from skolsam.core.choices import RelationType
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db


def test_an_annan_ansvarig_reports_absence_but_may_not_apply_for_leave():
    day = build_day()
    alva = day.pupils[0]
    foster_parent = f.PersonFactory(given_name="Eva")
    f.ResponsibleFactory(
        person=alva, responsible=foster_parent, relation_type=RelationType.ANNAN_ANSVARIG
    )
    actor = day.actor(foster_parent)
    tomorrow = today() + timedelta(days=1)
    with pytest.raises(DomainError, match="dina egna barn"):
        leave_request_create(
            actor=actor, student=alva, start_date=tomorrow, end_date=tomorrow, reason="Resa"
        )
    start, end = day_span(tomorrow, tomorrow)
    absence = absence_report(actor=actor, student=alva, start=start, end=end)
    assert absence.channel == "Webb"


def test_an_utsedd_behorig_may_not_agree_to_a_leave_request():
    day = build_day()
    alva = day.pupils[0]
    designated = f.PersonFactory(given_name="Mormor")
    f.ResponsibleFactory(
        person=alva, responsible=designated, relation_type=RelationType.UTSEDD_BEHORIG
    )
    from skolsam.attendance.models import AttendancePolicy

    AttendancePolicy.objects.create(organisation=day.school, leave_requires_all_guardians=True)
    f.ResponsibleFactory(person=alva, responsible=f.PersonFactory(given_name="Per"))
    tomorrow = today() + timedelta(days=1)
    leave = leave_request_create(
        actor=day.actor(day.guardian),
        student=alva,
        start_date=tomorrow,
        end_date=tomorrow,
        reason="Farmors 90-årsdag",
    )
    with pytest.raises(DomainError, match="inte vårdnadshavare"):
        leave_request_consent(actor=day.actor(designated), leave=leave)


def test_the_guardian_of_a_pupil_who_has_turned_18_no_longer_sees_or_acts_for_them():
    day = build_day()
    alva = day.pupils[0]
    alva.birth_date = date(today().year - 18, 1, 1)
    alva.save(update_fields=["birth_date"])
    actor = day.actor(day.guardian)
    assert alva.pk not in actor.responsible_for_ids
    start, end = day_span(today() + timedelta(days=1), today() + timedelta(days=1))
    with pytest.raises(DomainError):
        absence_report(actor=actor, student=alva, start=start, end=end)
    client = Client()
    login(client, day.guardian)
    # Her guardian still logs in to the portal, where Alva is no longer to be seen.
    page = client.get(reverse("portal:start"))
    assert page.status_code == 200
    assert "Alva" not in page.content.decode()
    assert client.get(reverse("portal:child", args=[alva.pk])).status_code == 404


def test_the_same_day_notice_goes_to_an_adult_pupil_herself_and_a_guardian_only_with_consent():
    from skolsam.attendance.models import Attendance, Notice
    from skolsam.attendance.notices import send_absence_notices
    from skolsam.people.models import AdultConsent

    day = build_day()
    alva = day.pupils[0]
    alva.birth_date = date(today().year - 19, 1, 1)
    alva.save(update_fields=["birth_date"])
    Attendance.objects.create(
        calendar_event=day.lesson,
        student=alva,
        date=day.lesson.date,
        organisation=day.school,
        kind="Frånvarande",
        invalid_absence_minutes=60,
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    assert set(Notice.objects.values_list("guardian_id", flat=True)) == {alva.pk}
    from django.utils import timezone

    AdultConsent.objects.create(
        pupil=alva, responsible=day.guardian, category="receive_notices", given_at=timezone.now()
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    assert set(Notice.objects.values_list("guardian_id", flat=True)) == {alva.pk, day.guardian.pk}
