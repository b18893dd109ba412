"""Special support (särskilt stöd, SL 3:7–3:12): a staff member reports that a pupil may
need it, the rektor is notified and opens an investigation assigned to a staff member at
the unit, who records its meetings and notes and its conclusion; then the rektor decides
an action programme (åtgärdsprogram) or not to make one.

Each service checks the actor through `support_report_policy` inside the transaction,
refuses bad input with a Swedish message naming the field (and writes nothing), and writes
its audit entry under the pupil in the same transaction. Deciding is the unit's rektor's
alone (DECIDE), never delegated. A decision is never changed: a new one supersedes it as
the next version, with the appeal information of `models.APPEAL_INFORMATION`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.dates import date_validate
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import (
    SupportTarget,
    rektors_of,
    support_report_policy,
    unit_staff,
)
from skolsam.pupil_documentation.models import (
    APPEAL_INFORMATION,
    DECISION_TEXT_MAX,
    NOTE_MAX,
    OBSERVATION_MAX,
    PARTICIPANTS_MAX,
    DecisionKind,
    InvestigationNote,
    SupportDecision,
    SupportInvestigation,
    SupportReport,
)
from skolsam.pupil_documentation.services.notices import staff_notice_send


def _text(
    value: str | None, *, field: str, empty: str, max_length: int, multiline: bool = True
) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError({field: empty})
    problem = text_problem(text, max_length=max_length, multiline=multiline)
    if problem:
        raise DomainError({field: problem})
    return text


def _not_future(day: date, actor: Actor, *, field: str, label: str, message: str) -> None:
    date_validate(day, field=field, label=label)
    if day > actor.on:
        raise DomainError({field: message})


def _notify_rektors(report: SupportReport) -> list[Person]:
    """Tell the unit's rektor(s) who may see the pupil that a report came: a message through
    messaging, naming the pupil and the reporter, never what was seen."""
    day = timezone.localdate()
    reached = [
        person
        for person in Person.objects.filter(pk__in=rektors_of(report.organisation_id, day))
        .exclude(pk=report.reported_by_id)
        .order_by("family_name", "pk")
        if support_report_policy.can(actor_for_person(person.pk, on=day), Action.VIEW, report)
    ]
    if not reached:
        return []
    link = settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse(
        "pupil_documentation:support_report", args=[report.pk]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Anmälan om att en elev kan behöva särskilt stöd")
        body = _(
            "%(reporter)s har anmält att %(pupil)s kan behöva särskilt stöd (skollagen 3 kap. "
            "7 §). Läs anmälan och ta ställning till en utredning i Skolsam:\n\n%(link)s"
        ) % {
            "reporter": report.reported_by.full_name,
            "pupil": report.student.full_name,
            "link": link,
        }
        label = _("Anmälan om särskilt stöd")
    staff_notice_send(
        sender_id=report.reported_by_id,
        organisation_id=report.organisation_id,
        subject=subject,
        body=body,
        label=label,
        recipients=reached,
        child=report.student,
    )
    return reached


def support_report(
    *, actor: Actor, student: Any, organisation: Any, observation: str, observed_on: date
) -> SupportReport:
    """Report to the rektor that the pupil may need special support (SL 3:7), and notify
    the unit's rektor."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan anmäla ett behov av särskilt stöd."))
    if not support_report_policy.can(actor, Action.CREATE, SupportTarget(student, organisation)):
        raise DomainError(_("Du kan inte anmäla ett behov av särskilt stöd vid skolenheten."))
    text = _text(
        observation,
        field="observation",
        empty=_("Skriv vad du har sett som tyder på att eleven kan behöva särskilt stöd."),
        max_length=OBSERVATION_MAX,
    )
    _not_future(
        observed_on,
        actor,
        field="observed_on",
        label=_("Datumet"),
        message=_("Datumet för det du har sett kan inte ligga i framtiden."),
    )
    if not Enrolment.objects.filter(
        valid_on(actor.on), person_id=student.pk, enroled_at_id=organisation.pk, cancelled=False
    ).exists():
        raise DomainError(_("Eleven går inte på skolenheten."))
    with transaction.atomic():
        report = SupportReport.objects.create(
            student=student,
            organisation=organisation,
            observation=text,
            observed_on=observed_on,
            reported_by_id=actor.person_id,
        )
        report.student = student
        report.reported_by = Person.objects.get(pk=actor.person_id)
        notified = _notify_rektors(report)
        audit_record(
            actor=actor,
            action="support.report",
            object_type="SupportReport",
            object_id=report.pk,
            person_id=student.pk,
            detail={
                "organisation": str(organisation.pk),
                "observed_on": observed_on.isoformat(),
                "notified": [str(p.pk) for p in notified],
                "retention_class": report.retention_class,
            },
        )
    return report


