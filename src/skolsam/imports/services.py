"""Check and import a school unit's pupils, guardians, enrolments and classes from a file.

Two steps, as on the upload page and in `manage.py import_register`:

1. `plan_import` reads nothing but the register and the parsed rows. It checks every row
   and every cross-row rule and returns an `ImportPlan`: the issues (row, column, message)
   and what a commit would write. It changes nothing.
2. `register_import_commit` plans again inside one transaction, with the existing persons
   locked, and writes the whole plan or nothing. Time passes between upload and
   confirmation; planning again means a rule broken in between still stops the import.

Writes are in bulk (one INSERT per table, not seven service calls per pupil), so a file of
a thousand pupils takes seconds. The rules are the services' own: the civic number parser,
`people.services`' checks of names and contact details, `enrolment.services`' check that
the unit offers the school type, and the same overlap rules as `enrolment_create`,
`group_membership_add` and `responsible_add`. Every row written gets the audit entry its
service would have written (same action and fields), marked with the import's id, and the
import itself gets one entry with the file, the unit and the counts.

Existing persons (matched on civic number) are never changed: names, contact details and
addresses stay as the register has them; the import only adds what is missing — the
enrolment, the class membership and the guardian relations. See docs/import-format.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skolsam.audit.services import AuditBatch, audit_record, snapshot
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import (
    GroupType,
    PlacementSchoolType,
    RelationType,
    SchoolType,
    SecurityMarking,
)
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import periods_overlap
from skolsam.enrolment.models import Enrolment

# The services' own checks (module-private in their apps today): the import calls them so
# that a row the import accepts is exactly a row the service would accept.
from skolsam.enrolment.services import school_unit_offers_validate
from skolsam.groups.models import Group, GroupMembership
from skolsam.groups.services import group_create
from skolsam.imports.access import guardians_within_reach, may_import_at, pupils_within_reach
from skolsam.imports.models import RegisterImport
from skolsam.imports.parser import (
    GUARDIAN_COLUMNS,
    Issue,
    ParsedFile,
    Row,
    fold,
    guardian_key,
    guardian_slots,
    parse_file,
)
from skolsam.organisations.models import Organisation
from skolsam.people import civicno
from skolsam.people.models import Person, Responsible
from skolsam.people.services import (
    PERSON_FIELDS,
    contacts_validate,
    home_municipality_code_of,
    person_change_record,
    person_validate,
)

PENDING_LIFETIME = timedelta(hours=1)
# The one answer for every person the actor may not touch, whatever the reason (protected
# identity, another huvudman's pupil, a guardian they do not see). It is given only when an
# import is confirmed; see `_match_register`.
NEUTRAL_REFUSAL = (
    "Personnumret tillhör en person som redan finns i registret, utanför det du har "
    "behörighet till, så importen kan inte skriva in eller koppla personen här. Ta bort "
    "raden och kontakta huvudmannens centrala administration."
)
_PLACEMENT_TYPES = frozenset(PlacementSchoolType.values)
# Files name school types in Swedish, whatever language the importing person reads.
with translation.override("sv"):
    _SCHOOL_TYPES = {
        **{fold(str(label)): value for value, label in SchoolType.choices},
        **{fold(value): value for value in SchoolType.values},
    }
_RELATIONS = {fold(value): value for value in RelationType.values}
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[ T]00:00(?::00)?)?$")
_POSTAL_CODE = re.compile(r"^(\d{3})\s?(\d{2})$")


# The longest text each column may hold, by row key (guardians' without their `vhN_`). Names
# and class names go to model fields and take their lengths; contact details go into JSON
# in SS 12000's shapes and take the person form's limits; the rest are codes, numbers and
# dates, capped so that a wrong value is still short enough to quote in the report.
def _digits(value: str) -> bool:
    """Say whether `value` is ASCII digits only: `"²".isdigit()` is true, but int() refuses it."""
    return value.isascii() and value.isdigit()


def _field_length(model: Any, name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


_MAX_LENGTHS: dict[str, int] = {
    **{key: _field_length(Person, key) for key in ("given_name", "middle_name", "family_name")},
    "class_name": _field_length(Group, "display_name"),
    "email": 254,
    "phone": 20,
    "street": 200,
    "locality": 100,
    "postal_code": 10,
    "municipality_code": 10,
    "civic_no": 20,
    "school_type": 60,
    "school_year": 10,
    "start_date": 30,
    "relation": 40,
}


class ImportRefused(Exception):
    """The file broke a rule when it was committed; nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("Importen stoppades; inget sparades.")
        self.plan = plan


# --- what a row says ----------------------------------------------------------------------


@dataclass
class PersonDraft:
    """A person named in the file: first mention wins, later ones must agree on the name."""

    civic_no: str
    civic: civicno.CivicNo
    given_name: str
    middle_name: str
    family_name: str
    emails: list[dict[str, Any]]
    phone_numbers: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    row: int
    column: str


@dataclass
class GuardianLine:
    slot: int
    person: PersonDraft
    relation_type: str


@dataclass
class PupilLine:
    row: int
    person: PersonDraft
    school_type: str
    school_year: int | None
    class_name: str
    start_date: date
    guardians: list[GuardianLine]
    # The pupil's class memberships in the register (existing pupils only).
    existing_classes: list[GroupMembership] = field(default_factory=list)

    @property
    def relation_start(self) -> date:
        """Custody starts at birth when the civic number tells it, else on the start date."""
        return self.person.civic.birth_date or self.start_date


