"""Load the demo register and generate large registers, each as one audited bulk write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, transaction

from skolsam.accessibility.demo import demo_accessibility_load
from skolsam.accounts.actor import actor_for_user
from skolsam.accounts.models import User
from skolsam.accounts.selectors import two_factor_required
from skolsam.accounts.services import totp_device_create
from skolsam.attendance.demo import demo_attendance_load
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, system_actor
from skolsam.curriculum.loader import programme_load_national, syllabus_load_official
from skolsam.demo.bulk import BulkCreateSink, CopySink, Sink, wipe_register
from skolsam.demo.generator import (
    TABLES,
    Catalogue,
    GenerationResult,
    PlanError,
    RegisterGenerator,
    municipality_plan,
    stable_id,
    term_start,
)
from skolsam.demo.leavers import demo_leavers_load
from skolsam.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from skolsam.demo.scenario import SCHOOL_YEAR, SEED, demo_plan
from skolsam.grades.demo import demo_grades_load
from skolsam.messaging.demo import demo_messages_load
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person, ProtectedIdentityAuthorisation
from skolsam.pupil_documentation.demo import (
    demo_adaptations_load,
    demo_offences_load,
    demo_special_support_load,
)
from skolsam.pupil_documentation.services.reminders import adaptation_reminders_send
from skolsam.schedule.demo import demo_schedule_load


@dataclass
class DemoLoadResult:
    generation: GenerationResult
    accounts: int
    removed: dict[str, int]


def sink_for_database(*, batch_size: int | None = None) -> Sink:
    """Return the fastest sink the database has: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        return CopySink(TABLES, batch_size=batch_size or 50_000)
    return BulkCreateSink(TABLES, batch_size=batch_size or 20_000)


def demo_is_loaded() -> bool:
    """Tell whether the demo register is in the database.

    The load is one transaction, so its first huvudman being there means all of it is.
    """
    marker = stable_id(SEED, "org", demo_plan().huvudman[0].key)
    return Organisation.objects.filter(pk=marker).exists()


@transaction.atomic
def demo_data_load(*, reset: bool = False) -> DemoLoadResult | None:
    """Load the demo register, its login accounts and one protected-identity grant.

    Returns None, having done nothing, when the demo is already loaded and `reset` is
    not set. With `reset`, all register data and the accounts of register persons go
    first. Writes one audit entry for the whole load.

    Records no change for the SS 12000 API (`core.changes`) for the generated register or
    the rows it wipes: a demo database has no subscribers yet, and tombstones of a wiped
    demo would mean nothing. What it loads through services (reference data, attendance)
    is recorded by those services as usual.
    """
    actor = system_actor("demo_load")
    if not reset and demo_is_loaded():
        return None
    removed: dict[str, int] = {}
    if reset:
        removed = wipe_register()
    elif Person.objects.exists():
        raise PlanError(
            "Registret innehåller redan personer som inte är demodata. "
            "Kör med --reset för att tömma registret och läsa in demodatan."
        )
    reference = _reference_data(actor)
    generation = RegisterGenerator(
        demo_plan(), sink_for_database(), catalogue=Catalogue.from_database()
    ).run()
    accounts = _demo_accounts(generation)
    named = generation.named
    grant = ProtectedIdentityAuthorisation.objects.create(
        person_id=named["special:skyddad"],
        staff_id=named["mentor:koping/centralskolan/8A/2"],
        reason="Elevens mentor; behöver veta var eleven går för att kunna stödja hen.",
        granted_by=accounts["central.koping"],
        start_date=term_start(SCHOOL_YEAR),
    )
    # The timetable, this term's lessons and some attendance, reports and requests
    # hang on the register just loaded; the attendance module owns how they look.
    schedule = demo_schedule_load()
    attendance = demo_attendance_load(named=generation.named)
    # Last school year's year 9 at Centralskolan, whose slutbetyg the demo shows.
    leavers = demo_leavers_load(named=generation.named, school_year=SCHOOL_YEAR)
    # Licences, earlier terms' grades and a grading period open now (grades/demo.py).
    grades = demo_grades_load(named=generation.named)
    # Extra adaptations for Alice, one due for follow-up today, whose reminder goes to her
    # mentor's inbox as the morning's run would send it (pupil_documentation/demo.py).
    adaptations = demo_adaptations_load(named=generation.named)
    # Special support for Alice decided as an action programme, a classmate's report
    # waiting for the rektor, and two reports of offensive treatment, one forwarded late.
    support = demo_special_support_load(named=generation.named, earliest=term_start(SCHOOL_YEAR))
    offences = demo_offences_load(named=generation.named, earliest=term_start(SCHOOL_YEAR))
    adaptation_reminders_send()
    # A weekly letter to a class and a conversation with a family (messaging/demo.py).
    messages = demo_messages_load(named=generation.named)
    accessibility_reports = demo_accessibility_load()
    audit_record(
        actor=actor,
        action="demo.load",
        object_type="Register",
        detail={
            "rows": generation.counts,
            "pupils": generation.pupils,
            "guardians": generation.guardians,
            "staff": generation.staff,
            "accounts": sorted(accounts),
            "protected_identity_authorisation": grant.pk,
            "reference_data": reference,
            "schedule": str(schedule),
            "attendance": str(attendance),
            "leavers": bool(leavers),
            "grades": str(grades),
            "adaptations": str(adaptations),
            "special_support": str(support),
            "offences": str(offences),
            "messages": str(messages),
            "accessibility_reports": accessibility_reports,
            "removed": removed,
        },
    )
    # The planner's statistics for what was just bulk-loaded. Autovacuum would gather them
    # later; until then PostgreSQL plans the register's queries as if the tables were
    # empty (a teacher's roster took 4.7 ms instead of 0.6, EXPLAIN ANALYZE, bench/RESULTS.md).
    # SQLite's ANALYZE fills its sqlite_stat1 the same way.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return DemoLoadResult(generation, len(accounts), removed)


