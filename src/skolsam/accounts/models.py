"""Hold login accounts. An account belongs to a Person; roles come from the register."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

_SESSION_HASH_SALT = "skolsam.accounts.User.get_session_auth_hash"


class User(AbstractUser):
    """A login. What it may see follows from `person`'s duties and relations, not from flags.

    Kept apart from Person so federated login (Skolfederation SAML, BankID via OIDC) can
    later attach more ways to log in to the same person.
    """

    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    # Raised by "log out everywhere" (accounts.services.sessions_end_everywhere). It is part
    # of the session hash below, so every session signed with the old value stops working
    # at its next request, on any device and with any session backend.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    def get_session_auth_hash(self) -> str:
        """Sign the password hash and the session generation; a change to either logs out."""
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        value = f"{self.password}\x00{self.session_generation}"
        return salted_hmac(_SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()


class RegisterVersion(models.Model):
    """One counter that moves whenever something an Actor is built from changes.

    Database triggers (migration 0004_register_version) raise it on every write to duties,
    assignment roles, activity teachers and groups, responsible relations, protected-
    identity authorisations, organisations, enrolments, placements, a person's security
    marking, a group's organisation, a login's person, flags and permissions, and its
    authenticator app: whatever code path writes, bulk or raw. A session keeps its built Actor only while the counter
    and the day are those it was built under (`accounts.actor.actor_for_session`).
    """

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Registerversion {self.value}"

    @classmethod
    def current(cls) -> int:
        """Return the counter (one indexed read; 0 before the row exists)."""
        value = cls._default_manager.filter(pk=1).values_list("value", flat=True).first()
        return value or 0
