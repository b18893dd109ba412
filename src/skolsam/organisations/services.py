"""Write organisations. Keeps the `huvudman` shortcut true as the tree changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record, snapshot
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import OrganisationType, SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation

_FIELDS = (
    "display_name",
    "organisation_code",
    "organisation_type",
    "organisation_number",
    "parent",
    "school_unit_code",
    "school_types",
    "municipality_code",
    "home_municipality_code",
    "start_date",
    "end_date",
)


def _validate(org: Organisation) -> None:
    if org.organisation_type not in OrganisationType.values:
        raise DomainError(
            {
                "organisation_type": _("Okänd organisationstyp %(organisation_type)r.")
                % {"organisation_type": org.organisation_type}
            }
        )
    if org.organisation_type == OrganisationType.HUVUDMAN and org.parent_id is not None:
        raise DomainError({"parent": _("En huvudman kan inte ligga under en annan organisation.")})
    if org.organisation_type != OrganisationType.HUVUDMAN and org.parent_id is None:
        raise DomainError({"parent": _("Organisationen måste ligga under en huvudman.")})
    unknown = [t for t in org.school_types if t not in SchoolType.values]
    if unknown:
        raise DomainError(
            {"school_types": _("Okända skolformer: %(forms)s.") % {"forms": ", ".join(unknown)}}
        )
    if org.school_unit_code and not org.school_unit_code.isdigit():
        raise DomainError({"school_unit_code": _("Skolenhetskoden består av siffror.")})
    if org.start_date and org.end_date and org.end_date < org.start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    display_name: str,
    organisation_type: str,
    parent: Organisation | None = None,
    school_types: list[str] | None = None,
    organisation_code: str = "",
    organisation_number: str = "",
    school_unit_code: str | None = None,
    municipality_code: str = "",
    home_municipality_code: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    **extra: Any,
) -> Organisation:
    """Create an organisation under `parent` (none for a huvudman)."""
    # A new huvudman is set up by the system (import, installation); a unit under an
    # existing one only by that subtree's administrators.
    if not organisation_policy.can(actor, Action.CREATE, parent):
        raise DomainError(_("Du har inte behörighet att lägga till organisationer här."))
    org = Organisation(
        display_name=display_name,
        organisation_type=organisation_type,
        parent=parent,
        school_types=list(school_types or []),
        organisation_code=organisation_code,
        organisation_number=organisation_number,
        school_unit_code=school_unit_code or None,
        municipality_code=municipality_code,
        home_municipality_code=home_municipality_code,
        start_date=start_date,
        end_date=end_date,
        **extra,
    )
    _validate(org)
    if school_unit_code and Organisation.objects.filter(school_unit_code=school_unit_code).exists():
        raise DomainError(
            {
                "school_unit_code": _("Skolenhetskoden %(school_unit_code)s finns redan.")
                % {"school_unit_code": school_unit_code}
            }
        )
    org.huvudman = parent.huvudman if parent is not None else None
    org.save()
    if org.huvudman_id is None:
        org.huvudman = org
        org.save(update_fields=["huvudman"])
    change_record(entity_type="Organisation", ids=[org.pk], organisation_ids=[org.pk])
    audit_record(
        actor=actor,
        action="organisation.create",
        object_type="Organisation",
        object_id=org.pk,
        changes={
            k: [None, v] for k, v in snapshot(org, _FIELDS).items() if v not in ("", None, [])
        },
    )
    return org


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, **changes: Any
) -> Organisation:
    """Change an organisation's own attributes."""
    organisation_policy.require(
        actor, Action.CHANGE, organisation, "Du har inte behörighet att ändra organisationen."
    )
    before = snapshot(organisation, _FIELDS)
    for key, value in changes.items():
        if key not in _FIELDS or key == "parent":
            raise DomainError({key: _("Fältet kan inte ändras här.")})
        if key == "school_unit_code":
            value = value or None  # unique: "no code" is NULL, never an empty string
        setattr(organisation, key, value)
    _validate(organisation)
    if (
        organisation.school_unit_code
        and Organisation.objects.filter(school_unit_code=organisation.school_unit_code)
        .exclude(pk=organisation.pk)
        .exists()
    ):
        raise DomainError(
            {
                "school_unit_code": _("Skolenhetskoden %(school_unit_code)s finns redan.")
                % {"school_unit_code": organisation.school_unit_code}
            }
        )
    after = snapshot(organisation, _FIELDS)
    if before != after:
        organisation.modified = timezone.now()
        organisation.save()
        change_record(
            entity_type="Organisation", ids=[organisation.pk], organisation_ids=[organisation.pk]
        )
        from skolsam.audit.services import diff

        audit_record(
            actor=actor,
            action="organisation.update",
            object_type="Organisation",
            object_id=organisation.pk,
            changes=diff(before, after),
        )
    return organisation
