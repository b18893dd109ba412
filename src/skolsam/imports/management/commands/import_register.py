"""Import pupils, guardians, enrolments and classes into a school unit from CSV or Excel."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.core.access import system_actor
from skolsam.core.errors import DomainError
from skolsam.imports.parser import parse_file
from skolsam.imports.report import report_text
from skolsam.imports.services import ImportRefused, register_import_run
from skolsam.organisations.models import Organisation


def _rows(text: str) -> frozenset[int]:
    """Read a list of row numbers such as `2,5,9`."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(
            f"”{text}” är inga radnummer; skriv dem med komma emellan, t.ex. 2,5."
        )
    return frozenset(int(p) for p in parts)


class Command(BaseCommand):
    help = (
        "Importera elever, vårdnadshavare, inskrivningar och klasser till en skolenhet från "
        "en CSV- eller Excel-fil (format: docs/import-format.md). Hela filen eller inget."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV- eller .xlsx-fil med en rad per elev.")
        parser.add_argument(
            "--school-unit", required=True, help="Skolenhetskoden (Skolverkets, 8 siffror)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollera bara; spara ingenting."
        )
        parser.add_argument(
            "--create-classes", action="store_true", help="Skapa klasser som saknas vid enheten."
        )
        parser.add_argument(
            "--guardians-for-rows",
            type=_rows,
            default=frozenset(),
            metavar="RADER",
            help="Radnummer (t.ex. 2,5) för befintliga elever som ska få vårdnadshavarna i "
            "filen. Utan det läggs inga vårdnadshavare till för elever som redan finns.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Filen {path} finns inte.")
        code = options["school_unit"]
        unit = Organisation.objects.filter(school_unit_code=code).first()
        if unit is None:
            raise CommandError(f"Det finns ingen skolenhet med koden {code}.")
        actor = system_actor(f"import_register {path.name}")
        parsed = parse_file(path.read_bytes(), path.name)
        try:
            plan, staged = register_import_run(
                actor=actor,
                school_unit=unit,
                parsed=parsed,
                create_classes=options["create_classes"],
                guardian_rows=options["guardians_for_rows"],
                dry_run=options["dry_run"],
            )
        except ImportRefused as refused:
            plan, staged = refused.plan, None
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            report_text(plan, committed=staged is not None, dry_run=options["dry_run"])
        )
        if not plan.ok:
            raise CommandError(f"{len(plan.errors)} fel; inget importerades.")
        if staged is not None:
            self.stdout.write(f"Import-id i granskningsloggen: {staged.pk}")
