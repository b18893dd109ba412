"""Prove the organisation services: the tree, the huvudman shortcut, rights and the audit."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.audit.models import AuditEntry
from skolsam.core import access
from skolsam.core.choices import DutyRole, OrganisationType
from skolsam.core.errors import DomainError
from skolsam.organisations import services
from skolsam.organisations.models import Organisation
from skolsam.testing import factories as f
from skolsam.testing.story import ON

pytestmark = pytest.mark.django_db

SYSTEM = access.system_actor("installation")


def fields(caught) -> set[str]:
    return set(caught.value.message_dict)


@pytest.fixture
def koping():
    return services.organisation_create(
        actor=SYSTEM,
        display_name="Köpings kommun",
        organisation_type=OrganisationType.HUVUDMAN,
        organisation_number="2120001983",
        municipality_code="1983",
        home_municipality_code="1983",
    )


@pytest.fixture
def central_admin(koping):
    # Actors are snapshots: a test that adds units first asks for `as_of_now` again.
    return f.staff_actor(koping, role=DutyRole.OVRIG_ARBETSLEDNING, on=ON)


def as_of_now(actor):
    return actor_builder.actor_for_person(actor.person_id, on=ON)


def test_every_node_points_at_its_huvudman(koping, central_admin):
    assert koping.huvudman_id == koping.pk
    forvaltning = services.organisation_create(
        actor=central_admin,
        display_name="Barn- och utbildningsförvaltningen",
        organisation_type=OrganisationType.FORVALTNING,
        parent=koping,
    )
    unit = services.organisation_create(
        actor=as_of_now(central_admin),
        display_name="Scheeleskolan",
        organisation_type=OrganisationType.SKOLENHET,
        parent=forvaltning,
        school_unit_code="12345678",
        school_types=["GR", "FKLASS"],
        start_date=date(1968, 8, 1),
    )
    assert (forvaltning.huvudman_id, unit.huvudman_id) == (koping.pk, koping.pk)
    entry = AuditEntry.objects.get(action="organisation.create", object_id=str(unit.pk))
    assert entry.changes == {
        "display_name": [None, "Scheeleskolan"],
        "organisation_type": [None, "Skolenhet"],
        "parent": [None, str(forvaltning.pk)],
        "school_unit_code": [None, "12345678"],
        "school_types": [None, ["GR", "FKLASS"]],
        "start_date": [None, "1968-08-01"],
    }
    # The new unit falls under the central administrator's grants at once.
    assert unit.pk in as_of_now(central_admin).admin_org_ids


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"organisation_type": "Kommun"}, "organisation_type"),
        ({"organisation_type": OrganisationType.HUVUDMAN}, "parent"),
        ({"parent": None}, "parent"),
        ({"school_types": ["GR", "XX"]}, "school_types"),
        ({"school_unit_code": "12A45"}, "school_unit_code"),
        ({"school_unit_code": "87654321"}, "school_unit_code"),  # already taken
        ({"start_date": date(2026, 8, 1), "end_date": date(2026, 7, 31)}, "end_date"),
    ],
)
def test_organisation_create_refusals_write_nothing(koping, kw, field):
    f.SchoolUnitFactory(parent=koping, school_unit_code="87654321")
    count, entries = Organisation.objects.count(), AuditEntry.objects.count()
    data = {
        "display_name": "Ullviskolan",
        "organisation_type": OrganisationType.SKOLENHET,
        "parent": koping,
        **kw,
    }
    with pytest.raises(DomainError) as caught:
        services.organisation_create(actor=SYSTEM, **data)
    assert fields(caught) == {field}
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == (count, entries)


def test_only_administrators_of_the_parent_add_organisations(koping):
    scheeleskolan = f.SchoolUnitFactory(parent=koping)
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    rektor = f.staff_actor(scheeleskolan, role=DutyRole.REKTOR, on=ON)
    arboga_admin = f.staff_actor(f.HuvudmanFactory(), role=DutyRole.OVRIG_ARBETSLEDNING, on=ON)
    refused = [
        (teacher, scheeleskolan),
        (rektor, koping),  # a rektor does not extend the huvudman
        (arboga_admin, koping),  # nor does another huvudman
        (rektor, None),  # and only the system creates a huvudman
    ]
    for actor, parent in refused:
        with pytest.raises(DomainError, match="behörighet"):
            services.organisation_create(
                actor=actor,
                display_name="Ny enhet",
                organisation_type=OrganisationType.HUVUDMAN
                if parent is None
                else OrganisationType.SKOLENHET,
                parent=parent,
            )
    assert not Organisation.objects.filter(display_name="Ny enhet").exists()


def test_organisation_update_records_old_and_new_values(koping, central_admin):
    unit = f.SchoolUnitFactory(parent=koping, display_name="Ullviskolan", school_types=["GR"])
    services.organisation_update(
        actor=as_of_now(central_admin),
        organisation=unit,
        display_name="Ullvi skola",
        school_types=["GR", "FTH"],
    )
    unit.refresh_from_db()
    assert unit.display_name == "Ullvi skola"
    entry = AuditEntry.objects.get(action="organisation.update")
    assert entry.changes == {
        "display_name": ["Ullviskolan", "Ullvi skola"],
        "school_types": [["GR"], ["GR", "FTH"]],
    }
    # Saving the same values again writes nothing.
    services.organisation_update(
        actor=as_of_now(central_admin), organisation=unit, display_name="Ullvi skola"
    )
    assert AuditEntry.objects.filter(action="organisation.update").count() == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"parent": None}, "parent"),
        ({"huvudman": None}, "huvudman"),
        ({"school_unit_code": "87654321"}, "school_unit_code"),
        ({"school_types": ["ZZ"]}, "school_types"),
        ({"start_date": date(2026, 8, 1), "end_date": date(2026, 7, 31)}, "end_date"),
    ],
)
def test_organisation_update_refusals_change_nothing(koping, central_admin, kw, field):
    f.SchoolUnitFactory(parent=koping, school_unit_code="87654321")
    unit = f.SchoolUnitFactory(parent=koping, school_unit_code="11111111")
    before = Organisation.objects.values().get(pk=unit.pk)
    with pytest.raises(DomainError) as caught:
        services.organisation_update(actor=as_of_now(central_admin), organisation=unit, **kw)
    assert fields(caught) == {field}
    assert Organisation.objects.values().get(pk=unit.pk) == before
    assert not AuditEntry.objects.filter(action="organisation.update").exists()


def test_two_units_may_both_drop_their_school_unit_code(koping, central_admin):
    first = f.SchoolUnitFactory(parent=koping)
    second = f.SchoolUnitFactory(parent=koping)
    for unit in (first, second):
        services.organisation_update(
            actor=as_of_now(central_admin), organisation=unit, school_unit_code=""
        )
        unit.refresh_from_db()
        assert unit.school_unit_code is None


def test_only_administrators_of_the_unit_update_it(koping):
    unit = f.SchoolUnitFactory(parent=koping, display_name="Ullviskolan")
    teacher = f.staff_actor(unit, role=DutyRole.LARARE, on=ON)
    rektor_elsewhere = f.staff_actor(
        f.SchoolUnitFactory(parent=koping), role=DutyRole.REKTOR, on=ON
    )
    for actor in (teacher, rektor_elsewhere):
        with pytest.raises(DomainError, match="behörighet"):
            services.organisation_update(actor=actor, organisation=unit, display_name="X")
    unit.refresh_from_db()
    assert unit.display_name == "Ullviskolan"
    rektor = f.staff_actor(unit, role=DutyRole.REKTOR, on=ON)
    services.organisation_update(actor=rektor, organisation=unit, display_name="Ullvi skola")
    unit.refresh_from_db()
    assert unit.display_name == "Ullvi skola"