def _reference_data(actor: Actor) -> dict[str, int]:
    """Load the syllabuses and programmes the register points at (idempotent).

    Their changes go into the caller's audit entry: one entry for the whole load.
    """
    syllabuses = syllabus_load_official(actor=actor, audit=False)
    programmes = programme_load_national(actor=actor, audit=False)
    return {
        "syllabuses_created": syllabuses.created,
        "syllabuses_updated": syllabuses.updated,
        "programmes_created": programmes.created,
        "programmes_updated": programmes.updated,
    }


def _demo_accounts(generation: GenerationResult) -> dict[str, User]:
    """Create or refresh the demo logins, each tied to its person in the register."""
    # One hash for every account: the password is the same and published, and hashing
    # it once keeps the load fast.
    password = make_password(DEMO_PASSWORD)
    person_ids = {x.username: generation.named[x.person] for x in DEMO_LOGINS if x.person}
    persons = Person.objects.in_bulk(list(person_ids.values()))
    audit_search = Permission.objects.get(
        content_type__app_label="audit", codename="search_auditentry"
    )
    users = {}
    for login in DEMO_LOGINS:
        person = persons.get(person_ids[login.username]) if login.person else None
        user, _created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "person": person,
                "password": password,
                "first_name": person.given_name if person else "",
                "last_name": person.family_name if person else "",
                "is_active": True,
                "is_staff": login.superuser,
                "is_superuser": login.superuser,
            },
        )
        if login.audit:
            user.user_permissions.add(audit_search)
        users[login.username] = user
    _demo_two_factor(users.values())
    return users


def _demo_two_factor(users: Iterable[User]) -> None:
    """Give every demo login that must use two-factor the demo's published TOTP key.

    Teachers, guardians and pupils get none, so the demo shows they are not forced.
    """
    for user in users:
        if two_factor_required(user=user, actor=actor_for_user(user)):
            totp_device_create(user=user, secret_base32=DEMO_TOTP_SECRET, audit=False)


@transaction.atomic
def register_generate(
    *, pupils: int, seed: int = 1, reset: bool = False, batch_size: int | None = None
) -> GenerationResult:
    """Generate a municipality of `pupils` pupils into an empty register; audit it once.

    Uses COPY on PostgreSQL and bulk_create elsewhere, in batches, so memory stays
    bounded. Refuses a register that already has persons unless `reset` empties it.
    Records no change for the SS 12000 API, like `demo_data_load`: it fills an empty
    register for measurement, before any client subscribes.
    """
    actor = system_actor("generate_register")
    if reset:
        wipe_register()
    elif Person.objects.exists():
        raise PlanError("Registret är inte tomt. Kör med --reset för att tömma det först.")
    reference = _reference_data(actor)
    result = RegisterGenerator(
        municipality_plan(pupils, seed=seed),
        sink_for_database(batch_size=batch_size),
        catalogue=Catalogue.from_database(),
    ).run()
    audit_record(
        actor=actor,
        action="register.generate",
        object_type="Register",
        detail={
            "pupils": result.pupils,
            "seed": seed,
            "rows": result.counts,
            "temporary_numbers": result.temporary_numbers,
            "reference_data": reference,
        },
    )
    return result
