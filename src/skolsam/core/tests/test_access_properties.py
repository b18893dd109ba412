"""Check the access layer against a plain-Python oracle over random registers.

Hypothesis draws a register — several huvudmän with nested units, persons with and without
protected identity, duties, groups, memberships, enrolments, placements, activities,
assignment roles, responsible relations and authorisations, each with a period around ON —
and for every person as actor we compare what the access layer answers with what the rules
in `core/access.py` say, computed here from the drawn data alone, without the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from skolsam.accounts import actor as actor_builder
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.core import access
from skolsam.core.choices import DutyRole, OrganisationType, SecurityMarking
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups import access as groups_access
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people import access as people_access
from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible

ON = date(2026, 10, 15)
D = timedelta(days=1)
# Periods placed around ON so every edge is hit: ended yesterday, ends today, starts today,
# starts tomorrow, open, and short ones on either side.
PERIODS = [
    (ON - 400 * D, None),
    (ON - 400 * D, ON - D),
    (ON - 400 * D, ON),
    (ON, None),
    (ON + D, None),
    (ON - 30 * D, ON + 30 * D),
    (ON + D, ON + 60 * D),
]
ROLES = [
    DutyRole.REKTOR,
    DutyRole.SKOLADMINISTRATOR,
    DutyRole.OVRIG_ARBETSLEDNING,
    DutyRole.KURATOR,
    DutyRole.SKOLSKOTERSKA,
    DutyRole.LARARE,
    DutyRole.FRITIDSPEDAGOG,
]
MARKINGS = [SecurityMarking.INGEN] * 3 + [
    SecurityMarking.SEKRETESSMARKERING,
    SecurityMarking.SKYDDAD_FOLKBOKFORING,
]
NODE_TYPES = [OrganisationType.FORVALTNING, OrganisationType.SKOLA, OrganisationType.SKOLENHET]

period = st.sampled_from(PERIODS)
# One enrolment in four was cancelled: a mistake that must grant nothing.
cancelled = st.sampled_from([False, False, False, True])


@dataclass
class Register:
    """A drawn register; everything refers to other rows by list index."""

    orgs: list[tuple[int | None, str, int, str]]  # (parent, type, huvudman, home code)
    persons: list[tuple[str, str]]  # (security marking, home municipality code)
    groups: list[int]  # organisation
    duties: list[tuple[int, int, str, tuple]]  # (person, organisation, role, period)
    memberships: list[tuple[int, int, tuple]]  # (person, group, period)
    enrolments: list[tuple[int, int, tuple, bool]]  # (person, organisation, period, cancelled)
    placements: list[tuple[int, int, int | None, tuple]]  # (child, organisation, group, period)
    assignments: list[tuple[int, int, tuple]]  # (duty, group, period)
    # (organisation, groups, activity period, duty, teacher period or None for open)
    activities: list[tuple[int, list[int], tuple, int, tuple | None]]
    responsibles: list[tuple[int, int, tuple]]  # (child, responsible, period)
    authorisations: list[tuple[int, int, tuple]]  # (protected person, staff, period)


@st.composite
def registers(draw) -> Register:
    orgs: list[tuple[int | None, str, int, str]] = []
    codes = ["1980", "1981", ""]
    for h in range(draw(st.integers(2, 3))):
        root = len(orgs)
        orgs.append((None, OrganisationType.HUVUDMAN, root, codes[h]))
        for _ in range(draw(st.integers(1, 4))):
            parent = draw(st.sampled_from([i for i, o in enumerate(orgs) if o[2] == root]))
            orgs.append((parent, draw(st.sampled_from(NODE_TYPES)), root, codes[h]))
    n_orgs = len(orgs)
    n_persons = draw(st.integers(4, 8))
    persons = [
        (draw(st.sampled_from(MARKINGS)), draw(st.sampled_from(["1980", "1981", "1982"])))
        for _ in range(n_persons)
    ]
    person = st.integers(0, n_persons - 1)
    org = st.integers(0, n_orgs - 1)
    groups = draw(st.lists(org, min_size=1, max_size=4))
    group = st.integers(0, len(groups) - 1)
    duties = draw(
        st.lists(st.tuples(person, org, st.sampled_from(ROLES), period), min_size=1, max_size=8)
    )
    duty = st.integers(0, len(duties) - 1)
    pairs = st.tuples(person, person).filter(lambda p: p[0] != p[1])
    return Register(
        orgs=orgs,
        persons=persons,
        groups=groups,
        duties=duties,
        memberships=draw(st.lists(st.tuples(person, group, period), min_size=1, max_size=10)),
        enrolments=draw(
            st.lists(st.tuples(person, org, period, cancelled), min_size=2, max_size=10)
        ),
        placements=draw(st.lists(st.tuples(person, org, st.none() | group, period), max_size=3)),
        assignments=draw(st.lists(st.tuples(duty, group, period), max_size=4)),
        activities=draw(
            st.lists(
                st.tuples(
                    org,
                    st.lists(group, min_size=1, max_size=2, unique=True),
                    period,
                    duty,
                    st.none() | period,
                ),
                max_size=3,
            )
        ),
        responsibles=draw(
            st.lists(st.tuples(pairs, period).map(lambda t: (*t[0], t[1])), min_size=1, max_size=6)
        ),
        authorisations=draw(
            st.lists(st.tuples(pairs, period).map(lambda t: (*t[0], t[1])), max_size=4)
        ),
    )


# --- the oracle ------------------------------------------------------------------------


def valid(p: tuple | None) -> bool:
    if p is None:
        return True
    start, end = p
    return start <= ON and (end is None or end >= ON)


def not_ended(p: tuple | None) -> bool:
    """Current on ON or starting later: what staff scope counts for enrolments and duties."""
    if p is None:
        return True
    _start, end = p
    return end is None or end >= ON


class Oracle:
    """The access rules, written out plainly over the drawn register."""

    def __init__(self, r: Register) -> None:
        self.r = r
        self.children: dict[int, list[int]] = {}
        for i, (parent, *_rest) in enumerate(r.orgs):
            if parent is not None:
                self.children.setdefault(parent, []).append(i)
        self.protected = {i for i, (m, _) in enumerate(r.persons) if m != SecurityMarking.INGEN}

    def subtree(self, root: int) -> set[int]:
        found, stack = set(), [root]
        while stack:
            node = stack.pop()
            found.add(node)
            stack.extend(self.children.get(node, []))
        return found

    def enrolled_or_placed(self, orgs: set[int]) -> set[int]:
        r = self.r
        return {
            p
            for p, o, per, cancelled in r.enrolments
            if o in orgs and not_ended(per) and not cancelled
        } | {c for c, o, _g, per in r.placements if o in orgs and not_ended(per)}

    def employed(self, orgs: set[int]) -> set[int]:
        return {p for p, o, _role, per in self.r.duties if o in orgs and not_ended(per)}

    def in_orgs(self, orgs: set[int]) -> set[int]:
        return self.enrolled_or_placed(orgs) | self.employed(orgs)

    def grants(self, a: int) -> dict:
        r = self.r
        duties = [
            (i, o, role) for i, (p, o, role, per) in enumerate(r.duties) if p == a and valid(per)
        ]
        staff, school_wide, admin, central, codes = set(), set(), set(), set(), set()
        for _i, o, role in duties:
            sub = self.subtree(o)
            staff |= sub
            if role in access.SCHOOL_WIDE_ROLES:
                school_wide |= sub
            if role in access.ADMIN_ROLES:
                admin |= sub
                if r.orgs[o][1] in access.CENTRAL_ORGANISATION_TYPES:
                    central |= sub
                    code = r.orgs[r.orgs[o][2]][3]
                    if code:
                        codes.add(code)
        duty_ids = {i for i, _o, _role in duties}
        groups = {g for d, g, per in r.assignments if d in duty_ids and valid(per)}
        for _o, gs, act_per, d, teacher_per in r.activities:
            if d in duty_ids and valid(act_per) and valid(teacher_per):
                groups |= set(gs)
        groups = {g for g in groups if r.groups[g] in staff}
        huvudman_orgs = {
            i for i, o in enumerate(r.orgs) if o[2] in {r.orgs[o][2] for _i, o, _r in duties}
        }
        authorised = {
            p
            for p, s, per in r.authorisations
            if s == a and valid(per) and p in self.protected and p in self.in_orgs(huvudman_orgs)
        }
        responsible_for = {c for c, g, per in r.responsibles if g == a and valid(per)}
        return {
            "staff": staff,
            "school_wide": school_wide,
            "admin": admin,
            "central": central,
            "codes": codes,
            "groups": groups,
            "authorised": authorised,
            "responsible_for": responsible_for,
        }

    def school_raw(self, g: dict) -> set[int]:
        r = self.r
        in_groups = {p for p, grp, per in r.memberships if grp in g["groups"] and valid(per)} | {
            c for c, _o, grp, per in r.placements if grp in g["groups"] and valid(per)
        }
        pupils = self.enrolled_or_placed(g["school_wide"]) | (in_groups & self.in_orgs(g["staff"]))
        guardians = {
            resp
            for child, resp, per in r.responsibles
            if valid(per) and child in pupils and child not in self.protected
        }
        return pupils | self.employed(g["staff"]) | guardians

    def residents(self, codes: set[str]) -> set[int]:
        r = self.r
        started = {p for p, _o, per, cancelled in r.enrolments if per[0] <= ON and not cancelled}
        started |= {c for c, _o, _g, per in r.placements if per[0] <= ON}
        return {p for p in started if r.persons[p][1] in codes}

    def visible(self, a: int, g: dict) -> set[int]:
        school = {p for p in self.school_raw(g) if p not in self.protected}
        return (
            {a}
            | g["responsible_for"]
            | g["authorised"]
            | self.in_orgs(g["central"])
            | self.residents(g["codes"])
            | school
        )

    def editable(self, g: dict) -> set[int]:
        if not g["admin"]:
            return set()
        scope = self.in_orgs(g["central"]) | self.school_raw(g)
        return {p for p in scope if p not in self.protected or p in g["authorised"]}

    def grantable(self, g: dict) -> set[int]:
        return self.in_orgs(g["central"]) if g["central"] else set()

    def class_list(self, a: int, g: dict, visible: set[int]) -> set[int]:
        r = self.r
        groups = {i for i, o in enumerate(r.groups) if o in g["school_wide"]} | g["groups"]
        return {
            i
            for i, (p, grp, per) in enumerate(r.memberships)
            if valid(per)
            and grp in groups
            and p in visible
            and (p not in self.protected or p in g["authorised"] or p == a)
        }


# --- writing the drawn register to the database ----------------------------------------


def materialise(r: Register) -> dict[str, list]:
    orgs = [
        Organisation(display_name=f"Org {i}", organisation_type=t)
        for i, (_p, t, _h, _c) in enumerate(r.orgs)
    ]
    for org, (parent, _t, huvudman, code) in zip(orgs, r.orgs, strict=True):
        org.parent_id = orgs[parent].pk if parent is not None else None
        org.huvudman_id = orgs[huvudman].pk
        org.home_municipality_code = (
            code if org.organisation_type == OrganisationType.HUVUDMAN else ""
        )
    Organisation.objects.bulk_create(orgs)
    persons = Person.objects.bulk_create(
        Person(given_name=f"P{i}", family_name="Test", security_marking=m, home_municipality_code=c)
        for i, (m, c) in enumerate(r.persons)
    )
    groups = Group.objects.bulk_create(
        Group(
            display_name=f"G{i}", group_type="Klass", organisation=orgs[o], start_date=ON - 400 * D
        )
        for i, o in enumerate(r.groups)
    )
    duties = Duty.objects.bulk_create(
        Duty(person=persons[p], duty_at=orgs[o], duty_role=role, start_date=s, end_date=e)
        for p, o, role, (s, e) in r.duties
    )
    memberships = GroupMembership.objects.bulk_create(
        GroupMembership(person=persons[p], group=groups[g], start_date=s, end_date=e)
        for p, g, (s, e) in r.memberships
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            person=persons[p],
            enroled_at=orgs[o],
            school_type="GR",
            start_date=s,
            end_date=e,
            cancelled=c,
        )
        for p, o, (s, e), c in r.enrolments
    )
    Placement.objects.bulk_create(
        Placement(
            child=persons[p],
            placed_at=orgs[o],
            group=groups[g] if g is not None else None,
            school_type="FS",
            start_date=s,
            end_date=e,
        )
        for p, o, g, (s, e) in r.placements
    )
    AssignmentRole.objects.bulk_create(
        AssignmentRole(
            duty=duties[d], group=groups[g], assignment_role_type="Mentor", start_date=s, end_date=e
        )
        for d, g, (s, e) in r.assignments
    )
    for o, gs, (s, e), d, teacher_period in r.activities:
        activity = Activity.objects.create(
            display_name="A", organisation=orgs[o], start_date=s, end_date=e
        )
        activity.groups.set([groups[g] for g in gs])
        ts, te = teacher_period or (None, None)
        ActivityTeacher.objects.create(
            activity=activity, duty=duties[d], start_date=ts, end_date=te
        )
    Responsible.objects.bulk_create(
        Responsible(
            person=persons[c],
            responsible=persons[g],
            relation_type="Vårdnadshavare",
            start_date=s,
            end_date=e,
        )
        for c, g, (s, e) in r.responsibles
    )
    ProtectedIdentityAuthorisation.objects.bulk_create(
        ProtectedIdentityAuthorisation(
            person=persons[p], staff=persons[s], reason="Test", start_date=start, end_date=end
        )
        for p, s, (start, end) in r.authorisations
    )
    return {"persons": persons, "memberships": memberships}


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(register=registers())
def test_access_layer_agrees_with_the_oracle(register):
    note(repr(register))
    oracle = Oracle(register)
    with transaction.atomic():
        rows = materialise(register)
        persons = rows["persons"]
        index = {p.pk: i for i, p in enumerate(persons)}
        membership_index = {m.pk: i for i, m in enumerate(rows["memberships"])}
        for a, person in enumerate(persons):
            grants = oracle.grants(a)
            actor = actor_builder.actor_for_person(person.pk, on=ON)
            seen = {
                index[pk]
                for pk in people_access.persons_visible_to(actor).values_list("pk", flat=True)
            }
            expected = oracle.visible(a, grants)
            assert seen == expected, (
                f"actor P{a}: extra {seen - expected}, missing {expected - seen}"
            )

            editable = {i for i, p in enumerate(persons) if people_access.may_edit_person(actor, p)}
            assert editable == oracle.editable(grants), f"actor P{a} edits"
            grantable = {
                i
                for i, p in enumerate(persons)
                if people_access.may_grant_protected_access(actor, p)
            }
            assert grantable == oracle.grantable(grants), f"actor P{a} grants"
            listed = {
                membership_index[pk]
                for pk in groups_access.memberships_visible_to(actor).values_list("pk", flat=True)
            }
            assert listed == oracle.class_list(a, grants, expected), f"actor P{a} class lists"
            # Nobody may change a person they cannot see.
            assert editable <= seen
        transaction.set_rollback(True)
