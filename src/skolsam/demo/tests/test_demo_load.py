"""Test the demo register as a newcomer meets it after `make demo`.

The demo is loaded once for this module, inside a transaction that is rolled back at the
end, so other tests never see it. Its story: Köping, Arboga and Kungsör share a
register; Alice Lindqvist is in 8A at Centralskolan with a classmate who has skyddad
folkbokföring, whose mentor is the one member of staff named to see where she is; a
pupil from Arboga goes to school in Köping; one pupil moved class in October, another
moved school, and one father's custody ended in September.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from skolsam.accounts.actor import actor_for_user
from skolsam.accounts.models import User
from skolsam.audit.models import AuditEntry
from skolsam.core.access import may_see_location
from skolsam.core.choices import (
    CivicNoType,
    GroupType,
    OrganisationType,
    RelationType,
    SecurityMarking,
)
from skolsam.demo.bulk import Sink
from skolsam.demo.generator import PERSON, TABLES, Catalogue, RegisterGenerator, stable_id
from skolsam.demo.leavers import LEAVERS
from skolsam.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from skolsam.demo.scenario import SEED, demo_plan
from skolsam.demo.services import demo_data_load
from skolsam.demo.testnumbers import (
    is_derived_samordningsnummer,
    is_temporary_number,
    is_test_personnummer,
)
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people import civicno
from skolsam.people.access import persons_visible_to
from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible

TODAY = date(2026, 11, 22)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Load the demo once for the module; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo_data_load()
        yield result
        transaction.set_rollback(True)


def person(key: str) -> Person:
    return Person.objects.get(pk=stable_id(SEED, "person", f"special:{key}"))


def actor(username: str) -> Any:
    return actor_for_user(User.objects.get(username=username), on=TODAY)


class _Collect(Sink):
    def __init__(self) -> None:
        super().__init__(TABLES)
        self.persons: set[tuple[Any, str]] = set()

    def _write(self, table: Any, rows: list[Any]) -> None:
        if table is PERSON:
            self.persons.update((r.id, r.civic_no) for r in rows)


def test_the_demo_is_about_3000_pupils_in_three_municipalities_and_a_company(demo: Any) -> None:
    assert 2800 <= demo.generation.pupils <= 3200
    huvudman = Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN)
    assert {(h.display_name, h.home_municipality_code) for h in huvudman} == {
        ("Köpings kommun", "1983"),
        ("Arboga kommun", "1984"),
        ("Kungsörs kommun", "1960"),
        ("Lärkans Skolor AB", ""),
    }
    assert Organisation.objects.filter(organisation_type=OrganisationType.FORVALTNING).count() == 3
    units = Organisation.objects.filter(organisation_type=OrganisationType.SKOLENHET)
    assert all(len(u.school_unit_code or "") == 8 for u in units)
    assert all((u.school_unit_code or "").isdigit() for u in units)
    kinds = Counter(tuple(u.school_types) for u in units)
    assert kinds[("FS",)] == 4 and kinds[("GY",)] == 1 and kinds[("GR",)] == 3
    assert kinds[("FKLASS", "GR", "FTH")] == 4 + 1


def leavers() -> Group:
    """Last school year's year 9 at Centralskolan, registered through the services."""
    return Group.objects.get(display_name="9A 25/26")


def leaver_people() -> set[Any]:
    """The leavers and their guardians: the persons the generator did not make."""
    pupils = set(leavers().memberships.values_list("person_id", flat=True))
    guardians = set(
        Responsible.objects.filter(person_id__in=pupils).values_list("responsible_id", flat=True)
    )
    return pupils | guardians


