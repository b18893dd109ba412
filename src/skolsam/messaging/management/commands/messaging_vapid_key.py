"""Print a new VAPID private key for web push (set it as SKOLSAM_VAPID_PRIVATE_KEY)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from skolsam.messaging.services.push import new_vapid_private_key


class Command(BaseCommand):
    help = "Skriv ut en ny VAPID-nyckel för pushnotiser (SKOLSAM_VAPID_PRIVATE_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_vapid_private_key())
