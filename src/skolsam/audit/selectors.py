"""Read the audit log for the auditors' search, with names in place of ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from skolsam.audit.labels import action_label, object_type_label
from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.access import Actor, may_see_location
from skolsam.people.selectors import PersonLabel, person_labels_for_audit


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


# Object types named on the auditors' page besides persons and accounts: model and how to
# name it. Looked up by app label (`apps.get_model`), since the log sits below the apps
# whose objects it records and must not import them. Each type present on a page costs one
# query, whatever the number of entries.
_LOCATION_TYPES = {"Organisation", "Group", "CalendarEvent"}


def _names_of(object_type: str, ids: set[str]) -> dict[str, str]:
    """Return {id: name} for objects of one location type, in one query."""
    model: Any
    if object_type == "Organisation":
        model = apps.get_model("organisations", "Organisation")
        rows = model._default_manager.filter(pk__in=ids).values_list("pk", "display_name")
        return {str(pk): name for pk, name in rows}
    if object_type == "Group":
        model = apps.get_model("groups", "Group")
        rows = model._default_manager.filter(pk__in=ids).values_list("pk", "display_name")
        return {str(pk): name for pk, name in rows}
    model = apps.get_model("schedule", "CalendarEvent")
    lessons = model._default_manager.filter(pk__in=ids).values_list(
        "pk", "activity__display_name", "start_time"
    )
    return {
        str(pk): f"{name} {timezone.localtime(start):%Y-%m-%d %H:%M}" for pk, name, start in lessons
    }


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditRow:
    """One entry as the auditor reads it: who, what and about whom, by name."""

    entry: AuditEntry
    actor_name: str
    actor_username: str
    action_label: str
    object_type_label: str
    object_name: str
    person: PersonLabel | None
    # The object's name would place a protected person the auditor is not named for.
    object_hidden: bool


def audit_rows(*, actor: Actor, entries: Sequence[AuditEntry]) -> list[AuditRow]:
    """Name the actors, objects and persons of `entries`, in a few queries for any number.

    One query for the accounts (with their persons' names), one for the persons the
    entries are about (or are), and one per location type present. For an entry about a
    person with protected identity whom `actor` is not named for, the names of schools,
    groups and lessons are left out (`may_see_location`), as everywhere else.
    """
    user_ids = {e.actor_id for e in entries if e.actor_id is not None}
    user_ids |= {
        int(e.object_id) for e in entries if e.object_type == "User" and e.object_id.isdigit()
    }
    person_ids = {e.person_id for e in entries if e.person_id is not None}
    by_type: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.object_type == "Person" and (pk := _uuid(e.object_id)):
            person_ids.add(pk)
        elif e.object_type in _LOCATION_TYPES and _uuid(e.object_id):
            by_type[e.object_type].add(e.object_id)
    users: dict[int, tuple[str, str]] = {}
    if user_ids:
        user_model: Any = get_user_model()
        for pk, username, given, family in user_model._default_manager.filter(
            pk__in=user_ids
        ).values_list("pk", "username", "person__given_name", "person__family_name"):
            name = " ".join(p for p in (given, family) if p)
            users[pk] = (name or username, username)
    persons = person_labels_for_audit(person_ids=person_ids)
    names = {t: _names_of(t, ids) for t, ids in by_type.items()}

    rows = []
    for e in entries:
        actor_name, username = users.get(e.actor_id or 0, (e.actor_label, e.actor_label))
        person = persons.get(e.person_id) if e.person_id else None
        hidden = False
        object_name = ""
        if e.object_type == "Person":
            pk = _uuid(e.object_id)
            label = persons.get(pk) if pk else None
            object_name = label.name if label else ""
        elif e.object_type == "User" and e.object_id.isdigit():
            object_name = users.get(int(e.object_id), ("", ""))[0]
        elif e.object_type in _LOCATION_TYPES:
            if person is not None and not may_see_location(actor, person):
                hidden = True
            else:
                object_name = names.get(e.object_type, {}).get(e.object_id, "")
        rows.append(
            AuditRow(
                entry=e,
                actor_name=actor_name or "",
                actor_username=username or "",
                action_label=action_label(e.action),
                object_type_label=object_type_label(e.object_type),
                object_name=object_name,
                person=person,
                object_hidden=hidden,
            )
        )
    return rows
