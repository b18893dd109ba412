"""Send the 07:10 "frånvaro i dag också?" reminders: run it from cron at 07:10 on weekdays."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from skolsam.attendance.reminders import send_absence_reminders


class Command(BaseCommand):
    help = (
        "Skicka dagens påminnelser (kl. 07:10) till dem som valt det, om ett barn var "
        "anmält frånvarande i går. Säkert att köra igen: ingen får samma påminnelse två gånger."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_absence_reminders()
        self.stdout.write(f"{sent} påminnelser skickade.")
