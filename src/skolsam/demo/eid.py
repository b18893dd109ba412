"""Name the demo's e-ID and Skolfederation logins at the local identity providers.

`manage.py demo_idp` (`make demo-idp`) starts SimpleSAMLphp and the OIDC mock with these
users; `manage.py demo_logins` prints them. The personnummer are those of the demo's
persons, read from the loaded demo register, so the IdP asserts exactly who the register
holds. Every IdP user has the demo's published password.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from skolsam.accounts.federation.localidp import IdpUser
from skolsam.accounts.federation.services import user_eppn_set
from skolsam.accounts.models import User
from skolsam.core.access import system_actor
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.demo.logins import DEMO_PASSWORD
from skolsam.demo.testnumbers import test_personnummer
from skolsam.people.access import person_policy
from skolsam.people.models import Person, Responsible

EPPN_DOMAIN = "demo.skolsam.se"


@dataclass(frozen=True)
class DemoIdentity:
    user: IdpUser
    what: str  # what happens when they log in, in Swedish


def demo_identities(*, set_eppn: bool = False) -> list[DemoIdentity]:
    """Return the IdP users for the loaded demo (empty before the demo is loaded).

    With `set_eppn` the demo teacher's login gets its eduPersonPrincipalName, so that the
    Skolfederation login matches it.
    """
    actor = system_actor("demo_idp")
    persons = person_policy.objects(actor, Action.VIEW)
    found: list[DemoIdentity] = []

    def person_of(username: str) -> Person | None:
        user = User.objects.filter(username=username).select_related("person").first()
        return user.person if user else None

    guardian = person_of("vh.lindqvist")
    if guardian is None or not guardian.civic_no:
        return []
    found.append(
        DemoIdentity(
            IdpUser(
                "vh.lindqvist",
                DEMO_PASSWORD,
                guardian.given_name,
                guardian.family_name,
                civic_no=guardian.civic_no,
            ),
            "Vårdnadshavare med konto: loggas in på sitt konto (vh.lindqvist).",
        )
    )
    pupil = person_of("elev.alice")
    if pupil and pupil.civic_no:
        found.append(
            DemoIdentity(
                IdpUser(
                    "elev.alice",
                    DEMO_PASSWORD,
                    pupil.given_name,
                    pupil.family_name,
                    civic_no=pupil.civic_no,
                ),
                "Elev: loggas in på sitt konto (elev.alice).",
            )
        )
    without_login = (
        persons.filter(
            pk__in=Responsible.objects.filter(valid_on(today())).values("responsible_id"),
        )
        # Stays the same person after their first login has made them an account.
        .filter(Q(user__isnull=True) | Q(user__username__startswith="e-"))
        .filter(
            security_marking=SecurityMarking.INGEN,
            civic_no__isnull=False,
        )
        .order_by("family_name", "given_name")
        .first()
    )
    if without_login:
        found.append(
            DemoIdentity(
                IdpUser(
                    "vh.utan.konto",
                    DEMO_PASSWORD,
                    without_login.given_name,
                    without_login.family_name,
                    civic_no=without_login.civic_no or "",
                ),
                f"Vårdnadshavare utan konto ({without_login.given_name} "
                f"{without_login.family_name}): får ett konto vid första inloggningen.",
            )
        )
    taken = set(persons.values_list("civic_no", flat=True))
    unknown = next(n for n in test_personnummer(born_from=1940, born_to=1950) if n not in taken)
    found.append(
        DemoIdentity(
            IdpUser("okand", DEMO_PASSWORD, "Okänd", "Person", civic_no=unknown),
            "Finns inte i registret: får sidan ”Vi hittar dig inte i registret”.",
        )
    )
    teacher = User.objects.filter(username="larare.centralskolan").first()
    if teacher:
        eppn = f"larare.centralskolan@{EPPN_DOMAIN}"
        if set_eppn and teacher.edu_person_principal_name != eppn:
            user_eppn_set(actor=actor, user=teacher, eppn=eppn)
        found.append(
            DemoIdentity(
                IdpUser(
                    "larare.centralskolan", DEMO_PASSWORD, "Lärare", "Centralskolan", eppn=eppn
                ),
                "Personal via Skolfederation (eduPersonPrincipalName): larare.centralskolan.",
            )
        )
    return found


def demo_identities_table(identities: list[DemoIdentity]) -> str:
    lines = ["Användarnamn hos IdP  Personnummer / ePPN                      Vad händer"]
    for identity in identities:
        u = identity.user
        lines.append(f"{u.username:<21} {(u.civic_no or u.eppn):<40} {identity.what}")
    lines.append(f"Lösenord hos IdP: {DEMO_PASSWORD}")
    return "\n".join(lines)
