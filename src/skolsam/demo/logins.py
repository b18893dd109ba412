"""Name the demo's login accounts: one per role, all with the same published password.

`DEMO_LOGINS` is the one source for `manage.py demo_logins` and for the table in the
README (`manage.py demo_logins --markdown` prints it ready to paste).
"""

from __future__ import annotations

from dataclasses import dataclass

# Published with the demo on purpose; the demo data is fictitious.
DEMO_PASSWORD = "skolsam-demo-2026"  # noqa: S105
# One authenticator-app key for every demo login that must use two-factor
# authentication (administrators, rektorer, pupil health, auditors, superusers): add it
# once to an app and it gives valid codes for all of them. Valid base32, 20 bytes.
DEMO_TOTP_SECRET = "SKOLSAMDEMOTVASTEGSVERIFIERING22"  # noqa: S105
DEMO_TOTP_URI = f"otpauth://totp/Skolsam:demo?secret={DEMO_TOTP_SECRET}&issuer=Skolsam"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sees: str
    person: str = ""  # key in GenerationResult.named; empty: no person in the register
    superuser: bool = False
    audit: bool = False  # may search the audit log


CENTRAL = "koping/centralskolan"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "central.koping",
        "Central skoladministratör, Köpings kommun",
        "Alla barn, elever och all personal hos Köpings kommun, och Köpingsbor i andra "
        "huvudmäns skolor (som hemkommun). Ser att den skyddade eleven finns men inte var "
        "hen går; kan ge personal behörighet till skyddade elever.",
        person="central:koping",
    ),
    DemoLogin(
        "central.arboga",
        "Central skoladministratör, Arboga kommun",
        "Arboga kommuns barn, elever och personal, och Arbogabor i Köpings och Lärkans "
        "skolor, t.ex. eleven i 9A på Centralskolan.",
        person="central:arboga",
    ),
    DemoLogin(
        "rektor.centralskolan",
        "Rektor, Centralskolan 7–9 (Köping)",
        "Alla elever och all personal på Centralskolan och elevernas vårdnadshavare, "
        "utom den skyddade eleven i 8A.",
        person=f"rektor:{CENTRAL}",
    ),
    DemoLogin(
        "admin.centralskolan",
        "Skoladministratör, Centralskolan",
        "Som rektorn; skriver in elever, bildar grupper och registrerar personal på skolan.",
        person=f"admin:{CENTRAL}",
    ),
    DemoLogin(
        "larare.centralskolan",
        "Lärare, Centralskolan (bl.a. matematik i 8A)",
        "Eleverna i de grupper hen undervisar och deras vårdnadshavare, men inte den "
        "skyddade eleven i 8A. Sätter betyg (Betyg i menyn: perioden är öppen) och "
        "medsignerar betyg i matematik.",
        person=f"teaches:{CENTRAL}/8A/GRGRMAT01",
    ),
    DemoLogin(
        "obehorig.centralskolan",
        "Lärare utan legitimation i matematik, 9A (Centralskolan)",
        "Som läraren ovan för sina grupper. Sätter betyg i 9A matematik, men betygen väntar "
        "på att en legitimerad lärare (larare.centralskolan) medsignerar dem.",
        person=f"teaches:{CENTRAL}/9A/GRGRMAT01",
    ),
    DemoLogin(
        "mentor.centralskolan",
        "Mentor, 8A mentorsgrupp 1 (Centralskolan)",
        "Sina mentorselever (bland dem Alice Lindqvist) och eleverna i de grupper hen "
        "undervisar, och deras vårdnadshavare; inte den skyddade eleven i 8A.",
        person=f"mentor:{CENTRAL}/8A/1",
    ),
    DemoLogin(
        "behorig.centralskolan",
        "Mentor, 8A mentorsgrupp 2, behörig för den skyddade eleven",
        "Som mentorn ovan för sin grupp, och som enda personal även den skyddade eleven i "
        "8A med skola, klass och grupper.",
        person=f"mentor:{CENTRAL}/8A/2",
    ),
    DemoLogin(
        "kurator.centralskolan",
        "Kurator, Centralskolan",
        "Alla elever på Centralskolan utom den skyddade; får inte ändra registret.",
        person=f"kurator:{CENTRAL}",
    ),
    DemoLogin(
        "forskollarare.solrosen",
        "Förskollärare, Förskolan Solrosen, avdelning Solen",
        "Barnen på avdelning Solen, bland dem Signe Lindqvist, och deras vårdnadshavare.",
        person="forskollarare:koping/solrosen/Solen",
    ),
    DemoLogin(
        "rektor.malargymnasiet",
        "Rektor, Mälargymnasiet (Köping)",
        "Gymnasiets elever och personal; kursbetyg, studieplaner och examensbevis eller "
        "studiebevis.",
        person="rektor:koping/malargymnasiet",
    ),
    DemoLogin(
        "rektor.larkan",
        "Rektor, Lärkanskolan F–9 (Lärkans Skolor AB)",
        "Lärkanskolans elever och personal; inget hos kommunerna.",
        person="rektor:larkan/larkanskolan",
    ),
    DemoLogin(
        "vh.lindqvist",
        "Vårdnadshavare (Maria Lindqvist)",
        "Sina tre barn: Alice i 8A på Centralskolan, Hugo i 3A på Västerskolan och Signe "
        "på Förskolan Solrosen.",
        person="special:vh",
    ),
    DemoLogin(
        "elev.alice",
        "Elev (Alice Lindqvist, 8A, Centralskolan)",
        "Sig själv.",
        person="special:elev",
    ),
    DemoLogin(
        "revisor",
        "Granskare av loggen (revisor)",
        "Granskningsloggen, med behörighet att söka i den; inga elever.",
        person="special:revisor",
        audit=True,
    ),
    DemoLogin(
        "admin",
        "Django-administratör (superanvändare)",
        "Bara Djangos admin (/admin/); ingen person i registret.",
        superuser=True,
    ),
)


TWO_FACTOR_NOTE = (
    "Administratörer, rektorer, elevhälsa, revisor och admin loggar in i två steg. "
    f"Lägg in nyckeln {DEMO_TOTP_SECRET} (eller {DEMO_TOTP_URI}) i en "
    "autentiseringsapp, eller skriv ut aktuell kod med "
    "`python manage.py demo_totp <användarnamn>`."
)


def logins_table(*, markdown: bool = False) -> str:
    """Return the logins as a plain-text table, or as Markdown for the README."""
    header = ("Användarnamn", "Lösenord", "Roll", "Ser")
    rows = [(x.username, DEMO_PASSWORD, x.role, x.sees) for x in DEMO_LOGINS]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join((f"`{r[0]}`", *r[1:])) + " |" for r in rows]
        return "\n".join(lines)
    # The last column is long prose: the others are padded, it runs on.
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]])
        for row in [header, *rows]
    )
