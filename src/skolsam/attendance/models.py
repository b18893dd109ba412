"""Hold attendance: lesson registers, reported absence, leave, notices to guardians,
preschool schedules and check-ins, absence investigations and CSN reports.

Illness is never recorded as such (IMY): a guardian's report is "Anmäld frånvaro", which
counts as valid absence; the reason category stays generic.
"""

from datetime import time
from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skolsam.core.models import SS12000Entity


class AttendancePolicy(models.Model):
    """Per-huvudman or per-school-unit settings; an empty field follows the level above.

    `attendance.policy.policy_for` merges the chain field by field: a unit's own value
    beats its huvudman's, and a field no level sets has the default in `DEFAULTS`.
    """

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="attendance_policy"
    )
    # Leave (ledighet) needs every guardian with custody to agree before the rektor decides.
    leave_requires_all_guardians = models.BooleanField(null=True, blank=True)
    # Invalid absence in lessons that end after this time is notified the next morning.
    notice_cutoff = models.TimeField(null=True, blank=True)
    notice_morning = models.TimeField(null=True, blank=True)
    csn_threshold_minutes = models.PositiveIntegerField(null=True, blank=True)
    alert_absence_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    alert_invalid_occasions = models.PositiveSmallIntegerField(null=True, blank=True)
    # A register may be saved from this many minutes before the lesson starts, not earlier:
    # marks before the pupils are there would be guesses.
    register_margin_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # How many days ahead a guardian (or adult pupil) may report absence on the web.
    absence_report_days_ahead = models.PositiveSmallIntegerField(null=True, blank=True)

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "leave_requires_all_guardians": False,
        "notice_cutoff": time(15, 0),
        "notice_morning": time(7, 30),
        "csn_threshold_minutes": 240,
        "alert_absence_percent": 10,
        "alert_invalid_occasions": 3,
        "register_margin_minutes": 10,
        "absence_report_days_ahead": 30,
    }

    def __str__(self) -> str:
        return f"Närvaroinställningar {self.organisation_id}"


class AttendanceKind(models.TextChoices):
    PRESENT = "Närvarande", "Närvarande"
    ABSENT = "Frånvarande", "Frånvarande"
    LATE = "Sen", "Sen ankomst"
    LEFT_EARLY = "Gick tidigare", "Gick tidigare"


class AttendanceSource(models.TextChoices):
    TEACHER = "Lärare", "Lärare"
    ABSENCE = "Frånvaroanmälan", "Frånvaroanmälan"
    LEAVE = "Ledighet", "Beviljad ledighet"
    API = "API", "API"


class Attendance(SS12000Entity):
    """One pupil's attendance at one lesson (SS 12000 Attendance), in minutes.

    `kind`, `valid` and `minutes` are what the teacher chose; the four minute fields are
    derived from them and the lesson's length, and are what statistics and the API read.
    """

    calendar_event = models.ForeignKey(
        "schedule.CalendarEvent", on_delete=models.CASCADE, related_name="attendances"
    )
    student = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="attendance_rows"
    )
    # Copied from the lesson for statistics by day and school without a join.
    date = models.DateField()
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=AttendanceKind.choices)
    valid = models.BooleanField(default=False)
    minutes = models.PositiveIntegerField(default=0)
    attendance_minutes = models.PositiveIntegerField(default=0)
    valid_absence_minutes = models.PositiveIntegerField(default=0)
    invalid_absence_minutes = models.PositiveIntegerField(default=0)
    other_attendance_minutes = models.PositiveIntegerField(default=0)
    absence_reason = models.CharField(max_length=100, blank=True)
    source = models.CharField(
        max_length=16, choices=AttendanceSource.choices, default=AttendanceSource.TEACHER
    )
    absence = models.ForeignKey(
        "attendance.Absence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["calendar_event", "student"], name="attendance_one_per_lesson"
            )
        ]
        indexes = [
            models.Index(fields=["student", "date"]),
            models.Index(fields=["organisation", "date"]),
        ]


class AbsenceType(models.TextChoices):
    LEDIGHET = "Beviljad ledighet", "Beviljad ledighet"
    ANMALD = "Anmäld frånvaro", "Anmäld frånvaro"


