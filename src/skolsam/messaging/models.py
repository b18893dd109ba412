"""Messages from staff to guardians and pupils, threads with a family, and their delivery.

SS 12000 has no message entity; these are Skolsam's own. A message has one explicit
audience (a group, an organisation, or one child's guardians in a thread); who it reached
is kept per person (`Recipient`, one row per message and person however many of their
children it concerns, each child labelled through `RecipientChild`), and how it reached
them per channel (`Delivery`, unique per message, person and channel, claimed before it
is sent, so a retried or second worker never sends twice).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NEWS = "nyhet", _("Nyhet")
    WEEKLY_LETTER = "veckobrev", _("Veckobrev")
    CONVERSATION = "konversation", _("Konversation")
    # Same-day absence notices and the like: always sent at once, whatever the preference.
    STATUTORY = "lagstadgat", _("Lagstadgat meddelande")


class AudienceKind(models.TextChoices):
    GROUP = "grupp", _("Grupp eller klass")
    ORGANISATION = "organisation", _("Skola eller enhet")
    THREAD = "trad", _("Konversation")


class Thread(models.Model):
    """A conversation about one child between staff and the child's guardians."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=200)
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.subject


class ThreadParticipant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    is_staff = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "person"], name="messaging_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} i {self.thread_id}"


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    audience_kind = models.CharField(max_length=16, choices=AudienceKind.choices)
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    to_guardians = models.BooleanField(default=True)
    to_pupils = models.BooleanField(default=False)
    # What the sender saw as the audience before sending, e.g. "Vårdnadshavare i 7B".
    audience_label = models.CharField(max_length=200)
    replies_allowed = models.BooleanField(default=False)
    # The message a reply answers (a guardian's reply to a news item or a thread message).
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    created = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["sender", "created"])]

    def __str__(self) -> str:
        return self.subject


class Recipient(models.Model):
    """One person a message reached: once per message, however many of their children."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # Guardian (reached for children) or the pupil themself, or staff in a thread.
    as_guardian = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "person"], name="messaging_recipient_once")
        ]
        indexes = [models.Index(fields=["person", "created"])]

    def __str__(self) -> str:
        return f"{self.message_id} till {self.person_id}"


class RecipientChild(models.Model):
    """A child a message concerns for one recipient: the inbox's label."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "child"], name="messaging_child_once")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} om {self.child_id}"


class Attachment(models.Model):
    """A file sent with a message; stored under MEDIA_ROOT, served only by an access-checked view.

    Uploaded with the compose form before the preview, it waits (no message, `owner` set)
    until the message is sent; `content_type` is what its bytes are, not what its name says.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    owner = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="meddelanden/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.name


class PushSubscription(models.Model):
    """A browser or installed app (PWA) where a person receives web push (RFC 8030/8291)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000, unique=True)
    # The browser's ECDH public key (P-256, uncompressed, base64url) and auth secret.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.endpoint[:40]}"


class Channel(models.TextChoices):
    EMAIL = "epost", _("E-post")
    PUSH = "push", _("Pushnotis")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "vantar", _("Väntar")
    SENDING = "skickas", _("Skickas")
    SENT = "skickad", _("Skickad")
    FAILED = "misslyckad", _("Misslyckad")


class Frequency(models.TextChoices):
    IMMEDIATE = "", _("Direkt")
    DAILY = "dagligen", _("En sammanfattning per dag")
    WEEKLY = "veckovis", _("En sammanfattning per vecka")


class Preference(models.Model):
    """How a person wants one category of messages outside Skolsam; immediate by default.

    Statutory messages (same-day absence) always go at once, whatever is stored here.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "category"], name="messaging_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category}: {self.frequency or 'direkt'}"


class Reminder(models.TextChoices):
    """Reminders a person may ask for; none is sent unless they turn it on."""

    ABSENCE_TODAY = "franvaro_i_dag", _("Påminnelse kl. 07:10 om frånvaro i dag")


class ReminderChoice(models.Model):
    """A person's yes to one optional reminder (attendance's 07:10 "frånvaro i dag?").

    No row is no: the reminders are opt-in, unlike message categories, which go by
    default. Stored here beside `Preference`, so the one preferences page shows both;
    the domain that sends a reminder asks `selectors.persons_with_reminder`.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    reminder = models.CharField(max_length=20, choices=Reminder.choices)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "reminder"], name="messaging_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reminder}"


class Delivery(models.Model):
    """One message to one person by one channel; its unique key makes it go at most once."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=500)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # A delivery in a digest waits until `due_at` and goes in one e-mail with the person's
    # others; `claim` names the run that took it, so that run sends exactly what it took.
    digest = models.CharField(max_length=12, choices=Frequency.choices, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "person", "channel"], name="messaging_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "digest", "due_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} till {self.person_id} via {self.channel}"
