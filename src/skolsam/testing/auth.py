"""Log test users in the way the middleware expects: with two-factor verification done.

Accounts whose role requires 2FA (administrators, rektorer, pupil health, auditors,
superusers, anyone with a Django permission) are sent to set-up or verification on every
page until their session is verified. `client.force_login(user)` alone is therefore not
enough for them; use `login_verified(client, user)` or `verified_client(user)`, the test
counterpart of `django_otp.login`. The tests that log in through the login and code pages
give a story person a login with a known password and a confirmed authenticator app with
`password_login`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.accounts.services import totp_device_create


def login_verified(client: Client, user: Any) -> TOTPDevice:
    """Log `user` in on `client` with a session verified by their authenticator app.

    Gives the user a confirmed TOTP device if they have none, and returns the device (its
    `bin_key` computes real codes with `django_otp.oath.totp`).
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
    if device is None:
        device = totp_device_create(user=user, audit=False)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def verified_client(user: Any) -> Client:
    """Return a new test client logged in as `user`, two-factor verified."""
    client = Client()
    login_verified(client, user)
    return client


def without_csrf_tokens(html: bytes) -> bytes:
    """Blank out CSRF tokens, which Django masks anew on every render, so pages compare."""
    import re

    return re.sub(rb"[A-Za-z0-9]{64}", b"CSRF", html)


# The password of every login `password_login` makes: long enough for the validators, and
# typed for real by the browser tests that log in through the login page.
PASSWORD = "korrekt häst batteri häftklammer"  # noqa: S105 - the test users'


@dataclass
class PasswordLogin:
    """A story person's login with a known password and a confirmed authenticator app."""

    user: Any
    device: TOTPDevice
    password: str = PASSWORD

    def current_code(self) -> str:
        """Return the code the person's authenticator app shows now."""
        device = self.device
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        return f"{code:0{device.digits}d}"


def password_login(person: Any, username: str) -> PasswordLogin:
    """Give a story person a login `username` with PASSWORD and a confirmed TOTP device.

    For the tests that log in through the login and code pages rather than through
    `login_verified`.
    """
    from skolsam.testing.factories import UserFactory

    user = UserFactory(
        person=person,
        username=username,
        first_name=person.given_name,
        last_name=person.family_name,
        password=PASSWORD,
    )
    return PasswordLogin(user=user, device=totp_device_create(user=user, audit=False))
