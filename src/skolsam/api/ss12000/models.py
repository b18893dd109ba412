"""Hold API clients, tombstones of deleted entities, webhook subscriptions and client reports."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skolsam.api.ss12000.scopes import summary as scopes_summary

# SS 12000 EndPointsEnum: the entity types a client can subscribe to or see deleted.
ENTITY_TYPES = (
    "Absence",
    "AttendanceEvent",
    "Attendance",
    "Grade",
    "CalendarEvent",
    "AttendanceSchedule",
    "Resource",
    "Room",
    "Activity",
    "Duty",
    "Placement",
    "StudyPlan",
    "Programme",
    "Syllabus",
    "SchoolUnitOffering",
    "Group",
    "Person",
    "Organisation",
)


class ConsumerProfile(models.TextChoices):
    STANDARD = "", _("SS 12000")
    SKOLVERKET_DNP = "skolverket-dnp", _("Skolverkets digitala nationella prov")


class ApiClient(models.Model):
    """A system that reads the register through the API, bound to a set of organisations.

    A client either gets tokens from Skolsam's own token endpoint (`client_id` and a
    secret, stored hashed), or presents JWTs from an external issuer (`issuer` plus the
    value of that issuer's client claim in `external_id`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    client_id = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=255, blank=True)
    # Bumped by every rotation; tokens carry it, so a rotation ends the old tokens at once.
    secret_version = models.PositiveIntegerField(default=1)
    issuer = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    # Huvudmän or chosen school units: the client sees these subtrees and nothing else.
    organisations = models.ManyToManyField("organisations.Organisation", related_name="+")
    allow_protected_data = models.BooleanField(
        default=False,
        help_text="Får se adress, skola, grupper och foto för personer med skyddad identitet.",
    )
    consumer_profile = models.CharField(
        max_length=32, choices=ConsumerProfile.choices, blank=True, default=""
    )
    # What the client may do, as `<resource>:read|write` strings in canonical order (see
    # scopes.py); written only through services.api_client_set_scopes / api_client_create.
    scopes = models.JSONField(
        default=list,
        blank=True,
        help_text="Läs- och skrivrätt per resurstyp, till exempel persons:read.",
    )
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "external_id"],
                condition=~models.Q(issuer=""),
                name="ss12000_client_unique_external",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_summary(self) -> str:
        return scopes_summary(self.scopes)


class Subscription(models.Model):
    """A client's webhook: Skolsam POSTs to `target` when entities of `resource_types` change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="subscriptions")
    name = models.CharField(max_length=200)
    target = models.URLField(max_length=500)
    resource_types = models.JSONField(default=list)
    expires = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """One callback to one subscription. Changes that arrive before it is sent join it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    modified_entities = models.JSONField(default=list)
    deleted_entities = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["subscription", "status"])]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.status}"

    def body(self) -> dict:
        """Return the spec's callback body (with its spelling `modifiedEntites`)."""
        return {
            "modifiedEntites": list(self.modified_entities),
            "deletedEntities": self.deleted_entities,
        }


class ClientLogEntry(models.Model):
    """A LogEntry a client posted to `POST /log/`."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="log_entries")
    received = models.DateTimeField(default=timezone.now, db_index=True)
    message = models.TextField()
    message_type = models.CharField(max_length=200, blank=True)
    resource_type = models.CharField(max_length=32, blank=True)
    resource_id = models.UUIDField(null=True, blank=True)
    resource_url = models.URLField(max_length=500, blank=True)
    severity_level = models.CharField(max_length=16)
    time_of_occurance = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received", "-id"]

    def __str__(self) -> str:
        return f"{self.severity_level}: {self.message[:60]}"


class ClientStatisticsEntry(models.Model):
    """A StatisticsEntry a client posted to `POST /statistics/`."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="statistics")
    received = models.DateTimeField(default=timezone.now, db_index=True)
    resource_type = models.CharField(max_length=32)
    new_count = models.IntegerField()
    updated_count = models.IntegerField()
    deleted_count = models.IntegerField()
    resource_url = models.URLField(max_length=500, blank=True)
    time_of_occurance = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received", "-id"]

    def __str__(self) -> str:
        return f"{self.resource_type} +{self.new_count} ~{self.updated_count} -{self.deleted_count}"


class PageSnapshot(models.Model):
    """The order of a crawl under a sort key that can change, taken on its first page.

    `paging.py` pages through its rows by position, so a record renamed or modified while
    a client pages is served exactly once. Kept until `expires` (paging.SNAPSHOT_LIFETIME),
    then pruned by `tasks.prune_page_snapshots`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=32)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.endpoint} {self.created:%Y-%m-%d %H:%M}"


class PageSnapshotRow(models.Model):
    """One entity of a snapshot at its position (1, 2, ...) in the crawl's order."""

    # The key is the order: a page reads a range of positions of one snapshot.
    pk = models.CompositePrimaryKey("snapshot", "position")
    # The primary key's index serves every read by snapshot; no second one.
    snapshot = models.ForeignKey(
        PageSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    position = models.PositiveIntegerField()
    entity_id = models.UUIDField()

    def __str__(self) -> str:
        return f"{self.snapshot_id} #{self.position}"
