"""Every resource: list, lookup, by id, expand and its own filters, validated against the spec.

The register is the story's (skolsam.testing.story), as Köping's learning platform sees it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.core.choices import ProgrammeType
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.duties.models import Duty
from skolsam.people.models import Person
from skolsam.testing.factories import (
    AssignmentRoleFactory,
    EnrolmentFactory,
    PersonFactory,
    PlacementFactory,
    PupilFactory,
    SchoolUnitFactory,
)


@pytest.fixture
def register(story_api: Api, story: Any) -> dict[str, Any]:
    """Add what the story lacks: a preschool placement, a programme and syllabuses.

    Signe goes to Sagans förskola, a placement Karin owns; the mathematics activities follow
    the syllabus GRGRMAT01 and Svenska 7B GRGRSVE01, both of which Scheeleskolan offers.
    """
    preschool = SchoolUnitFactory(
        parent=story.koping, display_name="Sagans förskola", school_types=["FS"]
    )
    child: Any = PupilFactory(given_name="Signe", family_name="Karlsson")
    placement: Any = PlacementFactory(child=child, placed_at=preschool)
    placement.owners.add(story.guardian_of_pupil_in_7b)
    arboga_placement = PlacementFactory(
        placed_at=SchoolUnitFactory(parent=story.arboga, school_types=["FS"])
    )
    matte, _ = Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRMAT01",
        course_code="",
        defaults={"subject_name": "Matematik"},
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
    offering = SchoolUnitOffering.objects.create(offered_at=story.scheeleskolan)
    offering.offered_syllabuses.add(matte, svenska)
    arboga_offering = SchoolUnitOffering.objects.create(offered_at=story.gaddgardsskolan)
    # Every activity of Köping's follows its syllabus, so any of them expands into one.
    Activity.objects.filter(display_name__startswith="Matematik").update(syllabus=matte)
    Activity.objects.filter(display_name__startswith="Svenska").update(syllabus=svenska)
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


def _activity(name: str) -> Any:
    return Activity.objects.get(display_name=name)


def _duty_of(person: Any) -> Any:
    return Duty.objects.get(person=person)


# Köping's staff in the story: every one has one duty there.
KOPING_STAFF = (
    "central_admin_koping",
    "rektor_at_scheeleskolan",
    "school_admin_at_scheeleskolan",
    "kurator_at_scheeleskolan",
    "colleague_at_scheeleskolan",
    "teacher_of_7b",
    "mentor_of_7b",
    "authorised_teacher_of_7b",
    "teacher_of_7a",
    "teacher_at_ullviskolan",
)


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
def test_list_lookup_and_detail_conform(story_api: Api, register, resource: str) -> None:
    expand = RESOURCES[resource]
    query = {"expandReferenceNames": "true", **({"expand": list(expand)} if expand else {})}
    rows = story_api.get(f"/{resource}", query)["data"]
    assert rows, resource
    ids = [row["id"] for row in rows]
    looked_up = story_api.post(f"/{resource}/lookup", {"ids": ids}, query=query)
    assert sorted(r["id"] for r in looked_up) == sorted(ids)
    one = story_api.get(f"/{resource}/{ids[0]}", query)
    assert one["id"] == ids[0]
    if expand:
        assert set(one["_embedded"]) == set(expand)
    if resource != "syllabuses":  # a syllabus refers to nothing
        assert "displayName" in json.dumps(rows)
    plain = story_api.get(f"/{resource}")["data"]
    assert "displayName" not in json.dumps(
        [{k: v for k, v in r.items() if k != "displayName"} for r in plain]
    )


def test_a_duty_reference_has_one_display_name_on_every_endpoint(
    story_api: Api, story: Any
) -> None:
    """Maria teaches 7B mathematics and, here, also holds an assignment role in 7B."""
    maria = _duty_of(story.teacher_of_7b)
    AssignmentRoleFactory(duty=maria, group=story.groups["7B"])
    names = {"expandReferenceNames": "true"}
    group = story_api.get(
        f"/groups/{story.groups['7B'].pk}", {**names, "expand": "assignmentRoles"}
    )
    roles = group["_embedded"]["assignmentRoles"]
    assert {r["duty"]["id"] for r in roles} == {str(maria.pk), str(_duty_of(story.mentor_of_7b).pk)}
    [role] = [r for r in roles if r["duty"]["id"] == str(maria.pk)]
    activity = story_api.get(f"/activities/{_activity('Matematik 7B').pk}", names)
    [teacher] = activity["teachers"]
    assert role["duty"]["id"] == teacher["duty"]["id"] == str(maria.pk)
    full_name = story.teacher_of_7b.full_name
    assert role["duty"]["displayName"] == teacher["duty"]["displayName"] == full_name


def test_out_of_scope_curriculum_and_placements(story_api: Api, register) -> None:
    story_api.get(f"/placements/{register['arboga_placement'].pk}", status=404)
    story_api.get(f"/schoolUnitOfferings/{register['arboga_offering'].pk}", status=404)
    # Syllabuses and programmes are national reference data: every client sees them.
    story_api.get(f"/syllabuses/{register['matte'].pk}")
    story_api.get(f"/programmes/{register['natur'].pk}")


def test_person_filters(story_api: Api, register, story: Any) -> None:
    def ids(query: dict) -> set[str]:
        return {p["id"] for p in story_api.all_pages("/persons", query)}

    alva, karin = str(story.pupil_in_7b.pk), str(story.guardian_of_pupil_in_7b.pk)
    family = story.pupil_in_7b.family_name
    assert ids({"nameContains": ["alv", family[:4].upper()]}) == {alva}

    assert ids({"civicNo": story.pupil_in_7b.civic_no}) == {alva}
    assert ids({"civicNo": story.pupil_in_arboga.civic_no}) == set()
    Person.objects.filter(pk=alva).update(edu_person_principal_names=["alva@elev.koping.se"])
    assert ids({"eduPersonPrincipalName": "alva@elev.koping.se"}) == {alva}
    assert ids({"relationship.entity.type": "duty"}) == {
        str(getattr(story, key).pk) for key in KOPING_STAFF
    }
    assert alva in ids(
        {
            "relationship.entity.type": "enrolment",
            "relationship.organisation": str(story.scheeleskolan.pk),
        }
    )
    # Alva's guardian and her annan ansvarig; not Johan, whose custody ended.
    mats = str(story.other_responsible_of_pupil_in_7b.pk)
    assert ids({"relationship.entity.type": "responsibleFor.enrolment"}) == {karin, mats}
    assert ids({"relationship.entity.type": "placement.owner"}) == {karin}
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
    Person.objects.filter(pk=alva).update(
        external_identifiers=[{"value": "A-17", "context": "lms", "globallyUnique": False}]
    )
    assert ids({"identifier.value": "A-17"}) == {alva}
    assert ids({"identifier.value": "A-17", "identifier.context": "other"}) == set()


def test_name_contains_ignores_case_for_swedish_letters_too(story_api: Api, story: Any) -> None:
    """The spec: case-insensitive, anywhere in any of the three names, every value must match."""
    ake = PupilFactory(given_name="Åke", family_name="Hellström")
    EnrolmentFactory(person=ake, enroled_at=story.scheeleskolan, school_year=7)
    ake_id = str(ake.pk)

    def ids(*parts: str) -> set[str]:
        return {p["id"] for p in story_api.all_pages("/persons", {"nameContains": list(parts)})}

    assert ids("HELLSTRÖM") == {ake_id}
    assert ids("hellström") == {ake_id}
    assert ids("åKE", "STRÖ") == {ake_id}
    assert ids("ström", "Nobody") == set()
    # Case-insensitive for every letter, diacritics folded as in the staff search.
    assert ids("hellstrom") == {ake_id}


def test_other_filters(story_api: Api, register, story: Any) -> None:
    def ids(path: str, query: dict) -> set[str]:
        return {r["id"] for r in story_api.all_pages(path, query)}

    scheele = str(story.scheeleskolan.pk)
    code = story.scheeleskolan.school_unit_code
    assert ids("/organisations", {"schoolUnitCode": code}) == {scheele}
    assert scheele in ids("/organisations", {"type": "Skolenhet", "schoolTypes": "GR"})
    assert ids("/organisations", {"parent": str(story.koping.pk), "schoolTypes": "FS"}) == {
        str(register["preschool"].pk)
    }
    assert ids("/groups", {"groupType": "Klass", "organisation": scheele}) == {
        str(story.groups["7A"].pk),
        str(story.groups["7B"].pk),
    }
    assert ids("/groups", {"groupType": "Mentor"}) == set()
    maria = _duty_of(story.teacher_of_7b)
    assert ids("/duties", {"dutyRole": "Lärare", "person": str(story.teacher_of_7b.pk)}) == {
        str(maria.pk)
    }
    assert ids("/placements", {"owner": str(story.guardian_of_pupil_in_7b.pk)}) == {
        str(register["placement"].pk)
    }
    seventh_b = {str(_activity(name).pk) for name in ("Matematik 7B", "Svenska 7B")}
    assert ids("/activities", {"member": str(story.pupil_in_7b.pk)}) == seventh_b
    assert ids("/activities", {"teacher": str(maria.pk)}) == {str(_activity("Matematik 7B").pk)}
    koping = {"Matematik 7B", "Svenska 7B", "Matematik 7A", "Matematik 6C"}
    assert ids("/activities", {"organisation": str(story.koping.pk)}) == {
        str(_activity(name).pk) for name in koping
    }
    assert ids("/programmes", {"code": "NA", "schoolType": "GY"}) == {str(register["natur"].pk)}
    assert ids("/schoolUnitOfferings", {"organisation": scheele}) == {str(register["offering"].pk)}
    assert ids("/groups", {"endDate.onOrBefore": "2000-01-01"}) == {
        str(story.groups[name].pk) for name in ("7A", "7B", "6C")
    }
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
def test_sort_keys_page(story_api: Api, register, resource: str, sortkey: str) -> None:
    everything = story_api.all_pages(f"/{resource}", {"sortkey": sortkey})
    paged = story_api.all_pages(f"/{resource}", {"sortkey": sortkey, "limit": 1})
    assert [r["id"] for r in paged] == [r["id"] for r in everything]


def test_lookup_errors(story_api: Api) -> None:
    assert story_api.post("/persons/lookup", {"ids": "nope"}, status=400)["code"] == "BadRequest"
    assert story_api.post("/persons/lookup", {"ids": ["nope"]}, status=400)


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
    story_api: Api, resource: str, key: str
) -> None:
    # Refused before any query, in the spec's Error shape: the client asked too much,
    # the server is not overloaded (which is what 503 says).
    values = [str(uuid4()) for _ in range(5000)]
    body = story_api.post(f"/{resource}/lookup", {key: values}, status=400)
    assert body["code"] == "TooManyValues"
    assert "5000" in body["message"] and "1000" in body["message"]


def test_a_lookup_body_larger_than_the_server_reads_is_a_bad_request(story_api: Api) -> None:
    body = {"ids": ["x" * 1000] * 3000}  # about 3 MB, more than Django reads into memory
    answer = story_api.post("/persons/lookup", body, status=400)
    assert answer["code"] == "TooLarge"


# `test_resources_not_in_the_register_say_so` asked /studyplans for its 501; since
# /studyplans arrived (issue 12) every resource type of the spec is served, so no path
# answers 501 any more (test_registry: `views.not_held()` is empty).


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


def test_dnp_client_gets_what_skolverket_requires(db: Any, story: Any) -> None:
    gy = SchoolUnitFactory(
        parent=story.koping_forvaltning, display_name="Ullvigymnasiet", school_types=["GY"]
    )
    student: Any = PupilFactory(
        given_name="Ella", family_name="Ek", edu_person_principal_names=["ella@elev.koping.se"]
    )
    EnrolmentFactory(
        person=student, enroled_at=gy, school_type="GY", school_year=1, education_code="NANAT"
    )
    # Someone else has Maria's eduPersonPrincipalName too: DNP must still get valid data.
    teacher: Any = PersonFactory(edu_person_principal_names=["maria@koping.se"])
    for person, eppn in (
        (story.teacher_of_7b, "maria@koping.se"),
        (story.guardian_of_pupil_in_7b, "karin@vh.koping.se"),
        (story.pupil_in_7b, "alva@elev.koping.se"),
    ):
        Person.objects.filter(pk=person.pk).update(edu_person_principal_names=[eppn])
    assert teacher.pk
    client, _ = make_client([story.koping], name="DNP", consumer_profile="skolverket-dnp")
    dnp = Api(token_for(client))
    persons = [
        p
        for p in dnp.all_pages("/persons", {"relationship.entity.type": "enrolment"})
        if p.get("eduPersonPrincipalNames")
    ]
    assert {str(student.pk), str(story.pupil_in_7b.pk)} <= {p["id"] for p in persons}
    dnp_validator("persons").validate({"persons": persons})
    groups = dnp.all_pages("/groups")
    dnp_validator("groups").validate({"groups": groups})
    duties = dnp.all_pages("/duties")
    dnp_validator("duties").validate({"duties": duties})
    units = dnp.all_pages("/organisations", {"type": "Skolenhet"})
    dnp_validator("organisations").validate({"organisations": units})
    gy_enrolment = next(p for p in persons if p["id"] == str(student.pk))["enrolments"][0]
    assert gy_enrolment["educationCode"] == "NANAT"
