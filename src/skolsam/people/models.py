"""Hold persons, their responsible relations and who may see protected identities."""

from django.conf import settings
from django.db import models

from skolsam.core.choices import (
    CivicNoType,
    PersonStatus,
    RelationType,
    SecurityMarking,
    Sex,
)
from skolsam.core.models import SS12000Entity
from skolsam.people import folding


class Person(SS12000Entity):
    given_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    # The name folded for search (`people.folding.search_name`): written with the name by
    # every writer of names (services, import, demo generator), never typed by anyone.
    search_name = models.TextField(blank=True, default="", editable=False)
    # 12 characters without separator; letters in positions 9-10 for temporary numbers.
    civic_no = models.CharField(max_length=12, null=True, blank=True, unique=True)
    civic_no_type = models.CharField(max_length=20, choices=CivicNoType.choices, blank=True)
    civic_no_nationality = models.CharField(max_length=2, default="SE", blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.OKANT)
    security_marking = models.CharField(
        max_length=24, choices=SecurityMarking.choices, default=SecurityMarking.INGEN
    )
    person_status = models.CharField(
        max_length=12, choices=PersonStatus.choices, default=PersonStatus.AKTIV
    )
    # SS 12000 shapes: [{type, value}], [{type, value, mobile}], [{type, streetAddress, ...}]
    emails = models.JSONField(default=list, blank=True)
    phone_numbers = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    photo = models.URLField(blank=True)
    external_identifiers = models.JSONField(default=list, blank=True)
    edu_person_principal_names = models.JSONField(default=list, blank=True)
    # The language the person reads Skolsam in and gets notices and messages in (a code
    # from settings.LANGUAGES); empty means Swedish, the default. Not part of SS 12000.
    language = models.CharField(max_length=8, blank=True, default="")
    # Folkbokföringskommun, taken from the Folkbokföring address by the services.
    home_municipality_code = models.CharField(max_length=4, blank=True, db_index=True)
    # Optimistic locking: every service write bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return self.full_name

    def fold_name(self) -> None:
        """Set `search_name` from the name fields; call it whenever they change."""
        self.search_name = folding.search_name(self.given_name, self.middle_name, self.family_name)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.middle_name, self.family_name) if p)

    @property
    def is_protected(self) -> bool:
        return self.security_marking != SecurityMarking.INGEN


class Responsible(SS12000Entity):
    """A responsible relation: `responsible` answers for `person` (SS 12000 Person.responsibles)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="responsibles")
    responsible = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="responsible_for"
    )
    relation_type = models.CharField(max_length=20, choices=RelationType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["responsible", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="responsible_end_after_start",
            )
        ]


class ProtectedIdentityAuthorisation(SS12000Entity):
    """Names a staff member allowed to see a protected person's location data.

    Address, school unit, class, groups and photo of a person with sekretessmarkering or
    skyddad folkbokföring are shown only to the named staff, for the period given.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["staff", "start_date"])]


class AdultConsent(models.Model):
    """An adult pupil's consent that a former guardian keeps one category of access.

    At 18 custody ends and every responsible relation stops acting for the pupil
    (`people.access.child_policy`); the pupil may consent, per adult and per category
    (an action of the table "Who acts for a child": see the child, receive notices, see
    records), that one of them keeps it. Withdrawn consents stay as history.
    """

    pupil = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    responsible = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["responsible", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "responsible", "category"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="adult_consent_active_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} ({'återkallat' if self.withdrawn_at else 'gällande'})"