def _person(actor: Actor) -> UUID:
    """Return the acting person's id: only a person reports, investigates or decides."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan skriva om särskilt stöd."))
    return actor.person_id


def _locked(report: SupportReport) -> SupportInvestigation | None:
    return SupportInvestigation.objects.select_for_update().filter(report_id=report.pk).first()


def support_investigation_open(
    *, actor: Actor, report: SupportReport, assigned_to: Any
) -> SupportInvestigation:
    """Open the investigation of a report and assign it to a staff member at the unit: the
    unit's rektor's."""
    if not support_report_policy.can(actor, Action.DECIDE, report):
        raise DomainError(_("Bara skolenhetens rektor kan inleda en utredning."))
    staff = {p.pk for p in unit_staff(report.organisation_id, actor.on)}
    if getattr(assigned_to, "pk", None) not in staff:
        raise DomainError(
            {"assigned_to": _("Välj någon som arbetar vid skolenheten att göra utredningen.")}
        )
    with transaction.atomic():
        SupportReport.objects.select_for_update().filter(pk=report.pk).first()
        if SupportInvestigation.objects.filter(report_id=report.pk).exists():
            raise DomainError(_("En utredning är redan inledd för anmälan."))
        investigation = SupportInvestigation.objects.create(
            report=report, assigned_to_id=assigned_to.pk, opened_by_id=_person(actor)
        )
        audit_record(
            actor=actor,
            action="support.investigation_open",
            object_type="SupportInvestigation",
            object_id=investigation.pk,
            person_id=report.student_id,
            detail={"report": str(report.pk), "assigned_to": str(assigned_to.pk)},
        )
    return investigation


def support_note_record(
    *, actor: Actor, report: SupportReport, held_on: date, participants: str, text: str
) -> InvestigationNote:
    """Record a meeting, conversation or document of the investigation: when, who took part
    (the pupil, the guardians, staff), and what was said or found."""
    if not support_report_policy.can(actor, Action.FOLLOW_UP, report):
        raise DomainError(_("Du kan inte skriva i utredningen."))
    note_text = _text(text, field="text", empty=_("Skriv vad som kom fram."), max_length=NOTE_MAX)
    who = _text(
        participants,
        field="participants",
        empty=_("Skriv vilka som deltog."),
        max_length=PARTICIPANTS_MAX,
        multiline=False,
    )
    _not_future(
        held_on,
        actor,
        field="held_on",
        label=_("Datumet"),
        message=_("Ett möte som ännu inte har hållits kan inte antecknas."),
    )
    with transaction.atomic():
        investigation = _locked(report)
        if investigation is None:
            raise DomainError(_("Ingen utredning är inledd."))
        if investigation.concluded_at is not None:
            raise DomainError(_("Utredningen är avslutad; inget mer kan antecknas."))
        note = InvestigationNote.objects.create(
            investigation=investigation,
            held_on=held_on,
            participants=who,
            text=note_text,
            recorded_by_id=_person(actor),
        )
        audit_record(
            actor=actor,
            action="support.note_record",
            object_type="SupportInvestigation",
            object_id=investigation.pk,
            person_id=report.student_id,
            detail={"held_on": held_on.isoformat()},
        )
    return note


def support_investigation_conclude(
    *, actor: Actor, report: SupportReport, conclusion: str
) -> SupportInvestigation:
    """Record the investigation's conclusion: whether the pupil needs special support, and
    what. Once; the rektor's decision follows."""
    if not support_report_policy.can(actor, Action.FOLLOW_UP, report):
        raise DomainError(_("Du kan inte skriva i utredningen."))
    text = _text(
        conclusion,
        field="conclusion",
        empty=_("Skriv utredningens slutsats."),
        max_length=DECISION_TEXT_MAX,
    )
    with transaction.atomic():
        investigation = _locked(report)
        if investigation is None:
            raise DomainError(_("Ingen utredning är inledd."))
        if investigation.concluded_at is not None:
            raise DomainError(_("Utredningen är redan avslutad."))
        investigation.conclusion = text
        investigation.concluded_at = timezone.now()
        investigation.concluded_by_id = actor.person_id
        investigation.save(update_fields=["conclusion", "concluded_at", "concluded_by"])
        audit_record(
            actor=actor,
            action="support.conclude",
            object_type="SupportInvestigation",
            object_id=investigation.pk,
            person_id=report.student_id,
        )
    return investigation


