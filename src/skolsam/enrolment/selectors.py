"""Read enrolments through the access layer."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from skolsam.core.access import Actor
from skolsam.enrolment.access import enrolments_visible_to
from skolsam.enrolment.models import Enrolment
from skolsam.people.models import Person


def person_enrolments_on(*, actor: Actor, person: Person, on: date) -> QuerySet[Enrolment]:
    """Return `person`'s enrolments valid on day `on` that `actor` may see.

    Empty when the actor may not see the person or, for a protected pupil, their school.
    The actor's rights are those of `actor.on`; the register is read as of `on`.
    """
    return (
        enrolments_visible_to(actor, on=on)
        .filter(person=person)
        .select_related("enroled_at")
        .order_by("start_date", "id")
    )
