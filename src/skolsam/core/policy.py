"""Give every domain one permission-policy API, in the spirit of Wagtail's permission policies.

A domain declares its rules once, in its own `access.py`, as a `Policy` subclass; views
and services ask that object, never the actor's fields:

    from skolsam.core.policy import Action
    from skolsam.groups.access import group_policy

    group_policy.can(actor, Action.CHANGE, group)      # -> bool
    import_pupil_policy.among(actor, Action.IMPORT, pupils)  # -> the pks it may, in one go
    group_policy.objects(actor, Action.VIEW)           # -> QuerySet scoped to the actor
    group_policy.require(actor, Action.CHANGE, group, "Du kan inte ändra gruppen.")
    group_policy.get(actor, Action.VIEW, group_id, "Gruppen finns inte.")  # forbidden = missing
    organisation_policy.any(actor, Action.CREATE)      # a page's gate, a menu's link

The system actor (management commands, imports, the demo loader) passes every check here,
and only here: no domain module tests `actor.is_system` to grant something.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from skolsam.core.access import Actor
from skolsam.core.errors import DomainError


class Action(StrEnum):
    """The named actions every policy answers for; a policy lists those it knows."""

    VIEW = "view"
    CHANGE = "change"
    CREATE = "create"
    # A rektor's decision: leave, CSN, closing an absence investigation, exemptions.
    DECIDE = "decide"
    # Follow a pupil up: open an absence investigation, record its steps.
    FOLLOW_UP = "follow_up"
    # Save a lesson's register (mark attendance): its teachers, substitute, the school's admins;
    # for a group (group_policy), run a preschool department's day: its staff and admins.
    TAKE_REGISTER = "take_register"
    # Name staff who may see a protected person's location data.
    AUTHORISE = "authorise"
    IMPORT = "import"
    # See a unit's pupils as a whole (its pupil list by school year, its absence statistics
    # and CSN page, a class's attendance): the unit's school-wide staff, not its teachers.
    VIEW_PUPILS = "view_pupils"
    EXPORT = "export"
    # Acting for a child (people.access.children): the relation table in docs/architecture.md.
    SEE_CHILD = "see_child"
    REPORT_ABSENCE = "report_absence"
    APPLY_FOR_LEAVE = "apply_for_leave"
    CONSENT = "consent"
    SUBMIT_SCHEDULE = "submit_schedule"
    RECEIVE_NOTICES = "receive_notices"
    SEE_RECORDS = "see_records"
    UPDATE_CONTACT = "update_contact"
    # Grades (grades.access): set a pupil's grade in a subject one teaches; change it (an
    # Ändring, SL 3:20); correct a clerical error (a Rättelse, the rektor's); examine
    # (prövning).
    SET_GRADE = "set_grade"
    AMEND_GRADE = "amend_grade"
    RECTIFY_GRADE = "rectify_grade"
    EXAMINE = "examine"


M = TypeVar("M", bound=Model)


class Policy(Generic[M]):
    """Answer `can` and `objects` for one model; subclasses write `allows` and `scope`.

    `allows` defaults to "the object is in `scope`", so a policy that can say which rows
    an actor may act on gets the single-object answer for free; one whose rule is cheaper
    per object overrides `allows` too. Likewise `allows_any` (behind `any`, a page's gate)
    defaults to "`scope` is not empty"; a policy that can answer it from the Actor alone
    overrides it, so that a gate costs no query.
    """

    model: type[M]
    actions: frozenset[Action] = frozenset()

    def can(self, actor: Actor, action: Action, obj: Any) -> bool:
        """Tell whether `actor` may take `action` on `obj`."""
        self._known(action)
        if actor.is_system:
            return True
        if obj is None:
            return False
        return self.allows(actor, action, obj)

    def objects(self, actor: Actor, action: Action = Action.VIEW) -> QuerySet[M]:
        """Return the rows `actor` may take `action` on, as a queryset."""
        self._known(action)
        if actor.is_system:
            return self.model._default_manager.all()
        return self.scope(actor, action)

    def among(self, actor: Actor, action: Action, objs: Iterable[Any]) -> set[Any]:
        """Return the primary keys of those of `objs` that `actor` may take `action` on.

        For a batch (an import file's matched persons): a policy that can answer for many
        objects in one query overrides `allows_among`.
        """
        self._known(action)
        objs = list(objs)
        if actor.is_system:
            return {o.pk for o in objs}
        return self.allows_among(actor, action, objs)

    def any(self, actor: Actor, action: Action) -> bool:
        """Tell whether `actor` may take `action` on anything at all: a page's gate, a link."""
        self._known(action)
        if actor.is_system:
            return True
        return self.allows_any(actor, action)

    def require(self, actor: Actor, action: Action, obj: Any, message: str | dict) -> None:
        """Raise DomainError(message) unless `actor` may take `action` on `obj`."""
        if not self.can(actor, action, obj):
            raise DomainError(message)

    def get(self, actor: Actor, action: Action, pk: Any, message: str) -> M:
        """Fetch one row `actor` may take `action` on; a missing, malformed or forbidden
        id all raise the same Http404."""
        try:
            if self.model._meta.pk is not None and not isinstance(pk, UUID):
                pk = self.model._meta.pk.to_python(pk)
            obj = self.objects(actor, action).filter(pk=pk).first()
        except (ValueError, TypeError, ValidationError):
            raise Http404(message) from None
        if obj is None:
            raise Http404(message)
        return obj

    # --- what a domain writes --------------------------------------------------------

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return self.scope(actor, action).filter(pk=obj.pk).exists()

    def allows_among(self, actor: Actor, action: Action, objs: list[Any]) -> set[Any]:
        return {o.pk for o in objs if self.allows(actor, action, o)}

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return self.scope(actor, action).exists()

    def scope(self, actor: Actor, action: Action) -> QuerySet[M]:
        raise NotImplementedError(f"{type(self).__name__} has no scope for {action}")

    def _known(self, action: Action) -> None:
        if action not in self.actions:
            raise ValueError(f"{type(self).__name__} does not answer for {action!r}")


def pk_of(obj: Any) -> Any:
    """Return the primary key of a model instance, or the value itself if it is one."""
    return obj.pk if isinstance(obj, Model) else obj


# The models that hold personal data, as "app_label.ModelName". A view or selector reads
# them only through its domain's access module (the policy's `objects`, or a
# `*_visible_to` / `*_for_actor` function); core/tests/test_no_direct_reads.py enforces it.
PERSONAL_DATA_MODELS = frozenset(
    {
        "people.Person",
        "people.Responsible",
        "people.ProtectedIdentityAuthorisation",
        "people.AdultConsent",
        "enrolment.Enrolment",
        "enrolment.Placement",
        "groups.GroupMembership",
        "duties.Duty",
        "duties.AssignmentRole",
        "attendance.Attendance",
        "attendance.Absence",
        "attendance.LeaveRequest",
        "attendance.LeaveConsent",
        "attendance.Notice",
        "attendance.NoticeExemption",
        "attendance.AttendanceSchedule",
        "attendance.AttendanceEvent",
        "attendance.AbsenceInvestigation",
        "attendance.InvestigationStep",
        "attendance.CsnDecision",
        "attendance.CsnReturn",
        "audit.AuditEntry",
        "grades.PublishedGrade",
        "messaging.Message",
        "messaging.Recipient",
        "messaging.RecipientChild",
        "messaging.Thread",
        "messaging.ThreadParticipant",
        "messaging.Delivery",
        "messaging.Preference",
        "messaging.Attachment",
        "messaging.PushSubscription",
        "grades.Grade",
        "grades.TeacherLicence",
        "grades.LicenceQualification",
        "pupil_documentation.Adaptation",
        "pupil_documentation.AdaptationEvaluation",
        "pupil_documentation.SupportReport",
        "pupil_documentation.SupportInvestigation",
        "pupil_documentation.InvestigationNote",
        "pupil_documentation.SupportDecision",
        "pupil_documentation.OffensiveTreatmentReport",
        "pupil_documentation.OffensiveTreatmentPerson",
        "pupil_documentation.OffensiveTreatmentInterview",
    }
)
