"""Hold the school calendar and the timetable: terms, days without teaching, weekly
timetable entries per activity, and the lessons they generate (SS 12000 CalendarEvent).

A lesson's date is a plain date in Europe/Stockholm; its start and end are aware datetimes.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skolsam.core.models import SS12000Entity


class NonTeachingKind(models.TextChoices):
    LOV = "Lov", _("Lov")
    STUDIEDAG = "Studiedag", _("Studiedag")
    HELGDAG = "Helgdag", _("Helgdag")


class Term(SS12000Entity):
    """A term (termin) of a school year, set by a huvudman or by one school unit.

    `school_year` is the year the school year starts: 2026 for 2026/27.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="terms"
    )
    school_year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="term_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class NonTeachingDay(SS12000Entity):
    """Days without lessons (lov, studiedag, helgdag) for a huvudman's tree or one unit."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="non_teaching_days"
    )
    kind = models.CharField(max_length=12, choices=NonTeachingKind.choices)
    name = models.CharField(max_length=80)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="nonteaching_end_after_start"
            )
        ]


class TimetableEntry(SS12000Entity):
    """A weekly slot of an activity in a term: day of week (1 = Monday), time and room."""

    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="timetable_entries"
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="timetable_entries")
    day_of_week = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    room = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["day_of_week", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="timetable_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(day_of_week__gte=1, day_of_week__lte=7), name="timetable_weekday"
            ),
        ]


class CalendarEvent(SS12000Entity):
    """A lesson (kalenderhändelse): one occasion of an activity.

    `register_version` is bumped by every save of the lesson's register, so two teachers
    saving the same register cannot overwrite each other silently (optimistic locking).
    """

    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="calendar_events"
    )
    # The activity's school unit, kept here so scoping and statistics need no join.
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    timetable_entry = models.ForeignKey(
        TimetableEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_events",
    )
    # The date the timetable put it on; `date` moves when the lesson is moved.
    planned_date = models.DateField()
    date = models.DateField()
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # Length in minutes for pupils (teachingLengthStudent); defaults to end - start.
    duration_minutes = models.PositiveIntegerField()
    cancelled = models.BooleanField(default=False)
    room = models.CharField(max_length=40, blank=True)
    comment = models.CharField(max_length=300, blank=True)
    substitute = models.ForeignKey(
        "duties.Duty", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    register_version = models.PositiveIntegerField(default=0)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start_time", "id"]
        indexes = [
            models.Index(fields=["organisation", "date"]),
            models.Index(fields=["activity", "date"]),
            models.Index(fields=["date", "start_time"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["timetable_entry", "planned_date"],
                condition=Q(timetable_entry__isnull=False),
                name="calendarevent_one_per_entry_and_day",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="calendarevent_end_after_start"
            ),
        ]


class Room(SS12000Entity):
    """A room or place where lessons are held (SS 12000 Room, lokal), owned by a school unit.

    Schedule slots and lessons name their room by its `display_name` at their unit (the
    `room` text a timetable file gives); the services that write such a name make sure
    the unit has a Room of that name, so every named room is one the API can serve.
    """

    owner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="rooms"
    )
    display_name = models.CharField(max_length=40)
    seats = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "display_name"], name="room_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.display_name


class Resource(SS12000Entity):
    """A bookable resource that is not a room (SS 12000 Resource, resurs): a projector,
    a set of laptops, a minibus; owned by a school unit."""

    owner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="resources"
    )
    display_name = models.CharField(max_length=100)

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "display_name"], name="resource_name_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class CalendarFeed(models.Model):
    """A private, revocable address from which a calendar app reads one person's lessons.

    Made by a guardian for a child (or a pupil for themself); only the token's SHA-256 is
    stored, so the address cannot be read back from the database. A new address for the
    same child revokes the old one.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "person"])]

    def __str__(self) -> str:
        return f"Kalenderlänk ({'återkallad' if self.revoked_at else 'gällande'})"
