"""Test the scale generator through its command, and the civic-number rules it follows.

A municipality of 300 pupils is generated as the benchmark generates 150,000: when
Skatteverket's test list has no number left for a birth year, the rest get temporary
numbers.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import CivicNoType, GroupType
from skolsam.curriculum.loader import programme_load_national, syllabus_load_official
from skolsam.demo.bulk import DigestSink
from skolsam.demo.generator import (
    TABLES,
    Catalogue,
    CivicNumbers,
    PlanError,
    RegisterGenerator,
    municipality_plan,
    term_end,
    term_start,
)
from skolsam.demo.services import demo_data_load
from skolsam.demo.testnumbers import is_temporary_number, is_test_personnummer
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.people.folding import search_name
from skolsam.people.models import Person, Responsible
from skolsam.testing.factories import PersonFactory


@pytest.mark.django_db
def test_generate_register_builds_a_municipality_of_the_size_asked_for() -> None:
    out = StringIO()
    call_command("generate_register", pupils=300, seed=7, stdout=out)
    assert "300 elever" in out.getvalue()

    pupils = set(Enrolment.objects.values_list("person_id", flat=True)) | set(
        Placement.objects.values_list("child_id", flat=True)
    )
    assert len(pupils) == 300
    guardians = Responsible.objects.values("responsible_id").distinct().count()
    assert 1.3 <= guardians / 300 <= 1.8
    staff = Person.objects.exclude(pk__in=pupils).exclude(
        pk__in=Responsible.objects.values("responsible_id")
    )
    assert 300 / 20 <= staff.count() <= 300 / 4  # small schools need their fixed roles
    classes = Counter(
        GroupMembership.objects.filter(group__group_type=GroupType.KLASS).values_list(
            "person_id", flat=True
        )
    )
    assert max(classes.values()) == 1
    for number, kind in Person.objects.values_list("civic_no", "civic_no_type"):
        assert number is not None
        if kind == CivicNoType.PERSONNUMMER:
            assert is_test_personnummer(number)
        else:
            assert kind == CivicNoType.TEMPORARY and is_temporary_number(number)
    assert AuditEntry.objects.filter(action="register.generate").count() == 1
    # The search column is written with the name, as the services write it.
    for given, middle, family, folded in Person.objects.values_list(
        "given_name", "middle_name", "family_name", "search_name"
    ):
        assert folded == search_name(given, middle, family)


@pytest.mark.django_db
def test_generate_register_wants_an_empty_register_or_reset() -> None:
    call_command("generate_register", pupils=100, stdout=StringIO())
    first = set(Person.objects.values_list("id", flat=True))
    with pytest.raises(CommandError, match="inte tomt"):
        call_command("generate_register", pupils=100, stdout=StringIO())
    call_command("generate_register", pupils=100, reset=True, stdout=StringIO())
    assert set(Person.objects.values_list("id", flat=True)) == first


@pytest.mark.django_db
def test_the_demo_will_not_load_over_someone_elses_register() -> None:
    PersonFactory()
    with pytest.raises(PlanError, match="--reset"):
        demo_data_load()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_register_and_another_seed_another() -> None:
    actor = system_actor("test")
    syllabus_load_official(actor=actor)
    programme_load_national(actor=actor)
    catalogue = Catalogue.from_database()

    def digest(seed: int) -> dict[str, str]:
        sink = DigestSink(TABLES)
        RegisterGenerator(municipality_plan(200, seed=seed), sink, catalogue=catalogue).run()
        return sink.hexdigests()

    assert digest(5) == digest(5)
    assert digest(5)["people_person"] != digest(6)["people_person"]


def test_when_the_test_list_runs_out_temporary_numbers_follow() -> None:
    numbers = CivicNumbers(random.Random(1), allow_temporary=True)
    available = numbers.available(2020)
    taken = [numbers.child(2020, "Kvinna") for _ in range(available + 150)]
    kinds = Counter(kind for _n, kind, _born, _sex in taken)
    assert kinds == {CivicNoType.PERSONNUMMER: available, CivicNoType.TEMPORARY: 150}
    values = [n for n, _kind, _born, _sex in taken]
    assert len(set(values)) == len(values)
    for number, kind, born, _sex in taken:
        assert born.year == 2020
        if kind == CivicNoType.TEMPORARY:
            assert is_temporary_number(number) and number[:8] == f"{born:%Y%m%d}"

    strict = CivicNumbers(random.Random(1), allow_temporary=False)
    for _ in range(strict.available(2020)):
        strict.child(2020, "Man")
    with pytest.raises(PlanError, match="2020"):
        strict.child(2020, "Man")


def test_the_scale_plan_has_the_exact_number_of_pupils_in_sensible_schools() -> None:
    plan = municipality_plan(150_000)
    units = plan.huvudman[0].units
    assert plan.total_pupils == 150_000 and plan.allow_temporary
    assert len({u.school_unit_code for u in units}) == len(units)
    assert len({u.name for u in units}) == len(units)
    assert all(u.classes_per_year <= 4 for u in units)


def test_the_school_year_runs_from_mid_august_to_mid_june() -> None:
    assert term_start(2026) == date(2026, 8, 17)
    assert term_end(2027) == date(2027, 6, 11)
