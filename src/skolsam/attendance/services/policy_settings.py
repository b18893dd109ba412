"""Set a huvudman's or a school unit's attendance settings (AttendancePolicy)."""

from __future__ import annotations

from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.attendance.models import AttendancePolicy
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.choices import OrganisationType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.models import Organisation


def _check_range(name: str, value: int | None, low: int, high: int, what: str) -> None:
    if value is not None and not low <= value <= high:
        raise DomainError(
            {
                name: _("%(what)s ska vara mellan %(low)s och %(high)s.")
                % {"what": what, "low": low, "high": high}
            }
        )


@transaction.atomic
def attendance_policy_set(
    *,
    actor: Actor,
    organisation: Organisation,
    notice_cutoff: time | None,
    notice_morning: time | None,
    alert_absence_percent: int | None,
    alert_invalid_occasions: int | None,
    csn_threshold_minutes: int | None,
    leave_requires_all_guardians: bool | None = None,
    register_margin_minutes: int | None = None,
    absence_report_days_ahead: int | None = None,
) -> AttendancePolicy:
    """Set a huvudman's or a school unit's attendance settings; None follows the level above.

    The huvudman decides whether every guardian must agree to leave; a school unit sets
    its own notice times and thresholds or follows the huvudman's.
    """
    from skolsam.attendance import policy as policies
    from skolsam.schedule.access import calendar_policy

    calendar_policy.require(
        actor,
        Action.CHANGE,
        organisation,
        "Du har inte behörighet att ändra närvaroinställningarna här.",
    )
    is_huvudman = organisation.organisation_type == OrganisationType.HUVUDMAN
    if not is_huvudman and organisation.organisation_type != OrganisationType.SKOLENHET:
        raise DomainError(_("Närvaroinställningar görs för en huvudman eller en skolenhet."))
    if leave_requires_all_guardians is not None and not is_huvudman:
        raise DomainError(
            {
                "leave_requires_all_guardians": _(
                    "Huvudmannen bestämmer om alla vårdnadshavare "
                    "måste godkänna en ledighetsansökan."
                )
            }
        )
    if notice_cutoff is not None and not time(9, 0) <= notice_cutoff <= time(22, 0):
        raise DomainError(
            {
                "notice_cutoff": _(
                    "Brytpunkten ska vara mellan 09:00 och 22:00, så att meddelandet går samma dag."
                )
            }
        )
    if notice_morning is not None and not time(6, 0) <= notice_morning <= time(10, 0):
        raise DomainError({"notice_morning": _("Morgonutskicket ska vara mellan 06:00 och 10:00.")})
    _check_range(
        "alert_absence_percent", alert_absence_percent, 1, 100, _("Frånvarogränsen i procent")
    )
    _check_range(
        "alert_invalid_occasions", alert_invalid_occasions, 1, 100, _("Antalet tillfällen")
    )
    _check_range(
        "csn_threshold_minutes", csn_threshold_minutes, 30, 6000, _("CSN-gränsen i minuter")
    )
    _check_range(
        "register_margin_minutes", register_margin_minutes, 0, 120, _("Minuterna före lektionen")
    )
    _check_range(
        "absence_report_days_ahead",
        absence_report_days_ahead,
        0,
        365,
        _("Hur långt i förväg frånvaro kan anmälas"),
    )
    policy, created = AttendancePolicy.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    values = {
        "notice_cutoff": notice_cutoff,
        "notice_morning": notice_morning,
        "alert_absence_percent": alert_absence_percent,
        "alert_invalid_occasions": alert_invalid_occasions,
        "csn_threshold_minutes": csn_threshold_minutes,
        "leave_requires_all_guardians": leave_requires_all_guardians,
        "register_margin_minutes": register_margin_minutes,
        "absence_report_days_ahead": absence_report_days_ahead,
    }
    changes = {
        name: [_plain_value(getattr(policy, name)), _plain_value(value)]
        for name, value in values.items()
        if getattr(policy, name) != value
    }
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    policies.forget()
    audit_record(
        actor=actor,
        action="attendance.settings",
        object_type="Organisation",
        object_id=organisation.pk,
        changes=changes,
        detail={"created": created},
    )
    return policy


def _plain_value(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, time) else value
