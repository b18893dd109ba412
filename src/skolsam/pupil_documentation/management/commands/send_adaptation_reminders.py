"""Send the reminders of extra adaptations whose follow-up date has come: run it from cron
every morning."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from skolsam.pupil_documentation.services import adaptation_reminders_send


class Command(BaseCommand):
    help = (
        "Påminn den som dokumenterade en extra anpassning och elevens mentor när det är dags "
        "att följa upp den. Säkert att köra igen: ingen påminnelse går två gånger."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = adaptation_reminders_send()
        self.stdout.write(f"{done} anpassningar påminda.")
