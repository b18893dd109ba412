"""Manage SS 12000 API clients: create, list, change scopes, rotate and revoke.

    python manage.py ss12000_client create --name NAME --organisation ORG [--organisation ORG ...]
        --scope SCOPE [--scope SCOPE ...]
        [--protected] [--profile skolverket-dnp] [--issuer ISS --external-id ID]
    python manage.py ss12000_client list
    python manage.py ss12000_client scopes CLIENT_ID [--set SCOPE ...] [--add SCOPE ...]
        [--remove SCOPE ...]
    python manage.py ss12000_client rotate CLIENT_ID
    python manage.py ss12000_client revoke CLIENT_ID

ORG is an organisation's id, organisationCode or schoolUnitCode. SCOPE is
`<resource>:read` or `<resource>:write` (`*:read`, `*:write` for all); each option may be
repeated or hold several scopes separated by spaces. `scopes` without options prints the
client's scopes. `create` and `rotate` print JSON with the secret; it is shown only then.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skolsam.api.ss12000 import selectors, services
from skolsam.api.ss12000.models import ApiClient, ConsumerProfile
from skolsam.api.ss12000.scopes import expand
from skolsam.core.access import system_actor
from skolsam.core.errors import DomainError
from skolsam.organisations.selectors import organisation_get_by_code

SCOPE_HELP = (
    "Scope som resurs:read eller resurs:write, t.ex. persons:read, attendances:write, "
    "*:read; flera skiljs med mellanslag och flaggan kan upprepas."
)


class Command(BaseCommand):
    help = "Skapa, lista, förnya och spärra klienter för SS 12000-API:t."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Skapa en klient och skriv ut id och hemlighet.")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--organisation",
            action="append",
            required=True,
            help="Id, organisationskod eller skolenhetskod; kan anges flera gånger.",
        )
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            help=f"{SCOPE_HELP} Minst ett krävs.",
        )
        create.add_argument(
            "--protected", action="store_true", help="Får se skyddade personuppgifter."
        )
        create.add_argument("--profile", default="", choices=ConsumerProfile.values)
        create.add_argument("--issuer", default="", help="Extern JWT-utfärdare (t.ex. Skolverket).")
        create.add_argument("--external-id", default="", help="Utfärdarens id för klienten.")
        sub.add_parser("list", help="Lista klienterna som JSON.")
        change = sub.add_parser("scopes", help="Visa eller ändra klientens scopes.")
        change.add_argument("client_id")
        change.add_argument("--set", action="append", help=f"Ersätt alla scopes. {SCOPE_HELP}")
        change.add_argument("--add", action="append", help=f"Lägg till scopes. {SCOPE_HELP}")
        change.add_argument("--remove", action="append", help=f"Ta bort scopes. {SCOPE_HELP}")
        for name, text in (
            ("rotate", "Ge klienten en ny hemlighet."),
            ("revoke", "Spärra klienten."),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = system_actor("manage.py ss12000_client")
        action = options["action"]
        try:
            if action == "create":
                self._create(actor, options)
            elif action == "list":
                self._list()
            else:
                client = self._client(options["client_id"])
                if action == "scopes":
                    self._scopes(actor, client, options)
                elif action == "rotate":
                    secret = services.api_client_rotate(actor=actor, client=client)
                    self._print({"client_id": client.client_id, "client_secret": secret})
                else:
                    services.api_client_revoke(actor=actor, client=client)
                    self._print({"client_id": client.client_id, "revoked": True})
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def _create(self, actor: Any, options: dict[str, Any]) -> None:
        organisations = []
        for code in options["organisation"]:
            org = organisation_get_by_code(code)
            if org is None:
                raise CommandError(f"Ingen organisation har id eller kod {code!r}.")
            organisations.append(org)
        client, secret = services.api_client_create(
            actor=actor,
            name=options["name"],
            organisations=organisations,
            scopes=options["scope"],
            allow_protected_data=options["protected"],
            consumer_profile=options["profile"],
            issuer=options["issuer"],
            external_id=options["external_id"],
        )
        out: dict[str, Any] = {"client_id": client.client_id, "client_secret": secret}
        if client.issuer:
            out = {"client_id": client.client_id, "issuer": client.issuer}
        self._print({**out, "scopes": client.scopes})

    def _scopes(self, actor: Any, client: ApiClient, options: dict[str, Any]) -> None:
        if options["set"] is None and not options["add"] and not options["remove"]:
            self._print({"client_id": client.client_id, "scopes": client.scopes})
            return
        chosen = expand(options["set"]) if options["set"] is not None else set(client.scopes)
        chosen |= expand(options["add"] or [])
        chosen -= expand(options["remove"] or [])
        services.api_client_set_scopes(actor=actor, client=client, scopes=chosen)
        self._print({"client_id": client.client_id, "scopes": client.scopes})

    def _list(self) -> None:
        self._print(
            [
                {
                    "client_id": c.client_id,
                    "name": c.name,
                    "organisations": [o.display_name for o in c.organisations.all()],
                    "allow_protected_data": c.allow_protected_data,
                    "profile": c.consumer_profile,
                    "scopes": c.scopes,
                    "issuer": c.issuer,
                    "active": c.is_active,
                }
                for c in selectors.api_client_list()
            ]
        )

    def _client(self, client_id: str) -> ApiClient:
        client = selectors.api_client_get(client_id)
        if client is None:
            raise CommandError(f"Ingen klient har id {client_id!r}.")
        return client

    def _print(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
