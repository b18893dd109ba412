"""Write persons, responsible relations and protected-identity authorisations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record, diff, snapshot
from skolsam.core import events
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import PersonStatus, RelationType, SecurityMarking, Sex
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.models import periods_overlap
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Placement
from skolsam.groups.models import GroupMembership
from skolsam.people import civicno
from skolsam.people.access import StaffNaming, person_policy, staff_naming_policy
from skolsam.people.models import (
    AdultConsent,
    Person,
    ProtectedIdentityAuthorisation,
    Responsible,
)
from skolsam.people.selectors import organisation_ids_by_person, person_organisation_ids

EMAIL_TYPES = ("Privat", "Skola elev", "Skola personal", "Arbete övrigt")
PHONE_TYPES = ("Hem", "Arbete")
ADDRESS_TYPES = ("Folkbokföring", "Särskild postadress", "Tillfällig adress", "Postadress")


@dataclass(frozen=True)
class Address:
    street_address: str
    postal_code: str
    locality: str
    municipality_code: str = ""

    def as_ss12000(self) -> dict[str, Any]:
        """Return the address in SS 12000's shape, as a folkbokföring address."""
        address: dict[str, Any] = {
            "type": "Folkbokföring",
            "streetAddress": self.street_address.strip(),
            "postalCode": self.postal_code.replace(" ", ""),
            "locality": self.locality.strip(),
            "country": "Sverige",
        }
        if self.municipality_code:
            address["municipalityCode"] = self.municipality_code
        return address


@dataclass(frozen=True)
class PersonDetails:
    """A person as typed into a registration form."""

    given_name: str
    family_name: str
    civic_no: str
    middle_name: str = ""
    email: str = ""
    phone: str = ""
    address: Address | None = None
    relation_type: str = RelationType.VARDNADSHAVARE  # for guardians only

    def contacts(self, *, email_type: str = "Privat") -> dict[str, Any]:
        return {
            "emails": [{"type": email_type, "value": self.email.strip()}] if self.email else [],
            "phone_numbers": (
                [{"type": "Hem", "value": self.phone.strip(), "mobile": True}] if self.phone else []
            ),
            "addresses": [self.address.as_ss12000()] if self.address else [],
        }


PERSON_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "civic_no",
    "civic_no_type",
    "birth_date",
    "sex",
    "security_marking",
    "person_status",
    "emails",
    "phone_numbers",
    "addresses",
    "photo",
    "edu_person_principal_names",
    "external_identifiers",
)


class StaleVersion(DomainError):
    """Someone else saved the record after it was opened."""


def contacts_validate(data: dict[str, Any]) -> None:
    """Check e-mails, phones and addresses in SS 12000's shapes; fill their defaults.

    Public because the register import checks its rows with exactly the services' rules.
    """
    errors: dict[str, str] = {}
    for i, email in enumerate(data.get("emails") or []):
        if email.get("type") not in EMAIL_TYPES:
            errors["emails"] = f"E-post {i + 1}: typen måste vara en av {', '.join(EMAIL_TYPES)}."
        try:
            validate_email(email.get("value", ""))
        except ValidationError:
            errors["emails"] = f"E-post {i + 1}: {email.get('value', '')!r} är ingen e-postadress."
    for i, phone in enumerate(data.get("phone_numbers") or []):
        if phone.get("type") not in PHONE_TYPES:
            errors["phone_numbers"] = f"Telefon {i + 1}: typen måste vara Hem eller Arbete."
        value = str(phone.get("value", ""))
        if not value or not all(c.isdigit() or c in "+- ()" for c in value):
            errors["phone_numbers"] = f"Telefon {i + 1}: {value!r} är inget telefonnummer."
        phone.setdefault("mobile", True)
    for i, address in enumerate(data.get("addresses") or []):
        address.setdefault("type", "Folkbokföring")
        address.setdefault("country", "Sverige")
        if address["type"] not in ADDRESS_TYPES:
            errors["addresses"] = f"Adress {i + 1}: okänd adresstyp {address['type']!r}."
        missing = [k for k in ("streetAddress", "postalCode", "locality") if not address.get(k)]
        if missing:
            errors["addresses"] = f"Adress {i + 1}: saknar {', '.join(missing)}."
    if errors:
        raise DomainError(errors)


