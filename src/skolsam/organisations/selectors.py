"""Read organisations. Organisations are public facts, not personal data."""

from django.db.models import QuerySet

from skolsam.core.choices import OrganisationType
from skolsam.organisations.models import Organisation


def organisation_list_school_units(*, huvudman: Organisation | None = None) -> QuerySet:
    """Return school units, optionally of one huvudman, with their huvudman loaded."""
    qs = Organisation.objects.filter(organisation_type=OrganisationType.SKOLENHET)
    if huvudman is not None:
        qs = qs.filter(huvudman=huvudman)
    return qs.select_related("huvudman", "parent")


def organisation_get_by_code(code: str) -> Organisation | None:
    """Find an organisation by id, organisationCode or schoolUnitCode."""
    from uuid import UUID

    try:
        return Organisation.objects.filter(pk=UUID(code)).first()
    except ValueError:
        pass
    return (
        Organisation.objects.filter(school_unit_code=code).first()
        or Organisation.objects.filter(organisation_code=code).first()
    )
