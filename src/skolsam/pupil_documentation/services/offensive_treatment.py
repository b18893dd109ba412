"""Report offensive treatment (kränkande behandling, SL 6:10), forward it rektor →
huvudman, investigate it and close it.

Any staff member at the unit reports. The unit's rektor is notified the same day by a
notice in Skolsam (through messaging, like the adaptations' reminders); if a staff member
is an alleged actor the report goes straight to the huvudman's central staff instead,
and the rektor's step is recorded as skipped. The rektor forwards it to the huvudman
(timestamped, by whom; the huvudman's central staff are notified). The investigation
records interviews, conclusions, measures and a follow-up date, and closes the case.

A notice never says what happened nor names a child: only that a report about the unit
waits, with a link that answers only those who may see it. Each service checks the actor
through `offence_policy` inside the transaction, refuses bad input with a Swedish message
naming the field (and writes nothing), and audits under every person named in the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.services import audit_record
from skolsam.core.access import ADMIN_ROLES, CENTRAL_ORGANISATION_TYPES, Actor
from skolsam.core.dates import date_validate
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.organisations.access import DECIDING_ROLES
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import (
    offence_policy,
    offence_pupils_at,
    offence_staff_at,
)
from skolsam.pupil_documentation.models import (
    OFFENCE_TEXT_MAX,
    PLACE_MAX,
    InvolvedRole,
    OffensiveTreatmentInterview,
    OffensiveTreatmentPerson,
    OffensiveTreatmentReport,
)
from skolsam.pupil_documentation.services.notices import staff_notice_send


def _text(value: str | None, *, field: str, empty: str, max_length: int, multiline: bool) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError({field: empty})
    problem = text_problem(text, max_length=max_length, multiline=multiline)
    if problem:
        raise DomainError({field: problem})
    return text


def _past_date(day: date | None, *, field: str, label: str, empty: str, today: date) -> date:
    if day is None:
        raise DomainError({field: empty})
    date_validate(day, field=field, label=label)
    if day > today:
        raise DomainError({field: _("%(label)s kan inte ligga i framtiden.") % {"label": label}})
    return day


def involved_ids(report: OffensiveTreatmentReport) -> list[Any]:
    """Return the ids of every person named in the report: its audit entries' persons."""
    return list(report.involved.values_list("person_id", flat=True).distinct())


def _audit(actor: Actor, action: str, report: OffensiveTreatmentReport, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="OffensiveTreatmentReport",
        object_id=report.pk,
        person_ids=involved_ids(report),
        detail=detail,
    )


def _rektors(report: OffensiveTreatmentReport, day: date) -> set[Any]:
    return set(
        Duty.objects.filter(
            valid_on(day), duty_at_id=report.organisation_id, duty_role__in=DECIDING_ROLES
        ).values_list("person_id", flat=True)
    )


def _central_staff(report: OffensiveTreatmentReport, day: date) -> set[Any]:
    huvudman = report.organisation.huvudman_id
    return set(
        Duty.objects.filter(valid_on(day), duty_role__in=ADMIN_ROLES)
        .filter(
            Q(duty_at_id=huvudman)
            | Q(
                duty_at__huvudman_id=huvudman,
                duty_at__organisation_type__in=CENTRAL_ORGANISATION_TYPES,
            )
        )
        .values_list("person_id", flat=True)
    )