def person_validate(person: Person) -> None:
    """Refuse empty names and values outside the code lists, for create and update alike."""
    if not (person.given_name or "").strip():
        raise DomainError({"given_name": _("Förnamn saknas.")})
    if not (person.family_name or "").strip():
        raise DomainError({"family_name": _("Efternamn saknas.")})
    if person.security_marking not in SecurityMarking.values:
        raise DomainError({"security_marking": _("Okänd skyddsmarkering.")})
    if person.sex not in Sex.values:
        raise DomainError({"sex": _("Okänt kön.")})
    if person.person_status not in PersonStatus.values:
        raise DomainError({"person_status": _("Okänd personstatus.")})


def home_municipality_code_of(addresses: list[dict[str, Any]]) -> str:
    """Return the folkbokföring municipality code (four digits) of these addresses, or ""."""
    for address in addresses:
        if address.get("type", "Folkbokföring") == "Folkbokföring" and address.get(
            "municipalityCode"
        ):
            return f"{int(address['municipalityCode']):04d}"
    return ""


def _apply_civic_no(person: Person, text: str | None, on: date) -> None:
    if not text:
        person.civic_no, person.civic_no_type = None, ""
        return
    try:
        parsed = civicno.parse(text, today=on)
    except civicno.CivicNoError as exc:
        raise DomainError({"civic_no": str(exc)}) from None
    person.civic_no, person.civic_no_type = parsed.value, parsed.type.value
    person.birth_date = parsed.birth_date or person.birth_date
    if parsed.sex != Sex.OKANT:
        person.sex = parsed.sex


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    civic_no: str | None = None,
    middle_name: str = "",
    birth_date: date | None = None,
    sex: str = Sex.OKANT,
    security_marking: str = SecurityMarking.INGEN,
    person_status: str = PersonStatus.AKTIV,
    emails: list[dict[str, Any]] | None = None,
    phone_numbers: list[dict[str, Any]] | None = None,
    addresses: list[dict[str, Any]] | None = None,
    photo: str = "",
    edu_person_principal_names: list[str] | None = None,
) -> Person:
    """Register a person. The civic number sets birth date and legal sex when it has them."""
    person = Person(
        given_name=given_name.strip(),
        middle_name=middle_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date,
        sex=sex,
        security_marking=security_marking,
        person_status=person_status,
        emails=list(emails or []),
        phone_numbers=list(phone_numbers or []),
        addresses=list(addresses or []),
        photo=photo,
        edu_person_principal_names=list(edu_person_principal_names or []),
    )
    person_policy.require(
        actor, Action.CREATE, person, "Du har inte behörighet att registrera personer."
    )
    person_validate(person)
    _apply_civic_no(person, civic_no, actor.on)
    contacts_validate(person.__dict__)
    person.home_municipality_code = home_municipality_code_of(person.addresses)
    person.fold_name()
    if person.civic_no and Person.objects.filter(civic_no=person.civic_no).exists():
        raise DomainError({"civic_no": _("Det finns redan en person med det personnumret.")})
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise DomainError(
            {"civic_no": _("Det finns redan en person med det personnumret.")}
        ) from None
    # A new person belongs to no organisation yet: recorded, but no client is told.
    change_record(entity_type="Person", ids=[person.pk], organisation_ids=[])
    audit_record(
        actor=actor,
        action="person.create",
        object_type="Person",
        object_id=person.pk,
        person_id=person.pk,
        changes={
            k: [None, v]
            for k, v in snapshot(person, PERSON_FIELDS).items()
            if v not in ("", None, [])
        },
    )
    return person