def test_loading_again_changes_nothing_and_the_load_is_one_audit_entry(demo: Any) -> None:
    before = {t.name: t.model._default_manager.count() for t in TABLES}
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert "finns redan" in out.getvalue()
    assert {t.name: t.model._default_manager.count() for t in TABLES} == before
    assert AuditEntry.objects.filter(action="demo.load").count() == 1
    # The register is bulk-loaded under that one entry; the timetable and attendance
    # demo goes through the attendance services, which log each of their own writes, and
    # so does the registration of last year's leavers (demo/leavers.py): every register
    # entry is about them, their class and their activities.
    register_types = {"Person", "Organisation", "Enrolment", "Group", "GroupMembership", "Duty"}
    entries = AuditEntry.objects.filter(object_type__in=register_types)
    people = leaver_people()
    assert {e.person_id for e in entries.exclude(person_id=None)} <= people
    unit = leavers().organisation_id
    assert not entries.filter(object_type__in={"Organisation", "Duty"}).exists()
    group_ids = {
        str(pk)
        for pk in Group.objects.filter(organisation_id=unit, end_date__lt=TODAY).values_list(
            "pk", flat=True
        )
    }
    assert {e.object_id for e in entries.filter(object_type="Group")} <= group_ids


def test_the_load_is_what_a_fresh_run_of_the_same_plan_generates(demo: Any) -> None:
    fresh = _Collect()
    RegisterGenerator(demo_plan(), fresh, catalogue=Catalogue.from_database()).run()
    in_database = set(Person.objects.exclude(pk__in=leaver_people()).values_list("id", "civic_no"))
    assert in_database == fresh.persons
    assert len(leaver_people()) == 2 * LEAVERS


def test_every_civic_number_is_a_test_number_or_a_documented_derivation(demo: Any) -> None:
    numbers = Counter(Person.objects.values_list("civic_no_type", flat=True))
    assert numbers[CivicNoType.SAMORDNINGSNUMMER] == 1
    assert numbers[CivicNoType.TEMPORARY] == 1
    for number, kind, born in Person.objects.values_list("civic_no", "civic_no_type", "birth_date"):
        assert number is not None
        parsed = civicno.parse(number, today=TODAY)
        assert (parsed.type, parsed.birth_date) == (kind, born)
        if kind == CivicNoType.PERSONNUMMER:
            assert is_test_personnummer(number), number
        elif kind == CivicNoType.SAMORDNINGSNUMMER:
            assert is_derived_samordningsnummer(number), number
        else:
            assert is_temporary_number(number), number
    pupils = Person.objects.filter(pk__in=Enrolment.objects.values("person_id"))
    adults = Person.objects.filter(pk__in=Responsible.objects.values("responsible_id"))
    assert {b.year for b in pupils.values_list("birth_date", flat=True) if b} <= set(
        range(2008, 2025)
    )
    assert {b.year for b in adults.values_list("birth_date", flat=True) if b} <= set(
        range(1976, 2001)
    )
    assert not Person.objects.filter(birth_date__isnull=True).exists()


def test_the_special_cases_are_there(demo: Any) -> None:
    protected = person("skyddad")
    assert protected.security_marking == SecurityMarking.SKYDDAD_FOLKBOKFORING
    assert protected.addresses == [] and protected.home_municipality_code == ""
    grant = ProtectedIdentityAuthorisation.objects.get()
    mentor_group = Group.objects.get(pk=stable_id(SEED, "group", "koping/centralskolan/8A/mentor2"))
    assert GroupMembership.objects.filter(group=mentor_group, person=protected).exists()
    assert grant.person == protected
    assert mentor_group.assignment_roles.get().duty.person_id == grant.staff_id
    assert grant.granted_by is not None and grant.granted_by.username == "central.koping"

    samordning = person("samordningsnummer")
    assert samordning.civic_no_type == CivicNoType.SAMORDNINGSNUMMER
    assert int(str(samordning.civic_no)[6:8]) > 60
    temporary = person("tillfalligt")
    assert str(temporary.civic_no)[8:10] == "TF"
    assert temporary.civic_no_type == CivicNoType.TEMPORARY
    assert temporary.enrolments.get().start_date == date(2026, 9, 7)

    commuter = person("arboga-elev")
    assert commuter.home_municipality_code == "1984"
    assert commuter.enrolments.get(end_date__isnull=True).enroled_at.municipality_code == "1983"

    split = person("delad-vardnad")
    addresses = {
        r.responsible.addresses[0]["streetAddress"]
        for r in split.responsibles.filter(relation_type=RelationType.VARDNADSHAVARE)
    }
    assert len(addresses) == 2

    mover = person("klassbyte")
    classes = mover.group_memberships.filter(group__group_type=GroupType.KLASS).order_by(
        "start_date"
    )
    assert [(m.group.display_name, m.end_date) for m in classes] == [
        ("5A", date(2026, 10, 11)),
        ("5B", date(2027, 6, 11)),
    ]

    moved_school = person("skolbyte")
    enrolments = moved_school.enrolments.filter(school_type="GR").order_by("start_date")
    assert [(e.enroled_at.display_name, e.end_date) for e in enrolments] == [
        ("Skogsbrynsskolan", date(2026, 9, 30)),
        ("Lärkanskolan", None),
    ]

    custody = person("vardnad-upphord").responsibles.all()
    assert sorted(r.end_date or date.max for r in custody) == [date(2026, 9, 15), date.max]


