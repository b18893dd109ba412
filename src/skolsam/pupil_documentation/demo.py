"""Give the demo pupil documentation at Centralskolan: extra adaptations for Alice (8A),
special support and reports of offensive treatment.

Called by the demo loader after the register, the timetable and the grades are in:
`demo_adaptations_load(named=...)`, then `demo_special_support_load` and
`demo_offences_load`. Everything goes through the services as the staff themselves, so
the policy, the audit log and the notices behave as in real use. Adaptations:

- her mathematics teacher records a longer writing time in mathematics (it shows on the
  teacher's grade sheet), followed up in three weeks;
- her mentor records picture support in all subjects, followed up today, so the unit's
  list shows it as due and `send_adaptation_reminders` reminds the mentor;
- the kurator recorded a quiet place for tests two months ago and has evaluated and
  ended it, so the pupil's page shows an ended adaptation with its evaluation.

Special support (`demo_special_support_load`): five weeks ago Alice's mentor reported
that she may need special support; the rektor opened an investigation assigned to the
kurator, who met Alice and her guardians and concluded; two weeks ago the rektor decided
an action programme (with the appeal information), and the guardians were told the day
after. Two days ago the mentor reported a classmate too, whose report waits for the
rektor.

Offensive treatment (`demo_offences_load`): nine days ago Alice's mathematics teacher
reported that a classmate was offended by another; the rektor forwarded it to the
huvudman three days later (flagged late at both steps) and interviewed both pupils. A
second report, made today about another classmate, waits for the rektor.

The past steps are taken as the staff were on that day (`actor_for_person(..., on=day)`),
so every date the services take from the actor (observed, held, decided, reported and
forwarded on) is the story's. The services stamp their timestamps (`reported_at`,
`opened_at`, `concluded_at`, `forwarded_at`) with the present moment and have no way to
take another; the demo sets those to the story's day afterwards, so the pages do not show
a report made five weeks ago as made today. Nothing else is written past the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone

from skolsam.accounts.actor import actor_for_person
from skolsam.core.choices import GroupType, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import (
    offence_pupils_at,
    units_to_record_at,
    units_to_report_at,
)
from skolsam.pupil_documentation.models import (
    Adaptation,
    DecisionKind,
    OffensiveTreatmentReport,
    Outcome,
    SupportInvestigation,
    SupportReport,
)
from skolsam.pupil_documentation.selectors import subjects_of
from skolsam.pupil_documentation.services import adaptation_evaluate, adaptation_record
from skolsam.pupil_documentation.services.offensive_treatment import (
    offence_conclude,
    offence_forward,
    offence_interview_record,
    offence_report,
)
from skolsam.pupil_documentation.services.special_support import (
    support_decide,
    support_investigation_conclude,
    support_investigation_open,
    support_note_record,
    support_report,
)

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


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return the moment `hour:minute` on `day` in the configured time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _classmates(alice: Person, day: date) -> list[Person]:
    """Return Alice's classmates that day without a security marking, by name."""
    classes = GroupMembership.objects.filter(
        valid_on(day), person_id=alice.pk, group__group_type=GroupType.KLASS
    ).values("group_id")
    members = GroupMembership.objects.filter(valid_on(day), group_id__in=classes).values(
        "person_id"
    )
    return list(
        Person.objects.filter(pk__in=members, security_marking=SecurityMarking.INGEN)
        .exclude(pk=alice.pk)
        .order_by("family_name", "given_name", "pk")
    )


@dataclass
class DemoSpecialSupportResult:
    reports: int
    decisions: int

    def __str__(self) -> str:
        return f"{self.reports} anmälningar om särskilt stöd, {self.decisions} beslut"


