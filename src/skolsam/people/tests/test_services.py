"""Prove the person services: civic numbers, optimistic locking, relations, protected identity."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.audit.models import AuditEntry
from skolsam.core import access
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.people import access as people_access
from skolsam.people import services
from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheeleskolan():
    return build_school()


@pytest.fixture
def school_admin(scheeleskolan):
    return f.staff_actor(scheeleskolan, role=DutyRole.SKOLADMINISTRATOR, on=ON, given_name="Eva")


@pytest.fixture
def central_admin(scheeleskolan):
    return f.staff_actor(
        scheeleskolan.huvudman, role=DutyRole.OVRIG_ARBETSLEDNING, on=ON, given_name="Birgitta"
    )


def pupil_at(school, **kw):
    pupil = f.PupilFactory(**kw)
    f.EnrolmentFactory(person=pupil, enroled_at=school)
    return pupil


def error_fields(exc: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return set(exc.value.message_dict)


# --- person_create and civic numbers ------------------------------------------------------


@pytest.mark.parametrize(
    ("civic_no", "stored", "kind", "birth_date", "sex"),
    [
        ("201501012395", "201501012395", "personnummer", date(2015, 1, 1), "Man"),
        ("150102-2386", "201501022386", "personnummer", date(2015, 1, 2), "Kvinna"),
        ("120211+9150", "191202119150", "personnummer", date(1912, 2, 11), "Man"),
        ("1501612392", "201501612392", "samordningsnummer", date(2015, 1, 1), "Man"),
        ("20150315-T001", "20150315T001", "temporary", date(2015, 3, 15), "Okänt"),
        ("20150315TF01", "20150315TF01", "temporary", date(2015, 3, 15), "Okänt"),
        (None, None, "", None, "Okänt"),
    ],
)
def test_person_create_stores_the_civic_number_with_its_type(
    school_admin, civic_no, stored, kind, birth_date, sex
):
    person = services.person_create(
        actor=school_admin, given_name=" Alva ", family_name="Andersson", civic_no=civic_no
    )
    person.refresh_from_db()
    assert (person.civic_no, person.civic_no_type) == (stored, kind)
    assert (person.birth_date, person.sex) == (birth_date, sex)
    assert person.given_name == "Alva"
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert entry.person_id == person.pk
    assert entry.actor_label == school_admin.label
    assert entry.changes["given_name"] == [None, "Alva"]
    if stored:
        assert entry.changes["civic_no"] == [None, stored]
        assert entry.changes["civic_no_type"] == [None, kind]


def test_the_civic_number_overrides_a_typed_sex_but_a_temporary_number_does_not(school_admin):
    typed = services.person_create(
        actor=school_admin,
        given_name="Saga",
        family_name="Nilsson",
        civic_no="20150315TF01",
        sex="Kvinna",
        birth_date=date(2015, 3, 15),
    )
    assert typed.sex == "Kvinna"
    overridden = services.person_create(
        actor=school_admin,
        given_name="Noah",
        family_name="Nilsson",
        civic_no="201501012395",
        sex="Kvinna",
    )
    assert overridden.sex == "Man"


@pytest.mark.parametrize(
    ("civic_no", "message"),
    [
        ("201501012396", "Kontrollsiffran"),
        ("150230-2399", "finns inte"),
        ("20150230TF01", "finns inte"),
        ("1501922395", "finns inte"),
        ("12345", "Ogiltigt format"),
        # Born 3 November 1926 and written with a dash on 15 October 2026: that dash
        # says "under 100", which makes the birth date 3 November 2026, in the future.
        ("261103-8387", "framtiden"),
    ],
)
def test_person_create_refuses_an_invalid_civic_number_and_writes_nothing(
    school_admin, civic_no, message
):
    persons, entries = Person.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        services.person_create(
            actor=school_admin, given_name="Hugo", family_name="Karlsson", civic_no=civic_no
        )
    assert error_fields(caught) == {"civic_no"}
    assert message in caught.value.message_dict["civic_no"][0]
    assert (Person.objects.count(), AuditEntry.objects.count()) == (persons, entries)


def test_duplicate_civic_number_is_refused_in_any_form(school_admin):
    services.person_create(
        actor=school_admin, given_name="Maja", family_name="Eriksson", civic_no="201501022386"
    )
    persons, entries = Person.objects.count(), AuditEntry.objects.count()
    for form in ("201501022386", "150102-2386", "1501022386", "20150102-2386"):
        with pytest.raises(DomainError) as caught:
            services.person_create(
                actor=school_admin, given_name="Maja", family_name="Eriksson", civic_no=form
            )
        assert caught.value.message_dict["civic_no"] == [
            "Det finns redan en person med det personnumret."
        ]
    assert (Person.objects.count(), AuditEntry.objects.count()) == (persons, entries)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"security_marking": "Hemlig"}, "security_marking"),
        ({"emails": [{"type": "Privat", "value": "inte-en-adress"}]}, "emails"),
        ({"phone_numbers": [{"type": "Hem", "value": "ring mig"}]}, "phone_numbers"),
        ({"addresses": [{"type": "Folkbokföring", "streetAddress": "Storgatan 1"}]}, "addresses"),
    ],
)
def test_person_create_refuses_bad_fields_and_writes_nothing(school_admin, fields, field):
    data = {"given_name": "Liam", "family_name": "Lindqvist", **fields}
    persons = Person.objects.count()
    with pytest.raises(DomainError) as caught:
        services.person_create(actor=school_admin, **data)
    assert field in error_fields(caught)
    assert Person.objects.count() == persons
    assert not AuditEntry.objects.exists()


def test_person_create_takes_the_home_municipality_from_the_folkbokforing_address(school_admin):
    person = services.person_create(
        actor=school_admin,
        given_name="Elsa",
        family_name="Andersson",
        addresses=[
            {
                "type": "Folkbokföring",
                "streetAddress": "Östra Långgatan 2",
                "postalCode": "73230",
                "locality": "Arboga",
                "municipalityCode": "1984",
            }
        ],
    )
    assert person.home_municipality_code == "1984"


def test_only_administrators_create_persons(scheeleskolan):
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    guardian = actor_builder.actor_for_person(f.PersonFactory().pk, on=ON)
    for actor in (teacher, guardian):
        with pytest.raises(DomainError):
            services.person_create(actor=actor, given_name="Otto", family_name="Olsson")
    assert not Person.objects.filter(given_name="Otto").exists()
    services.person_create(
        actor=access.system_actor("import"), given_name="Otto", family_name="Olsson"
    )


# --- person_update and optimistic locking ---------------------------------------------------


def test_person_update_records_old_and_new_values_and_bumps_the_version(
    school_admin, scheeleskolan
):
    pupil = pupil_at(scheeleskolan, given_name="Alva", family_name="Andersson")
    updated = services.person_update(
        actor=school_admin, person=pupil, version=1, family_name="Berg", middle_name="Maria"
    )
    assert updated.version == 2
    pupil.refresh_from_db()
    assert (pupil.family_name, pupil.middle_name, pupil.version) == ("Berg", "Maria", 2)
    entry = AuditEntry.objects.get(action="person.update")
    assert entry.changes == {"family_name": ["Andersson", "Berg"], "middle_name": ["", "Maria"]}
    assert entry.person_id == pupil.pk and entry.object_type == "Person"


def test_person_update_refuses_a_stale_version_and_changes_nothing(school_admin, scheeleskolan):
    pupil = pupil_at(scheeleskolan, family_name="Andersson")
    opened_by_me = pupil.version
    services.person_update(actor=school_admin, person=pupil, version=1, family_name="Berg")
    entries = AuditEntry.objects.count()
    with pytest.raises(services.StaleVersion) as caught:
        services.person_update(
            actor=school_admin, person=pupil, version=opened_by_me, family_name="Lind"
        )
    assert caught.value.messages == [
        "Någon annan har sparat ändringar på personen sedan du öppnade den. "
        "Ladda om sidan och gör ändringen igen."
    ]
    pupil.refresh_from_db()
    assert (pupil.family_name, pupil.version) == ("Berg", 2)
    assert AuditEntry.objects.count() == entries


def test_person_update_without_changes_writes_nothing(school_admin, scheeleskolan):
    pupil = pupil_at(scheeleskolan, family_name="Andersson")
    services.person_update(actor=school_admin, person=pupil, version=1, family_name="Andersson")
    pupil.refresh_from_db()
    assert pupil.version == 1
    assert not AuditEntry.objects.filter(action="person.update").exists()


def test_person_update_of_the_civic_number_also_updates_birth_date_and_sex(
    school_admin, scheeleskolan
):
    pupil = pupil_at(scheeleskolan, civic_no=None, civic_no_type="", birth_date=None)
    services.person_update(actor=school_admin, person=pupil, civic_no="20150102-2386")
    pupil.refresh_from_db()
    assert (pupil.civic_no, pupil.birth_date, pupil.sex) == (
        "201501022386",
        date(2015, 1, 2),
        "Kvinna",
    )
    changes = AuditEntry.objects.get(action="person.update").changes
    assert changes["civic_no"] == [None, "201501022386"]
    assert changes["birth_date"] == [None, "2015-01-02"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"civic_no": "201501012396"}, "civic_no"),
        ({"sex": "Annat"}, "sex"),
        ({"home_municipality_code": "0180"}, "home_municipality_code"),
        ({"emails": [{"type": "Jobb", "value": "a@example.se"}]}, "emails"),
        ({"given_name": " "}, "given_name"),
        ({"security_marking": "Hemlig"}, "security_marking"),
    ],
)
def test_person_update_refuses_bad_changes_and_changes_nothing(
    school_admin, scheeleskolan, changes, field
):
    pupil = pupil_at(scheeleskolan, given_name="Alva")
    before = Person.objects.values().get(pk=pupil.pk)
    with pytest.raises(DomainError) as caught:
        services.person_update(actor=school_admin, person=pupil, **changes)
    assert field in error_fields(caught)
    assert Person.objects.values().get(pk=pupil.pk) == before
    assert not AuditEntry.objects.exists()


def test_person_update_refuses_someone_elses_civic_number(school_admin, scheeleskolan):
    pupil_at(scheeleskolan, civic_no="201501012395")
    other = pupil_at(scheeleskolan, civic_no="201501022386")
    with pytest.raises(DomainError) as caught:
        services.person_update(actor=school_admin, person=other, civic_no="150101-2395")
    assert error_fields(caught) == {"civic_no"}
    other.refresh_from_db()
    assert other.civic_no == "201501022386"


def test_person_update_needs_edit_rights(scheeleskolan, school_admin):
    pupil = pupil_at(scheeleskolan)
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    other_school = f.SchoolUnitFactory()
    outsider = f.staff_actor(other_school, role=DutyRole.REKTOR, on=ON)
    for actor in (teacher, outsider):
        with pytest.raises(DomainError, match="behörighet"):
            services.person_update(actor=actor, person=pupil, family_name="Ändrad")
    protected = pupil_at(scheeleskolan, security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    with pytest.raises(DomainError, match="behörighet"):
        services.person_update(actor=school_admin, person=protected, family_name="Ändrad")
    assert not Person.objects.filter(family_name="Ändrad").exists()


# --- responsible relations --------------------------------------------------------------


def test_responsible_add_and_end_keep_history_and_audit_the_dates(school_admin, scheeleskolan):
    pupil = pupil_at(scheeleskolan)
    guardian = f.PersonFactory(given_name="Karin")
    relation = services.responsible_add(
        actor=school_admin, person=pupil, responsible=guardian, start_date=date(2015, 1, 1)
    )
    services.responsible_end(actor=school_admin, relation=relation, end_date=date(2026, 6, 30))
    relation.refresh_from_db()
    assert (relation.start_date, relation.end_date) == (date(2015, 1, 1), date(2026, 6, 30))
    added = AuditEntry.objects.get(action="responsible.add")
    assert added.changes["start_date"] == [None, "2015-01-01"]
    assert added.person_id == pupil.pk
    ended = AuditEntry.objects.get(action="responsible.end")
    assert ended.changes == {"end_date": [None, "2026-06-30"]}
    # The guardian sees the child on the last day, and not the day after.
    assert people_access.persons_visible_to(
        actor_builder.actor_for_person(guardian.pk, on=date(2026, 6, 30))
    ).filter(pk=pupil.pk)
    assert not people_access.persons_visible_to(
        actor_builder.actor_for_person(guardian.pk, on=date(2026, 7, 1))
    ).filter(pk=pupil.pk)


def test_responsible_add_refuses_overlaps_self_and_bad_periods(school_admin, scheeleskolan):
    pupil = pupil_at(scheeleskolan)
    guardian = f.PersonFactory()
    services.responsible_add(
        actor=school_admin,
        person=pupil,
        responsible=guardian,
        start_date=date(2015, 1, 1),
        end_date=date(2020, 12, 31),
    )
    refusals = [
        ({"responsible": guardian, "start_date": date(2020, 12, 31)}, "responsible"),
        ({"responsible": pupil, "start_date": date(2021, 1, 1)}, "responsible"),
        (
            {
                "responsible": guardian,
                "start_date": date(2022, 1, 1),
                "end_date": date(2021, 12, 31),
            },
            "end_date",
        ),
        (
            {"responsible": guardian, "start_date": date(2021, 1, 1), "relation_type": "Kusin"},
            "relation_type",
        ),
    ]
    for kwargs, field in refusals:
        with pytest.raises(DomainError) as caught:
            services.responsible_add(actor=school_admin, person=pupil, **kwargs)
        assert field in error_fields(caught)
    # A new period right after the old one is fine.
    services.responsible_add(
        actor=school_admin, person=pupil, responsible=guardian, start_date=date(2021, 1, 1)
    )
    assert Responsible.objects.filter(person=pupil).count() == 2


def test_responsible_end_refuses_an_end_before_the_start(school_admin, scheeleskolan):
    relation = f.ResponsibleFactory(person=pupil_at(scheeleskolan), start_date=date(2015, 1, 1))
    with pytest.raises(DomainError) as caught:
        services.responsible_end(actor=school_admin, relation=relation, end_date=date(2014, 12, 31))
    assert error_fields(caught) == {"end_date"}
    relation.refresh_from_db()
    assert relation.end_date is None


def test_only_those_who_may_edit_the_child_add_or_end_guardians(scheeleskolan):
    pupil = pupil_at(scheeleskolan)
    stranger = f.PersonFactory(given_name="Främling")
    stranger_actor = actor_builder.actor_for_person(stranger.pk, on=ON)
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    for actor in (stranger_actor, teacher):
        with pytest.raises(DomainError, match="behörighet"):
            services.responsible_add(actor=actor, person=pupil, responsible=stranger, start_date=ON)
    assert not Responsible.objects.exists()
    relation = f.ResponsibleFactory(person=pupil)
    guardian = actor_builder.actor_for_person(relation.responsible_id, on=ON)
    with pytest.raises(DomainError, match="behörighet"):
        services.responsible_end(actor=guardian, relation=relation, end_date=ON)


# --- protected identity authorisations ------------------------------------------------------


def test_central_admin_names_staff_for_a_protected_pupil(central_admin, scheeleskolan):
    protected = pupil_at(scheeleskolan, security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    mentor = f.DutyFactory(duty_at=scheeleskolan).person
    grant = services.protected_identity_authorise(
        actor=central_admin,
        person=protected,
        staff=mentor,
        reason=" Mentor ",
        start_date=ON,
        end_date=date(2027, 6, 30),
    )
    assert grant.reason == "Mentor"
    entry = AuditEntry.objects.get(action="protected.authorise")
    assert entry.person_id == protected.pk
    assert entry.detail == {"staff": str(mentor.pk), "reason": "Mentor"}
    assert entry.changes == {"start_date": [None, "2026-10-15"], "end_date": [None, "2027-06-30"]}
    assert protected.pk in actor_builder.actor_for_person(mentor.pk, on=ON).authorised_protected_ids


def test_protected_identity_authorise_refusals(central_admin, school_admin, scheeleskolan):
    protected = pupil_at(scheeleskolan, security_marking=SecurityMarking.SEKRETESSMARKERING)
    unprotected = pupil_at(scheeleskolan)
    mentor = f.DutyFactory(duty_at=scheeleskolan).person
    arboga_teacher = f.DutyFactory().person  # a duty at another huvudman's school
    guardian = f.ResponsibleFactory(person=protected).responsible
    ok = {
        "actor": central_admin,
        "person": protected,
        "staff": mentor,
        "reason": "Mentor",
        "start_date": ON,
    }
    refusals = [
        ({"actor": school_admin}, None),  # a school administrator is not central
        ({"person": unprotected}, "person"),
        ({"reason": "  "}, "reason"),
        ({"end_date": date(2026, 10, 14)}, "end_date"),
        ({"staff": arboga_teacher}, "staff"),  # staff of another huvudman
        ({"staff": guardian}, "staff"),  # not staff at all
    ]
    for override, field in refusals:
        with pytest.raises(DomainError) as caught:
            services.protected_identity_authorise(**{**ok, **override})
        if field:
            assert field in error_fields(caught), override
    assert not ProtectedIdentityAuthorisation.objects.exists()
    assert not AuditEntry.objects.exists()
    services.protected_identity_authorise(**ok)
    assert ProtectedIdentityAuthorisation.objects.count() == 1
