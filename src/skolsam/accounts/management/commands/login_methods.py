"""Show or choose the ways of logging in each huvudman offers: `manage.py login_methods`.

    manage.py login_methods                                   # list every huvudman
    manage.py login_methods "Köpings kommun" --e-legitimation off --engangskod on

A huvudman without a choice offers everything the installation has configured. The
password (with two-factor for those who need it) is always there.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F, Q

from skolsam.accounts.federation.services import login_methods_set
from skolsam.accounts.models import LoginMethods
from skolsam.core.access import system_actor
from skolsam.core.errors import DomainError
from skolsam.organisations.models import Organisation

_SWITCH = {"on": True, "off": False, "på": True, "av": False}


class Command(BaseCommand):
    help = (
        "Visa eller välj inloggningssätt per huvudman (e-legitimation, Skolfederation, engångskod)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("huvudman", nargs="?", help="Huvudmannens namn eller organisationskod.")
        for flag in ("--e-legitimation", "--skolfederation", "--engangskod"):
            parser.add_argument(flag, choices=sorted(_SWITCH))

    def handle(self, *args: Any, **options: Any) -> None:
        roots = Organisation.objects.filter(huvudman_id=F("pk"))
        if not options["huvudman"]:
            chosen = {m.huvudman_id: m for m in LoginMethods.objects.all()}
            for org in roots.order_by("display_name"):
                row = chosen.get(org.pk)
                flags = (
                    ("e-legitimation", row.e_legitimation if row else True),
                    ("Skolfederation", row.skolfederation if row else True),
                    ("engångskod", row.one_time_code if row else True),
                )
                shown = ", ".join(f"{name} {'på' if on else 'av'}" for name, on in flags)
                self.stdout.write(f"{org.display_name}: {shown}")
            return
        name = options["huvudman"]
        matches = list(roots.filter(Q(display_name=name) | Q(organisation_code=name))[:2])
        if len(matches) != 1:
            raise CommandError(f"Hittar ingen entydig huvudman som heter eller har koden {name!r}.")
        values = {
            "e_legitimation": options["e_legitimation"],
            "skolfederation": options["skolfederation"],
            "one_time_code": options["engangskod"],
        }
        try:
            login_methods_set(
                actor=system_actor("login_methods"),
                huvudman=matches[0],
                **{k: _SWITCH[v] for k, v in values.items() if v is not None},
            )
        except DomainError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Sparat för {matches[0].display_name}.")