def demo_special_support_load(
    *, named: dict[str, UUID], earliest: date
) -> DemoSpecialSupportResult:
    """Report, investigate and decide an action programme for Alice, and report a classmate
    whose report waits for the rektor; nothing if Alice already has a report.

    `earliest` is the first day the story may use (the term's first day): the staff's
    duties and the pupils' classes begin then.
    """
    alice_id = named.get("special:elev")
    alice = Person.objects.filter(pk=alice_id).first() if alice_id else None
    mentor_id = named.get(f"mentor:{CENTRAL}/8A/1")
    rektor_id = named.get(f"rektor:{CENTRAL}")
    kurator_id = named.get(f"kurator:{CENTRAL}")
    if alice is None or not (mentor_id and rektor_id and kurator_id):
        return DemoSpecialSupportResult(0, 0)
    if SupportReport.objects.filter(student=alice).exists():
        return DemoSpecialSupportResult(0, 0)
    day = today()

    def ago(days: int) -> date:
        return max(day - timedelta(days=days), earliest)

    mentor = actor_for_person(mentor_id, on=ago(35))
    units = units_to_report_at(mentor, alice)
    kurator = Person.objects.filter(pk=kurator_id).first()
    if not units or kurator is None:
        return DemoSpecialSupportResult(0, 0)
    unit = units[0]
    report = support_report(
        actor=mentor,
        student=alice,
        organisation=unit,
        observation=(
            "Alice når inte kunskapskraven i matematik och svenska trots de extra "
            "anpassningarna sedan terminsstarten. Hon har svårt att komma igång med "
            "uppgifter, blir trött efter lunch och har varit frånvarande flera "
            "förmiddagar den senaste månaden."
        ),
        observed_on=ago(37),
    )
    investigation = support_investigation_open(
        actor=actor_for_person(rektor_id, on=ago(33)), report=report, assigned_to=kurator
    )
    support_note_record(
        actor=actor_for_person(kurator_id, on=ago(26)),
        report=report,
        held_on=ago(26),
        participants="Alice, hennes vårdnadshavare, mentorn och kuratorn",
        text=(
            "Alice berättar att hon tappar tråden när genomgångarna är långa och att hon "
            "inte vågar fråga. Vårdnadshavarna känner igen det hemifrån och ser att "
            "läxorna tar mycket lång tid. Alla är överens om att hon behöver mer stöd än "
            "anpassningarna ger."
        ),
    )
    support_note_record(
        actor=actor_for_person(kurator_id, on=ago(22)),
        report=report,
        held_on=ago(23),
        participants="Kuratorn och matematikläraren",
        text=(
            "Observation på två matematiklektioner: Alice kommer igång när uppgiften är "
            "uppdelad och någon vuxen stämmer av efter en kort stund, annars blir hon "
            "sittande."
        ),
    )
    kurator_then = actor_for_person(kurator_id, on=ago(20))
    support_investigation_conclude(
        actor=kurator_then,
        report=report,
        conclusion=(
            "Alice behöver särskilt stöd i matematik och svenska: undervisning i mindre "
            "grupp några lektioner i veckan och regelbunden avstämning med en vuxen."
        ),
    )
    support_decide(
        actor=actor_for_person(rektor_id, on=ago(13)),
        report=report,
        kind=DecisionKind.PROGRAMME,
        decided_on=ago(14),
        needs=(
            "Alice behöver stöd för att komma igång med och slutföra uppgifter i "
            "matematik och svenska, och att få instruktioner i korta steg."
        ),
        measures=(
            "Undervisning i liten grupp med specialpedagogen två lektioner i veckan i "
            "matematik och en i svenska. Mentorn stämmer av veckans uppgifter med Alice "
            "varje måndag. Läxorna anpassas i omfång."
        ),
        responsible="Mentorn (avstämning) och ämneslärarna i matematik och svenska",
        evaluation_dates=[day + timedelta(days=21), day + timedelta(days=70)],
        guardians_notified_on=ago(13),
    )
    # The services stamp the moment of the load; the story's moments are weeks ago.
    SupportReport.objects.filter(pk=report.pk).update(reported_at=_at(ago(35), 15, 10))
    SupportInvestigation.objects.filter(pk=investigation.pk).update(
        opened_at=_at(ago(33), 8, 40), concluded_at=_at(ago(20), 16, 5)
    )
    reports = 1
    # A classmate reported two days ago: the rektor's unit list shows it waiting. The
    # last by name, so not a pupil of the offence reports (the first by name).
    mentor_now = actor_for_person(mentor_id, on=ago(2))
    waiting = next(
        (p for p in reversed(_classmates(alice, ago(2))) if units_to_report_at(mentor_now, p)),
        None,
    )
    if waiting is not None:
        other = support_report(
            actor=mentor_now,
            student=waiting,
            organisation=unit,
            observation=(
                "Har svårt att läsa längre texter och hinner inte klart på proven i "
                "svenska och SO, trots förlängd skrivtid och uppläst text."
            ),
            observed_on=ago(3),
        )
        SupportReport.objects.filter(pk=other.pk).update(reported_at=_at(ago(2), 14, 20))
        reports += 1
    return DemoSpecialSupportResult(reports, 1)


