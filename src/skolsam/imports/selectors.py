"""Read register imports for the pages: a pending one to confirm, a committed one to show."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from skolsam.core.access import Actor
from skolsam.imports.models import RegisterImport
from skolsam.organisations.models import Organisation


def register_import_pending(
    *, actor: Actor, school_unit: Organisation, token: str
) -> RegisterImport | None:
    """Return the actor's own unexpired staged import at this unit with this token, if any."""
    if actor.user_id is None or not token:
        return None
    return RegisterImport.objects.filter(
        token=token,
        school_unit=school_unit,
        created_by_id=actor.user_id,
        status=RegisterImport.Status.PENDING,
        expires__gt=timezone.now(),
    ).first()


def register_import_committed(
    *, school_unit: Organisation, import_id: UUID
) -> RegisterImport | None:
    """Return a committed import at this unit (counts only; the rows are gone by then)."""
    return RegisterImport.objects.filter(
        pk=import_id, school_unit=school_unit, status=RegisterImport.Status.COMMITTED
    ).first()
