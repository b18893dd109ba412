"""Load the demo register: `manage.py demo_load [--reset]`. Idempotent; `make demo` runs it."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.demo.generator import PlanError
from skolsam.demo.services import demo_data_load


class Command(BaseCommand):
    help = (
        "Läs in demodata: Köping, Arboga och Kungsör samt Lärkans Skolor AB, cirka 3 000 "
        "elever, vårdnadshavare, personal och inloggningar. Gör inget om demodatan redan finns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Töm registret (personer, organisationer och allt som hör till) och läs in igen.",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = demo_data_load(reset=bool(options["reset"]))
        except PlanError as exc:
            raise CommandError(str(exc)) from None
        if result is None:
            self.stdout.write("Demodatan finns redan. Kör med --reset för att läsa in den igen.")
            return
        g = result.generation
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodata inläst på {g.seconds:.1f} s: {g.pupils} barn och elever, "
                f"{g.guardians} vårdnadshavare, {g.staff} personal, "
                f"{result.accounts} inloggningar."
            )
        )
        self.stdout.write("Inloggningarna: python manage.py demo_logins")
