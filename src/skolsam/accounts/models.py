"""Hold login accounts. An account belongs to a Person; roles come from the register."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django_otp.models import Device

_SESSION_HASH_SALT = "skolsam.accounts.User.get_session_auth_hash"


# django-stubs cannot resolve the reverse manager of a django-otp Device subclass.
class User(AbstractUser):  # type: ignore[django-manager-missing]
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
    # The eduPersonPrincipalName a Skolfederation login is matched to (accounts.federation).
    edu_person_principal_name = models.CharField(
        "eduPersonPrincipalName", max_length=256, null=True, blank=True, unique=True
    )

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


class StrongLoginDevice(Device):
    """Stand for a strong login made elsewhere (e-legitimation, LoA3), not for a code.

    django-otp counts a session as verified when a device is bound to it; an e-ID login
    binds this one (accounts.federation.services), so TwoFactorMiddleware lets the user
    through without an app code. It verifies no token itself: it cannot be used on the
    code page.
    """

    def verify_token(self, token: object) -> bool:
        return False


class LoginMethods(models.Model):
    """Say which ways of logging in a huvudman offers to the persons it answers for.

    Without a row everything configured for the installation is offered. The password
    (with TOTP) always stays, for staff and as a fallback.
    """

    huvudman = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="huvudman",
    )
    e_legitimation = models.BooleanField("e-legitimation (Sweden Connect, OIDC)", default=True)
    skolfederation = models.BooleanField("Skolfederation", default=True)
    one_time_code = models.BooleanField("engångskod via sms för vårdnadshavare", default=True)

    class Meta:
        verbose_name = "inloggningssätt"
        verbose_name_plural = "inloggningssätt per huvudman"

    def __str__(self) -> str:
        return f"Inloggningssätt för {self.huvudman_id}"


class LoginCode(models.Model):
    """A one-time login code for a guardian without e-ID, issued after an identity check.

    Only a hash of the code is kept. It works once, for a few tries, until `expires_at`.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["person", "used_at"])]

    def __str__(self) -> str:
        return f"Engångskod {self.pk} (utfärdad {self.issued_at:%Y-%m-%d %H:%M})"


class SamlRequest(models.Model):
    """An outstanding SAML authentication request: its response is accepted once.

    djangosaml2's outstanding queries, kept in the database instead of its cookie session:
    the IdP posts the response cross-site, and the session cookie does not come with that
    POST. The response names the request it answers (InResponseTo = `request_id`).
    """

    request_id = models.CharField(max_length=100, unique=True)
    federation = models.CharField(max_length=32)
    next_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"SAML-begäran {self.request_id}"


class UnlockDevice(models.Model):
    """A device (browser or installed app) on which a guardian or pupil set a PIN.

    The device keeps a long random token in an HttpOnly cookie; only its SHA-256 is kept
    here, and the PIN only as Django's password hash. It works for `accounts.unlock`'s
    `UNLOCK_DAYS` after it was set, until revoked (by its owner, by a new PIN on the same
    device, or after `MAX_PIN_FAILURES` wrong PINs in a row).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unlock_devices"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    pin_hash = models.CharField(max_length=256)
    label = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"PIN-enhet {self.pk} för {self.user_id}"
