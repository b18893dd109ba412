"""Hold login accounts. An account belongs to a Person; roles come from the register."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A login. What it may see follows from `person`'s duties and relations, not from flags.

    Kept apart from Person so federated login (Skolfederation SAML, BankID via OIDC) can
    later attach more ways to log in to the same person.
    """

    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
