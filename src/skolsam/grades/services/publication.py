"""Publish grades: what pupils, guardians and SS 12000 clients see, and when.

A grade of a grading period becomes visible when the unit's rektor publishes the closed
period (`grading_period_publish`); a prövning or a grade from an earlier school, decided
one by one, is visible with its decision. From then on every later decision on a published
grade (an Ändring, a Rättelse) replaces what is shown at once (`published_grade_follow`,
called by `grade_decide`'s one write). Each publication records a `Grade` change for the
SS 12000 outbox (webhooks, `meta.modified`) in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import grading_period_policy
from skolsam.grades.models import Grade, GradingPeriod, PublishedGrade


def grading_period_publish(*, actor: Actor, period: GradingPeriod) -> GradingPeriod:
    """Publish a closed grading period: its grades appear to pupils and guardians."""
    grading_period_policy.require(
        actor, Action.DECIDE, period, "Bara skolenhetens rektor kan publicera betygen."
    )
    if actor.person_id is None:
        raise DomainError("Betygen publiceras av en person; logga in som den personen.")
    with transaction.atomic():
        locked = GradingPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.closed_at is None:
            raise DomainError("Stäng betygsperioden innan betygen publiceras.")
        if locked.published_at is not None:
            raise DomainError("Betygen i perioden är redan publicerade.")
        now = timezone.now()
        locked.published_at = now
        locked.published_by_id = actor.person_id
        locked.save(update_fields=["published_at", "published_by"])
        current = list(
            Grade.objects.current()
            .filter(grading_period=locked)
            .values_list("pk", "lineage", "student_id")
        )
        PublishedGrade.objects.bulk_create(
            PublishedGrade(id=lineage, grade_id=pk, created=now, modified=now, published_at=now)
            for pk, lineage, _student in current
        )
        if current:
            change_record(
                entity_type="Grade",
                ids=[lineage for _pk, lineage, _student in current],
                organisation_ids=[locked.organisation_id],
            )
        audit_record(
            actor=actor,
            action="grades.publish",
            object_type="GradingPeriod",
            object_id=locked.pk,
            detail={
                "organisation": locked.organisation_id,
                "term": f"{locked.semester}{locked.year}",
                "kind": locked.kind,
                "grades": len(current),
            },
            person_ids=sorted({student for _pk, _lineage, student in current}),
        )
    return locked


def published_grade_follow(grade: Grade) -> None:
    """Show a new decision where its grade is public: replace the published decision, or
    publish a decision made outside a grading period (prövning, earlier school) at once.

    Called inside the deciding transaction; a decision in a period not yet published
    stays out of sight until the period is.
    """
    period_id = grade.grading_period_id
    published = period_id is None or (
        GradingPeriod.objects.filter(pk=period_id, published_at__isnull=False).exists()
    )
    if not published:
        return
    now = timezone.now()
    PublishedGrade.objects.update_or_create(
        id=grade.lineage,
        defaults={"grade": grade, "modified": now},
        create_defaults={"grade": grade, "created": now, "modified": now, "published_at": now},
    )
    change_record(
        entity_type="Grade", ids=[grade.lineage], organisation_ids=[grade.organisation_id]
    )


def security_marking_changed(*, person_id: Any, **_: Any) -> None:
    """Record a pupil's published grades as changed when her protected identity changes.

    Receiver of `core.events.security_marking_changed` (connected in apps.py). A grade
    names the pupil's school, so the SS 12000 API hides a protected pupil's grades: they
    leave the view of clients without the right to protected data when the marking is
    set and come back when it is lifted. Each is recorded with a `left` tombstone
    candidate in its unit (listed in /deletedEntities while out of a client's view).
    """
    by_unit: dict[Any, list[Any]] = defaultdict(list)
    for pk, unit in PublishedGrade.objects.filter(grade__student_id=person_id).values_list(
        "pk", "grade__organisation_id"
    ):
        by_unit[unit].append(pk)
    for unit, ids in by_unit.items():
        change_record(entity_type="Grade", ids=ids, organisation_ids=[unit], left=True)