def _notify(report: OffensiveTreatmentReport, candidates: Iterable[Any], day: date) -> list[Any]:
    """Write one notice to those of `candidates` who may see the report; return them."""
    reached = [
        p
        for p in Person.objects.filter(pk__in=set(candidates)).order_by("family_name", "pk")
        if offence_policy.can(actor_for_person(p.pk, on=day), Action.FOLLOW_UP, report)
    ]
    if not reached:
        return []
    link = settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse(
        "pupil_documentation:offence", args=[report.pk]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Ny anmälan om kränkande behandling")
        body = _(
            "En anmälan om kränkande behandling vid %(unit)s väntar på dig i Skolsam. "
            "Skollagen kräver att den hanteras skyndsamt.\n\n%(link)s"
        ) % {"unit": report.organisation.display_name, "link": link}
    staff_notice_send(
        sender_id=report.reported_by_id,
        organisation_id=report.organisation_id,
        subject=subject,
        body=body,
        label=_("Kränkande behandling"),
        recipients=reached,
    )
    return [p.pk for p in reached]


def offence_report(
    *,
    actor: Actor,
    organisation: Any,
    subjected: list[Person],
    pupil_actors: list[Person],
    staff_actors: list[Duty],
    description: str,
    occurred_on: date | None,
    place: str,
) -> OffensiveTreatmentReport:
    """Report that pupils at the unit were subjected to offensive treatment, and by whom;
    notify the rektor, or (a staff member alleged) send it straight to the huvudman."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan anmäla kränkande behandling."))
    if not offence_policy.can(actor, Action.CREATE, organisation):
        raise DomainError(_("Du kan inte anmäla kränkande behandling vid skolenheten."))
    if not subjected:
        raise DomainError({"subjected": _("Välj minst en elev som har blivit utsatt.")})
    text = _text(
        description,
        field="description",
        empty=_("Beskriv vad som har hänt."),
        max_length=OFFENCE_TEXT_MAX,
        multiline=True,
    )
    where = _text(
        place,
        field="place",
        empty=_("Ange var det hände."),
        max_length=PLACE_MAX,
        multiline=False,
    )
    when = _past_date(
        occurred_on,
        field="occurred_on",
        label=_("Datumet då det hände"),
        empty=_("Ange när det hände."),
        today=actor.on,
    )
    pupils = {p.pk for p in offence_pupils_at(actor, organisation)}
    if any(p.pk not in pupils for p in [*subjected, *pupil_actors]):
        raise DomainError({"subjected": _("Eleven går inte på skolenheten.")})
    duties = {d.pk for d in offence_staff_at(actor, organisation)}
    if any(d.pk not in duties for d in staff_actors):
        raise DomainError({"staff_actors": _("Personen arbetar inte vid skolenheten.")})
    if {p.pk for p in subjected} & {p.pk for p in pupil_actors}:
        raise DomainError(
            {"pupil_actors": _("En elev kan inte vara både utsatt och utövare i samma anmälan.")}
        )
    now = timezone.now()
    skipped = bool(staff_actors)
    with transaction.atomic():
        report = OffensiveTreatmentReport.objects.create(
            organisation=organisation,
            description=text,
            occurred_on=when,
            place=where,
            reported_by_id=actor.person_id,
            reported_at=now,
            reported_on=actor.on,
            rektor_step_skipped=skipped,
            forwarded_at=now if skipped else None,
            forwarded_on=actor.on if skipped else None,
            forwarded_by_id=actor.person_id if skipped else None,
        )
        OffensiveTreatmentPerson.objects.bulk_create(
            [
                *(
                    OffensiveTreatmentPerson(report=report, person=p, role=InvolvedRole.SUBJECTED)
                    for p in subjected
                ),
                *(
                    OffensiveTreatmentPerson(report=report, person=p, role=InvolvedRole.PUPIL_ACTOR)
                    for p in pupil_actors
                ),
                *(
                    OffensiveTreatmentPerson(
                        report=report,
                        person_id=d.person_id,
                        duty=d,
                        role=InvolvedRole.STAFF_ACTOR,
                    )
                    for d in {d.person_id: d for d in staff_actors}.values()
                ),
            ]
        )
        report.organisation = organisation
        notified = _notify(
            report,
            _central_staff(report, actor.on) if skipped else _rektors(report, actor.on),
            actor.on,
        )
        _audit(
            actor,
            "offence.report",
            report,
            organisation=str(organisation.pk),
            occurred_on=when.isoformat(),
            rektor_step_skipped=skipped,
            notified=[str(p) for p in notified],
            retention_class=report.retention_class,
        )
    return report


def offence_forward(*, actor: Actor, report: OffensiveTreatmentReport) -> OffensiveTreatmentReport:
    """Forward the report to the huvudman as the unit's rektor (anmälan till huvudman)."""
    with transaction.atomic():
        current = OffensiveTreatmentReport.objects.select_for_update().get(pk=report.pk)
        if current.forwarded_at is not None:
            raise DomainError(_("Anmälan är redan skickad till huvudmannen."))
        if not offence_policy.can(actor, Action.DECIDE, current):
            raise DomainError(_("Du kan inte skicka anmälan till huvudmannen."))
        current.forwarded_at = timezone.now()
        current.forwarded_on = actor.on
        current.forwarded_by_id = actor.person_id
        current.save(update_fields=["forwarded_at", "forwarded_on", "forwarded_by"])
        current.organisation = report.organisation
        notified = _notify(current, _central_staff(current, actor.on), actor.on)
        _audit(
            actor,
            "offence.forward",
            current,
            forwarded_on=actor.on.isoformat(),
            late=current.huvudman_overdue(actor.on) or current.rektor_overdue(actor.on),
            notified=[str(p) for p in notified],
        )
    return current


def _investigable(actor: Actor, report: OffensiveTreatmentReport) -> OffensiveTreatmentReport:
    current = OffensiveTreatmentReport.objects.select_for_update().get(pk=report.pk)
    if not offence_policy.can(actor, Action.FOLLOW_UP, current):
        raise DomainError(_("Du kan inte utreda anmälan."))
    if current.closed_at is not None:
        raise DomainError(_("Ärendet är redan avslutat."))
    return current


def offence_interview_record(
    *,
    actor: Actor,
    report: OffensiveTreatmentReport,
    held_on: date | None,
    interviewee: str,
    notes: str,
) -> OffensiveTreatmentInterview:
    """Record one interview of the investigation: when, with whom, the notes."""
    if actor.person_id is None:
        raise DomainError(_("Du kan inte utreda anmälan."))
    who = _text(
        interviewee,
        field="interviewee",
        empty=_("Ange vem samtalet hölls med."),
        max_length=PLACE_MAX,
        multiline=False,
    )
    text = _text(
        notes,
        field="notes",
        empty=_("Skriv anteckningar från samtalet."),
        max_length=OFFENCE_TEXT_MAX,
        multiline=True,
    )
    day = _past_date(
        held_on,
        field="held_on",
        label=_("Samtalsdatumet"),
        empty=_("Ange när samtalet hölls."),
        today=actor.on,
    )
    with transaction.atomic():
        current = _investigable(actor, report)
        if day < current.occurred_on:
            raise DomainError({"held_on": _("Samtalet kan inte ligga före händelsen.")})
        interview = OffensiveTreatmentInterview.objects.create(
            report=current,
            held_on=day,
            interviewee=who,
            notes=text,
            recorded_by_id=actor.person_id,
        )
        _audit(actor, "offence.interview", current, held_on=day.isoformat())
    return interview


def offence_conclude(
    *,
    actor: Actor,
    report: OffensiveTreatmentReport,
    conclusions: str,
    measures: str,
    follow_up_date: date | None,
    close: bool = False,
) -> OffensiveTreatmentReport:
    """Record the investigation's conclusions, measures and follow-up date; close the case
    when `close` (the conclusions must be written by then)."""
    text = (conclusions or "").strip()
    done = (measures or "").strip()
    for field, value in (("conclusions", text), ("measures", done)):
        problem = value and text_problem(value, max_length=OFFENCE_TEXT_MAX, multiline=True)
        if problem:
            raise DomainError({field: problem})
    if close and not text:
        raise DomainError(
            {"conclusions": _("Skriv utredningens slutsatser innan ärendet avslutas.")}
        )
    if follow_up_date is not None:
        date_validate(follow_up_date, field="follow_up_date", label=_("Uppföljningsdatumet"))
    with transaction.atomic():
        current = _investigable(actor, report)
        if follow_up_date is not None and follow_up_date < current.occurred_on:
            raise DomainError({"follow_up_date": _("Uppföljningen kan inte ligga före händelsen.")})
        current.conclusions = text
        current.measures = done
        current.follow_up_date = follow_up_date
        fields = ["conclusions", "measures", "follow_up_date"]
        if close:
            current.closed_at = timezone.now()
            current.closed_by_id = actor.person_id
            fields += ["closed_at", "closed_by"]
        current.save(update_fields=fields)
        _audit(
            actor,
            "offence.close" if close else "offence.conclude",
            current,
            follow_up_date=follow_up_date.isoformat() if follow_up_date else None,
        )
    return current
