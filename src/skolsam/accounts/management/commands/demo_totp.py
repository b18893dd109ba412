"""Print a demo user's current two-factor code: `manage.py demo_totp <username> [--uri]`.

For the demo and development only: it refuses to run unless DJANGO_DEBUG is true, because
anyone who can run it could log in as the user.
"""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from skolsam.accounts.models import User
from skolsam.accounts.selectors import totp_device_for


class Command(BaseCommand):
    help = (
        "Visa den aktuella sexsiffriga koden för en demoanvändares tvåstegsverifiering "
        "(bara när DJANGO_DEBUG=true)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "username", help="Demoanvändarens användarnamn, t.ex. rektor.centralskolan"
        )
        parser.add_argument(
            "--uri",
            action="store_true",
            help="Skriv också otpauth-adressen och nyckeln, för att lägga in kontot i en app.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp körs bara i demo- och utvecklingsläge (DJANGO_DEBUG=true); "
                "i drift skulle den låta vem som helst logga in som användaren."
            )
        username = str(options["username"])
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Det finns ingen användare som heter {username!r}.")
        device = totp_device_for(user)
        if device is None:
            raise CommandError(
                f"{username} har ingen autentiseringsapp (tvåstegsverifiering är av)."
            )
        now = time.time()
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        seconds_left = device.step - int(now - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}")
        self.stderr.write(
            f"Koden gäller i {seconds_left} s till. En kod kan bara användas en gång; "
            "vänta på nästa om den redan är använd."
        )
        if options["uri"]:
            secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
            self.stdout.write(f"Nyckel (base32): {secret}")
            self.stdout.write(f"otpauth-adress: {device.config_url}")
