"""A client of Köping sees nothing of Arboga, whichever way it asks.

The register is the story's (skolsam.testing.story): Köping runs Scheeleskolan, where Alva
and Elsa (skyddad folkbokföring) are in 7B with Lars their mentor and Karin Alva's
guardian; Arboga runs Gäddgårdsskolan, where Maja and Liam (who lives in Köping) are in 8A,
taught English by Nils, and Per is Arboga's central administrator.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.duties.models import Duty
from skolsam.testing.factories import (
    EnrolmentFactory,
    GroupFactory,
    MembershipFactory,
    SchoolUnitFactory,
)

DAY = date(2026, 9, 14)


def _ids(rows: list[dict]) -> set[str]:
    return {row["id"] for row in rows}


def _arboga(story: Any) -> dict[str, Any]:
    """Arboga's side of the story, which Köping's client must never see."""
    nils = story.teacher_in_arboga
    return {
        "arboga": story.arboga,
        "gaddgardsskolan": story.gaddgardsskolan,
        "8A": story.groups["8A"],
        "maja": story.pupil_in_arboga,
        "liam": story.koping_resident_at_arboga,
        "nils": nils,
        "per": story.central_admin_arboga,
        "nils_duty": Duty.objects.get(person=nils),
        "engelska_8a": Activity.objects.get(organisation=story.gaddgardsskolan),
    }


def test_persons_list_holds_koping_and_not_arboga(story_api: Api, story: Any) -> None:
    ids = _ids(story_api.all_pages("/persons", {"limit": 2}))
    koping = (
        story.pupil_in_7b,
        story.protected_pupil_in_7b,
        story.guardian_of_pupil_in_7b,
        story.mentor_of_7b,
        story.pupil_at_ullviskolan,
        story.teacher_at_ullviskolan,
    )
    assert {str(p.pk) for p in koping} <= ids
    arboga = _arboga(story)
    for who in ("maja", "liam", "nils", "per"):
        assert str(arboga[who].pk) not in ids, who


def test_arboga_by_id_is_not_found(story_api: Api, story: Any) -> None:
    arboga = _arboga(story)
    story_api.get(f"/persons/{arboga['maja'].pk}", status=404)
    story_api.get(f"/persons/{arboga['liam'].pk}", status=404)
    story_api.get(f"/groups/{arboga['8A'].pk}", status=404)
    story_api.get(f"/organisations/{arboga['gaddgardsskolan'].pk}", status=404)
    story_api.get(f"/duties/{arboga['nils_duty'].pk}", status=404)
    story_api.get(f"/activities/{arboga['engelska_8a'].pk}", status=404)


def test_lookups_leave_arboga_out(story_api: Api, story: Any) -> None:
    arboga = _arboga(story)
    maja, alva = arboga["maja"], story.pupil_in_7b
    persons = story_api.post(
        "/persons/lookup", {"ids": [str(maja.pk), str(alva.pk)], "civicNos": [maja.civic_no]}
    )
    assert _ids(persons) == {str(alva.pk)}
    class_7b = story.groups["7B"]
    groups = story_api.post("/groups/lookup", {"ids": [str(arboga["8A"].pk), str(class_7b.pk)]})
    assert _ids(groups) == {str(class_7b.pk)}
    codes = [arboga["gaddgardsskolan"].school_unit_code, story.scheeleskolan.school_unit_code]
    orgs = story_api.post("/organisations/lookup", {"schoolUnitCodes": codes})
    assert _ids(orgs) == {str(story.scheeleskolan.pk)}
    activities = story_api.post("/activities/lookup", {"members": [str(maja.pk)]})
    assert activities == []


def test_lists_of_every_resource_stay_in_koping(story_api: Api, story: Any) -> None:
    arboga = {str(x.pk) for x in _arboga(story).values()}
    for path in ("/organisations", "/groups", "/duties", "/activities", "/placements"):
        assert not _ids(story_api.all_pages(path)) & arboga, path
    # And they do hold Köping's own: its two schools and their three classes.
    assert {str(story.scheeleskolan.pk), str(story.ullviskolan.pk)} <= _ids(
        story_api.all_pages("/organisations")
    )
    assert _ids(story_api.all_pages("/groups")) >= {
        str(story.groups[name].pk) for name in ("7A", "7B", "6C")
    }


def test_expand_does_not_reach_arboga(story_api: Api, story: Any) -> None:
    # Karin's guardian links and Lars's duties expand only into Köping.
    persons = story_api.get(
        "/persons",
        {
            "expand": ["duties", "responsibleFor", "groupMemberships"],
            "expandReferenceNames": "true",
        },
    )["data"]
    text = str(persons)
    arboga = _arboga(story)
    for key in ("maja", "liam", "8A", "gaddgardsskolan", "nils_duty"):
        assert str(arboga[key].pk) not in text, key
    groups = story_api.get("/groups", {"expand": ["assignmentRoles"]})["data"]
    assert str(arboga["nils_duty"].pk) not in str(groups)


def test_without_token_nothing_is_answered(story: Any, db: Any) -> None:
    anonymous = Api(None)
    body = anonymous.get("/persons", status=401)
    assert body["code"] == "Unauthorized"
    assert Api("not-a-jwt").get("/persons", status=401)["message"]


def test_relationship_filter_stays_in_scope_and_out_of_history(story_api: Api, story: Any) -> None:
    # Alva went to Gäddgårdsskolan in Arboga, then to Köping's Malmaskolan, before
    # Scheeleskolan. Köping's client learns neither: Arboga is not its business, and
    # ended enrolments are history the API does not hand out.
    alva, gaddgardsskolan = story.pupil_in_7b, story.gaddgardsskolan
    malmaskolan = SchoolUnitFactory(parent=story.koping_forvaltning, display_name="Malmaskolan")
    for school, start in ((gaddgardsskolan, date(2023, 8, 17)), (malmaskolan, date(2025, 8, 18))):
        EnrolmentFactory(
            person=alva, enroled_at=school, start_date=start, end_date=date(2026, 6, 12)
        )
        group = GroupFactory(organisation=school, start_date=start, end_date=date(2026, 6, 12))
        MembershipFactory(person=alva, group=group, start_date=start, end_date=date(2026, 6, 12))
    for school in (gaddgardsskolan, malmaskolan):
        for kind in ("enrolment", "groupMembership", None):
            query = {"relationship.organisation": str(school.pk)}
            if kind:
                query["relationship.entity.type"] = kind
            assert story_api.get("/persons", query)["data"] == [], (school.display_name, kind)
    now = {"relationship.organisation": str(story.scheeleskolan.pk)}
    assert str(alva.pk) in _ids(story_api.get("/persons", now)["data"])
    # Nor do the other resources' organisation filters reach Arboga.
    in_arboga = {"organisation": str(gaddgardsskolan.pk)}
    for path in ("/activities", "/groups", "/duties", "/placements"):
        assert story_api.get(path, in_arboga)["data"] == [], path


def test_filters_by_a_person_of_another_municipality_find_nothing(
    story_api: Api, story: Any
) -> None:
    arboga = _arboga(story)
    make_lesson(arboga["engelska_8a"], DAY)
    maja = str(arboga["maja"].pk)
    assert story_api.get("/activities", {"member": maja})["data"] == []
    assert story_api.get("/activities", {"teacher": str(arboga["nils_duty"].pk)})["data"] == []
    assert story_api.get("/calendarEvents", {**day_window(DAY), "student": maja})["data"] == []
    assert story_api.get("/duties", {"person": str(arboga["nils"].pk)})["data"] == []
