"""Log in through the real pages and compute real codes, for the accounts tests."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

PASSWORD = "correct horse battery staple"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    """Post the login form as a person would; return the response."""
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def code_for(device: Any, *, steps_ahead: int = 0) -> str:
    """Return the code the user's app shows now (or `steps_ahead` time steps later).

    A code is accepted once: a second verification on the same device needs the next
    step's code, which the device accepts within its tolerance of one step.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
