"""Open and close a school unit's grading periods: the rektor's decisions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import grading_period_policy
from skolsam.grades.models import GradingPeriod, GradingPeriodKind, Semester
from skolsam.grades.rules import TERM_GRADES_EARLIEST_YEAR, TERM_GRADES_FROM_YEAR
from skolsam.grades.services.decisions import decider_id
from skolsam.organisations.models import Organisation

YEARS = range(2000, 2101)


def grading_period_open(
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    semester: str,
    year: int,
    first_school_year: int | None = None,
) -> GradingPeriod:
    """Open a grading period at a school unit: from now, its teachers may set grades.

    For term grades, `first_school_year` is the rektor's decision to give term grades in
    grundskolan before year 6 (4 or 5); left out, the rule's year 6 holds.
    """
    grading_period_policy.require(
        actor, Action.DECIDE, organisation, "Bara skolenhetens rektor kan öppna en betygsperiod."
    )
    errors: dict[str, str] = {}
    if not organisation.is_school_unit:
        errors["organisation"] = "En betygsperiod öppnas för en skolenhet."
    if kind not in GradingPeriodKind.values:
        errors["kind"] = "Välj vilka betyg perioden gäller: terminsbetyg, slutbetyg eller kursslut."
    if semester not in Semester.values:
        errors["semester"] = "Välj hösttermin (HT) eller vårtermin (VT)."
    if year not in YEARS:
        errors["year"] = "Ange ett år mellan 2000 och 2100."
    if kind == GradingPeriodKind.TERM:
        usual = TERM_GRADES_FROM_YEAR[SchoolType.GR]
        earliest = TERM_GRADES_EARLIEST_YEAR[SchoolType.GR]
        if first_school_year is None:
            first_school_year = usual
        elif not earliest <= first_school_year <= usual:
            errors["first_school_year"] = (
                f"Terminsbetyg sätts från årskurs {usual}; rektorn kan besluta om betyg "
                f"från årskurs {earliest} eller {earliest + 1}."
            )
    elif first_school_year is not None:
        errors["first_school_year"] = "Bara terminsbetyg har en första årskurs."
    if errors:
        raise DomainError(errors)
    try:
        with transaction.atomic():
            period = GradingPeriod.objects.create(
                organisation=organisation,
                kind=kind,
                semester=semester,
                year=year,
                first_school_year=first_school_year,
                opened_by_id=decider_id(actor),
            )
            audit_record(
                actor=actor,
                action="grades.period_open",
                object_type="GradingPeriod",
                object_id=period.pk,
                detail={
                    "organisation": organisation.pk,
                    "kind": kind,
                    "term": f"{semester}{year}",
                    "first_school_year": first_school_year,
                },
            )
    except IntegrityError:
        raise DomainError(
            {"kind": "Skolenheten har redan en sådan betygsperiod för terminen."}
        ) from None
    return period


def grading_period_close(*, actor: Actor, period: GradingPeriod) -> GradingPeriod:
    """Close a grading period: no teacher sets a grade in it any more."""
    grading_period_policy.require(
        actor, Action.DECIDE, period, "Bara skolenhetens rektor kan stänga betygsperioden."
    )
    with transaction.atomic():
        locked = GradingPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.closed_at is not None:
            raise DomainError("Betygsperioden är redan stängd.")
        locked.closed_at = timezone.now()
        locked.closed_by_id = actor.person_id
        locked.save(update_fields=["closed_at", "closed_by"])
        audit_record(
            actor=actor,
            action="grades.period_close",
            object_type="GradingPeriod",
            object_id=locked.pk,
            detail={"organisation": locked.organisation_id},
        )
    return locked
