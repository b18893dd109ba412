"""Hold the organisation tree: huvudman → förvaltning → skola → skolenhet (SS 12000 Organisation)."""

from django.db import models

from skolsam.core.choices import OrganisationType
from skolsam.core.models import SS12000Entity


class Organisation(SS12000Entity):
    display_name = models.CharField(max_length=200)
    organisation_code = models.CharField(max_length=64, blank=True, db_index=True)
    organisation_type = models.CharField(max_length=32, choices=OrganisationType.choices)
    organisation_number = models.CharField(max_length=16, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The root of the tree this organisation belongs to; a huvudman points to itself.
    # Kept by services so scoping never walks the tree in SQL.
    huvudman = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school_unit_code = models.CharField(max_length=8, null=True, blank=True, unique=True)
    school_types = models.JSONField(default=list, blank=True)
    municipality_code = models.CharField(max_length=4, blank=True)
    # For a municipal huvudman: the municipality whose residents it answers for as
    # hemkommun (billing, the activity responsibility). Empty for independent organisers.
    home_municipality_code = models.CharField(max_length=4, blank=True, db_index=True)
    address = models.JSONField(default=dict, blank=True)
    email = models.EmailField(blank=True)
    phone_number = models.CharField(max_length=32, blank=True)
    url = models.URLField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_school_unit(self) -> bool:
        return self.organisation_type == OrganisationType.SKOLENHET
