"""Send SMS through a pluggable provider; the default prints to the console (demo).

A provider is any class with `send(*, to: str, text: str) -> None` that raises on failure.
Name it in the setting SKOLSAM_SMS_PROVIDER (a dotted path).
"""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsProvider(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class ConsoleSmsProvider:
    """Print the message instead of sending it: for the demo and development."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"--- SMS till {to} ---\n{text}\n--- slut på SMS ---\n")
        sys.stdout.flush()


def sms_provider() -> SmsProvider:
    return import_string(settings.SKOLSAM_SMS_PROVIDER)()