@transaction.atomic
def person_update(
    *, actor: Actor, person: Person, version: int | None = None, **changes: Any
) -> Person:
    """Change a person's own attributes, refusing a stale `version` (optimistic locking)."""
    person_policy.require(
        actor, Action.CHANGE, person, "Du har inte behörighet att ändra personen."
    )
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if version is not None and locked.version != version:
        raise StaleVersion(
            "Någon annan har sparat ändringar på personen sedan du öppnade den. "
            "Ladda om sidan och gör ändringen igen."
        )
    before = snapshot(locked, PERSON_FIELDS)
    protecting = (
        locked.security_marking == SecurityMarking.INGEN
        and changes.get("security_marking", SecurityMarking.INGEN) != SecurityMarking.INGEN
    )
    # Where she (and her guardians, through her) could be seen until now.
    before_orgs = (
        person_organisation_ids(
            [
                locked.pk,
                *Responsible.objects.filter(person_id=locked.pk).values_list(
                    "responsible_id", flat=True
                ),
            ]
        )
        if protecting
        else set()
    )
    for key, value in changes.items():
        if key == "civic_no":
            _apply_civic_no(locked, value, actor.on)
        elif key in PERSON_FIELDS:
            setattr(locked, key, value)
        else:
            raise DomainError({key: _("Fältet kan inte ändras.")})
    person_validate(locked)
    contacts_validate(locked.__dict__)
    locked.home_municipality_code = home_municipality_code_of(locked.addresses)
    locked.fold_name()
    after = snapshot(locked, PERSON_FIELDS)
    changed = diff(before, after)
    if changed:
        if (
            locked.civic_no
            and Person.objects.filter(civic_no=locked.civic_no).exclude(pk=locked.pk).exists()
        ):
            raise DomainError({"civic_no": _("Det finns redan en person med det personnumret.")})
        locked.version += 1
        locked.modified = timezone.now()
        locked.save()
        marking_changed = "security_marking" in changed
        # Protected identity set now: she (and her guardians, through her) leave the
        # views of the schools that could see her until now; lifted, they come back.
        person_change_record([locked.pk], with_guardians=marking_changed, also_at=before_orgs)
        if marking_changed:
            _located_data_changed(locked.pk)
        audit_record(
            actor=actor,
            action="person.update",
            object_type="Person",
            object_id=locked.pk,
            person_id=locked.pk,
            changes=changed,
        )
    return locked


def _located_data_changed(person_id: UUID) -> None:
    """Record what says where a person is, after her protected identity changed.

    Her memberships (in the groups' served members), placements and duties leave the
    view of clients without the right to protected data, or come back to it; what
    higher apps keep about where she is does the same (core/events.py).
    """
    rows: dict[tuple[str, UUID], set[UUID]] = {}
    for group_id, org in GroupMembership.objects.filter(person_id=person_id).values_list(
        "group_id", "group__organisation_id"
    ):
        rows.setdefault(("Group", org), set()).add(group_id)
    for pk, org in Placement.objects.filter(child_id=person_id).values_list("pk", "placed_at_id"):
        rows.setdefault(("Placement", org), set()).add(pk)
    for pk, org in Duty.objects.filter(person_id=person_id).values_list("pk", "duty_at_id"):
        rows.setdefault(("Duty", org), set()).add(pk)
    for (entity_type, org), ids in rows.items():
        change_record(entity_type=entity_type, ids=sorted(ids), organisation_ids=[org])
    events.security_marking_changed.send(sender=Person, person_id=person_id)


def person_change_record(
    person_ids: Iterable[UUID], *, with_guardians: bool = False, also_at: Iterable[UUID] = ()
) -> None:
    """Record that persons changed (SS 12000 Person), each in their own organisations.

    Call it in the writing service's transaction whenever what the API serves of a person
    changes (their attributes, enrolments, guardian links) or whether a client sees them
    at all (an enrolment, placement or duty begins or ends). Each person is recorded in
    `person_organisation_ids`, so a protected person's change names the huvudman only.
    `with_guardians`: the change also brings the persons' guardians into or out of a
    school's view (an enrolment or placement of the child). `also_at`: organisations the
    persons were in before this change (protected identity just set), where they now
    leave the clients' view.
    """
    ids = list(dict.fromkeys(person_ids))
    if with_guardians:
        ids += [
            pk
            for pk in Responsible.objects.filter(person_id__in=ids).values_list(
                "responsible_id", flat=True
            )
            if pk not in ids
        ]
    extra = set(also_at)
    by_organisations: dict[frozenset[UUID], list[UUID]] = {}
    for pk, orgs in organisation_ids_by_person(ids).items():
        by_organisations.setdefault(frozenset(orgs | extra), []).append(pk)
    for named, pks in by_organisations.items():
        change_record(entity_type="Person", ids=pks, organisation_ids=named)


def _responsible_changed(relation: Responsible) -> None:
    # Both people's `responsibles`/children change, and the guardian comes into (or goes
    # out of) view through the child: the child's organisations may know, no others.
    change_record(
        entity_type="Person",
        ids=[relation.person_id, relation.responsible_id],
        organisation_ids=person_organisation_ids([relation.person_id]),
    )


