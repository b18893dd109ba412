"""Let each person choose, per category, immediate e-mail or a daily or weekly digest."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.messaging.models import Category, Frequency, Preference, Reminder, ReminderChoice

# What a person may choose for: statutory notices always go at once.
CHOOSABLE = (Category.NEWS, Category.WEEKLY_LETTER, Category.CONVERSATION)


def preferences_of(*, actor: Actor) -> dict[str, str]:
    """Return the actor's own choice per choosable category ('' is immediate)."""
    if actor.person_id is None:
        return {}
    stored = dict(
        Preference.objects.filter(person_id=actor.person_id).values_list("category", "frequency")
    )
    return {c.value: stored.get(c.value, "") for c in CHOOSABLE}


def message_preferences_set(*, actor: Actor, choices: dict[str, str]) -> None:
    """Store the actor's own choices; refuse a statutory category or an unknown frequency."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan välja hur meddelanden skickas."))
    errors = {}
    for category, frequency in choices.items():
        if category not in CHOOSABLE:
            errors[category] = _("Lagstadgade meddelanden skickas alltid direkt.")
        elif frequency not in Frequency.values:
            errors[category] = _("Välj direkt, dagligen eller veckovis.")
    if errors:
        raise DomainError(errors)
    before = preferences_of(actor=actor)
    with transaction.atomic():
        for category, frequency in choices.items():
            Preference.objects.update_or_create(
                person_id=actor.person_id, category=category, defaults={"frequency": frequency}
            )
        changes = {c: [before.get(c, ""), f] for c, f in choices.items() if before.get(c) != f}
        if changes:
            audit_record(
                actor=actor,
                action="message.preferences",
                object_type="Person",
                object_id=actor.person_id,
                person_id=actor.person_id,
                changes=changes,
            )


def reminders_of(*, actor: Actor) -> set[str]:
    """Return the optional reminders the actor has turned on."""
    if actor.person_id is None:
        return set()
    return set(
        ReminderChoice.objects.filter(person_id=actor.person_id).values_list("reminder", flat=True)
    )


def message_reminders_set(*, actor: Actor, chosen: set[str]) -> None:
    """Turn the actor's optional reminders on (those in `chosen`) and off (the others)."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan välja påminnelser."))
    unknown = chosen - set(Reminder.values)
    if unknown:
        raise DomainError(_("Okänd påminnelse."))
    before = reminders_of(actor=actor)
    if before == chosen:
        return
    with transaction.atomic():
        ReminderChoice.objects.filter(person_id=actor.person_id).exclude(
            reminder__in=chosen
        ).delete()
        for reminder in chosen - before:
            ReminderChoice.objects.get_or_create(person_id=actor.person_id, reminder=reminder)
        audit_record(
            actor=actor,
            action="message.preferences",
            object_type="Person",
            object_id=actor.person_id,
            person_id=actor.person_id,
            changes={r: [r in before, r in chosen] for r in before ^ chosen},
        )
