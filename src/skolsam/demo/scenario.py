"""Describe the demo: Köping, Arboga and Kungsör working together, and one independent organiser.

The three municipalities share a register (as they did in their 2020 joint project for a
school administration system). Each runs preschools, F-6 and 7-9 schools under its
Barn- och utbildningsförvaltning; Köping also runs the upper-secondary school that
pupils from all three attend. Lärkans Skolor AB runs an independent F-9 school in Köping
with pupils from all three. The school and street names are made up; the municipalities,
their codes and postal-code areas are real.

Named special cases, each of which the demo and its tests look for by key:

- "vh" and "vh2" (Maria and Johan Lindqvist), guardians of "elev" (Alice, 8A at
  Centralskolan), Hugo (3A at Västerskolan) and Signe (Förskolan Solrosen);
- "skyddad": a pupil in 8A with skyddad folkbokföring and no address, mentor group 2,
  with a protected mother; the mentor of that group is the one authorised staff member;
- "arboga-elev": lives in Arboga, goes to 9A at Centralskolan in Köping;
- "samordningsnummer" (9B, came in January 2025) and "tillfalligt" (7A, newly arrived on
  7 September 2026): not folkbokförda in Sweden, so they have a postal address and no
  home municipality;
- "delad-vardnad": joint custody, the father lives in Kungsör, the mother in Köping;
- "klassbyte": moved from 5A to 5B at Västerskolan on 12 October 2026;
- "skolbyte": left Skogsbrynsskolan in Kungsör on 30 September 2026 (the enrolment ended)
  and started at Lärkanskolan on 1 October;
- "vardnad-upphord": the father's custody ended on 15 September 2026.
"""

from __future__ import annotations

from datetime import date

from skolsam.core.choices import CivicNoType, Sex
from skolsam.demo.generator import (
    AdultSpec,
    ChildSpec,
    FamilySpec,
    GuardianSpec,
    HuvudmanPlan,
    Kind,
    Municipality,
    RegisterPlan,
    UnitPlan,
)

SEED = 2026
SCHOOL_YEAR = 2026  # the autumn term started on Monday 17 August 2026

KOPING = Municipality("1983", "Köping", "koping", "731")
ARBOGA = Municipality("1984", "Arboga", "arboga", "732")
KUNGSOR = Municipality("1960", "Kungsör", "kungsor", "736")

# Upper-secondary pupils and the independent school's pupils come from all three.
REGION = (("1983", 0.55), ("1984", 0.28), ("1960", 0.17))
BUF = "Barn- och utbildningsförvaltningen"

KOPINGS_KOMMUN = HuvudmanPlan(
    key="koping",
    name="Köpings kommun",
    seat=KOPING,
    municipal=True,
    domain="koping.example",
    forvaltning=BUF,
    units=(
        UnitPlan(
            "koping/solrosen",
            "Förskolan Solrosen",
            Kind.PRESCHOOL,
            KOPING,
            "47291836",
            class_size=17,
            departments=5,
        ),
        UnitPlan(
            "koping/ekorren",
            "Förskolan Ekorren",
            Kind.PRESCHOOL,
            KOPING,
            "61830592",
            class_size=17,
            departments=6,
        ),
        UnitPlan(
            "koping/vasterskolan",
            "Västerskolan",
            Kind.PRIMARY,
            KOPING,
            "23587419",
            classes_per_year=2,
            class_size=24,
        ),
        UnitPlan(
            "koping/norrbergsskolan",
            "Norrbergsskolan",
            Kind.PRIMARY,
            KOPING,
            "86420735",
            classes_per_year=2,
            class_size=22,
        ),
        UnitPlan(
            "koping/centralskolan",
            "Centralskolan",
            Kind.LOWER_SECONDARY,
            KOPING,
            "39164027",
            classes_per_year=3,
            class_size=27,
        ),
        UnitPlan(
            "koping/malargymnasiet",
            "Mälargymnasiet",
            Kind.UPPER_SECONDARY,
            KOPING,
            "75310948",
            class_size=30,
            programmes=(("NA", 2), ("SA", 2), ("TE", 1), ("EE", 1), ("BA", 1)),
            catchment=REGION,
        ),
    ),
)
ARBOGA_KOMMUN = HuvudmanPlan(
    key="arboga",
    name="Arboga kommun",
    seat=ARBOGA,
    municipal=True,
    domain="arboga.example",
    forvaltning=BUF,
    units=(
        UnitPlan(
            "arboga/blaklinten",
            "Förskolan Blåklinten",
            Kind.PRESCHOOL,
            ARBOGA,
            "52968310",
            class_size=17,
            departments=5,
        ),
        UnitPlan(
            "arboga/hagaskolan",
            "Hagaskolan",
            Kind.PRIMARY,
            ARBOGA,
            "18473265",
            classes_per_year=2,
            class_size=22,
        ),
        UnitPlan(
            "arboga/asenskolan",
            "Åsenskolan",
            Kind.LOWER_SECONDARY,
            ARBOGA,
            "94025816",
            classes_per_year=2,
            class_size=25,
        ),
    ),
)
KUNGSORS_KOMMUN = HuvudmanPlan(
    key="kungsor",
    name="Kungsörs kommun",
    seat=KUNGSOR,
    municipal=True,
    domain="kungsor.example",
    forvaltning=BUF,
    units=(
        UnitPlan(
            "kungsor/tallbacken",
            "Förskolan Tallbacken",
            Kind.PRESCHOOL,
            KUNGSOR,
            "30785142",
            class_size=17,
            departments=4,
        ),
        UnitPlan(
            "kungsor/skogsbrynsskolan",
            "Skogsbrynsskolan",
            Kind.PRIMARY,
            KUNGSOR,
            "67219053",
            classes_per_year=2,
            class_size=20,
        ),
        UnitPlan(
            "kungsor/kungsgardsskolan",
            "Kungsgårdsskolan",
            Kind.LOWER_SECONDARY,
            KUNGSOR,
            "45896271",
            classes_per_year=2,
            class_size=22,
        ),
    ),
)
LARKANS_SKOLOR = HuvudmanPlan(
    key="larkan",
    name="Lärkans Skolor AB",
    seat=KOPING,
    municipal=False,  # an independent organiser is nobody's hemkommun
    domain="larkan.example",
    units=(
        UnitPlan(
            "larkan/larkanskolan",
            "Lärkanskolan",
            Kind.COMPREHENSIVE,
            KOPING,
            "81350674",
            class_size=24,
            catchment=REGION,
        ),
    ),
)

