"""Warn of a risk of F (varning för F): a teacher who grades the pupil in the subject tells
the pupil and the guardians that the pupil risks not reaching godtagbara kunskaper, and
what the school will do.

The notice goes through messaging, as a statutory message (sent at once whatever the
recipient's digest choice): one message per language, each recipient reading it in the
language they chose. Guardians are those who receive notices for the child
(`people.access.relations_acting_for`); messaging keeps a protected person's notice
inside Skolsam. The text names the pupil, the subject and the teacher, never the school
or the class. Audited under the pupil (`grades.warn`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.activities.models import Activity
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_see_location
from skolsam.core.errors import DomainError
from skolsam.grades.access import teaches_in_subject
from skolsam.grades.models import GradeWarning
from skolsam.grades.notices import warning_notice
from skolsam.messaging.models import AudienceKind, Category, Message
from skolsam.messaging.services.audience import Reached, reach
from skolsam.messaging.services.compose import recipients_create
from skolsam.messaging.services.delivery import deliveries_create, schedule_delivery
from skolsam.people.models import Person

MEASURES_MAX = 2000


def may_warn(actor: Actor, student: Any, activity: Activity) -> bool:
    """A grader of the activity whose groups hold the pupil, who may know where she goes."""
    return (
        activity.syllabus_id is not None
        and may_see_location(actor, student)
        and teaches_in_subject(actor, student, activity.syllabus_id, activity.organisation_id)
    )


def grade_warning_send(
    *, actor: Actor, student: Any, activity: Activity, measures: str
) -> GradeWarning:
    """Record the warning and send the notice to the pupil and the guardians."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan varna för F."))
    if not may_warn(actor, student, activity):
        raise DomainError(_("Du undervisar inte eleven i ämnet."))
    measures = (measures or "").strip()
    if not measures:
        raise DomainError({"measures": _("Skriv vad skolan gör.")})
    if len(measures) > MEASURES_MAX:
        raise DomainError(
            {"measures": _("Texten får vara högst %(n)d tecken.") % {"n": MEASURES_MAX}}
        )
    syllabus = activity.syllabus
    if syllabus is None:  # may_warn refused it already; said again for the type checker
        raise DomainError(_("Du undervisar inte eleven i ämnet."))
    teacher = Person.objects.filter(pk=actor.person_id).first()
    by_language: dict[str, list[Reached]] = defaultdict(list)
    with transaction.atomic():
        reached = reach([student], day=actor.on, to_guardians=True, to_pupils=True)
        for r in reached:
            by_language[r.person.language or settings.LANGUAGE_CODE].append(r)
        warning = GradeWarning.objects.create(
            student=student,
            organisation_id=activity.organisation_id,
            syllabus=syllabus,
            activity=activity,
            measures=measures,
            created_by_id=actor.person_id,
            recipients=len(reached),
        )
        messages = []
        for language, group in sorted(by_language.items()):
            subject, body, label = warning_notice(
                language,
                pupil=student.full_name,
                subject=syllabus.subject_name or syllabus.course_name,
                measures=measures,
                teacher=teacher.full_name if teacher else "",
            )
            message = Message.objects.create(
                sender_id=actor.person_id,
                category=Category.STATUTORY,
                subject=subject[:200],
                body=body,
                audience_kind=AudienceKind.ORGANISATION,
                organisation_id=activity.organisation_id,
                to_guardians=True,
                to_pupils=True,
                audience_label=label[:200],
            )
            deliveries_create(message, recipients_create(message, group))
            messages.append(message)
        audit_record(
            actor=actor,
            action="grades.warn",
            object_type="GradeWarning",
            object_id=warning.pk,
            detail={
                "syllabus": str(syllabus),
                "recipients": len(reached),
                "messages": [str(m.pk) for m in messages],
            },
            person_id=student.pk,
        )
        for message in messages:
            schedule_delivery(message.pk)
    return warning