def test_the_register_keeps_the_domain_rules(demo: Any) -> None:
    # One class at a time.
    classes: defaultdict[Any, list[tuple[date, date | None]]] = defaultdict(list)
    for m in GroupMembership.objects.filter(group__group_type=GroupType.KLASS):
        classes[m.person_id].append((m.start_date, m.end_date))
    for memberships in classes.values():
        memberships.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(memberships):
            assert e1 is not None and e1 < s2
    # Enrolments: at a school unit offering the school type; no overlap in a school type.
    units = {o.pk: o for o in Organisation.objects.all()}
    spans: defaultdict[Any, list[tuple[date, date]]] = defaultdict(list)
    for e in Enrolment.objects.all():
        assert e.school_type in units[e.enroled_at_id].school_types
        assert units[e.enroled_at_id].organisation_type == OrganisationType.SKOLENHET
        assert e.end_date is None or e.end_date >= e.start_date
        spans[(e.person_id, e.school_type)].append((e.start_date, e.end_date or date.max))
    for periods in spans.values():
        periods.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(periods):
            assert e1 < s2
    for placement in Placement.objects.all():
        assert placement.school_type in units[placement.placed_at_id].school_types
    # Every organisation points at the root of its tree.
    for org in units.values():
        root = org
        while root.parent_id:
            root = units[root.parent_id]
        assert org.huvudman_id == root.pk and root.huvudman_id == root.pk
    # Every child has guardians, mostly two; home municipality follows the address.
    children = set(Enrolment.objects.values_list("person_id", flat=True)) | set(
        Placement.objects.values_list("child_id", flat=True)
    )
    guardians = Counter(
        Responsible.objects.filter(relation_type=RelationType.VARDNADSHAVARE).values_list(
            "person_id", flat=True
        )
    )
    assert children == set(guardians)
    assert sum(1 for n in guardians.values() if n == 2) > 0.75 * len(children)
    for p in Person.objects.exclude(addresses=[]):
        folkbokforing = [a for a in p.addresses if a["type"] == "Folkbokföring"]
        expected = f"{folkbokforing[0]['municipalityCode']:04d}" if folkbokforing else ""
        assert p.home_municipality_code == expected
    # As of a date: the class that the mover was in on 1 October.
    mover = person("klassbyte")
    on_1_october = GroupMembership.objects.filter(
        person=mover,
        group__group_type=GroupType.KLASS,
        start_date__lte=date(2026, 10, 1),
        end_date__gte=date(2026, 10, 1),
    )
    assert [m.group.display_name for m in on_1_october] == ["5A"]
    assert Enrolment.objects.filter(end_date__lt=TODAY - timedelta(days=30)).exists()


