"""Start the demo's identity providers beside `make demo`: `manage.py demo_idp`.

SimpleSAMLphp on 127.0.0.1:8480 (Sweden Connect and Skolfederation) and oidc-provider-mock
on 127.0.0.1:9400 (the Swedish OIDC profile), with users who are the demo's persons. Runs
until Ctrl-C. Only with DJANGO_DEBUG=true.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.accounts.federation.localidp import (
    INSTALL_HINT,
    OidcProvider,
    SimpleSamlPhp,
    missing_packages,
)
from skolsam.accounts.federation.saml import acs_url, sls_url, sp_keys
from skolsam.demo.eid import demo_identities, demo_identities_table


class Command(BaseCommand):
    help = "Starta demons identitetsleverantörer (SAML på 127.0.0.1:8480, OIDC på 127.0.0.1:9400)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--saml-port", type=int, default=8480)
        parser.add_argument("--oidc-port", type=int, default=9400)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_idp körs bara med DJANGO_DEBUG=true (demon).")
        missing = missing_packages()
        if missing:
            raise CommandError(f"Saknade Debian-paket ({', '.join(missing)}). Kör: {INSTALL_HINT}")
        identities = demo_identities(set_eppn=True)
        if not identities:
            raise CommandError(
                "Demodatan är inte inläst än: kör make demo (eller demo_load) först."
            )
        users = [i.user for i in identities]
        directory = Path(settings.VAR_DIR) / "demo-idp"
        saml = SimpleSamlPhp(
            directory=directory / "simplesamlphp", port=options["saml_port"], users=users
        )
        oidc = OidcProvider(port=options["oidc_port"], users=users)
        # Stopped by a signal (make, a terminal closing) as by Ctrl-C: the IdPs stop too.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        try:
            saml.start()
            acs, sls = acs_url(), sls_url()
            saml.add_service_provider(
                settings.SKOLSAM_SAML_ENTITY_ID,
                [acs, acs.replace("127.0.0.1", "localhost")],
                slo_urls=[sls],
                cert_file=Path(sp_keys()[1]),
            )
            oidc.start(log_file=directory / "oidc.log")
            self.stdout.write(
                f"SAML-IdP (SimpleSAMLphp): {saml.base_url}/  metadata {saml.metadata_url}"
            )
            self.stdout.write(f"OIDC-leverantör (oidc-provider-mock): {oidc.issuer}/")
            self.stdout.write("")
            self.stdout.write(demo_identities_table(identities))
            self.stdout.write("")
            self.stdout.write(
                f"Logga in på {settings.SKOLSAM_BASE_URL}/login/ med ”Logga in med e-legitimation”. Ctrl-C avslutar."
            )
            while True:
                time.sleep(1)
                for process in (saml.process, oidc.process):
                    if process is not None and process.poll() is not None:
                        raise CommandError(f"{process.args!r} stannade (kod {process.returncode}).")
        except KeyboardInterrupt:
            pass
        finally:
            oidc.stop()
            saml.stop()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
