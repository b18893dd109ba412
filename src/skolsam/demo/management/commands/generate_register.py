"""Generate a municipality of any size: `manage.py generate_register --pupils 150000`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.demo.generator import PlanError
from skolsam.demo.services import register_generate


class Command(BaseCommand):
    help = (
        "Generera en kommun med det angivna antalet elever (förskola till gymnasium) med "
        "vårdnadshavare, personal, klasser, grupper och inskrivningar. Kräver ett tomt register."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, required=True, help="Antal barn och elever.")
        parser.add_argument("--seed", type=int, default=1, help="Slumpfrö (standard 1).")
        parser.add_argument(
            "--reset", action="store_true", help="Töm registret först (även demodatan)."
        )
        parser.add_argument(
            "--batch-size", type=int, default=None, help="Rader per skrivning (standard 50 000)."
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = register_generate(
                pupils=int(options["pupils"]),  # type: ignore[call-overload]
                seed=int(options["seed"]),  # type: ignore[call-overload]
                reset=bool(options["reset"]),
                batch_size=options["batch_size"],  # type: ignore[arg-type]
            )
        except PlanError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.pupils} elever, {result.guardians} vårdnadshavare och "
                f"{result.staff} personal på {result.seconds:.1f} s "
                f"({result.temporary_numbers} tillfälliga nummer)."
            )
        )
        for table, rows in sorted(result.counts.items()):
            self.stdout.write(f"  {table:40} {rows:>10}")
