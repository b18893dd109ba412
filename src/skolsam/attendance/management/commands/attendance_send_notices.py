"""Send a day's notices about invalid absence now: `manage.py attendance_send_notices`."""

from datetime import date
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.attendance.models import Attendance
from skolsam.attendance.notices import send_absence_notices
from skolsam.core.dates import today


class Command(BaseCommand):
    help = (
        "Skicka dagens meddelanden om ogiltig frånvaro till vårdnadshavarna nu. "
        "Säkert att köra igen: inget meddelande skickas två gånger."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Dagen (ÅÅÅÅ-MM-DD); i dag om den utelämnas.")
        parser.add_argument("--unit", help="Skolenhetens id; alla enheter om den utelämnas.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            day = date.fromisoformat(str(options["date"])) if options["date"] else today()
            units = (
                [UUID(str(options["unit"]))]
                if options["unit"]
                else list(
                    Attendance.objects.filter(date=day, invalid_absence_minutes__gt=0)
                    .values_list("organisation_id", flat=True)
                    .distinct()
                )
            )
        except ValueError as exc:
            raise CommandError(f"Ogiltigt värde: {exc}") from None
        sent = sum(send_absence_notices(organisation_id=u, day=day) for u in units)
        self.stdout.write(f"{sent} meddelanden skickade för {day:%Y-%m-%d} ({len(units)} enheter).")