def test_each_login_sees_what_the_table_says(demo: Any) -> None:
    assert demo.accounts == len(DEMO_LOGINS)
    protected, alice, commuter = person("skyddad"), person("elev"), person("arboga-elev")
    users = {u.username: u for u in User.objects.all()}
    for login in DEMO_LOGINS:
        assert (users[login.username].person_id is None) == (not login.person)
    # One hash serves every account (same password), so checking one checks them all.
    assert len({u.password for u in users.values()}) == 1
    assert users["vh.lindqvist"].check_password(DEMO_PASSWORD)

    rektor = actor("rektor.centralskolan")
    assert persons_visible_to(rektor).filter(pk=alice.pk).exists()
    assert not persons_visible_to(rektor).filter(pk=protected.pk).exists()
    teacher, mentor, authorised = (
        User.objects.get(username=u).person_id
        for u in ("larare.centralskolan", "mentor.centralskolan", "behorig.centralskolan")
    )
    assert len({teacher, mentor, authorised}) == 3
    for username in ("larare.centralskolan", "mentor.centralskolan", "kurator.centralskolan"):
        assert not persons_visible_to(actor(username)).filter(pk=protected.pk).exists()
    assert may_see_location(actor("behorig.centralskolan"), protected)
    central = actor("central.koping")
    assert persons_visible_to(central).filter(pk=protected.pk).exists()
    assert not may_see_location(central, protected)
    assert persons_visible_to(actor("central.arboga")).filter(pk=commuter.pk).exists()
    assert not persons_visible_to(actor("rektor.larkan")).filter(pk=alice.pk).exists()
    family = persons_visible_to(actor("vh.lindqvist"))
    assert {p.given_name for p in family} == {"Maria", "Alice", "Hugo", "Signe"}
    assert list(persons_visible_to(actor("elev.alice"))) == [alice]
    assert User.objects.get(username="revisor").has_perm("audit.search_auditentry")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.person is None


def test_demo_logins_prints_every_account(demo: Any) -> None:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    for login in DEMO_LOGINS:
        assert login.username in out.getvalue()
    call_command("demo_logins", "--markdown", stdout=(md := StringIO()))
    assert md.getvalue().count("\n| `") == len(DEMO_LOGINS)


def test_every_room_a_lesson_names_is_a_room_of_its_school(demo: Any) -> None:
    from skolsam.schedule.models import CalendarEvent, Resource, Room

    named = set(
        CalendarEvent.objects.exclude(room="").values_list("organisation_id", "room").distinct()
    )
    rooms = set(Room.objects.values_list("owner_id", "display_name"))
    assert named and named <= rooms
    assert Resource.objects.filter(owner__in={owner for owner, _ in rooms}).exists()


def test_the_central_administrators_find_an_accessibility_report_waiting(demo: Any) -> None:
    from skolsam.accessibility.access import report_policy
    from skolsam.core.policy import Action

    waiting = report_policy.objects(actor("central.koping"), Action.VIEW)
    assert waiting.count() == 1
    assert waiting.get().huvudman.display_name == "Köpings kommun"


def test_some_upper_secondary_pupils_have_a_study_plan_of_their_programme(demo: Any) -> None:
    from skolsam.grades.demo import STUDY_PLANS
    from skolsam.grades.models import StudyPlan, StudyPlanCourse

    plans = StudyPlan.objects.select_related("organisation")
    assert plans.count() == STUDY_PLANS
    assert {p.organisation.display_name for p in plans} == {"Mälargymnasiet"}
    assert all(p.programme_id is not None for p in plans)
    courses = StudyPlanCourse.objects.filter(study_plan__in=plans)
    assert {c.content_type for c in courses} == {"Gymnasiegemensamma", "Programgemensamma"}
    assert {c.syllabus.school_type for c in courses.select_related("syllabus")} == {"GY"}