CENTRAL = "koping/centralskolan"
FAMILIES = (
    FamilySpec(
        key="lindqvist",
        family_name="Lindqvist",
        municipality="1983",
        guardians=(
            GuardianSpec("vh", Sex.KVINNA, "Maria"),
            GuardianSpec("vh2", Sex.MAN, "Johan"),
        ),
        children=(
            ChildSpec("elev", f"{CENTRAL}/8A", Sex.KVINNA, "Alice", mentor_group=0),
            ChildSpec("lindqvist-hugo", "koping/vasterskolan/3A", Sex.MAN, "Hugo"),
            ChildSpec("lindqvist-signe", "koping/solrosen/Solen", Sex.KVINNA, "Signe"),
        ),
    ),
    FamilySpec(
        key="skyddad",
        family_name="Nyberg",
        municipality="1983",
        guardians=(GuardianSpec("skyddad-vh", Sex.KVINNA, protected=True),),
        children=(ChildSpec("skyddad", f"{CENTRAL}/8A", protected=True, mentor_group=1),),
    ),
    FamilySpec(
        key="arboga",
        family_name="Eklund",
        municipality="1984",
        guardians=(GuardianSpec("arboga-vh", Sex.KVINNA), GuardianSpec("arboga-vh2", Sex.MAN)),
        children=(ChildSpec("arboga-elev", f"{CENTRAL}/9A"),),
    ),
    FamilySpec(
        key="samordning",
        family_name="Hassan",
        municipality="1983",
        guardians=(
            GuardianSpec("samordning-vh", Sex.KVINNA),
            GuardianSpec("samordning-vh2", Sex.MAN),
        ),
        children=(
            ChildSpec(
                "samordningsnummer",
                f"{CENTRAL}/9B",
                civic=CivicNoType.SAMORDNINGSNUMMER,
                arrived_on=date(2025, 1, 13),
            ),
        ),
    ),
    FamilySpec(
        key="nyanland",
        family_name="Abdi",
        municipality="1983",
        guardians=(GuardianSpec("tillfalligt-vh", Sex.KVINNA, "Fatima"),),
        children=(
            ChildSpec(
                "tillfalligt",
                f"{CENTRAL}/7A",
                Sex.KVINNA,
                "Amina",
                civic=CivicNoType.TEMPORARY,
                arrived_on=date(2026, 9, 7),
            ),
        ),
    ),
    FamilySpec(
        key="delad",
        family_name="Holm",
        municipality="1983",
        guardians=(
            GuardianSpec("delad-vh", Sex.KVINNA, "Sara"),
            GuardianSpec("delad-vh2", Sex.MAN, "Peter", municipality="1960", own_address=True),
        ),
        children=(ChildSpec("delad-vardnad", "koping/vasterskolan/3A", Sex.KVINNA, "Ella"),),
    ),
    FamilySpec(
        key="klassbyte",
        family_name="Berg",
        municipality="1983",
        guardians=(
            GuardianSpec("klassbyte-vh", Sex.KVINNA),
            GuardianSpec("klassbyte-vh2", Sex.MAN),
        ),
        children=(
            ChildSpec(
                "klassbyte",
                "koping/vasterskolan/5B",
                Sex.MAN,
                "Nils",
                moved_from="koping/vasterskolan/5A",
                moved_on=date(2026, 10, 12),
            ),
        ),
    ),
    FamilySpec(
        key="skolbyte",
        family_name="Ström",
        municipality="1960",
        guardians=(
            GuardianSpec("skolbyte-vh", Sex.KVINNA),
            GuardianSpec("skolbyte-vh2", Sex.MAN),
        ),
        children=(
            ChildSpec(
                "skolbyte",
                "larkan/larkanskolan/4A",
                Sex.KVINNA,
                "Saga",
                moved_from="kungsor/skogsbrynsskolan/4A",
                moved_on=date(2026, 10, 1),
            ),
        ),
    ),
    FamilySpec(
        key="vardnad",
        family_name="Lund",
        municipality="1984",
        guardians=(
            GuardianSpec("vardnad-vh", Sex.KVINNA),
            GuardianSpec(
                "vardnad-upphord-vh", Sex.MAN, own_address=True, custody_ends=date(2026, 9, 15)
            ),
        ),
        children=(ChildSpec("vardnad-upphord", "arboga/hagaskolan/6A"),),
    ),
)


def demo_plan() -> RegisterPlan:
    """Return the demo's plan: about 3,000 pupils, every civic number from the test list."""
    return RegisterPlan(
        huvudman=(KOPINGS_KOMMUN, ARBOGA_KOMMUN, KUNGSORS_KOMMUN, LARKANS_SKOLOR),
        seed=SEED,
        school_year=SCHOOL_YEAR,
        allow_temporary=False,
        families=FAMILIES,
        adults=(AdultSpec("revisor", "Karin", "Öberg", Sex.KVINNA, "1983"),),
    )