@dataclass
class NewClass:
    display_name: str
    school_type: str
    start_date: date
    group: Group | None = None  # set once created


@dataclass(frozen=True)
class GuardianChoice:
    """An existing pupil's row whose guardians are new to the pupil: the administrator decides.

    A mistyped civic number can match another pupil; adding the file's guardians to them
    would give strangers custody, notices and access. So they are added only for the rows
    the administrator ticks, one by one.
    """

    row: int
    pupil: str  # the pupil's name as the file writes it
    guardians: tuple[str, ...]  # the guardians' names as the file writes them


@dataclass(frozen=True)
class ClassCheck:
    """A row that failed other checks: its class is still checked, so every error shows."""

    row: int
    class_name: str
    start_date: date | None
    school_type: str | None


@dataclass
class ImportPlan:
    """What the file says and what a commit would write; nothing here is saved yet."""

    school_unit: Organisation
    file: ParsedFile
    create_classes: bool
    # Rows of existing pupils whose guardians from the file the administrator chose to add.
    guardian_rows: frozenset[int] = frozenset()
    issues: list[Issue] = field(default_factory=list)
    lines: list[PupilLine] = field(default_factory=list)
    existing: dict[str, Person] = field(default_factory=dict)  # civic_no -> person
    # Persons in the register the actor may not touch (refused on commit only).
    hidden: dict[str, Person] = field(default_factory=dict)  # civic_no -> person
    # (row, person) of every refusal, for the audit log.
    refusals: list[tuple[int, Person]] = field(default_factory=list)
    new_persons: dict[str, PersonDraft] = field(default_factory=dict)
    enrolments: list[PupilLine] = field(default_factory=list)
    memberships: list[tuple[PupilLine, Group | NewClass]] = field(default_factory=list)
    relations: list[tuple[PupilLine, GuardianLine]] = field(default_factory=list)
    new_classes: dict[str, NewClass] = field(default_factory=dict)
    # Existing pupils' rows with guardians new to them: added only when chosen, row by row.
    guardian_choices: list[GuardianChoice] = field(default_factory=list)
    # Rows that failed other checks, kept to check their class too.
    class_checks: list[ClassCheck] = field(default_factory=list)
    # (civic number, row, column) of every row whose pupil civic number could be read.
    pupil_rows: list[tuple[str, int, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def row_count(self) -> int:
        return len(self.file.rows)

    @property
    def updated_person_count(self) -> int:
        return len(self.updated_person_ids())

    def updated_person_ids(self) -> set[UUID]:
        """Existing persons the import adds something to: an enrolment, a class, a relation."""
        ids = {line.person.civic_no for line in self.enrolments}
        ids |= {line.person.civic_no for line, _ in self.memberships}
        for line, guardian in self.relations:
            ids |= {line.person.civic_no, guardian.person.civic_no}
        return {self.existing[c].pk for c in ids if c in self.existing}

    def summary(self) -> dict[str, int]:
        """Return the counts the report and the audit entry show."""
        return {
            "rows": self.row_count,
            "persons_created": len(self.new_persons),
            "persons_updated": self.updated_person_count,
            "pupils_created": self.counts["pupils_created"],
            "pupils_existing": self.counts["pupils_existing"],
            "guardians_created": self.counts["guardians_created"],
            "guardians_existing": self.counts["guardians_existing"],
            "enrolments_created": len(self.enrolments),
            "enrolments_existing": self.counts["enrolments_existing"],
            "memberships_created": len(self.memberships),
            "memberships_existing": self.counts["memberships_existing"],
            "relations_created": len(self.relations),
            "relations_existing": self.counts["relations_existing"],
            "relations_held": self.counts["relations_held"],
            "classes_created": len(self.new_classes),
        }


def _messages(exc: DomainError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


# --- reading one row ------------------------------------------------------------------------


def _limit(key: str) -> int:
    """Return the longest value the column may hold: its target field's, or a sane cap."""
    return _MAX_LENGTHS.get(re.sub(r"^vh\d_", "", key), 100)


class _RowReader:
    """Turn one row's text into typed values, noting every problem with its column."""

    def __init__(self, plan: ImportPlan, row: Row, today: date, slots: list[int]) -> None:
        self.plan, self.row, self.today, self.slots = plan, row, today, slots
        self.failed = False
        # Columns whose text was refused as text (control characters, too long): they read
        # as empty afterwards, without a second "saknas" error for the same cell.
        self.refused: set[str] = set()
        for key, value in row.values.items():
            # Tab and line breaks are allowed: `text` turns every run of white space into
            # one space. Everything else that no field may store is refused here, once.
            problem = text_problem(value, max_length=None, multiline=True) or text_problem(
                " ".join(value.split()), max_length=_limit(key)
            )
            if problem:
                self.error(key, problem)
                self.refused.add(key)

    def error(self, key: str, message: str, level: str = "error") -> None:
        self.plan.issues.append(
            Issue(self.row.number, self.plan.file.header_for(key), message, level)
        )
        if level == "error":
            self.failed = True

    def text(self, key: str, *, required: bool = False, label: str = "") -> str:
        if key in self.refused:
            return ""
        value = " ".join(self.row.get(key).split())
        if required and not value:
            self.missing(key, label or "Värdet")
        return value

    def missing(self, key: str, label: str) -> None:
        """Note that a required cell is empty, unless its text was refused already."""
        if key not in self.refused:
            self.error(key, f"{label} saknas.")

    def civic_no(self, key: str, label: str) -> civicno.CivicNo | None:
        value = self.text(key)
        if not value:
            self.missing(key, label)
            return None
        if value.isdigit() and len(value) == 9:
            # Excel drops the leading zero of a number such as 0501012386.
            value = "0" + value
            self.error(
                key,
                "Personnumret hade nio siffror; en inledande nolla lades till. Formatera "
                "kolumnen som text i Excel så att nollan finns kvar.",
                level="warning",
            )
        try:
            return civicno.parse(value, today=self.today)
        except civicno.CivicNoError as exc:
            self.error(key, f"Ogiltigt personnummer ”{value}”: {exc}")
            return None

    def date(self, key: str, label: str) -> date | None:
        value = self.text(key)
        if not value:
            self.missing(key, label)
            return None
        match = _DATE.match(value)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
        self.error(key, f"Datumet ”{value}” går inte att läsa. Skriv ÅÅÅÅ-MM-DD, t.ex. 2026-08-17.")
        return None

    def contacts(self, prefix: str) -> tuple[list[dict], list[dict], list[dict]]:
        """Read telefon, epost and the address of the pupil (prefix "") or a guardian."""
        emails: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        addresses: list[dict[str, Any]] = []
        email = self.text(prefix + "email")
        if email:
            emails = [{"type": "Privat", "value": email}]
            self._service_check(prefix + "email", {"emails": emails})
        phone = self.text(prefix + "phone")
        if phone:
            phones = [{"type": "Hem", "value": phone, "mobile": True}]
            self._service_check(prefix + "phone", {"phone_numbers": phones})
        parts = {k: self.text(prefix + k) for k in ("street", "postal_code", "locality")}
        municipality = self.text(prefix + "municipality_code")
        if any(parts.values()) or municipality:
            missing = [k for k, v in parts.items() if not v]
            for key in missing:
                names = {"street": "Gatuadress", "postal_code": "Postnummer", "locality": "Postort"}
                if prefix + key not in self.refused:
                    self.error(prefix + key, f"{names[key]} saknas; adressen är ofullständig.")
            postal = parts["postal_code"]
            match = _POSTAL_CODE.match(postal)
            if postal and not match:
                self.error(prefix + "postal_code", f"Postnumret ”{postal}” ska ha fem siffror.")
            if municipality and not (_digits(municipality) and len(municipality) <= 4):
                self.error(
                    prefix + "municipality_code",
                    f"Kommunkoden ”{municipality}” ska vara fyra siffror.",
                )
            if not missing and (match or not postal):
                address: dict[str, Any] = {
                    "type": "Folkbokföring",
                    "streetAddress": parts["street"],
                    "postalCode": match.group(1) + match.group(2) if match else postal,
                    "locality": parts["locality"],
                    "country": "Sverige",
                }
                if _digits(municipality):
                    address["municipalityCode"] = f"{int(municipality):04d}"
                addresses = [address]
                self._service_check(prefix + "street", {"addresses": addresses})
        return emails, phones, addresses

    def _service_check(self, key: str, data: dict[str, Any]) -> None:
        try:
            contacts_validate(data)
        except DomainError as exc:
            for message in _messages(exc):
                self.error(key, message.split(": ", 1)[-1])

    def person(self, prefix: str, owner: str) -> PersonDraft | None:
        """Check one person's columns; `owner` is the genitive ("Elevens", "Vårdnadshavare 1:s")."""
        civic = self.civic_no(prefix + "civic_no", f"{owner} personnummer")
        given = self.text(prefix + "given_name", required=True, label=f"{owner} förnamn")
        middle = self.text(prefix + "middle_name") if not prefix else ""
        family = self.text(prefix + "family_name", required=True, label=f"{owner} efternamn")
        emails, phones, addresses = self.contacts(prefix)
        if civic is None or not given or not family:
            return None
        draft = PersonDraft(
            civic_no=civic.value,
            civic=civic,
            given_name=given,
            middle_name=middle,
            family_name=family,
            emails=emails,
            phone_numbers=phones,
            addresses=addresses,
            row=self.row.number,
            column=self.plan.file.header_for(prefix + "civic_no"),
        )
        return draft

    def school_type(self) -> str | None:
        value = self.text("school_type")
        if not value:
            self.missing("school_type", "Skolform")
            return None
        code = _SCHOOL_TYPES.get(fold(value))
        if code is None:
            self.error("school_type", f"Okänd skolform ”{value}”. Skriv koden, t.ex. GR eller GY.")
            return None
        if code in _PLACEMENT_TYPES:
            self.error(
                "school_type",
                f"{SchoolType(code).label} registreras som placering, inte som inskrivning; "
                "importen tar bara inskrivningar.",
            )
            return None
        try:
            school_unit_offers_validate(self.plan.school_unit, code)
        except DomainError as exc:
            for message in _messages(exc):
                self.error("school_type", message)
            return None
        return code

    def school_year(self) -> int | None:
        value = self.text("school_year")
        if not value:
            return None
        digits = re.sub(r"^(?:åk|ak|år)\s*", "", value.lower())
        if _digits(digits) and 0 <= int(digits) <= 10:
            return int(digits)
        self.error("school_year", f"Årskursen ”{value}” ska vara ett heltal mellan 0 och 10.")
        return None

    def read(self) -> PupilLine | None:
        pupil = self.person("", "Elevens")
        if pupil is not None:
            self.plan.pupil_rows.append((pupil.civic_no, self.row.number, pupil.column))
        school_type = self.school_type()
        school_year = self.school_year()
        class_name = self.text("class_name")
        start = self.date("start_date", "Startdatum")
        if pupil and start and pupil.civic.birth_date and start < pupil.civic.birth_date:
            self.error("start_date", "Startdatum ligger före elevens födelsedatum.")
        guardians: list[GuardianLine] = []
        for slot in self.slots:
            prefix = guardian_key(slot, "")
            if not any(self.row.get(guardian_key(slot, c.key)) for c in GUARDIAN_COLUMNS):
                continue
            draft = self.person(prefix, f"Vårdnadshavare {slot}:s")
            relation_text = self.text(prefix + "relation")
            relation = _RELATIONS.get(fold(relation_text)) if relation_text else "Vårdnadshavare"
            if relation is None:
                self.error(
                    prefix + "relation",
                    f"Okänd relation ”{relation_text}”. Skriv {', '.join(RelationType.values)}.",
                )
            if draft is None or relation is None:
                continue
            if pupil and draft.civic_no == pupil.civic_no:
                self.error(prefix + "civic_no", "Eleven kan inte vara sin egen vårdnadshavare.")
                continue
            twin = next((g for g in guardians if g.person.civic_no == draft.civic_no), None)
            if twin:
                self.error(
                    prefix + "civic_no",
                    f"Samma person som vårdnadshavare {twin.slot} på samma rad. Varje "
                    "vårdnadshavare anges en gång per elev.",
                )
                continue
            guardians.append(GuardianLine(slot, draft, relation))
        if self.failed or pupil is None or school_type is None or start is None:
            if class_name:
                self.plan.class_checks.append(
                    ClassCheck(self.row.number, class_name, start, school_type)
                )
            return None
        return PupilLine(
            row=self.row.number,
            person=pupil,
            school_type=school_type,
            school_year=school_year,
            class_name=class_name,
            start_date=start,
            guardians=guardians,
        )


def _unsaved_person(draft: PersonDraft) -> Person:
    """Build the Person a draft would become, exactly as `person_create` fills it."""
    civic = draft.civic
    person = Person(
        given_name=draft.given_name,
        middle_name=draft.middle_name,
        family_name=draft.family_name,
        civic_no=civic.value,
        civic_no_type=civic.type.value,
        birth_date=civic.birth_date,
        sex=civic.sex,
        security_marking=SecurityMarking.INGEN,
        emails=draft.emails,
        phone_numbers=draft.phone_numbers,
        addresses=draft.addresses,
    )
    person.home_municipality_code = home_municipality_code_of(person.addresses)
    person.fold_name()
    return person


# --- the plan -------------------------------------------------------------------------------


def plan_import(
    *,
    actor: Actor,
    school_unit: Organisation,
    parsed: ParsedFile,
    create_classes: bool = False,
    guardian_rows: frozenset[int] = frozenset(),
    lock: bool = False,
) -> ImportPlan:
    """Check every row of `parsed` against the rules and the register; write nothing.

    The register is read in a fixed number of queries whatever the number of rows, plus
    one access check per existing pupil the actor has no enrolment for at their units.
    With `lock`, the existing persons are locked (inside the caller's transaction).
    `guardian_rows` are the rows of existing pupils whose guardians from the file the
    administrator chose to add; on every other existing pupil's row they are left out.
    """
    plan = ImportPlan(
        school_unit=school_unit,
        file=parsed,
        create_classes=create_classes,
        guardian_rows=frozenset(guardian_rows),
    )
    plan.issues.extend(parsed.issues)
    if parsed.errors:
        return plan
    if not may_import_at(actor, school_unit):
        plan.issues.append(
            Issue(
                None,
                "",
                "Du har inte behörighet att importera hit: bara skolenhetens "
                "administratörer importerar elever.",
            )
        )
        return plan

    slots = guardian_slots(parsed)
    for row in parsed.rows:
        line = _RowReader(plan, row, actor.on, slots).read()
        if line is not None:
            plan.lines.append(line)
    _check_across_rows(plan)
    _match_register(plan, actor, lock=lock)
    _plan_classes(plan)
    plan.issues.sort(key=lambda i: (i.row or 0, not i.is_error))
    return plan


def _check_across_rows(plan: ImportPlan) -> None:
    """Refuse a pupil twice and a person named differently in two places."""
    first_row: dict[str, int] = {}
    repeated: set[int] = set()
    for civic_no, row, column in plan.pupil_rows:
        if civic_no in first_row:
            repeated.add(row)
            plan.issues.append(
                Issue(
                    row,
                    column,
                    f"Eleven finns redan på rad {first_row[civic_no]}. "
                    "Varje elev ska stå på en rad.",
                )
            )
        else:
            first_row[civic_no] = row
    persons: dict[str, PersonDraft] = {}
    kept: list[PupilLine] = []
    for line in plan.lines:
        if line.row in repeated:
            continue
        clash = False
        for draft in [line.person, *(g.person for g in line.guardians)]:
            seen = persons.setdefault(draft.civic_no, draft)
            if seen is not draft and (
                (seen.given_name, seen.family_name) != (draft.given_name, draft.family_name)
            ):
                plan.issues.append(
                    Issue(
                        draft.row,
                        draft.column,
                        f"Personen har ett annat namn på rad {seen.row} "
                        f"({seen.given_name} {seen.family_name}). Samma personnummer ska ha "
                        "samma namn på alla rader; ett av dem är felskrivet.",
                    )
                )
                clash = True
        if not clash:
            kept.append(line)
    plan.lines = kept


def _match_register(plan: ImportPlan, actor: Actor, *, lock: bool) -> None:
    """Find existing persons, refuse those out of reach, and skip what already exists.

    A person the actor may not touch is, at the check, exactly like a civic number the
    register does not know: the report, its counts and every other row check read the same,
    so checking a file (which writes nothing and costs nothing) never tells whether a
    protected person or another huvudman's pupil exists. Only the confirmed import (`lock`)
    refuses such a row, with the one neutral message, and the refusal is logged under the
    person; by then an unknown number would have become a real pupil at the actor's unit.
    """
    civic_nos = {line.person.civic_no for line in plan.lines}
    civic_nos |= {g.person.civic_no for line in plan.lines for g in line.guardians}
    persons = Person.objects.filter(civic_no__in=civic_nos).only(
        "id", "civic_no", "given_name", "middle_name", "family_name", "security_marking"
    )
    if lock:
        persons = persons.select_for_update()
    found = {p.civic_no: p for p in persons if p.civic_no}

    pupil_civics = {line.person.civic_no for line in plan.lines}
    # A guardian who is also a pupil in the file is reached through the pupil's rules.
    reach = pupils_within_reach(
        actor, [p for c, p in found.items() if c in pupil_civics]
    ) | guardians_within_reach(actor, [p for c, p in found.items() if c not in pupil_civics])
    plan.existing = {c: p for c, p in found.items() if p.pk in reach}
    if lock:
        plan.hidden = {c: p for c, p in found.items() if p.pk not in reach}
    existing_pupil_ids = [plan.existing[c].pk for c in pupil_civics if c in plan.existing]
    enrolments = _by_person(
        Enrolment.objects.filter(person_id__in=existing_pupil_ids, cancelled=False)
    )
    classes = _by_person(
        GroupMembership.objects.filter(
            person_id__in=existing_pupil_ids, group__group_type=GroupType.KLASS
        ).select_related("group")
    )
    existing_ids = [p.pk for p in plan.existing.values()]
    relations: dict[tuple[UUID, UUID, str], list[Responsible]] = {}
    for relation in Responsible.objects.filter(
        person_id__in=existing_pupil_ids, responsible_id__in=existing_ids
    ):
        key = (relation.person_id, relation.responsible_id, relation.relation_type)
        relations.setdefault(key, []).append(relation)

    kept: list[PupilLine] = []
    guardians_seen: set[str] = set()
    for line in plan.lines:
        # Reach first: nothing else may be said about a person the actor may not touch,
        # not even that their name differs (which would confirm that they exist).
        if _refused(plan, line.person) or any(_refused(plan, g.person) for g in line.guardians):
            continue
        named_otherwise = [
            draft
            for draft in (line.person, *(g.person for g in line.guardians))
            if not _same_name(plan, draft)
        ]
        if named_otherwise:
            continue
        kept.append(line)
        person = plan.existing.get(line.person.civic_no)
        planned: list[GuardianLine] = []
        if person is None:
            plan.new_persons[line.person.civic_no] = line.person
            plan.counts["pupils_created"] += 1
            plan.enrolments.append(line)
            planned = list(line.guardians)
        else:
            plan.counts["pupils_existing"] += 1
            if _needs_enrolment(plan, line, enrolments.get(person.pk, [])):
                plan.enrolments.append(line)
            new_to_pupil = []
            for guardian in line.guardians:
                other = plan.existing.get(guardian.person.civic_no)
                if other is not None and any(
                    periods_overlap(line.relation_start, None, r.start_date, r.end_date)
                    for r in relations.get((person.pk, other.pk, guardian.relation_type), [])
                ):
                    plan.counts["relations_existing"] += 1
                else:
                    new_to_pupil.append(guardian)
            if new_to_pupil and line.row in plan.guardian_rows:
                planned = new_to_pupil
            elif new_to_pupil:
                plan.counts["relations_held"] += len(new_to_pupil)
                plan.guardian_choices.append(
                    GuardianChoice(
                        row=line.row,
                        pupil=_name(line.person),
                        guardians=tuple(_name(g.person) for g in new_to_pupil),
                    )
                )
        plan.relations.extend((line, g) for g in planned)
        for guardian in line.guardians:
            civic_no = guardian.person.civic_no
            other = plan.existing.get(civic_no)
            if other is None:
                # A new person only when a relation makes them this pupil's guardian.
                if guardian in planned and civic_no not in plan.new_persons:
                    plan.new_persons[civic_no] = guardian.person
                    plan.counts["guardians_created"] += 1
            elif civic_no not in guardians_seen:
                guardians_seen.add(civic_no)
                plan.counts["guardians_existing"] += 1
        if person is not None:
            line.existing_classes = classes.get(person.pk, [])
    plan.lines = kept


def _by_person(rows: Any) -> dict[UUID, list[Any]]:
    found: dict[UUID, list[Any]] = {}
    for row in rows:
        found.setdefault(row.person_id, []).append(row)
    return found


def _refused(plan: ImportPlan, draft: PersonDraft) -> bool:
    person = plan.hidden.get(draft.civic_no)
    if person is None:
        return False
    plan.issues.append(Issue(draft.row, draft.column, NEUTRAL_REFUSAL))
    plan.refusals.append((draft.row, person))
    return True


def _name(draft: PersonDraft) -> str:
    return " ".join(p for p in (draft.given_name, draft.middle_name, draft.family_name) if p)


def _name_key(given: str, family: str) -> tuple[str, str]:
    return (" ".join(given.split()).casefold(), " ".join(family.split()).casefold())


def _same_name(plan: ImportPlan, draft: PersonDraft) -> bool:
    """Refuse a row whose civic number belongs to a person with another name in the register.

    Persons are matched on civic number alone, so a mistyped number would enrol the wrong
    pupil or make a stranger a child's guardian. A differing name is the one sign of it:
    the row stops the import until the number or the name is right. The register's name
    is not quoted; the administrator looks the person up on the person card.
    """
    person = plan.existing.get(draft.civic_no)
    if person is None or _name_key(draft.given_name, draft.family_name) == _name_key(
        person.given_name, person.family_name
    ):
        return True
    plan.issues.append(
        Issue(
            draft.row,
            draft.column,
            "Personnumret tillhör en person i registret med ett annat namn än på raden. "
            "Kontrollera personnumret: ett felskrivet nummer skulle ge fel person "
            "inskrivning eller vårdnadshavare. Har personen bytt namn, ändra namnet på "
            "personkortet först.",
        )
    )
    return False


def _needs_enrolment(plan: ImportPlan, line: PupilLine, enrolments: list[Enrolment]) -> bool:
    """Apply `enrolment_create`'s overlap rule: one enrolment per school type at a time."""
    for other in enrolments:
        if other.school_type != line.school_type or not periods_overlap(
            line.start_date, None, other.start_date, other.end_date
        ):
            continue
        if other.enroled_at_id == plan.school_unit.pk:
            plan.counts["enrolments_existing"] += 1
            if line.school_year is not None and other.school_year != line.school_year:
                plan.issues.append(
                    Issue(
                        line.row,
                        plan.file.header_for("school_year"),
                        f"Eleven är redan inskriven här i årskurs {other.school_year}; "
                        "importen ändrar inte befintliga inskrivningar.",
                        level="warning",
                    )
                )
            return False
        plan.issues.append(
            Issue(
                line.row,
                plan.file.header_for("school_type"),
                f"Eleven är redan inskriven i {line.school_type} vid en annan skolenhet från "
                f"{other.start_date}. Den inskrivningen måste avslutas först.",
            )
        )
        return False
    return True


def _class_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _plan_classes(plan: ImportPlan) -> None:
    """Find each row's class at the unit, or plan to create it; one class at a time."""
    wanted: list[tuple[PupilLine | None, ClassCheck]] = [
        (line, ClassCheck(line.row, line.class_name, line.start_date, line.school_type))
        for line in plan.lines
        if line.class_name
    ]
    wanted += [(None, check) for check in plan.class_checks]
    if not wanted:
        return
    wanted.sort(key=lambda pair: pair[1].row)
    groups: dict[str, list[Group]] = {}
    for group in Group.objects.filter(
        organisation=plan.school_unit, group_type=GroupType.KLASS
    ).order_by("start_date", "id"):
        groups.setdefault(_class_key(group.display_name), []).append(group)
    column = plan.file.header_for("class_name")
    for line, check in wanted:
        key, start = _class_key(check.class_name), check.start_date
        named = groups.get(key, [])
        if named and start is None:
            continue  # without a date there is nothing more to say about an existing class
        valid = [
            g
            for g in named
            if start is not None
            and g.start_date <= start
            and (g.end_date is None or g.end_date >= start)
        ]
        target: Group | NewClass
        if len(valid) > 1:
            plan.issues.append(
                Issue(
                    check.row,
                    column,
                    f"Det finns flera klasser som heter {check.class_name} vid enheten på "
                    f"startdatum {start}, så importen vet inte vilken eleven ska gå i. Byt "
                    "namn på en av dem först.",
                )
            )
            continue
        if valid:
            target = valid[0]
            if check.school_type and target.school_type and target.school_type != check.school_type:
                plan.issues.append(
                    Issue(
                        check.row,
                        column,
                        f"Klassen {target.display_name} är en klass i {target.school_type}, "
                        f"inte i {check.school_type}.",
                    )
                )
                continue
        elif named:
            plan.issues.append(
                Issue(
                    check.row,
                    column,
                    f"Klassen {check.class_name} finns vid enheten men gäller inte på "
                    f"startdatum {start}. Ändra startdatum, eller klassens datum på "
                    "klassens sida.",
                )
            )
            continue
        elif not plan.create_classes:
            plan.issues.append(
                Issue(
                    check.row,
                    column,
                    f"Klassen {check.class_name} finns inte vid "
                    f"{plan.school_unit.display_name}. Skapa den först, eller välj "
                    "”Skapa klasser som saknas”.",
                )
            )
            continue
        elif line is None:
            continue  # a row with errors does not define a new class
        else:
            new = plan.new_classes.get(key)
            if new is None:
                new = plan.new_classes[key] = NewClass(
                    " ".join(line.class_name.split()), line.school_type, line.start_date
                )
            elif new.school_type != line.school_type:
                plan.issues.append(
                    Issue(
                        line.row,
                        column,
                        f"Klassen {new.display_name} står med skolformen {new.school_type} "
                        "på en annan rad. En klass som skapas har en skolform; rätta "
                        "skolformen eller klassen.",
                    )
                )
                continue
            new.start_date = min(new.start_date, line.start_date)
            target = new
        if line is None:
            continue
        if _needs_membership(plan, line, target):
            plan.memberships.append((line, target))


def _needs_membership(plan: ImportPlan, line: PupilLine, target: Group | NewClass) -> bool:
    """Apply `group_membership_add`'s rule: a pupil is in at most one class at a time."""
    for membership in line.existing_classes:
        if not periods_overlap(line.start_date, None, membership.start_date, membership.end_date):
            continue
        if isinstance(target, Group) and membership.group_id == target.pk:
            plan.counts["memberships_existing"] += 1
            return False
        here = membership.group.organisation_id == plan.school_unit.pk
        where = f"klass {membership.group.display_name}" if here else "en klass vid en annan enhet"
        plan.issues.append(
            Issue(
                line.row,
                plan.file.header_for("class_name"),
                f"Eleven går redan i {where} från {membership.start_date}. En elev kan bara "
                "gå i en klass åt gången; flytta eleven på elevkortet i stället.",
            )
        )
        return False
    return True


# --- staging and committing -----------------------------------------------------------------


def _purge_expired(now: datetime) -> None:
    # Pending rows are personal data nobody confirmed: drop them once they expire.
    RegisterImport.objects.filter(status=RegisterImport.Status.PENDING, expires__lte=now).delete()


@transaction.atomic
def register_import_stage(
    *, actor: Actor, school_unit: Organisation, plan: ImportPlan
) -> RegisterImport:
    """Keep a checked file's rows server-side until the user confirms, for an hour at most."""
    if not plan.ok:
        raise DomainError(_("Filen har fel och kan inte importeras."))
    if not may_import_at(actor, school_unit):
        raise DomainError(_("Du har inte behörighet att importera hit."))
    now = timezone.now()
    _purge_expired(now)
    return RegisterImport.objects.create(
        school_unit=school_unit,
        created_by_id=actor.user_id,
        actor_label=(actor.label or ("system" if actor.is_system else ""))[:200],
        file_name=plan.file.file_name[:255],
        create_classes=plan.create_classes,
        data=plan.file.to_stored(),
        row_count=plan.row_count,
        expires=now + PENDING_LIFETIME,
    )


def register_import_commit(
    *,
    actor: Actor,
    register_import: RegisterImport,
    guardian_rows: frozenset[int] = frozenset(),
) -> ImportPlan:
    """Check the staged rows again and write them all in one transaction, or nothing.

    `guardian_rows` are the existing pupils' rows whose guardians from the file the
    administrator ticked; a row number that names no such row changes nothing.

    Raises ImportRefused (with the new plan) when a rule now fails, DomainError when the
    import is no longer pending or someone changed the register at the same moment.
    """
    try:
        with transaction.atomic():
            staged = (
                RegisterImport.objects.select_for_update()
                .select_related("school_unit")
                .get(pk=register_import.pk)
            )
            if staged.status != RegisterImport.Status.PENDING:
                raise DomainError(_("Importen är redan genomförd."))
            if staged.is_expired:
                raise DomainError(_("Importen har gått ut. Ladda upp filen igen."))
            _purge_expired(timezone.now())
            if not may_import_at(actor, staged.school_unit):
                raise DomainError(_("Du har inte behörighet att importera hit."))
            plan = plan_import(
                actor=actor,
                school_unit=staged.school_unit,
                parsed=ParsedFile.from_stored(staged.data),
                create_classes=staged.create_classes,
                guardian_rows=guardian_rows,
                lock=True,
            )
            if not plan.ok:
                raise ImportRefused(plan)
            _write(plan, actor, staged)
    except ImportRefused as refused:
        _record_refusals(actor, register_import, refused.plan)
        raise
    except IntegrityError:
        raise DomainError(
            _(
                "Registret ändrades av någon annan medan importen sparades; inget sparades. "
                "Ladda upp filen igen."
            )
        ) from None
    return plan


def _record_refusals(actor: Actor, staged: RegisterImport, plan: ImportPlan) -> None:
    """Log each refused person under their own id, after the refused import rolled back.

    An import that names a protected person or another huvudman's pupil is how someone
    would probe the register; the entry lets the central administration see who did.
    """
    if not plan.refusals:
        return
    with transaction.atomic():
        for row, person in plan.refusals:
            audit_record(
                actor=actor,
                action="import.refused",
                object_type="Person",
                object_id=person.pk,
                person_id=person.pk,
                detail={
                    "import": str(staged.pk),
                    "school_unit": str(plan.school_unit.pk),
                    "file_name": plan.file.file_name,
                    "row": row,
                },
            )


def _write(plan: ImportPlan, actor: Actor, staged: RegisterImport) -> None:
    now = timezone.now()
    origin = {"import": str(staged.pk)}
    unit = plan.school_unit

    for new_class in plan.new_classes.values():
        new_class.group = group_create(
            actor=actor,
            organisation=unit,
            display_name=new_class.display_name,
            group_type=GroupType.KLASS,
            start_date=new_class.start_date,
            school_type=new_class.school_type,
        )

    created: dict[str, Person] = {}
    for civic_no, draft in plan.new_persons.items():
        person = _unsaved_person(draft)
        person_validate(person)  # `person_create`'s own rule; the row checks already hold it
        person.id, person.created, person.modified = uuid4(), now, now
        created[civic_no] = person
    Person.objects.bulk_create(created.values())
    people = {**plan.existing, **created}

    enrolments = [
        Enrolment(
            id=uuid4(),
            person=people[line.person.civic_no],
            enroled_at=unit,
            school_type=line.school_type,
            school_year=line.school_year,
            start_date=line.start_date,
            created=now,
            modified=now,
        )
        for line in plan.enrolments
    ]
    Enrolment.objects.bulk_create(enrolments)
    memberships = []
    for line, target in plan.memberships:
        group = target.group if isinstance(target, NewClass) else target
        assert group is not None
        memberships.append(
            GroupMembership(
                id=uuid4(),
                group=group,
                person=people[line.person.civic_no],
                start_date=line.start_date,
                created=now,
                modified=now,
            )
        )
    GroupMembership.objects.bulk_create(memberships)
    relations = [
        Responsible(
            id=uuid4(),
            person=people[line.person.civic_no],
            responsible=people[guardian.person.civic_no],
            relation_type=guardian.relation_type,
            start_date=line.relation_start,
            created=now,
            modified=now,
        )
        for line, guardian in plan.relations
    ]
    Responsible.objects.bulk_create(relations)
    # The pupils, their guardians (through the relations) and the classes they joined.
    touched = {e.person_id for e in enrolments} | {m.person_id for m in memberships}
    touched |= {r.person_id for r in relations} | {r.responsible_id for r in relations}
    touched |= {p.pk for p in created.values()}
    person_change_record(sorted(touched), with_guardians=True)
    change_record(
        entity_type="Group",
        ids=sorted({m.group_id for m in memberships}),
        organisation_ids=[unit.pk],
    )

    # The entries each service writes, in the same shape, marked with the import.
    entries = AuditBatch(actor)
    for person in created.values():
        entries.add(
            action="person.create",
            object_type="Person",
            object_id=person.pk,
            person_id=person.pk,
            changes={
                k: [None, v]
                for k, v in snapshot(person, PERSON_FIELDS).items()
                if v not in ("", None, [])
            },
            detail=origin,
        )
    for enrolment in enrolments:
        entries.add(
            action="enrolment.create",
            object_type="Enrolment",
            object_id=enrolment.pk,
            person_id=enrolment.person_id,
            changes={
                "enroled_at": [None, str(unit.pk)],
                "school_type": [None, enrolment.school_type],
                "school_year": [None, enrolment.school_year],
                "start_date": [None, enrolment.start_date.isoformat()],
                "end_date": [None, None],
            },
            detail=origin,
        )
    for membership in memberships:
        entries.add(
            action="membership.add",
            object_type="GroupMembership",
            object_id=membership.pk,
            person_id=membership.person_id,
            detail={
                **origin,
                "group": str(membership.group_id),
                "group_name": membership.group.display_name,
            },
            changes={
                "group": [None, str(membership.group_id)],
                "start_date": [None, membership.start_date.isoformat()],
                "end_date": [None, None],
            },
        )
    for relation, (line, _plan) in zip(relations, plan.relations, strict=True):
        # A relation to a pupil who was already in the register exists only because the
        # administrator ticked the row: the entry says so, with the row.
        chosen = {"row": line.row, "chosen": True} if line.person.civic_no in plan.existing else {}
        entries.add(
            action="responsible.add",
            object_type="Responsible",
            object_id=relation.pk,
            person_id=relation.person_id,
            detail={
                **origin,
                **chosen,
                "responsible": str(relation.responsible_id),
                "relation_type": relation.relation_type,
            },
            changes={
                "start_date": [None, relation.start_date.isoformat()],
                "end_date": [None, None],
            },
        )
    entries.flush()

    summary = plan.summary()
    staged.status = RegisterImport.Status.COMMITTED
    staged.committed = now
    staged.data = {}  # the rows are in the register now; keep no second copy
    staged.result = {
        **summary,
        "warnings": len(plan.warnings),
        "classes": [c.display_name for c in plan.new_classes.values()],
    }
    staged.save(update_fields=["status", "committed", "data", "result"])
    audit_record(
        actor=actor,
        action="import.register",
        object_type="RegisterImport",
        object_id=staged.pk,
        detail={
            "school_unit": unit.pk,
            "school_unit_code": unit.school_unit_code or "",
            "file_name": staged.file_name,
            **summary,
            "created_persons": sorted(str(p.pk) for p in created.values()),
            "updated_persons": sorted(str(pk) for pk in plan.updated_person_ids()),
            "created_classes": [
                str(c.group.pk) for c in plan.new_classes.values() if c.group is not None
            ],
            # The per-row decision on existing pupils' guardians, both ways.
            "guardian_rows_added": sorted(
                {line.row for line, _ in plan.relations if line.person.civic_no in plan.existing}
            ),
            "guardian_rows_left_out": sorted(c.row for c in plan.guardian_choices),
        },
    )


def register_import_run(
    *,
    actor: Actor,
    school_unit: Organisation,
    parsed: ParsedFile,
    create_classes: bool = False,
    guardian_rows: frozenset[int] = frozenset(),
    dry_run: bool = False,
) -> tuple[ImportPlan, RegisterImport | None]:
    """Check and, unless `dry_run` or the file has errors, import at once (the command)."""
    plan = plan_import(
        actor=actor,
        school_unit=school_unit,
        parsed=parsed,
        create_classes=create_classes,
        guardian_rows=guardian_rows,
    )
    if dry_run or not plan.ok:
        return plan, None
    staged = register_import_stage(actor=actor, school_unit=school_unit, plan=plan)
    plan = register_import_commit(actor=actor, register_import=staged, guardian_rows=guardian_rows)
    staged.refresh_from_db()
    return plan, staged


def register_import_check(
    *,
    actor: Actor,
    school_unit: Organisation,
    data: bytes,
    file_name: str,
    create_classes: bool = False,
) -> tuple[ImportPlan, RegisterImport | None]:
    """Read and check an uploaded file; keep its rows for confirmation when it has no errors."""
    parsed = parse_file(data, file_name)
    plan = plan_import(
        actor=actor, school_unit=school_unit, parsed=parsed, create_classes=create_classes
    )
    if not plan.ok:
        return plan, None
    return plan, register_import_stage(actor=actor, school_unit=school_unit, plan=plan)
