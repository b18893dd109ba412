"""Send the message digests that are due: run it from cron, e.g. every 15 minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from skolsam.messaging.services.delivery import send_digests


class Command(BaseCommand):
    help = "Skicka sammanfattningar av meddelanden (dagliga och veckovisa) som ska gå nu."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digests()
        self.stdout.write(f"{sent} sammanfattningar skickade.")