class AbsenceChannel(models.TextChoices):
    WEB = "Webb", "Webb"
    PHONE = "Telefon", "Telefon"
    API = "API", "API"
    LEAVE = "Ledighetsansökan", "Ledighetsansökan"


class Absence(SS12000Entity):
    """Absence reported in advance (SS 12000 Absence): by a guardian, or granted leave."""

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    type = models.CharField(max_length=20, choices=AbsenceType.choices)
    channel = models.CharField(max_length=20, choices=AbsenceChannel.choices)
    registered_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For a report taken by phone: the guardian who called.
    reported_for = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_request = models.ForeignKey(
        "attendance.LeaveRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="absences",
    )

    class Meta:
        ordering = ["-start_time"]
        indexes = [models.Index(fields=["student", "start_time"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="absence_end_after_start"
            )
        ]


class LeaveStatus(models.TextChoices):
    # The labels are what guardians read in the portal and in the decision notice.
    AWAITING_GUARDIANS = "Inväntar vårdnadshavare", _("Inväntar den andra vårdnadshavaren")
    REQUESTED = "Begärd", _("Inväntar beslut")
    GRANTED = "Beviljad", _("Beviljad")
    REJECTED = "Avslagen", _("Avslagen")
    WITHDRAWN = "Återkallad", _("Återkallad")


class LeaveRequest(SS12000Entity):
    """A guardian's application for leave (ledighetsansökan, SL 7:18), decided by the rektor."""

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=500)
    requested_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=24, choices=LeaveStatus.choices)
    decided_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leave_end_after_start"
            )
        ]


class LeaveConsent(models.Model):
    """A guardian's agreement to a leave request."""

    leave_request = models.ForeignKey(
        LeaveRequest, on_delete=models.CASCADE, related_name="consents"
    )
    guardian = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["leave_request", "guardian"], name="leave_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} godkänner {self.leave_request_id}"


class NoticeKind(models.TextChoices):
    ABSENCE = "Frånvaro", "Ogiltig frånvaro"
    LEAVE_DECISION = "Ledighetsbeslut", "Beslut om ledighet"
    # The optional 07:10 reminder after a reported absence that ended yesterday.
    ABSENCE_TODAY = "Frånvaro i dag?", "Påminnelse: frånvaro i dag?"


class NoticeChannel(models.TextChoices):
    INAPP = "Skolsam", "I Skolsam"
    EMAIL = "E-post", "E-post"
    SMS = "SMS", "SMS"


class NoticeStatus(models.TextChoices):
    PENDING = "Väntar", "Väntar"
    SENDING = "Skickas", "Skickas"
    SENT = "Skickad", "Skickad"
    FAILED = "Misslyckad", "Misslyckad"


class Notice(models.Model):
    """A message to a guardian, claimed by its unique key before it is sent.

    The key (kind, student, day, guardian, channel, reference) makes "one notice per
    pupil per day per guardian and channel" a database fact: a retried task or two racing
    saves insert the same key, and only the one whose insert won sends.
    """

    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.CharField(max_length=10, choices=NoticeChannel.choices)
    # The leave request for a decision; empty for absence notices.
    reference = models.CharField(max_length=64, blank=True, default="")
    address = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    lessons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "student", "day", "guardian", "channel", "reference"],
                name="notice_exactly_once",
            ),
            # The 07:10 reminder is one per adult, day and channel whatever the children
            # it names (siblings get one reminder, and a retried run cannot pick another
            # child as `student` and send again).
            models.UniqueConstraint(
                fields=["guardian", "day", "channel"],
                condition=Q(kind="Frånvaro i dag?"),
                name="notice_reminder_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["guardian", "channel", "created"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.channel}"


class NoticeExemption(models.Model):
    """The rektor's decision not to notify about a pupil's absence (särskilda skäl, SL 7:17)."""

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=300)
    decided_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField()

    def __str__(self) -> str:
        return f"Särskilda skäl {self.student_id} {self.start_date}–{self.end_date}"


class ScheduleState(models.TextChoices):
    # Shown to guardians on the child's page (the vistelseschema's state).
    GODKANT = "Godkänt", _("Godkänt")
    BEGART = "Begärt", _("Begärt")
    NEKAT = "Nekat", _("Nekat")