@dataclass
class DemoOffencesResult:
    reports: int

    def __str__(self) -> str:
        return f"{self.reports} anmälningar om kränkande behandling"


def _pupils(teacher: Any, unit: Any, alice: Person, day: date) -> list[Person]:
    """Return Alice's classmates that day whom her teacher may name in a report."""
    allowed = set(offence_pupils_at(teacher, unit).values_list("pk", flat=True))
    return [p for p in _classmates(alice, day) if p.pk in allowed]


def demo_offences_load(*, named: dict[str, UUID], earliest: date) -> DemoOffencesResult:
    """Report offensive treatment at Centralskolan: one case forwarded late and being
    investigated, one made today waiting for the rektor; nothing if the unit has reports.

    `earliest` is the first day the story may use (the term's first day)."""
    alice_id = named.get("special:elev")
    alice = Person.objects.filter(pk=alice_id).first() if alice_id else None
    teacher_id = named.get(f"teaches:{CENTRAL}/8A/GRGRMAT01")
    rektor_id = named.get(f"rektor:{CENTRAL}")
    if alice is None or not (teacher_id and rektor_id):
        return DemoOffencesResult(0)
    day = today()

    def ago(days: int) -> date:
        return max(day - timedelta(days=days), earliest)

    teacher = actor_for_person(teacher_id, on=ago(9))
    units = units_to_record_at(teacher, alice)
    if not units:
        return DemoOffencesResult(0)
    unit = units[0]
    if OffensiveTreatmentReport.objects.filter(organisation=unit).exists():
        return DemoOffencesResult(0)
    pupils = _pupils(teacher, unit, alice, ago(9))
    if len(pupils) < 2:
        return DemoOffencesResult(0)
    subjected, acting = pupils[0], pupils[1]
    late = offence_report(
        actor=teacher,
        organisation=unit,
        subjected=[subjected],
        pupil_actors=[acting],
        staff_actors=[],
        description=(
            f"I korridoren efter matematiklektionen kallade {acting.given_name} "
            f"{subjected.given_name} för elaka saker om hens utseende och knuffade hen mot "
            "skåpen. Jag gick emellan. Enligt klasskamrater har det hänt förut."
        ),
        occurred_on=ago(9),
        place="Korridoren utanför sal B12",
    )
    rektor = actor_for_person(rektor_id, on=ago(6))
    offence_forward(actor=rektor, report=late)
    offence_interview_record(
        actor=rektor,
        report=late,
        held_on=ago(6),
        interviewee=f"{subjected.full_name} (utsatt)",
        notes=(
            "Berättar att kommentarerna pågått sedan oktober, mest i korridoren mellan "
            "lektionerna. Vill inte byta klass men vill att det slutar."
        ),
    )
    rektor_later = actor_for_person(rektor_id, on=ago(5))
    offence_interview_record(
        actor=rektor_later,
        report=late,
        held_on=ago(5),
        interviewee=f"{acting.full_name} (uppges ha kränkt), med vårdnadshavare",
        notes=(
            "Medger att hen sagt saker men menar att det var på skämt. Vi gick igenom "
            "skolans ordningsregler och vad kränkande behandling är."
        ),
    )
    offence_conclude(
        actor=rektor_later,
        report=late,
        conclusions="Kränkande behandling har förekommit vid flera tillfällen.",
        measures=(
            "Vuxen närvaro i korridoren vid lektionsbyten; samtal med båda eleverna "
            "varannan vecka med kuratorn; vårdnadshavarna informerade."
        ),
        follow_up_date=day + timedelta(days=14),
    )
    OffensiveTreatmentReport.objects.filter(pk=late.pk).update(
        reported_at=_at(ago(9), 10, 15), forwarded_at=_at(ago(6), 13, 30)
    )
    reports = 1
    now = actor_for_person(teacher_id, on=day)
    fresh = next((p for p in _pupils(now, unit, alice, day)[2:]), None)
    if fresh is not None:
        offence_report(
            actor=now,
            organisation=unit,
            subjected=[fresh],
            pupil_actors=[],
            staff_actors=[],
            description=(
                f"{fresh.given_name} berättade efter lektionen att några elever i en annan "
                "klass skickat elaka meddelanden till hen i en gruppchatt under helgen och "
                "i dag skrattat åt hen på skolgården."
            ),
            occurred_on=day,
            place="Skolgården och en gruppchatt",
        )
        reports += 1
    return DemoOffencesResult(reports)
