"""Build the one story the tests tell: Skolsam's whole cast, in two chapters and a prologue.

**The register** (`build_story`, read through the module-scoped `story` fixture of
skolsam.testing.fixtures by the access tests, the administrators' page tests (school unit,
registration, enrolment, duties, groups, person edit), the import, export and person search
tests and the SS 12000 API's; the start page tests, and modules whose tests commit (the
browser tests' live server among them), build their own). Köping runs Scheeleskolan
(classes 7A and 7B; förskoleklass, grundskola, fritidshem) and Ullviskolan (6C; grundskola
only) through its förvaltning; Arboga runs Gäddgårdsskolan (8A). Every person is named for
what they are in the story, so a failing test reads like a sentence: the kurator
at Scheeleskolan may see the pupil in 7A, the guardian whose custody ended may not see the
child. Dates are as of `ON`, 15 October 2026 (the SCB count date). The cast, by key
(`story.<key>`) and name:

| key | name | who they are |
|---|---|---|
| pupil_in_7b | Alva | a pupil in 7B at Scheeleskolan |
| protected_pupil_in_7b | Elsa | a pupil in 7B with skyddad folkbokföring (and a photo) |
| pupil_in_7a, pupil_of_another_class | Theo, Selma | pupils in 7A at the same school |
| pupil_at_ullviskolan | Noah | a pupil at another school of the same huvudman (6C) |
| pupil_in_arboga | Maja | a pupil of another huvudman (8A, Gäddgårdsskolan) |
| koping_resident_at_arboga | Liam | lives in Köping (hemkommun), goes to school in Arboga |
| guardian_of_pupil_in_7b | Karin | Alva's vårdnadshavare: a guardian |
| guardian_whose_custody_ended | Johan | Alva's vårdnadshavare until 30 June 2026 |
| other_responsible_of_pupil_in_7b | Mats | Alva's annan ansvarig (a foster parent): sees her and reports her absent, decides nothing |
| guardian_of_protected_pupil | Lena | Elsa's vårdnadshavare |
| teacher_of_7b | Maria | teaches Matematik 7B: a teacher at the pupil's school |
| mentor_of_7b | Lars | mentor of 7B |
| authorised_teacher_of_7b | Stina | teaches Svenska 7B, named to see Elsa's protected identity |
| teacher_of_7a | Ingrid | teaches 7A, nothing to do with 7B |
| teacher_at_ullviskolan | Karl | teaches 6C: a teacher at another school of the same huvudman |
| colleague_at_scheeleskolan | Ola | fritidspedagog at Scheeleskolan, with no class |
| kurator_at_scheeleskolan | Sofia | kurator (pupil health) |
| school_admin_at_scheeleskolan | Eva | skoladministratör |
| rektor_at_scheeleskolan | Anders | rektor |
| central_admin_koping | Birgitta | central administrator at Köping's förvaltning |
| central_admin_arboga | Per | central administrator in Arboga |
| teacher_in_arboga | Nils | teaches Engelska 8A: a teacher at another school (and huvudman) |
| users["user_without_person"] | utan.person | a login with no person behind it |

The administrators' page tests log people in with `client_for` (two-factor verified), type
the civic numbers `NEW_CHILDREN` and `NEW_ADULTS` no factory hands out (`dashed` writes them
as typed), add pupils with `pupil_in` and show that a refused form wrote nothing with
`row_counts`; the import tests upload files of `IMPORT_CHILDREN` and `IMPORT_ADULTS`.

**A school day** (`build_day`, read by the attendance, schedule and audit tests and most
browser tests): the same
Scheeleskolan and 7B, today, with only the people a register needs. Alva, Hugo and Saga are
in 7B (`pupils=` adds classmates: Astrid, Freja, Otto, Iris, then more of the same names);
Maria teaches them mathematics today 08:30–09:30 and Lars mentors 7B. Alva's guardians are
Karin (with an e-mail address and a mobile) and Johan, whose custody ended last summer.
Anders is rektor. Ingrid teaches 7A at the same school and has nothing to do with 7B. The
day starts on 1 January 2026 for every enrolment, membership and activity, so it holds on
any date the suite runs. `lesson` adds a lesson, `login` and `login_with_two_factor` log a
person in, `cells` reads a table row.

**The prologue** (`build_school`): the same Scheeleskolan under Köping's förvaltning with
nobody in it yet, for the service tests that watch one service's writes.

**The timetable** (`build_timetable`, read by the schedule tests): the prologue's
Scheeleskolan with classes 7A and 7B, Anders its rektor, Maria (signature MARI, who will
teach 7B mathematics) and Ingrid (INGR), the mathematics syllabus GRGRMAT01 and a term the
rektor created; Alva in 7B with Karin her guardian, and Elsa, with skyddad folkbokföring,
in 7B too. No activity or lesson yet: the timetable import makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from skolsam.accounts.actor import actor_for_person
from skolsam.core.choices import AssignmentRoleType, DutyRole, RelationType, SecurityMarking
from skolsam.core.dates import today
from skolsam.demo.testnumbers import test_personnummer
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing import factories as f

# The SCB count date: "who was in class 7B on 15 October".
ON = date(2026, 10, 15)
KOPING = "1983"
ARBOGA = "1984"


@dataclass
class Story:
    orgs: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    actors: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        for bag in (self.people, self.orgs, self.groups, self.users):
            if name in bag:
                return bag[name]
        raise AttributeError(name)


def _address(municipality_code: str) -> list[dict[str, Any]]:
    locality = "Köping" if municipality_code == KOPING else "Arboga"
    return [
        {
            "type": "Folkbokföring",
            "streetAddress": "Skolgatan 3",
            "postalCode": "73130",
            "locality": locality,
            "country": "Sverige",
            "municipalityCode": int(municipality_code),
        }
    ]


def build_school() -> Any:
    """Create the story's Scheeleskolan, under Köping's förvaltning, with nobody in it yet.

    For tests that watch one service's writes: the rektor, administrator or pupil they need
    they add themselves, named as in the cast.
    """
    koping = f.HuvudmanFactory(
        display_name="Köpings kommun", municipality_code=KOPING, home_municipality_code=KOPING
    )
    forvaltning = f.ForvaltningFactory(
        display_name="Barn- och utbildningsförvaltningen", parent=koping
    )
    return f.SchoolUnitFactory(display_name="Scheeleskolan", parent=forvaltning)


def build_story() -> Story:
    """Create the two municipalities, their schools, staff, pupils and guardians."""
    s = Story()
    o, g, p = s.orgs, s.groups, s.people

    o["koping"] = f.HuvudmanFactory(
        display_name="Köpings kommun", municipality_code=KOPING, home_municipality_code=KOPING
    )
    o["koping_forvaltning"] = f.ForvaltningFactory(
        display_name="Barn- och utbildningsförvaltningen", parent=o["koping"]
    )
    o["scheeleskolan"] = f.SchoolUnitFactory(
        display_name="Scheeleskolan", parent=o["koping_forvaltning"]
    )
    # A grundskola only: no förskoleklass or fritidshem, which the forms' refusals need.
    o["ullviskolan"] = f.SchoolUnitFactory(
        display_name="Ullviskolan", parent=o["koping_forvaltning"], school_types=["GR"]
    )
    o["arboga"] = f.HuvudmanFactory(
        display_name="Arboga kommun", municipality_code=ARBOGA, home_municipality_code=ARBOGA
    )
    o["gaddgardsskolan"] = f.SchoolUnitFactory(display_name="Gäddgårdsskolan", parent=o["arboga"])

    g["7A"] = f.GroupFactory(display_name="7A", organisation=o["scheeleskolan"])
    g["7B"] = f.GroupFactory(display_name="7B", organisation=o["scheeleskolan"])
    g["6C"] = f.GroupFactory(display_name="6C", organisation=o["ullviskolan"])
    g["8A"] = f.GroupFactory(display_name="8A", organisation=o["gaddgardsskolan"])

    def pupil(name: str, school: str, group: str, home: str = KOPING, **kw: Any) -> Any:
        person = f.PupilFactory(
            given_name=name, home_municipality_code=home, addresses=_address(home), **kw
        )
        f.EnrolmentFactory(person=person, enroled_at=o[school], school_year=int(group[0]))
        f.MembershipFactory(person=person, group=g[group])
        return person

    p["pupil_in_7b"] = pupil("Alva", "scheeleskolan", "7B")
    p["protected_pupil_in_7b"] = pupil(
        "Elsa",
        "scheeleskolan",
        "7B",
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
        photo="https://bilder.example/elsa.jpg",
    )
    p["pupil_in_7a"] = pupil("Theo", "scheeleskolan", "7A")
    p["pupil_of_another_class"] = pupil("Selma", "scheeleskolan", "7A")
    p["pupil_at_ullviskolan"] = pupil("Noah", "ullviskolan", "6C")
    p["pupil_in_arboga"] = pupil("Maja", "gaddgardsskolan", "8A", home=ARBOGA)
    p["koping_resident_at_arboga"] = pupil("Liam", "gaddgardsskolan", "8A", home=KOPING)

    p["guardian_of_pupil_in_7b"] = f.PersonFactory(given_name="Karin")
    f.ResponsibleFactory(person=p["pupil_in_7b"], responsible=p["guardian_of_pupil_in_7b"])
    p["guardian_whose_custody_ended"] = f.PersonFactory(given_name="Johan")
    f.ResponsibleFactory(
        person=p["pupil_in_7b"],
        responsible=p["guardian_whose_custody_ended"],
        end_date=date(2026, 6, 30),
    )
    p["other_responsible_of_pupil_in_7b"] = f.PersonFactory(given_name="Mats")
    f.ResponsibleFactory(
        person=p["pupil_in_7b"],
        responsible=p["other_responsible_of_pupil_in_7b"],
        relation_type=RelationType.ANNAN_ANSVARIG,
    )
    p["guardian_of_protected_pupil"] = f.PersonFactory(given_name="Lena")
    f.ResponsibleFactory(
        person=p["protected_pupil_in_7b"], responsible=p["guardian_of_protected_pupil"]
    )

    def staff(key: str, name: str, at: str, role: str) -> Any:
        p[key] = f.PersonFactory(given_name=name)
        return f.DutyFactory(person=p[key], duty_at=o[at], duty_role=role)

    staff("central_admin_koping", "Birgitta", "koping_forvaltning", DutyRole.OVRIG_ARBETSLEDNING)
    staff("central_admin_arboga", "Per", "arboga", DutyRole.OVRIG_ARBETSLEDNING)
    staff("rektor_at_scheeleskolan", "Anders", "scheeleskolan", DutyRole.REKTOR)
    staff("school_admin_at_scheeleskolan", "Eva", "scheeleskolan", DutyRole.SKOLADMINISTRATOR)
    staff("kurator_at_scheeleskolan", "Sofia", "scheeleskolan", DutyRole.KURATOR)
    staff("colleague_at_scheeleskolan", "Ola", "scheeleskolan", DutyRole.FRITIDSPEDAGOG)

    teaches_7b = staff("teacher_of_7b", "Maria", "scheeleskolan", DutyRole.LARARE)
    f.ActivityTeacherFactory(
        duty=teaches_7b,
        activity=f.ActivityFactory(
            display_name="Matematik 7B", organisation=o["scheeleskolan"], groups=[g["7B"]]
        ),
    )
    mentors_7b = staff("mentor_of_7b", "Lars", "scheeleskolan", DutyRole.LARARE)
    f.AssignmentRoleFactory(
        duty=mentors_7b, group=g["7B"], assignment_role_type=AssignmentRoleType.MENTOR
    )
    authorised = staff("authorised_teacher_of_7b", "Stina", "scheeleskolan", DutyRole.LARARE)
    f.ActivityTeacherFactory(
        duty=authorised,
        activity=f.ActivityFactory(
            display_name="Svenska 7B", organisation=o["scheeleskolan"], groups=[g["7B"]]
        ),
    )
    f.AuthorisationFactory(
        person=p["protected_pupil_in_7b"],
        staff=p["authorised_teacher_of_7b"],
        reason="Elevens svensklärare",
    )
    teaches_7a = staff("teacher_of_7a", "Ingrid", "scheeleskolan", DutyRole.LARARE)
    f.ActivityTeacherFactory(
        duty=teaches_7a,
        activity=f.ActivityFactory(
            display_name="Matematik 7A", organisation=o["scheeleskolan"], groups=[g["7A"]]
        ),
    )
    teaches_6c = staff("teacher_at_ullviskolan", "Karl", "ullviskolan", DutyRole.LARARE)
    f.ActivityTeacherFactory(
        duty=teaches_6c,
        activity=f.ActivityFactory(
            display_name="Matematik 6C", organisation=o["ullviskolan"], groups=[g["6C"]]
        ),
    )
    teaches_8a = staff("teacher_in_arboga", "Nils", "gaddgardsskolan", DutyRole.LARARE)
    f.ActivityTeacherFactory(
        duty=teaches_8a,
        activity=f.ActivityFactory(
            display_name="Engelska 8A", organisation=o["gaddgardsskolan"], groups=[g["8A"]]
        ),
    )

    s.users["user_without_person"] = f.UserFactory(person=None, username="utan.person")
    return s


# --- Helpers for the administrators' page tests ----------------------------------------------

# New persons typed into the forms take numbers the shared factories never hand out
# (they use children born 2010-2020 and adults born 1976-1995).
NEW_CHILDREN = test_personnummer(born_from=2021, born_to=2021)
NEW_ADULTS = test_personnummer(born_from=1996, born_to=2000)
# Persons in the files the import tests upload, likewise outside the factories' years.
IMPORT_CHILDREN = test_personnummer(born_from=2008, born_to=2009)
IMPORT_ADULTS = test_personnummer(born_from=1960, born_to=1974)


def dashed(number: str) -> str:
    """Write a stored civic number the way an administrator types it."""
    return f"{number[:8]}-{number[8:]}"


def client_for(person: Any) -> Any:
    """Return a new test client logged in as `person`, two-factor verified.

    Uses the person's account, or makes one without a password (hashing one would cost a
    third of a second, and the tests log in without it).
    """
    from skolsam.accounts.models import User
    from skolsam.testing.auth import verified_client

    user = User.objects.filter(person=person).first() or f.UserFactory(person=person, password=None)
    return verified_client(user)


def pupil_in(unit: Any, group: Any, *, school_year: int = 7, **person: Any) -> Any:
    """Add a pupil enrolled at `unit` and in `group` since the term started."""
    pupil = f.PupilFactory(**person)
    f.EnrolmentFactory(person=pupil, enroled_at=unit, school_year=school_year)
    f.MembershipFactory(person=pupil, group=group)
    return pupil


def row_counts() -> dict[str, int]:
    """Count the rows the forms write, to show that a refused form wrote nothing."""
    from skolsam.audit.models import AuditEntry
    from skolsam.duties.models import AssignmentRole, Duty
    from skolsam.enrolment.models import Enrolment
    from skolsam.groups.models import Group, GroupMembership
    from skolsam.people.models import Person, Responsible

    models = (Person, Responsible, Enrolment, GroupMembership, Group, Duty, AssignmentRole)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["AuditEntry writes"] = AuditEntry.objects.exclude(
        action__in=["person.view", "person.edit_form", "group.list", "school_unit.pupils"]
    ).count()
    return counts


# --- The timetable ---------------------------------------------------------------------------


@dataclass
class Timetable:
    school: Any
    term: Any
    rektor: Any  # Anders's duty
    teacher: Any  # Maria's duty, signature MARI
    other_teacher: Any  # Ingrid's duty, signature INGR
    groups: dict[str, Any]
    pupil: Any  # Alva, 7B
    protected_pupil: Any  # Elsa, 7B, skyddad folkbokföring
    guardian: Any  # Karin, Alva's
    actor: Any  # Anders, as of the day the term was made


def build_timetable(
    *, term_start: date, term_end: date, on: date, term_name: str = "Höstterminen 2026"
) -> Timetable:
    """Create Scheeleskolan ready for a timetable: staff with signatures, 7A, 7B and a term."""
    from skolsam.curriculum.models import Syllabus
    from skolsam.schedule.services import term_create

    school = build_school()
    rektor = f.DutyFactory(
        duty_at=school, duty_role=DutyRole.REKTOR, person=f.PersonFactory(given_name="Anders")
    )
    teacher = f.DutyFactory(
        duty_at=school, signature="MARI", person=f.PersonFactory(given_name="Maria")
    )
    other = f.DutyFactory(
        duty_at=school, signature="INGR", person=f.PersonFactory(given_name="Ingrid")
    )
    groups = {name: f.GroupFactory(display_name=name, organisation=school) for name in ("7B", "7A")}
    alva = f.PupilFactory(given_name="Alva")
    elsa = f.PupilFactory(given_name="Elsa", security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    for pupil in (alva, elsa):
        f.EnrolmentFactory(person=pupil, enroled_at=school, school_year=7)
        f.MembershipFactory(person=pupil, group=groups["7B"])
    karin = f.PersonFactory(given_name="Karin")
    f.ResponsibleFactory(person=alva, responsible=karin)
    Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRMAT01",
        course_code="",
        defaults={"subject_name": "Matematik"},
    )
    actor = actor_for_person(rektor.person_id, on=on)
    term = term_create(
        actor=actor,
        organisation=school,
        school_year=term_start.year,
        name=term_name,
        start_date=term_start,
        end_date=term_end,
    )
    return Timetable(
        school=school,
        term=term,
        rektor=rektor,
        teacher=teacher,
        other_teacher=other,
        groups=groups,
        pupil=alva,
        protected_pupil=elsa,
        guardian=karin,
        actor=actor,
    )


# --- A school day -------------------------------------------------------------------------


def lesson(activity: Any, day: date, start: time = time(8, 30), minutes: int = 60) -> CalendarEvent:
    """Schedule a lesson of `activity` on `day`, 08:30 and an hour long unless told."""
    begin = calendar.at(day, start)
    return CalendarEvent.objects.create(
        activity=activity,
        organisation_id=activity.organisation_id,
        planned_date=day,
        date=day,
        start_time=begin,
        end_time=begin + timedelta(minutes=minutes),
        duration_minutes=minutes,
    )


@dataclass
class Day:
    school: Any
    group: Any
    pupils: list[Any]
    teacher: Any
    mentor: Any
    rektor: Any
    other_teacher: Any
    guardian: Any
    former_guardian: Any
    activity: Any
    lesson: Any

    def actor(self, person: Any, on: date | None = None) -> Any:
        return actor_for_person(person.pk, on=on or today())


def build_day(*, pupils: int = 3, day: date | None = None) -> Day:
    """Create Scheeleskolan's 7B on `day` (today) with a mathematics lesson at 08:30."""
    day = day or today()
    school = f.SchoolUnitFactory(display_name="Scheeleskolan", school_types=["GR", "GY"])
    group = f.GroupFactory(display_name="7B", organisation=school, start_date=date(2026, 1, 1))
    names = ["Alva", "Hugo", "Saga", "Astrid", "Freja", "Otto", "Iris"]
    members = []
    for i in range(pupils):
        pupil = f.PupilFactory(given_name=names[i % len(names)], family_name=f"Elev{i:02d}")
        f.EnrolmentFactory(person=pupil, enroled_at=school, start_date=date(2026, 1, 1))
        f.MembershipFactory(person=pupil, group=group, start_date=date(2026, 1, 1))
        members.append(pupil)
    guardian = f.PersonFactory(
        given_name="Karin",
        emails=[{"type": "Privat", "value": "karin@example.se"}],
        phone_numbers=[{"type": "Hem", "value": "070-1234567", "mobile": True}],
    )
    f.ResponsibleFactory(person=members[0], responsible=guardian)
    former = f.PersonFactory(
        given_name="Johan", emails=[{"type": "Privat", "value": "johan@example.se"}]
    )
    f.ResponsibleFactory(person=members[0], responsible=former, end_date=date(2026, 6, 30))
    teacher = f.DutyFactory(
        duty_at=school, person=f.PersonFactory(given_name="Maria"), signature="MARI"
    )
    activity = f.ActivityFactory(
        display_name="7B Matematik",
        organisation=school,
        groups=[group],
        start_date=date(2026, 1, 1),
    )
    f.ActivityTeacherFactory(activity=activity, duty=teacher)
    mentor = f.DutyFactory(duty_at=school, person=f.PersonFactory(given_name="Lars"))
    f.AssignmentRoleFactory(
        duty=mentor,
        group=group,
        assignment_role_type=AssignmentRoleType.MENTOR,
        start_date=date(2026, 1, 1),
    )
    rektor = f.DutyFactory(
        duty_at=school, duty_role=DutyRole.REKTOR, person=f.PersonFactory(given_name="Anders")
    )
    other = f.DutyFactory(duty_at=school, person=f.PersonFactory(given_name="Ingrid"))
    other_group = f.GroupFactory(
        display_name="7A", organisation=school, start_date=date(2026, 1, 1)
    )
    f.ActivityTeacherFactory(
        activity=f.ActivityFactory(
            organisation=school, groups=[other_group], start_date=date(2026, 1, 1)
        ),
        duty=other,
    )
    return Day(
        school=school,
        group=group,
        pupils=members,
        teacher=teacher.person,
        mentor=mentor.person,
        rektor=rektor.person,
        other_teacher=other.person,
        guardian=guardian,
        former_guardian=former,
        activity=activity,
        lesson=lesson(activity, day),
    )


def login(client: Any, person: Any) -> Any:
    user = f.UserFactory(person=person)
    client.force_login(user)
    return user


def login_with_two_factor(person: Any) -> Any:
    """Return a test client logged in as `person` with a verified second factor, as staff
    with a role that requires it (rektor, administrators) must be."""
    from skolsam.testing.auth import verified_client

    return verified_client(f.UserFactory(person=person))


def cells(html: str, text: str) -> list[str]:
    """Return the text of each cell in the first table row that mentions `text`."""
    import re
    from html import unescape

    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if text in row:
            found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            return [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]
    raise AssertionError(f"No table row mentions {text!r}")