def test_the_demo_has_grades_an_open_period_and_a_grade_waiting_for_a_co_signer(
    demo: Any,
) -> None:
    from skolsam.grades.models import Grade, GradingPeriod, PendingGrade, TeacherLicence
    from skolsam.grades.selectors import pending_for_co_signer, sheets_for_teacher

    current = Grade.objects.current()
    assert current.filter(school_type="GR").count() > 500
    assert current.filter(school_type="GY").exists()
    assert {g for g in current.values_list("grade_value", flat=True)} <= set("ABCDEF–")
    open_now = GradingPeriod.objects.filter(closed_at__isnull=True)
    assert open_now.count() == 1
    # Earlier terms are published for the portal; one closed term waits for the rektor.
    from skolsam.grades.models import PublishedGrade

    assert PublishedGrade.objects.filter(grade__school_type="GR").count() > 200
    waiting_to_publish = GradingPeriod.objects.filter(
        closed_at__isnull=False, published_at__isnull=True
    )
    assert waiting_to_publish.count() == 1
    assert TeacherLicence.objects.count() > 10
    teacher = actor("larare.centralskolan")
    assert any(s.period in open_now for s in sheets_for_teacher(actor=teacher))
    unlicensed = User.objects.get(username="obehorig.centralskolan").person_id
    assert unlicensed is not None
    assert not TeacherLicence.objects.filter(person_id=unlicensed).exists()
    waiting = PendingGrade.objects.filter(proposed_by_id=unlicensed, decision__isnull=True)
    assert waiting.count() == 3
    assert {p.pk for p in pending_for_co_signer(actor=teacher)} >= set(
        waiting.values_list("pk", flat=True)
    )


