"""Prove the enrolment rules: offered school types, no double enrolment, periods, rights, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.core.errors import DomainError
from skolsam.enrolment import services
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 8, 17)


@pytest.fixture
def scheeleskolan():
    return build_school()


@pytest.fixture
def school_admin(scheeleskolan):
    return f.staff_actor(scheeleskolan, role=DutyRole.SKOLADMINISTRATOR, on=ON)


@pytest.fixture
def pupil():
    return f.PupilFactory(given_name="Alva")


def enrol(actor, pupil, unit, **kw):
    data = {"school_type": "GR", "start_date": TERM_START, "school_year": 7, **kw}
    return services.enrolment_create(actor=actor, person=pupil, school_unit=unit, **data)


def fields(caught) -> set[str]:
    return set(caught.value.message_dict)


def test_enrolment_create_writes_the_enrolment_and_its_audit_entry(
    school_admin, pupil, scheeleskolan
):
    enrolment = enrol(school_admin, pupil, scheeleskolan, end_date=date(2027, 6, 11))
    assert (enrolment.school_type, enrolment.school_year) == ("GR", 7)
    entry = AuditEntry.objects.get(action="enrolment.create")
    assert entry.person_id == pupil.pk and entry.object_id == str(enrolment.pk)
    assert entry.changes == {
        "enroled_at": [None, str(scheeleskolan.pk)],
        "school_type": [None, "GR"],
        "school_year": [None, 7],
        "start_date": [None, "2026-08-17"],
        "end_date": [None, "2027-06-11"],
    }


def test_the_school_type_must_be_one_the_unit_offers(school_admin, pupil, scheeleskolan):
    with pytest.raises(DomainError) as caught:
        enrol(school_admin, pupil, scheeleskolan, school_type="GY")
    assert caught.value.message_dict["school_type"] == [
        "Scheeleskolan erbjuder inte skolformen GY (erbjuder: GR, FKLASS, FTH)."
    ]
    assert not Enrolment.objects.exists() and not AuditEntry.objects.exists()


def test_only_school_units_take_enrolments(pupil):
    huvudman = f.HuvudmanFactory(display_name="Köpings kommun", school_types=["GR"])
    central = f.staff_actor(huvudman, role=DutyRole.OVRIG_ARBETSLEDNING, on=ON)
    with pytest.raises(DomainError) as caught:
        enrol(central, pupil, huvudman)
    assert fields(caught) == {"enroled_at"}


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"end_date": date(2026, 8, 16)}, "end_date"),
        ({"school_year": 11}, "school_year"),
        ({"school_year": -1}, "school_year"),
    ],
)
def test_enrolment_create_refusals_write_nothing(school_admin, pupil, scheeleskolan, kw, field):
    with pytest.raises(DomainError) as caught:
        enrol(school_admin, pupil, scheeleskolan, **kw)
    assert fields(caught) == {field}
    assert not Enrolment.objects.exists() and not AuditEntry.objects.exists()


def test_no_overlapping_enrolments_in_the_same_school_type(school_admin, pupil, scheeleskolan):
    ullviskolan = f.SchoolUnitFactory(display_name="Ullviskolan", parent=scheeleskolan.parent)
    other_admin = f.staff_actor(ullviskolan, role=DutyRole.SKOLADMINISTRATOR, on=ON)
    first = enrol(school_admin, pupil, scheeleskolan)
    with pytest.raises(DomainError) as caught:
        enrol(other_admin, pupil, ullviskolan, start_date=date(2027, 1, 1))
    assert "redan inskriven i GR vid Scheeleskolan" in caught.value.message_dict["start_date"][0]
    # Another school type at the same time is fine (fritidshem beside grundskola).
    enrol(school_admin, pupil, scheeleskolan, school_type="FTH", school_year=None)
    # Once the first is ended, the next may start the day after, not on the last day.
    services.enrolment_end(actor=school_admin, enrolment=first, end_date=date(2026, 12, 31))
    with pytest.raises(DomainError):
        enrol(other_admin, pupil, ullviskolan, start_date=date(2026, 12, 31))
    enrol(other_admin, pupil, ullviskolan, start_date=date(2027, 1, 1))
    assert Enrolment.objects.filter(person=pupil, school_type="GR").count() == 2


def test_a_cancelled_enrolment_does_not_block_a_new_one(school_admin, pupil, scheeleskolan):
    mistake = enrol(school_admin, pupil, scheeleskolan)
    services.enrolment_cancel(actor=school_admin, enrolment=mistake)
    enrol(school_admin, pupil, scheeleskolan)
    entry = AuditEntry.objects.get(action="enrolment.cancel")
    assert entry.changes == {"cancelled": [False, True]}


def test_a_future_enrolment_blocks_an_open_one_that_would_run_into_it(
    school_admin, pupil, scheeleskolan
):
    enrol(school_admin, pupil, scheeleskolan, start_date=date(2027, 8, 16))
    with pytest.raises(DomainError):
        enrol(school_admin, pupil, scheeleskolan, start_date=TERM_START)
    enrol(school_admin, pupil, scheeleskolan, start_date=TERM_START, end_date=date(2027, 6, 11))


def test_enrolment_end_is_audited_and_refuses_an_end_before_the_start(
    school_admin, pupil, scheeleskolan
):
    enrolment = enrol(school_admin, pupil, scheeleskolan)
    with pytest.raises(DomainError) as caught:
        services.enrolment_end(actor=school_admin, enrolment=enrolment, end_date=date(2026, 8, 16))
    assert fields(caught) == {"end_date"}
    enrolment.refresh_from_db()
    assert enrolment.end_date is None
    services.enrolment_end(actor=school_admin, enrolment=enrolment, end_date=ON)
    services.enrolment_end(actor=school_admin, enrolment=enrolment, end_date=date(2026, 10, 16))
    changes = list(
        AuditEntry.objects.filter(action="enrolment.end")
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert changes == [
        {"end_date": [None, "2026-10-15"]},
        {"end_date": ["2026-10-15", "2026-10-16"]},
    ]


def test_only_administrators_of_the_unit_enrol(pupil, scheeleskolan):
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    kurator = f.staff_actor(scheeleskolan, role=DutyRole.KURATOR, on=ON)
    rektor_elsewhere = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR, on=ON)
    for actor in (teacher, kurator, rektor_elsewhere):
        with pytest.raises(DomainError, match="behörighet"):
            enrol(actor, pupil, scheeleskolan)
    enrolment = f.EnrolmentFactory(person=pupil, enroled_at=scheeleskolan)
    with pytest.raises(DomainError, match="behörighet"):
        services.enrolment_end(actor=teacher, enrolment=enrolment, end_date=ON)
    with pytest.raises(DomainError, match="behörighet"):
        services.enrolment_cancel(actor=rektor_elsewhere, enrolment=enrolment)


# --- placements -------------------------------------------------------------------------------


@pytest.fixture
def preschool():
    return f.SchoolUnitFactory(display_name="Förskolan Solen", school_types=["FS"])


def test_placement_create_checks_type_unit_period_and_overlap(preschool):
    chief = f.staff_actor(preschool, role=DutyRole.FORSKOLECHEF, on=ON)
    child = f.PupilFactory(given_name="Saga")
    guardian = f.PersonFactory()

    def place(**kw):
        data = {"school_type": "FS", "start_date": TERM_START, **kw}
        return services.placement_create(actor=chief, child=child, placed_at=preschool, **data)

    refusals: list[tuple[dict[str, Any], str]] = [
        ({"school_type": "GR"}, "school_type"),  # not a placement school type
        ({"school_type": "FTH"}, "school_type"),  # not offered here
        ({"end_date": date(2026, 8, 1)}, "end_date"),
    ]
    for kw, field in refusals:
        with pytest.raises(DomainError) as caught:
            place(**kw)
        assert fields(caught) == {field}
    placement = place(owners=[guardian], reason="Omsorgsbehov")
    assert list(placement.owners.all()) == [guardian]
    with pytest.raises(DomainError) as caught:
        place(start_date=ON)
    assert fields(caught) == {"start_date"}
    assert Placement.objects.count() == 1
    entry = AuditEntry.objects.get(action="placement.create")
    assert entry.changes["start_date"] == [None, "2026-08-17"]
