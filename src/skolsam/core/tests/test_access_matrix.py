"""Prove who may see and do what, cell by cell, in the Köping/Arboga story.

Each row is an actor, each column a person the actor asks about, each letter an action:

    S  see the person (persons_visible_to / person_for_actor)
    L  see the location data: address, school, class, groups, photo (may_see_location,
       asked about a person fetched through the access layer)
    C  find the person in a class list (memberships_visible_to)
    E  change the person's register data (may_edit_person)
    G  name staff who may see the person's protected identity (may_grant_protected_access)

A dot means refused. Every cell is its own test, so a failure names actor, person and action.
CHILD_MATRIX then asks what each adult around Alva may do for her (people.access.child_policy).
"""

from __future__ import annotations

import pytest
from django.http import Http404

from skolsam.accounts import actor as actor_builder
from skolsam.core import access
from skolsam.core.policy import Action
from skolsam.groups import access as groups_access
from skolsam.organisations import access as organisations_access
from skolsam.organisations.access import organisation_policy
from skolsam.people import access as people_access
from skolsam.people.access import child_policy
from skolsam.testing.story import ON

ACTIONS = {"S": "see", "L": "location", "C": "class_list", "E": "edit", "G": "grant"}

PERSONS = (
    "pupil_in_7b",  # in the teacher's and mentor's own group
    "pupil_in_7a",  # elsewhere in the same school
    "pupil_at_ullviskolan",  # at another school of the same huvudman
    "pupil_in_arboga",  # of another huvudman
    "koping_resident_at_arboga",  # lives in Köping, goes to school in Arboga
    "protected_pupil_in_7b",  # skyddad folkbokföring, in 7B
    "guardian_of_pupil_in_7b",  # guardian of a visible pupil
    "colleague_at_scheeleskolan",  # staff at Scheeleskolan
)

# fmt: off
MATRIX: dict[str, tuple[str, ...]] = {
    #                                 7b       7a       ullvi    arboga   resident prot.    guardian colleague
    "central_admin_koping":          ("SLCEG", "SLCEG", "SLCEG", ".....", "SL...", "S...G", "SL.E.", "SL.EG"),
    "central_admin_arboga":          (".....", ".....", ".....", "SLCEG", "SLCEG", ".....", ".....", "....."),
    "rektor_at_scheeleskolan":       ("SLCE.", "SLCE.", ".....", ".....", ".....", ".....", "SL.E.", "SL.E."),
    "school_admin_at_scheeleskolan": ("SLCE.", "SLCE.", ".....", ".....", ".....", ".....", "SL.E.", "SL.E."),
    "kurator_at_scheeleskolan":      ("SLC..", "SLC..", ".....", ".....", ".....", ".....", "SL...", "SL..."),
    "teacher_of_7b":                 ("SLC..", ".....", ".....", ".....", ".....", ".....", "SL...", "SL..."),
    "teacher_of_7a":                 (".....", "SLC..", ".....", ".....", ".....", ".....", ".....", "SL..."),
    "teacher_at_ullviskolan":        (".....", ".....", "SLC..", ".....", ".....", ".....", ".....", "....."),
    "mentor_of_7b":                  ("SLC..", ".....", ".....", ".....", ".....", ".....", "SL...", "SL..."),
    "guardian_of_pupil_in_7b":       ("SL...", ".....", ".....", ".....", ".....", ".....", "SL...", "....."),
    "guardian_whose_custody_ended":  (".....", ".....", ".....", ".....", ".....", ".....", ".....", "....."),
    "other_responsible_of_pupil_in_7b": ("SL...", ".....", ".....", ".....", ".....", ".....", ".....", "....."),
    "pupil_in_7b":                   ("SL...", ".....", ".....", ".....", ".....", ".....", ".....", "....."),
    "pupil_of_another_class":        (".....", ".....", ".....", ".....", ".....", ".....", ".....", "....."),
    "teacher_in_arboga":             (".....", ".....", ".....", "SLC..", "SLC..", ".....", ".....", "....."),
    "authorised_teacher_of_7b":      ("SLC..", ".....", ".....", ".....", ".....", "SLC..", "SL...", "SL..."),
    "user_without_person":           (".....", ".....", ".....", ".....", ".....", ".....", ".....", "....."),
}
# fmt: on

# Which organisations each actor may open (V) and manage (M): enrol, create groups, add staff.
ORGANISATIONS = ("koping_forvaltning", "scheeleskolan", "ullviskolan", "gaddgardsskolan")
# fmt: off
ORGANISATION_MATRIX: dict[str, tuple[str, ...]] = {
    #                                 förv.  scheele ullvi  gäddgården
    "central_admin_koping":          ("VM", "VM", "VM", ".."),
    "central_admin_arboga":          ("..", "..", "..", "VM"),
    "rektor_at_scheeleskolan":       ("..", "VM", "..", ".."),
    "school_admin_at_scheeleskolan": ("..", "VM", "..", ".."),
    "kurator_at_scheeleskolan":      ("..", "V.", "..", ".."),
    "teacher_of_7b":                 ("..", "V.", "..", ".."),
    "teacher_of_7a":                 ("..", "V.", "..", ".."),
    "teacher_at_ullviskolan":        ("..", "..", "V.", ".."),
    "mentor_of_7b":                  ("..", "V.", "..", ".."),
    "guardian_of_pupil_in_7b":       ("..", "..", "..", ".."),
    "guardian_whose_custody_ended":  ("..", "..", "..", ".."),
    "other_responsible_of_pupil_in_7b": ("..", "..", "..", ".."),
    "pupil_in_7b":                   ("..", "..", "..", ".."),
    "pupil_of_another_class":        ("..", "..", "..", ".."),
    "teacher_in_arboga":             ("..", "..", "..", "V."),
    "authorised_teacher_of_7b":      ("..", "V.", "..", ".."),
    "user_without_person":           ("..", "..", "..", ".."),
}
# fmt: on


