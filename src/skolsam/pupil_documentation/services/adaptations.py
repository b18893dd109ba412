"""Record an extra adaptation for a pupil, and evaluate it: it continues to a new follow-up
date, or it ends.

Each service checks the actor through `adaptation_policy` inside the transaction, refuses
bad input with a Swedish message naming the field (and writes nothing), and writes its
audit entry under the pupil in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.dates import date_validate
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment
from skolsam.pupil_documentation.access import AdaptationTarget, adaptation_policy
from skolsam.pupil_documentation.models import (
    DESCRIPTION_MAX,
    EFFECT_MAX,
    Adaptation,
    AdaptationEvaluation,
    Outcome,
)
from skolsam.pupil_documentation.selectors import subjects_of


def _text(value: str | None, *, field: str, empty: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError({field: empty})
    problem = text_problem(text, max_length=max_length, multiline=True)
    if problem:
        raise DomainError({field: problem})
    return text


def adaptation_record(
    *,
    actor: Actor,
    student: Any,
    organisation: Any,
    syllabus: Any | None,
    description: str,
    start_date: date,
    follow_up_date: date,
) -> Adaptation:
    """Record an extra adaptation for the pupil at the unit, in one subject or in all."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan dokumentera en anpassning."))
    if not adaptation_policy.can(actor, Action.CREATE, AdaptationTarget(student, organisation)):
        raise DomainError(_("Du kan inte dokumentera anpassningar för eleven vid skolenheten."))
    text = _text(
        description,
        field="description",
        empty=_("Skriv vad som anpassas."),
        max_length=DESCRIPTION_MAX,
    )
    date_validate(start_date, field="start_date", label=_("Startdatumet"))
    date_validate(follow_up_date, field="follow_up_date", label=_("Uppföljningsdatumet"))
    if follow_up_date <= start_date:
        raise DomainError({"follow_up_date": _("Uppföljningen måste ligga efter startdatumet.")})
    if not Enrolment.objects.filter(
        valid_on(actor.on), person_id=student.pk, enroled_at_id=organisation.pk, cancelled=False
    ).exists():
        raise DomainError(_("Eleven går inte på skolenheten."))
    if syllabus is not None and syllabus.pk not in {
        s.pk for s in subjects_of(student=student, organisation=organisation, day=actor.on)
    }:
        raise DomainError({"syllabus": _("Eleven läser inte ämnet vid skolenheten.")})
    with transaction.atomic():
        adaptation = Adaptation.objects.create(
            student=student,
            organisation=organisation,
            syllabus=syllabus,
            description=text,
            start_date=start_date,
            follow_up_date=follow_up_date,
            recorded_by_id=actor.person_id,
        )
        audit_record(
            actor=actor,
            action="adaptation.record",
            object_type="Adaptation",
            object_id=adaptation.pk,
            person_id=student.pk,
            detail={
                "organisation": str(organisation.pk),
                "syllabus": str(syllabus) if syllabus is not None else "alla ämnen",
                "start_date": start_date.isoformat(),
                "follow_up_date": follow_up_date.isoformat(),
                "retention_class": adaptation.retention_class,
            },
        )
    return adaptation


def adaptation_evaluate(
    *,
    actor: Actor,
    adaptation: Adaptation,
    evaluated_on: date,
    effect: str,
    outcome: str,
    next_follow_up: date | None = None,
) -> AdaptationEvaluation:
    """Record an evaluation: the effect, and whether the adaptation continues (to the next
    follow-up date) or ends."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan utvärdera en anpassning."))
    if outcome not in Outcome.values:
        raise DomainError({"outcome": _("Välj om anpassningen fortsätter eller avslutas.")})
    text = _text(
        effect,
        field="effect",
        empty=_("Skriv vilken effekt anpassningen har haft."),
        max_length=EFFECT_MAX,
    )
    date_validate(evaluated_on, field="evaluated_on", label=_("Utvärderingsdatumet"))
    with transaction.atomic():
        current = Adaptation.objects.select_for_update().get(pk=adaptation.pk)
        current.student = adaptation.student  # already read; spares the policy a query
        if current.ended_at is not None:
            raise DomainError(_("Anpassningen är redan avslutad."))
        if not adaptation_policy.can(actor, Action.FOLLOW_UP, current):
            raise DomainError(_("Du kan inte utvärdera anpassningen."))
        if evaluated_on < current.start_date:
            raise DomainError(
                {"evaluated_on": _("Utvärderingen kan inte ligga före anpassningens start.")}
            )
        if evaluated_on > actor.on:
            raise DomainError({"evaluated_on": _("Utvärderingen kan inte ligga i framtiden.")})
        if outcome == Outcome.CONTINUE:
            if next_follow_up is None:
                raise DomainError(
                    {"next_follow_up": _("Ange när anpassningen ska följas upp nästa gång.")}
                )
            date_validate(next_follow_up, field="next_follow_up", label=_("Nästa uppföljning"))
            if next_follow_up <= evaluated_on:
                raise DomainError(
                    {"next_follow_up": _("Nästa uppföljning måste ligga efter utvärderingen.")}
                )
        else:
            next_follow_up = None
        evaluation = AdaptationEvaluation.objects.create(
            adaptation=current,
            evaluated_on=evaluated_on,
            effect=text,
            outcome=outcome,
            next_follow_up=next_follow_up,
            recorded_by_id=actor.person_id,
        )
        if next_follow_up is not None:
            current.follow_up_date = next_follow_up
            current.save(update_fields=["follow_up_date"])
        else:
            current.ended_at = timezone.now()
            current.ended_by_id = actor.person_id
            current.save(update_fields=["ended_at", "ended_by"])
        audit_record(
            actor=actor,
            action="adaptation.evaluate",
            object_type="Adaptation",
            object_id=current.pk,
            person_id=current.student_id,
            detail={
                "outcome": outcome,
                "evaluated_on": evaluated_on.isoformat(),
                "next_follow_up": next_follow_up.isoformat() if next_follow_up else None,
            },
        )
    adaptation.follow_up_date = current.follow_up_date
    adaptation.ended_at, adaptation.ended_by_id = current.ended_at, current.ended_by_id
    return evaluation