class AttendanceSchedule(SS12000Entity):
    """A child's vistelseschema in preschool or fritidshem (SS 12000 AttendanceSchedule).

    `schedule_entries` is SS 12000's list: [{weekOffset, dayOfWeek, startTime, endTime}],
    with Swedish day names and "HH:MM" times.
    """

    placement = models.ForeignKey(
        "enrolment.Placement", on_delete=models.CASCADE, related_name="attendance_schedules"
    )
    number_of_weeks = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    temporary = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=ScheduleState.choices)
    schedule_entries = models.JSONField(default=list)
    registered_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_date"]


class AttendanceScheduleStateChange(models.Model):
    """One step in a schedule's history (SS 12000 AttendanceScheduleState)."""

    schedule = models.ForeignKey(
        AttendanceSchedule, on_delete=models.CASCADE, related_name="states"
    )
    state = models.CharField(max_length=8, choices=ScheduleState.choices)
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["registered_at", "id"]

    def __str__(self) -> str:
        return f"{self.state} {self.registered_at}"


class AttendanceEventType(models.TextChoices):
    IN = "In", "In"
    UT = "Ut", "Ut"


class AttendanceEvent(SS12000Entity):
    """A check-in or check-out in preschool or fritidshem (SS 12000 AttendanceEvent)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=2, choices=AttendanceEventType.choices)
    time = models.DateTimeField()
    date = models.DateField()
    registered_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["group", "date"]), models.Index(fields=["person", "date"])]


class InvestigationStatus(models.TextChoices):
    OPEN = "Pågår", "Pågår"
    CLOSED = "Avslutad", "Avslutad"


class StepKind(models.TextChoices):
    PUPIL = "Samtal med eleven", "Samtal med eleven"
    GUARDIANS = "Samtal med vårdnadshavare", "Samtal med vårdnadshavare"
    HEALTH = "Elevhälsan", "Samråd med elevhälsan"
    MEASURE = "Åtgärd", "Beslutad åtgärd"
    HUVUDMAN = "Information till huvudman", "Information till huvudmannen"
    OTHER = "Övrigt", "Övrigt"


class AbsenceInvestigation(models.Model):
    """An investigation of repeated or long absence (SL 7:19a) and its recorded steps."""

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    period_start = models.DateField()
    period_end = models.DateField()
    # What the absence looked like when the investigation started, for the record.
    basis = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=InvestigationStatus.choices, default=InvestigationStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Utredning {self.student_id} {self.status}"


class InvestigationStep(models.Model):
    investigation = models.ForeignKey(
        AbsenceInvestigation, on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(max_length=32, choices=StepKind.choices)
    date = models.DateField()
    note = models.TextField()
    recorded_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"


class CsnDecisionKind(models.TextChoices):
    REPORT = "Rapportera", "Rapportera till CSN"
    REFRAIN = "Avstå", "Avstå (t.ex. sjukdom eller kränkning)"


class CsnDecision(models.Model):
    """The rektor's decision on one pupil and month, and the report that carried it."""

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField()  # the first day of the month
    invalid_minutes = models.PositiveIntegerField()
    decision = models.CharField(max_length=12, choices=CsnDecisionKind.choices)
    reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    report = models.ForeignKey(
        "attendance.CsnReport", null=True, blank=True, on_delete=models.PROTECT, related_name="rows"
    )

    class Meta:
        ordering = ["month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "organisation", "month"], name="csn_one_decision_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"CSN {self.student_id} {self.month:%Y-%m} {self.decision}"


class CsnReturn(models.Model):
    """The school's report that a pupil it reported to CSN is back in full-time study.

    Recorded by the rektor with the day of the return; carried by the next CSN file
    (`report`), which keeps what was sent and when.
    """

    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The reported decision this return ends.
    decision = models.ForeignKey(CsnDecision, on_delete=models.PROTECT, related_name="returns")
    return_date = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    report = models.ForeignKey(
        "attendance.CsnReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )

    class Meta:
        ordering = ["return_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision"], name="csn_one_return_per_report")
        ]

    def __str__(self) -> str:
        return f"CSN återgång {self.student_id} {self.return_date}"


class CsnReport(models.Model):
    """A CSN report file as exported: what was reported, when, by whom (kept as sent)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=100)
    content = models.TextField()
    # P rows (pupils reported for the month) and R rows (returns to full-time study).
    row_count = models.PositiveIntegerField()
    return_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
