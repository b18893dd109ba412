"""Read the audit log: the entries matching a search, newest first.

The auditors' page names them (`audit_search.selectors.audit_rows`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from skolsam.audit.models import AuditEntry, AuditEntryPerson


def _start_of(day: date) -> datetime:
    """Return midnight at the start of `day` in Swedish time, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _entry_ids_about(person_id: UUID) -> QuerySet:
    """Ids of the entries about a person: alone (`person_id`) or among many.

    A union of two index scans, so the search stays as cheap as before on a large log
    (an OR across the two tables would read every entry).
    """
    alone = AuditEntry.objects.filter(person_id=person_id).order_by().values("pk")
    among = AuditEntryPerson.objects.filter(person_id=person_id).order_by().values("entry_id")
    return alone.union(among, all=True)


def audit_entry_list(
    *,
    person_id: UUID | None = None,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Return log entries matching every given filter, newest first.

    `person_id` finds entries about that person alone and those about many persons
    (an API page) among whom that person was. `actor` is a user name; it matches the
    account and, for entries whose account is gone or who never had one (imports,
    commands), the label kept on the entry. `action` matches
    exactly, or as a family: "person" matches "person.view" and "person.update".
    Dates are whole days in Swedish time, both ends included.
    """
    entries = AuditEntry.objects.all()
    if person_id is not None:
        entries = entries.filter(pk__in=_entry_ids_about(person_id))
    if actor:
        entries = entries.filter(Q(actor__username__iexact=actor) | Q(actor_label__iexact=actor))
    if action:
        entries = entries.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if date_from is not None:
        entries = entries.filter(at__gte=_start_of(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return entries.order_by("-at", "-id")