@transaction.atomic
def responsible_add(
    *,
    actor: Actor,
    person: Person,
    responsible: Person,
    relation_type: str = RelationType.VARDNADSHAVARE,
    start_date: date,
    end_date: date | None = None,
) -> Responsible:
    """Record that `responsible` answers for `person` (custody, god man, ...) for a period."""
    # A relation makes the responsible see the child: only those who may change the
    # child's register may add one.
    person_policy.require(
        actor, Action.CHANGE, person, "Du har inte behörighet att ändra personens relationer."
    )
    if relation_type not in RelationType.values:
        raise DomainError(
            {
                "relation_type": _("Okänd relationstyp %(relation_type)r.")
                % {"relation_type": relation_type}
            }
        )
    if person.pk == responsible.pk:
        raise DomainError({"responsible": _("En person kan inte vara ansvarig för sig själv.")})
    period_validate(start_date, end_date)
    existing = Responsible.objects.filter(
        person=person, responsible=responsible, relation_type=relation_type
    )
    if any(periods_overlap(start_date, end_date, r.start_date, r.end_date) for r in existing):
        raise DomainError({"responsible": _("Relationen finns redan för den perioden.")})
    relation = Responsible.objects.create(
        person=person,
        responsible=responsible,
        relation_type=relation_type,
        start_date=start_date,
        end_date=end_date,
    )
    _responsible_changed(relation)
    audit_record(
        actor=actor,
        action="responsible.add",
        object_type="Responsible",
        object_id=relation.pk,
        person_id=person.pk,
        detail={"responsible": responsible.pk, "relation_type": relation_type},
        changes={
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return relation


@transaction.atomic
def responsible_end(*, actor: Actor, relation: Responsible, end_date: date) -> Responsible:
    """End a responsible relation on `end_date` (inclusive); history is kept."""
    person_policy.require(
        actor,
        Action.CHANGE,
        relation.person,
        "Du har inte behörighet att ändra personens relationer.",
    )
    period_validate(relation.start_date, end_date)
    before = relation.end_date
    relation.end_date = end_date
    relation.modified = timezone.now()
    relation.save(update_fields=["end_date", "modified"])
    _responsible_changed(relation)
    audit_record(
        actor=actor,
        action="responsible.end",
        object_type="Responsible",
        object_id=relation.pk,
        person_id=relation.person_id,
        changes={"end_date": [before.isoformat() if before else None, end_date.isoformat()]},
    )
    return relation


@transaction.atomic
def protected_identity_authorise(
    *,
    actor: Actor,
    person: Person,
    staff: Person,
    reason: str,
    start_date: date,
    end_date: date | None = None,
) -> ProtectedIdentityAuthorisation:
    """Name a staff member who may see a protected person's address, school and groups."""
    person_policy.require(
        actor, Action.AUTHORISE, person, "Du har inte behörighet att ge åtkomst till personen."
    )
    if not person.is_protected:
        raise DomainError({"person": _("Personen har ingen skyddad identitet.")})
    if not reason.strip():
        raise DomainError({"reason": _("Ange skälet till att personalen behöver uppgifterna.")})
    period_validate(start_date, end_date)
    naming = StaffNaming(staff=staff, start_date=start_date, end_date=end_date)
    if not staff_naming_policy.can(actor, Action.AUTHORISE, naming):
        raise DomainError(
            {
                "staff": _("%(staff)s har ingen tjänst inom din organisation för perioden.")
                % {"staff": staff.full_name}
            }
        )
    grant = ProtectedIdentityAuthorisation.objects.create(
        person=person,
        staff=staff,
        reason=reason.strip(),
        granted_by_id=actor.user_id,
        start_date=start_date,
        end_date=end_date,
    )
    audit_record(
        actor=actor,
        action="protected.authorise",
        object_type="ProtectedIdentityAuthorisation",
        object_id=grant.pk,
        person_id=person.pk,
        detail={"staff": staff.pk, "reason": grant.reason},
        changes={
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return grant


def _replace_first(entries: list[dict[str, Any]], value: str, new: dict[str, Any]) -> list:
    """Put `value` in the first entry (or remove it when empty); keep the others as they are."""
    rest = [dict(e) for e in entries[1:]]
    if not value:
        return rest
    first = dict(entries[0]) if entries else dict(new)
    first["value"] = value
    return [first, *rest]


@transaction.atomic
def person_contact_update(*, actor: Actor, person: Person, email: str, phone: str) -> Person:
    """Change one's own (or one's child's) e-mail and phone from the portal.

    The person themself, or a custody holder of the child (`child_policy`,
    UPDATE_CONTACT). The address comes from the population register and is not changed
    here. Audited under the person, with old and new values.
    """
    from skolsam.people.access import child_policy

    if person.pk != actor.person_id and not child_policy.can(actor, Action.UPDATE_CONTACT, person):
        raise DomainError(_("Du kan bara ändra dina egna eller dina barns kontaktuppgifter."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(locked, ("emails", "phone_numbers"))
    email, phone = email.strip(), phone.strip()
    locked.emails = _replace_first(locked.emails or [], email, {"type": "Privat"})
    locked.phone_numbers = _replace_first(
        locked.phone_numbers or [], phone, {"type": "Hem", "mobile": True}
    )
    errors: dict[str, str] = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = f"{email!r} är ingen e-postadress (till exempel namn@exempel.se)."
    if phone and not (
        all(c.isdigit() or c in "+- ()" for c in phone) and sum(c.isdigit() for c in phone) >= 6
    ):
        errors["phone"] = f"{phone!r} är inget telefonnummer (siffror, mellanslag, + och -)."
    if errors:
        raise DomainError(errors)
    contacts_validate({"emails": locked.emails, "phone_numbers": locked.phone_numbers})
    changed = diff(before, snapshot(locked, ("emails", "phone_numbers")))
    if changed:
        locked.version += 1
        locked.modified = timezone.now()
        locked.save(update_fields=["emails", "phone_numbers", "version", "modified"])
        person_change_record([locked.pk])
        audit_record(
            actor=actor,
            action="person.contact_update",
            object_type="Person",
            object_id=locked.pk,
            person_id=locked.pk,
            changes=changed,
        )
    return locked


@transaction.atomic
def adult_consent_set(*, actor: Actor, responsible: Person, category: str, given: bool) -> None:
    """Give or withdraw an adult pupil's consent that a former guardian keeps `category`.

    Only the pupil themself, from their 18th birthday, and only for an adult whose
    responsible relation to them is valid today; the categories are
    `people.access.CONSENTABLE`. Audited under the pupil.
    """
    from skolsam.people.access import CONSENTABLE, consents_of_adult_pupil

    if category not in {a.value for a in CONSENTABLE}:
        raise DomainError({"category": _("Okänd kategori för samtycke.")})
    relations, active = consents_of_adult_pupil(actor)
    if not relations or responsible.pk not in {r.responsible_id for r in relations}:
        raise DomainError(
            {"responsible": _("Du kan bara ge samtycke till dina egna vårdnadshavare, från 18 år.")}
        )
    pupil_id = actor.person_id
    assert pupil_id is not None  # consents_of_adult_pupil found the pupil's own relations
    now = timezone.now()
    if given and (responsible.pk, category) not in active:
        AdultConsent.objects.create(
            pupil_id=pupil_id, responsible=responsible, category=category, given_at=now
        )
        action = "consent.give"
    elif not given and (responsible.pk, category) in active:
        AdultConsent.objects.filter(
            pupil_id=pupil_id,
            responsible=responsible,
            category=category,
            withdrawn_at__isnull=True,
        ).update(withdrawn_at=now)
        action = "consent.withdraw"
    else:
        return
    audit_record(
        actor=actor,
        action=action,
        object_type="Person",
        object_id=responsible.pk,
        person_id=pupil_id,
        detail={"category": category, "responsible": responsible.pk},
    )


def person_language_set(*, actor: Actor, person: Person, language: str) -> Person:
    """Set the language a person reads Skolsam in and gets notices and messages in.

    The person may set their own; otherwise it takes the right to change the person
    (a school administrator registering a guardian who reads Arabic, say).
    """
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise DomainError({"language": _("Välj ett av språken i listan.")})
    if actor.person_id != person.pk:
        person_policy.require(
            actor, Action.CHANGE, person, "Du har inte behörighet att ändra personen."
        )
    stored = "" if language == settings.LANGUAGE_CODE else language
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.language == stored:
            return locked
        before = locked.language
        locked.language = stored
        locked.save(update_fields=["language"])
        audit_record(
            actor=actor,
            action="person.language",
            object_type="Person",
            object_id=locked.pk,
            person_id=locked.pk,
            changes={"language": [before, stored]},
        )
    return locked
