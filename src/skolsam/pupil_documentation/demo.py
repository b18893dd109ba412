"""Give the demo some extra adaptations for Alice (8A, Centralskolan).

Called by the demo loader after the register, the timetable and the grades are in:
`demo_adaptations_load(named=...)`. Everything goes through the services as the staff
themselves, so the policy, the audit log and the reminders behave as in real use:

- her mathematics teacher records a longer writing time in mathematics (it shows on the
  teacher's grade sheet), followed up in three weeks;
- her mentor records picture support in all subjects, followed up today, so the unit's
  list shows it as due and `send_adaptation_reminders` reminds the mentor;
- the kurator recorded a quiet place for tests two months ago and has evaluated and
  ended it, so the pupil's page shows an ended adaptation with its evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from skolsam.accounts.actor import actor_for_person
from skolsam.core.dates import today
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import units_to_record_at
from skolsam.pupil_documentation.models import Adaptation, Outcome
from skolsam.pupil_documentation.selectors import subjects_of
from skolsam.pupil_documentation.services import adaptation_evaluate, adaptation_record

CENTRAL = "koping/centralskolan"


@dataclass
class DemoAdaptationsResult:
    adaptations: int

    def __str__(self) -> str:
        return f"{self.adaptations} extra anpassningar"


def demo_adaptations_load(*, named: dict[str, UUID]) -> DemoAdaptationsResult:
    """Record Alice's adaptations, if she and her staff are there and she has none yet."""
    alice_id = named.get("special:elev")
    alice = Person.objects.filter(pk=alice_id).first() if alice_id else None
    teacher_id = named.get(f"teaches:{CENTRAL}/8A/GRGRMAT01")
    mentor_id = named.get(f"mentor:{CENTRAL}/8A/1")
    kurator_id = named.get(f"kurator:{CENTRAL}")
    if alice is None or not (teacher_id and mentor_id and kurator_id):
        return DemoAdaptationsResult(0)
    if Adaptation.objects.filter(student=alice).exists():
        return DemoAdaptationsResult(0)
    day = today()
    mentor = actor_for_person(mentor_id, on=day)
    units = units_to_record_at(mentor, alice)
    if not units:
        return DemoAdaptationsResult(0)
    unit = units[0]
    teacher = actor_for_person(teacher_id, on=day)
    maths = next(
        (
            s
            for s in subjects_of(student=alice, organisation=unit, day=day)
            if s.subject_code == "GRGRMAT01"
        ),
        None,
    )
    adaptation_record(
        actor=teacher,
        student=alice,
        organisation=unit,
        syllabus=maths,
        description="Förlängd skrivtid vid prov (25 %) och uppgifterna uppdelade i delar.",
        start_date=day - timedelta(days=14),
        follow_up_date=day + timedelta(days=21),
    )
    adaptation_record(
        actor=mentor,
        student=alice,
        organisation=unit,
        syllabus=None,
        description="Bildstöd för dagens schema och för instruktioner i alla ämnen.",
        start_date=day - timedelta(days=28),
        follow_up_date=day,
    )
    kurator = actor_for_person(kurator_id, on=day)
    quiet = adaptation_record(
        actor=kurator,
        student=alice,
        organisation=unit,
        syllabus=None,
        description="Får skriva prov i ett mindre rum med färre elever.",
        start_date=day - timedelta(days=60),
        follow_up_date=day - timedelta(days=30),
    )
    adaptation_evaluate(
        actor=kurator,
        adaptation=quiet,
        evaluated_on=day - timedelta(days=1),
        effect="Alice skriver numera lugnt i klassrummet; anpassningen behövs inte längre.",
        outcome=Outcome.END,
    )
    return DemoAdaptationsResult(3)