def test_last_years_leavers_have_final_grades_and_their_slutbetyg_has_the_merit_value(
    demo: Any,
) -> None:
    from skolsam.grades.merit import MeritGrade, meritvarde
    from skolsam.grades.models import DocumentKind, Grade, GradingPeriod, GradingPeriodKind
    from skolsam.grades.services.documents import certificate_issue, merit_kind

    pupils = list(leavers().memberships.values_list("person_id", flat=True))
    assert len(pupils) == LEAVERS
    final = GradingPeriod.objects.get(kind=GradingPeriodKind.FINAL)
    assert final.is_published and not final.is_open
    grades = Grade.objects.current().filter(student_id__in=pupils, final_grade=True)
    by_pupil = Counter(grades.values_list("student_id", flat=True))
    # Sixteen subjects each, and moderna språk as språkval for half the class.
    assert sorted(Counter(by_pupil.values()).items()) == [(16, LEAVERS // 2), (17, LEAVERS // 2)]
    # Their term grades of the autumn before.
    assert Grade.objects.filter(student_id__in=pupils, final_grade=False, semester="HT").exists()
    reader = next(p for p, n in by_pupil.items() if n == 17)
    own = list(grades.filter(student_id=reader).select_related("syllabus"))
    expected = meritvarde(MeritGrade(g.grade_value, merit_kind(g.syllabus)) for g in own)
    rektor = actor("rektor.centralskolan")
    with transaction.atomic():
        document = certificate_issue(
            actor=rektor,
            student=Person.objects.get(pk=reader),
            organisation=leavers().organisation,
            kind=DocumentKind.SLUTBETYG,
        )
        assert document.merit_value == expected
        assert len(document.grade_ids) == 17
        transaction.set_rollback(True)
    # Their national tests beside the final grades, and this term's warnings of an F, one
    # of them to the guardians who have the portal logins.
    from skolsam.grades.models import GradeWarning, NationalTestResult

    tested = NationalTestResult.objects.filter(student_id__in=pupils)
    assert tested.values("student_id").distinct().count() == LEAVERS
    assert GradeWarning.objects.filter(student=person("elev")).exists()
    assert GradeWarning.objects.count() >= 2


def test_alice_has_adaptations_and_her_mentor_a_reminder_of_the_one_due(demo: Any) -> None:
    from skolsam.messaging.models import Recipient
    from skolsam.pupil_documentation.models import Adaptation

    alice = person("elev")
    adaptations = Adaptation.objects.filter(student=alice)
    assert adaptations.count() == 3
    assert adaptations.filter(ended_at__isnull=False).count() == 1
    due = adaptations.filter(ended_at__isnull=True, follow_up_date__lte=TODAY + timedelta(days=60))
    assert due.exists()
    mentor = User.objects.get(username="mentor.centralskolan").person_id
    assert mentor is not None
    reminded = Recipient.objects.filter(
        person_id=mentor, message__subject="Dags att följa upp en extra anpassning"
    )
    assert reminded.count() == 1


def test_alice_has_a_decided_action_programme_and_a_classmate_a_report_waiting(
    demo: Any,
) -> None:
    from skolsam.core.dates import today
    from skolsam.core.policy import Action
    from skolsam.pupil_documentation.access import support_decision_policy, support_report_policy
    from skolsam.pupil_documentation.models import (
        APPEAL_INFORMATION,
        DecisionKind,
        SupportDecision,
        SupportReport,
    )

    def on_today(username: str) -> Any:
        return actor_for_user(User.objects.get(username=username), on=today())

    alice = person("elev")
    rektor = on_today("rektor.centralskolan")
    report = SupportReport.objects.get(student=alice)
    assert report.reported_by_id == User.objects.get(username="mentor.centralskolan").person_id
    assert report.reported_at.date() < today() - timedelta(days=14)
    investigation = report.investigation
    assert (
        investigation.assigned_to_id == User.objects.get(username="kurator.centralskolan").person_id
    )
    assert investigation.notes.filter(participants__contains="vårdnadshavare").exists()
    assert investigation.concluded_at is not None and investigation.conclusion
    decision = SupportDecision.objects.filter(investigation=investigation).current().get()
    assert decision.kind == DecisionKind.PROGRAMME
    assert decision.decided_by_id == rektor.person_id
    assert decision.needs and decision.measures and decision.responsible
    assert decision.evaluation_days and min(decision.evaluation_days) > decision.decided_on
    assert decision.guardians_notified_on is not None
    assert decision.appeal_information == str(APPEAL_INFORMATION)
    assert support_decision_policy.can(on_today("mentor.centralskolan"), Action.VIEW, decision)
    waiting = support_report_policy.objects(rektor, Action.DECIDE).filter(
        investigation__isnull=True
    )
    assert waiting.count() == 1
    other = waiting.get().student
    assert other != alice and not other.is_protected
    assert not SupportReport.objects.exclude(pk__in=[report.pk, waiting.get().pk]).exists()


def test_offensive_treatment_one_case_forwarded_late_and_one_waiting_at_the_rektor(
    demo: Any,
) -> None:
    from skolsam.core.dates import today
    from skolsam.core.policy import Action
    from skolsam.pupil_documentation.access import offence_policy
    from skolsam.pupil_documentation.models import InvolvedRole, OffensiveTreatmentReport
    from skolsam.pupil_documentation.selectors import huvudman_offences

    def on_today(username: str) -> Any:
        return actor_for_user(User.objects.get(username=username), on=today())

    teacher = User.objects.get(username="larare.centralskolan").person_id
    rektor = on_today("rektor.centralskolan")
    reports = OffensiveTreatmentReport.objects.order_by("reported_on")
    assert reports.count() == 2
    late, fresh = reports
    assert {late.reported_by_id, fresh.reported_by_id} == {teacher}
    named = set(late.involved.values_list("person_id", "role"))
    assert {role for _, role in named} == {InvolvedRole.SUBJECTED, InvolvedRole.PUPIL_ACTOR}
    assert person("elev").pk not in {p for p, _ in named}
    assert late.forwarded_by_id == rektor.person_id and late.forwarded_on is not None
    assert late.rektor_overdue(today()) and late.huvudman_overdue(today())
    assert late.forwarded_at is not None
    assert late.reported_at.date() == late.reported_on < late.forwarded_at.date()
    assert late.interviews.count() >= 1 and late.is_open
    assert fresh.forwarded_at is None and fresh.reported_on == today()
    assert not fresh.rektor_overdue(today())
    assert offence_policy.can(rektor, Action.DECIDE, fresh)
    central = on_today("central.koping")
    open_cases, stats = huvudman_offences(actor=central)
    assert late in open_cases and fresh in open_cases
    assert sum(row.late for row in stats) == 1