def support_decide(
    *,
    actor: Actor,
    report: SupportReport,
    kind: str,
    decided_on: date,
    needs: str = "",
    measures: str = "",
    responsible: str = "",
    evaluation_dates: list[date] | None = None,
    reasons: str = "",
    guardians_notified_on: date | None = None,
) -> SupportDecision:
    """Decide, as the unit's rektor, an action programme or not to make one (SL 3:9). A
    decision already made is superseded by this one, the next version; nothing changes."""
    if not support_report_policy.can(actor, Action.DECIDE, report):
        raise DomainError(
            _(
                "Bara skolenhetens rektor kan besluta om åtgärdsprogram. Beslutet kan inte delegeras."
            )
        )
    if kind not in DecisionKind.values:
        raise DomainError(
            {"kind": _("Välj åtgärdsprogram eller beslut om att inte upprätta åtgärdsprogram.")}
        )
    _not_future(
        decided_on,
        actor,
        field="decided_on",
        label=_("Beslutsdatumet"),
        message=_("Beslutsdatumet kan inte ligga i framtiden."),
    )
    days: list[date] = []
    if kind == DecisionKind.PROGRAMME:
        needs = _text(
            needs, field="needs", empty=_("Skriv elevens behov."), max_length=DECISION_TEXT_MAX
        )
        measures = _text(
            measures,
            field="measures",
            empty=_("Skriv vilka åtgärder som ska sättas in."),
            max_length=DECISION_TEXT_MAX,
        )
        responsible = _text(
            responsible,
            field="responsible",
            empty=_("Skriv vem som ansvarar för åtgärderna."),
            max_length=PARTICIPANTS_MAX,
            multiline=False,
        )
        days = sorted(set(evaluation_dates or []))
        if not days:
            raise DomainError({"evaluation_dates": _("Ange minst ett datum för utvärdering.")})
        for day in days:
            date_validate(day, field="evaluation_dates", label=_("Utvärderingsdatumet"))
            if day <= decided_on:
                raise DomainError(
                    {"evaluation_dates": _("Utvärderingen måste ligga efter beslutsdatumet.")}
                )
        reasons = (reasons or "").strip()
        if reasons and (problem := text_problem(reasons, max_length=DECISION_TEXT_MAX)):
            raise DomainError({"reasons": problem})
    else:
        reasons = _text(
            reasons,
            field="reasons",
            empty=_("Skriv varför inget åtgärdsprogram upprättas."),
            max_length=DECISION_TEXT_MAX,
        )
        needs = measures = responsible = ""
    if guardians_notified_on is not None:
        _not_future(
            guardians_notified_on,
            actor,
            field="guardians_notified_on",
            label=_("Datumet då vårdnadshavarna underrättades"),
            message=_("Vårdnadshavarna kan inte ha underrättats i framtiden."),
        )
        if guardians_notified_on < decided_on:
            raise DomainError(
                {
                    "guardians_notified_on": _(
                        "Vårdnadshavarna kan inte ha underrättats före beslutet."
                    )
                }
            )
    with transaction.atomic():
        investigation = _locked(report)
        if investigation is None:
            raise DomainError(_("Ingen utredning är inledd."))
        if investigation.concluded_at is None:
            raise DomainError(_("Utredningen måste ha en slutsats innan beslutet fattas."))
        current = (
            SupportDecision.objects.filter(investigation=investigation)
            .current()
            .order_by("-version")
            .first()
        )
        with translation.override(settings.LANGUAGE_CODE):
            appeal = str(APPEAL_INFORMATION)
        decision = SupportDecision.objects.create(
            investigation=investigation,
            kind=kind,
            needs=needs,
            measures=measures,
            responsible=responsible,
            evaluation_dates=[d.isoformat() for d in days],
            reasons=reasons,
            decided_by_id=_person(actor),
            decided_on=decided_on,
            guardians_notified_on=guardians_notified_on,
            appeal_information=appeal,
            version=current.version + 1 if current else 1,
            supersedes=current,
        )
        audit_record(
            actor=actor,
            action="support.decide",
            object_type="SupportDecision",
            object_id=decision.pk,
            person_id=report.student_id,
            detail={
                "kind": kind,
                "version": decision.version,
                "supersedes": str(current.pk) if current else None,
                "decided_on": decided_on.isoformat(),
                "guardians_notified_on": (
                    guardians_notified_on.isoformat() if guardians_notified_on else None
                ),
            },
        )
    return decision
