"""Name the audit log's entries for the auditors: actors, objects and persons by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from skolsam.audit.labels import action_label, object_type_label
from skolsam.audit.models import AuditEntry
from skolsam.core.access import Actor, may_see_location
from skolsam.core.ids import uuid_or_none
from skolsam.groups.models import Group
from skolsam.organisations.models import Organisation
from skolsam.people.selectors import PersonLabel, person_labels_for_audit
from skolsam.schedule.models import CalendarEvent

# Object types named on the auditors' page besides persons and accounts. Each type present
# on a page costs one query, whatever the number of entries.
_LOCATION_TYPES = {"Organisation", "Group", "CalendarEvent"}


def _names_of(object_type: str, ids: set[str]) -> dict[str, str]:
    """Return {id: name} for objects of one location type, in one query."""
    if object_type in ("Organisation", "Group"):
        model = Organisation if object_type == "Organisation" else Group
        rows = model.objects.filter(pk__in=ids).values_list("pk", "display_name")
        return {str(pk): name for pk, name in rows}
    lessons = CalendarEvent.objects.filter(pk__in=ids).values_list(
        "pk", "activity__display_name", "start_time"
    )
    return {
        str(pk): f"{name} {timezone.localtime(start):%Y-%m-%d %H:%M}" for pk, name, start in lessons
    }


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
        if e.object_type == "Person" and (pk := uuid_or_none(e.object_id)):
            person_ids.add(pk)
        elif e.object_type in _LOCATION_TYPES and uuid_or_none(e.object_id):
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
            pk = uuid_or_none(e.object_id)
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