def _actor(story, role: str) -> access.Actor:
    # Actors are frozen values; building each once per module keeps the matrix fast.
    if role not in story.actors:
        if role == "user_without_person":
            story.actors[role] = actor_builder.actor_for_user(story.users[role], on=ON)
        else:
            story.actors[role] = actor_builder.actor_for_person(story.people[role].pk, on=ON)
    return story.actors[role]


def _fetch(actor: access.Actor, person):
    try:
        return people_access.person_for_actor(actor, person.pk)
    except Http404:
        return None


def _outcome(actor: access.Actor, person, action: str) -> bool:
    if action == "see":
        visible = people_access.persons_visible_to(actor).filter(pk=person.pk).exists()
        fetched = _fetch(actor, person)
        assert visible == (fetched is not None), "person_for_actor disagrees with the queryset"
        return visible
    if action == "location":
        fetched = _fetch(actor, person)
        return fetched is not None and access.may_see_location(actor, fetched)
    if action == "class_list":
        return groups_access.memberships_visible_to(actor).filter(person=person).exists()
    if action == "edit":
        return people_access.may_edit_person(actor, person)
    if action == "grant":
        return people_access.may_grant_protected_access(actor, person)
    raise AssertionError(action)


CELLS = [
    pytest.param(role, person, letter, id=f"{role}-{person}-{ACTIONS[letter]}")
    for role, row in MATRIX.items()
    for person, cell in zip(PERSONS, row, strict=True)
    for letter in ACTIONS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "person", "letter"), CELLS)
def test_person_access(story, role, person, letter):
    expected = letter in MATRIX[role][PERSONS.index(person)]
    actor = _actor(story, role)
    outcome = _outcome(actor, story.people[person], ACTIONS[letter])
    verb = "may" if expected else "may not"
    assert outcome == expected, f"{role} {verb} {ACTIONS[letter]} {person}"


ORGANISATION_CELLS = [
    pytest.param(role, org, letter, id=f"{role}-{org}-{'open' if letter == 'V' else 'manage'}")
    for role, row in ORGANISATION_MATRIX.items()
    for org, cell in zip(ORGANISATIONS, row, strict=True)
    for letter in "VM"
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "org", "letter"), ORGANISATION_CELLS)
def test_organisation_access(story, role, org, letter):
    expected = letter in ORGANISATION_MATRIX[role][ORGANISATIONS.index(org)]
    actor = _actor(story, role)
    organisation = story.orgs[org]
    if letter == "V":
        try:
            organisations_access.organisation_for_actor(actor, organisation.pk)
            outcome = True
        except Http404:
            outcome = False
    else:
        outcome = organisation_policy.can(actor, Action.CHANGE, organisation)
    assert outcome == expected


# What each adult around Alva (pupil_in_7b) may do for her, per "Who acts for a child" in
# docs/architecture.md: Karin holds custody; Erik, her annan ansvarig, shares her day-to-day
# care, so he sees her and reports her absent but decides nothing about her schooling and
# receives no notices; Johan's custody ended; Maria, her teacher, acts for no child.
CHILD_ACTIONS = (
    Action.SEE_CHILD,
    Action.REPORT_ABSENCE,
    Action.APPLY_FOR_LEAVE,
    Action.CONSENT,
    Action.SUBMIT_SCHEDULE,
    Action.RECEIVE_NOTICES,
    Action.SEE_RECORDS,
    Action.UPDATE_CONTACT,
)
CHILD_MATRIX: dict[str, frozenset[Action]] = {
    "guardian_of_pupil_in_7b": frozenset(CHILD_ACTIONS),
    "other_responsible_of_pupil_in_7b": frozenset({Action.SEE_CHILD, Action.REPORT_ABSENCE}),
    "guardian_whose_custody_ended": frozenset(),
    "teacher_of_7b": frozenset(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", CHILD_MATRIX)
@pytest.mark.parametrize("action", CHILD_ACTIONS, ids=str)
def test_acting_for_the_child(story, role, action):
    actor = _actor(story, role)
    expected = action in CHILD_MATRIX[role]
    verb = "may" if expected else "may not"
    assert child_policy.can(actor, action, story.pupil_in_7b) == expected, (
        f"{role} {verb} {action} for pupil_in_7b"
    )
    children = child_policy.objects(actor, action)
    assert children.filter(pk=story.pupil_in_7b.pk).exists() == expected


def test_matrix_rows_cover_every_role_and_cell():
    # The matrix itself must be well formed, or a typo would silently test nothing.
    assert set(MATRIX) == set(ORGANISATION_MATRIX)
    assert set(CHILD_ACTIONS) == set(child_policy.actions)
    for row in MATRIX.values():
        assert all(len(cell) == 5 and set(cell) <= set("SLCEG.") for cell in row)
        for cell in row:
            assert [c for c in cell if c != "."] == [c for c in "SLCEG" if c in cell]
