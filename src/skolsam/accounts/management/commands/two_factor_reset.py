"""Turn off a user's two-factor authentication: `manage.py two_factor_reset <username>`.

For someone who has lost both phone and recovery codes. It removes the app and the codes
and ends all the user's sessions; if their role requires 2FA they enrol again at the next
login. Check who is asking before you run it: until they enrol, the password alone is
enough to set up a new app.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.accounts.models import User
from skolsam.accounts.services import two_factor_reset
from skolsam.core.access import system_actor


class Command(BaseCommand):
    help = "Ta bort en användares autentiseringsapp och reservkoder och logga ut hen överallt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Det finns ingen användare som heter {username!r}.")
        two_factor_reset(actor=system_actor("two_factor_reset"), user=user)
        self.stdout.write(
            f"Tvåstegsverifieringen för {username} är nollställd och alla hens sessioner är "
            "avslutade. Hen ställer in en ny app vid nästa inloggning."
        )
