"""Generate the relation × age × action matrix from the table in docs/architecture.md.

The table "Who acts for a child" is parsed here; every cell becomes a test that builds a
child of 17 or of 18 with one responsible adult of that relation type and asks
`people.access.child_policy` (one child) and `people.access.relations_acting_for` (many
children, as the notices and leave use it). Change the table or the policy alone and a
cell fails.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from skolsam.accounts.actor import actor_for_person
from skolsam.core.choices import RelationType
from skolsam.core.policy import Action
from skolsam.people.access import child_policy, relations_acting_for
from skolsam.people.models import AdultConsent
from skolsam.testing import factories as f
from skolsam.testing.story import ON

ARCHITECTURE = Path(__file__).resolve().parents[4] / "docs" / "architecture.md"
MARKER = "<!-- child-policy-table -->"
ADULT_COLUMN = "Pupil 18 or older"
CONSENTED_COLUMN = "Pupil 18 or older who consented"


def _table() -> tuple[list[str], list[tuple[Action, dict[str, bool]]]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert text.count(MARKER) == 1, "the child policy table must be marked exactly once"
    lines = text.split(MARKER, 1)[1].strip().splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, rule, *body = rows
    assert set("".join(rule)) <= set("-: "), "the second row must be the header rule"
    columns = header[1:]
    cells = []
    for row in body:
        code = row[0].split("`")[1]
        answers = row[1:]
        assert len(answers) == len(columns), f"row {code} has {len(answers)} cells"
        assert set(answers) <= {"yes", "no"}, f"row {code}: cells are yes or no"
        cells.append((Action(code), dict(zip(columns, (a == "yes" for a in answers), strict=True))))
    return columns, cells


COLUMNS, CELLS = _table()
RELATIONS = [c for c in COLUMNS if c not in (ADULT_COLUMN, CONSENTED_COLUMN)]


def test_the_table_covers_every_relation_type_and_every_action_for_a_child():
    assert set(RELATIONS) == set(RelationType.values)
    assert ADULT_COLUMN in COLUMNS and CONSENTED_COLUMN in COLUMNS
    assert {action for action, _ in CELLS} == set(child_policy.actions)


MATRIX = [
    pytest.param(action, relation, age, expected, id=f"{action}-{relation}-{age}")
    for action, row in CELLS
    for relation in RELATIONS
    for age, expected in (
        (17, row[relation]),
        (18, row[relation] and row[ADULT_COLUMN]),
        # 18, and the pupil consented to this action for this adult.
        ("18-consented", row[relation] and row[CONSENTED_COLUMN]),
    )
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "relation", "age", "expected"), MATRIX)
def test_child_policy_cell(action, relation, age, expected):
    # Born exactly `age` years before ON: on their 18th birthday a pupil is an adult.
    years = 18 if age == "18-consented" else age
    child = f.PupilFactory(birth_date=ON.replace(year=ON.year - years))
    adult = f.PersonFactory()
    f.ResponsibleFactory(person=child, responsible=adult, relation_type=relation)
    if age == "18-consented":
        AdultConsent.objects.create(
            pupil=child, responsible=adult, category=action.value, given_at=timezone.now()
        )
    actor = actor_for_person(adult.pk, on=ON)

    assert child_policy.can(actor, action, child) is expected
    assert child_policy.objects(actor, action).filter(pk=child.pk).exists() is expected
    acting = relations_acting_for(action, ON).filter(person=child, responsible=adult)
    assert acting.exists() is expected


@pytest.mark.django_db
def test_an_adult_with_no_relation_and_an_ended_relation_act_for_no_one():
    child = f.PupilFactory(birth_date=date(2015, 3, 1))
    stranger = f.PersonFactory()
    former = f.PersonFactory()
    f.ResponsibleFactory(person=child, responsible=former, end_date=date(2026, 6, 30))
    for person in (stranger, former):
        actor = actor_for_person(person.pk, on=ON)
        assert not any(child_policy.can(actor, action, child) for action in child_policy.actions)


@pytest.mark.django_db
def test_a_withdrawn_consent_and_one_for_another_action_grant_nothing():
    child = f.PupilFactory(birth_date=ON.replace(year=ON.year - 19))
    adult = f.PersonFactory()
    f.ResponsibleFactory(person=child, responsible=adult)
    AdultConsent.objects.create(
        pupil=child,
        responsible=adult,
        category=Action.SEE_CHILD.value,
        given_at=timezone.now(),
        withdrawn_at=timezone.now(),
    )
    AdultConsent.objects.create(
        pupil=child, responsible=adult, category=Action.SEE_RECORDS.value, given_at=timezone.now()
    )
    actor = actor_for_person(adult.pk, on=ON)
    assert not child_policy.can(actor, Action.SEE_CHILD, child)
    assert child_policy.can(actor, Action.SEE_RECORDS, child)
