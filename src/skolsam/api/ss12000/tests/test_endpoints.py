"""Every resource: list, lookup, by id, expand and its own filters, validated against the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.core.choices import ProgrammeType
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.testing.factories import (
    EnrolmentFactory,
    PersonFactory,
    PlacementFactory,
    PupilFactory,
    SchoolUnitFactory,
)


@pytest.fixture
def register(world):
    """Add what the base story lacks: a preschool placement, a programme and syllabuses."""
    preschool = SchoolUnitFactory(
        parent=world.koping, display_name="Sagans förskola", school_types=["FS"]
    )
    child: Any = PupilFactory(given_name="Nils", family_name="Karlsson")
    placement: Any = PlacementFactory(child=child, placed_at=preschool)
    placement.owners.add(world.maria)
    arboga_placement = PlacementFactory(
        placed_at=SchoolUnitFactory(parent=world.arboga, school_types=["FS"])
    )
    matte = Syllabus.objects.create(
        school_type="GR", subject_code="GRGRMAT01", subject_name="Matematik"
    )
    svenska = Syllabus.objects.create(
        school_type="GR", subject_code="GRGRSVE01", subject_name="Svenska"
    )
    natur = Programme.objects.create(
        name="Naturvetenskapsprogrammet",
        type=ProgrammeType.HOGSKOLEFORBEREDANDE,
        school_type="GY",
        code="NA",
        content=[{"type": "Gymnasiegemensamma", "points": 1000, "content": [str(matte.pk)]}],
    )
    offering = SchoolUnitOffering.objects.create(offered_at=world.karlberg)
    offering.offered_syllabuses.add(matte, svenska)
    arboga_offering = SchoolUnitOffering.objects.create(offered_at=world.gaddgard)
    world.activity.syllabus = matte
    world.activity.save()
    return {
        "preschool": preschool,
        "child": child,
        "placement": placement,
        "arboga_placement": arboga_placement,
        "matte": matte,
        "natur": natur,
        "offering": offering,
        "arboga_offering": arboga_offering,
    }


RESOURCES = {
    "organisations": (),
    "persons": ("duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships"),
    "placements": ("child", "owners"),
    "duties": ("person",),
    "groups": ("assignmentRoles",),
    "programmes": (),
    "syllabuses": (),
    "schoolUnitOfferings": (),
    "activities": ("groups", "teachers", "syllabus"),
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_lookup_and_detail_conform(api: Api, register, resource: str) -> None:
    expand = RESOURCES[resource]
    query = {"expandReferenceNames": "true", **({"expand": list(expand)} if expand else {})}
    rows = api.get(f"/{resource}", query)["data"]
    assert rows, resource
    ids = [row["id"] for row in rows]
    looked_up = api.post(f"/{resource}/lookup", {"ids": ids}, query=query)
    assert sorted(r["id"] for r in looked_up) == sorted(ids)
    one = api.get(f"/{resource}/{ids[0]}", query)
    assert one["id"] == ids[0]
    if expand:
        assert set(one["_embedded"]) == set(expand)
    if resource != "syllabuses":  # a syllabus refers to nothing
        assert "displayName" in json.dumps(rows)
    plain = api.get(f"/{resource}")["data"]
    assert "displayName" not in json.dumps(
        [{k: v for k, v in r.items() if k != "displayName"} for r in plain]
    )


def test_a_duty_reference_has_one_display_name_on_every_endpoint(api: Api, world) -> None:
    """Erik teaches 7A mathematics and holds an assignment role in 7A: one name for both."""
    names = {"expandReferenceNames": "true"}
    group = api.get(f"/groups/{world.klass_7a.pk}", {**names, "expand": "assignmentRoles"})
    [role] = group["_embedded"]["assignmentRoles"]
    activity = api.get(f"/activities/{world.activity.pk}", names)
    [teacher] = activity["teachers"]
    assert role["duty"]["id"] == teacher["duty"]["id"] == str(world.erik_duty.pk)
    assert role["duty"]["displayName"] == teacher["duty"]["displayName"] == "Erik Berg"


def test_out_of_scope_curriculum_and_placements(api: Api, register, world) -> None:
    api.get(f"/placements/{register['arboga_placement'].pk}", status=404)
    api.get(f"/schoolUnitOfferings/{register['arboga_offering'].pk}", status=404)
    # Syllabuses and programmes are national reference data: every client sees them.
    api.get(f"/syllabuses/{register['matte'].pk}")
    api.get(f"/programmes/{register['natur'].pk}")


def test_person_filters(api: Api, register, world) -> None:
    def ids(query: dict) -> set[str]:
        return {p["id"] for p in api.all_pages("/persons", query)}

    alva, maria, erik = str(world.alva.pk), str(world.maria.pk), str(world.erik.pk)
    assert ids({"nameContains": ["alv", "KARL"]}) == {alva}

    assert ids({"civicNo": world.alva.civic_no}) == {alva}
    assert ids({"civicNo": world.hugo.civic_no}) == set()
    assert ids({"eduPersonPrincipalName": "alva.karlsson@elev.koping.se"}) == {alva}
    assert ids({"relationship.entity.type": "duty"}) == {erik}
    assert alva in ids(
        {
            "relationship.entity.type": "enrolment",
            "relationship.organisation": str(world.karlberg.pk),
        }
    )
    assert ids({"relationship.entity.type": "responsibleFor.enrolment"}) == {maria}
    assert ids({"relationship.entity.type": "placement.owner"}) == {maria}
    assert ids({"relationship.entity.type": "placement.child"}) == {str(register["child"].pk)}
    assert alva in ids(
        {
            "relationship.entity.type": "groupMembership",
            "relationship.endDate.onOrAfter": "2026-09-01",
        }
    )
    assert (
        ids(
            {
                "relationship.entity.type": "enrolment",
                "relationship.startDate.onOrBefore": "2000-01-01",
            }
        )
        == set()
    )
    world.alva.external_identifiers = [{"value": "A-17", "context": "lms", "globallyUnique": False}]
    world.alva.save()
    assert ids({"identifier.value": "A-17"}) == {alva}
    assert ids({"identifier.value": "A-17", "identifier.context": "other"}) == set()


def test_name_contains_ignores_case_for_swedish_letters_too(api: Api, world) -> None:
    """The spec: case-insensitive, anywhere in any of the three names, every value must match."""
    from skolsam.testing.factories import EnrolmentFactory, PupilFactory

    ake = PupilFactory(given_name="Åke", family_name="Hellström")
    EnrolmentFactory(person=ake, enroled_at=world.karlberg, school_year=7)
    ake_id = str(ake.pk)

    def ids(*parts: str) -> set[str]:
        return {p["id"] for p in api.all_pages("/persons", {"nameContains": list(parts)})}

    assert ids("HELLSTRÖM") == {ake_id}
    assert ids("hellström") == {ake_id}
    assert ids("åKE", "STRÖ") == {ake_id}
    assert ids("ström", "Nobody") == set()
    # Case-insensitive for every letter, diacritics folded as in the staff search.
    assert ids("hellstrom") == {ake_id}


def test_other_filters(api: Api, register, world) -> None:
    def ids(path: str, query: dict) -> set[str]:
        return {r["id"] for r in api.all_pages(path, query)}

    karlberg = str(world.karlberg.pk)
    assert ids("/organisations", {"schoolUnitCode": world.karlberg.school_unit_code}) == {karlberg}
    assert karlberg in ids("/organisations", {"type": "Skolenhet", "schoolTypes": "GR"})
    assert ids("/organisations", {"parent": str(world.koping.pk), "schoolTypes": "FS"}) == {
        str(register["preschool"].pk)
    }
    assert ids("/groups", {"groupType": "Klass", "organisation": karlberg}) == {
        str(world.klass_7a.pk)
    }
    assert ids("/groups", {"groupType": "Mentor"}) == set()
    assert ids("/duties", {"dutyRole": "Lärare", "person": str(world.erik.pk)}) == {
        str(world.erik_duty.pk)
    }
    assert ids("/placements", {"owner": str(world.maria.pk)}) == {str(register["placement"].pk)}
    assert ids("/activities", {"member": str(world.alva.pk)}) == {str(world.activity.pk)}
    assert ids("/activities", {"teacher": str(world.erik_duty.pk)}) == {str(world.activity.pk)}
    assert ids("/activities", {"organisation": str(world.koping.pk)}) == {str(world.activity.pk)}
    assert ids("/programmes", {"code": "NA", "schoolType": "GY"}) == {str(register["natur"].pk)}
    assert ids("/schoolUnitOfferings", {"organisation": karlberg}) == {str(register["offering"].pk)}
    assert ids("/groups", {"endDate.onOrBefore": "2000-01-01"}) == {str(world.klass_7a.pk)}
    assert ids("/groups", {"startDate.onOrAfter": "2030-01-01"}) == set()


@pytest.mark.parametrize(
    ("resource", "sortkey"),
    [
        ("groups", "DisplayNameAsc"),
        ("groups", "EndDateDesc"),
        ("duties", "StartDateAsc"),
        ("placements", "EndDateAsc"),
        ("syllabuses", "SubjectNameDesc"),
        ("programmes", "CodeAsc"),
        ("organisations", "DisplayNameAsc"),
        ("schoolUnitOfferings", "StartDateDesc"),
    ],
)
def test_sort_keys_page(api: Api, register, resource: str, sortkey: str) -> None:
    everything = api.all_pages(f"/{resource}", {"sortkey": sortkey})
    paged = api.all_pages(f"/{resource}", {"sortkey": sortkey, "limit": 1})
    assert [r["id"] for r in paged] == [r["id"] for r in everything]


def test_lookup_errors(api: Api, world) -> None:
    assert api.post("/persons/lookup", {"ids": "nope"}, status=400)["code"] == "BadRequest"
    assert api.post("/persons/lookup", {"ids": ["nope"]}, status=400)


@pytest.mark.parametrize(
    ("resource", "key"),
    [
        ("persons", "ids"),
        ("persons", "civicNos"),
        ("activities", "members"),
        ("groups", "ids"),
        ("calendarEvents", "ids"),
        ("attendances", "ids"),
    ],
)
def test_a_lookup_of_too_many_values_is_a_bad_request(
    api: Api, world, resource: str, key: str
) -> None:
    # Refused before any query, in the spec's Error shape: the client asked too much,
    # the server is not overloaded (which is what 503 says).
    values = [str(uuid4()) for _ in range(5000)]
    body = api.post(f"/{resource}/lookup", {key: values}, status=400)
    assert body["code"] == "TooManyValues"
    assert "5000" in body["message"] and "1000" in body["message"]


def test_a_lookup_body_larger_than_the_server_reads_is_a_bad_request(api: Api) -> None:
    body = {"ids": ["x" * 1000] * 3000}  # about 3 MB, more than Django reads into memory
    answer = api.post("/persons/lookup", body, status=400)
    assert answer["code"] == "TooLarge"


def test_resources_not_in_the_register_say_so(api: Api) -> None:
    body = api.get("/studyplans", status=501, check=False)
    assert body["code"] == "NotImplemented"


# --- Skolverket's stricter schemas ----------------------------------------------------------

DNP = Path(settings.SKOLSAM_SS12000_SPEC_PATH).parent / "skolverket-dnp-reference-api" / "schema"


def dnp_validator(name: str) -> Draft202012Validator:
    registry = Registry()
    schemas = {}
    for path in DNP.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        schemas[schema["$id"]] = schema
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft202012Validator(schemas[f"/schemas/{name}"], registry=registry)


def test_dnp_client_gets_what_skolverket_requires(world) -> None:
    gy = SchoolUnitFactory(parent=world.koping, display_name="Ullvigymnasiet", school_types=["GY"])
    student: Any = PupilFactory(
        given_name="Ella", family_name="Ek", edu_person_principal_names=["ella@elev.koping.se"]
    )
    EnrolmentFactory(
        person=student, enroled_at=gy, school_type="GY", school_year=1, education_code="NANAT"
    )
    teacher: Any = PersonFactory(edu_person_principal_names=["erik.berg@koping.se"])
    world.erik.edu_person_principal_names = ["erik.berg@koping.se"]
    world.erik.save()
    world.maria.edu_person_principal_names = ["maria@vh.koping.se"]
    world.maria.save()
    assert teacher.pk
    client, _ = make_client([world.koping], name="DNP", consumer_profile="skolverket-dnp")
    api = Api(token_for(client))
    persons = [
        p
        for p in api.all_pages("/persons", {"relationship.entity.type": "enrolment"})
        if p.get("eduPersonPrincipalNames")
    ]
    assert {str(student.pk), str(world.alva.pk)} <= {p["id"] for p in persons}
    dnp_validator("persons").validate({"persons": persons})
    groups = api.all_pages("/groups")
    dnp_validator("groups").validate({"groups": groups})
    duties = api.all_pages("/duties")
    dnp_validator("duties").validate({"duties": duties})
    units = api.all_pages("/organisations", {"type": "Skolenhet"})
    dnp_validator("organisations").validate({"organisations": units})
    gy_enrolment = next(p for p in persons if p["id"] == str(student.pk))["enrolments"][0]
    assert gy_enrolment["educationCode"] == "NANAT"
