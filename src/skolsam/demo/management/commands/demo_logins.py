"""Print the demo's login accounts: `manage.py demo_logins [--markdown]`."""

from django.core.management.base import BaseCommand, CommandParser

from skolsam.demo.eid import demo_identities, demo_identities_table
from skolsam.demo.logins import TWO_FACTOR_NOTE, logins_table
from skolsam.demo.services import demo_is_loaded


class Command(BaseCommand):
    help = "Visa demons inloggningar: användarnamn, lösenord, roll och vad var och en ser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--markdown", action="store_true", help="Skriv tabellen som Markdown (för README)."
        )

    def handle(self, *args: object, **options: object) -> None:
        if not options["markdown"] and not demo_is_loaded():
            self.stderr.write("Demodatan är inte inläst än: kör python manage.py demo_load.")
        self.stdout.write(logins_table(markdown=bool(options["markdown"])))
        self.stdout.write("")
        self.stdout.write(TWO_FACTOR_NOTE)
        if not options["markdown"] and demo_is_loaded():
            self.stdout.write("")
            self.stdout.write(
                "E-legitimation och Skolfederation: starta de lokala identitetsleverantörerna "
                "med `make demo-idp` i ett eget fönster och logga in som:"
            )
            self.stdout.write(demo_identities_table(demo_identities()))
