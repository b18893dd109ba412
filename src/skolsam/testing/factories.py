"""Build register data for tests with factory_boy.

Civic numbers come only from Skatteverket's published test personnummer
(../shared/data/skatteverket-testpersonnummer/), handed out in order, never reused.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.db import models

from skolsam.accounts.actor import actor_for_person
from skolsam.accounts.models import User
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.core.access import Actor
from skolsam.core.choices import DutyRole, GroupType, OrganisationType, RelationType
from skolsam.demo.testnumbers import reserved_for_import_example, test_personnummer
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people import folding
from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible

TERM_START = date(2026, 8, 17)

M = TypeVar("M", bound=models.Model)


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """A DjangoModelFactory whose call the type checker knows returns the model instance."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]


# Never the pupils of the shipped import example (docs/examples/): the import tests import it
# beside the story's factory-made pupils, and must not find one of them "already there".
_children = itertools.cycle(
    [
        number
        for number in test_personnummer(born_from=2010, born_to=2020)
        if number not in reserved_for_import_example()
    ]
)
_adults = itertools.cycle(test_personnummer(born_from=1976, born_to=1995))


class HuvudmanFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Kommun {n}")
    organisation_type = OrganisationType.HUVUDMAN
    municipality_code = factory.Sequence(lambda n: f"{1900 + n % 99:04d}")
    home_municipality_code = factory.SelfAttribute("municipality_code")

    @factory.post_generation
    def _root(obj: Organisation, create, extracted, **kwargs):
        if create and obj.huvudman_id is None:
            obj.huvudman = obj
            obj.save(update_fields=["huvudman"])


class ForvaltningFactory(ModelFactory[Organisation]):
    """A förvaltning (administration) directly under a huvudman."""

    class Meta:
        model = Organisation

    display_name = factory.Sequence(lambda n: f"Förvaltning {n}")
    organisation_type = OrganisationType.FORVALTNING
    parent = factory.SubFactory(HuvudmanFactory)
    huvudman = factory.LazyAttribute(lambda o: o.parent.huvudman or o.parent)


class SchoolUnitFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation

    display_name = factory.Sequence(lambda n: f"Skolenhet {n}")
    organisation_type = OrganisationType.SKOLENHET
    parent = factory.SubFactory(HuvudmanFactory)
    huvudman = factory.LazyAttribute(lambda o: o.parent.huvudman or o.parent)
    school_unit_code = factory.Sequence(lambda n: f"{10000000 + n}")
    school_types = factory.LazyFunction(lambda: ["GR", "FKLASS", "FTH"])


class PersonFactory(ModelFactory[Person]):
    class Meta:
        model = Person

    given_name = factory.Iterator(["Alva", "Elsa", "Noah", "Hugo", "Maja", "Liam", "Saga"])
    family_name = factory.Iterator(["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"])
    middle_name = ""
    # As the services write it: a test person must be found by search like a real one.
    search_name = factory.LazyAttribute(
        lambda p: folding.search_name(p.given_name, p.middle_name, p.family_name)
    )
    civic_no = factory.LazyFunction(lambda: next(_adults))
    civic_no_type = "personnummer"
    addresses = factory.LazyFunction(
        lambda: [
            {
                "type": "Folkbokföring",
                "streetAddress": "Storgatan 1",
                "postalCode": "73130",
                "locality": "Köping",
                "country": "Sverige",
                "municipalityCode": 1983,
            }
        ]
    )
    home_municipality_code = "1983"


class PupilFactory(PersonFactory):
    civic_no = factory.LazyFunction(lambda: next(_children))


PASSWORD = "correct horse battery staple"  # noqa: S105 - the test users' password


@lru_cache(maxsize=4)
def _password_hash(hashers: tuple[str, ...]) -> str:
    """Hash the factories' password once per process and hasher setting (Argon2 unless a
    test, like the browser tests, switches to a cheaper one: a hash must be one the
    current setting can check)."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


class _Password(factory.PostGenerationMethodCall):
    """Set the user's password: by default the shared hash of PASSWORD, computed once.

    Argon2 costs tens of milliseconds per hash on purpose; hashing the same password for
    every user a test makes cost the fast lane more than any single test. A login with
    PASSWORD still checks a real Argon2 hash; `UserFactory(password=...)` (None included:
    an unusable password) still calls `set_password`.
    """

    def call(self, instance: Any, step: Any, context: Any) -> Any:
        if not context.value_provided:
            from django.conf import settings

            instance.password = _password_hash(tuple(settings.PASSWORD_HASHERS))
            return None
        return super().call(instance, step, context)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    person = factory.SubFactory(PersonFactory)
    password = _Password("set_password")

    @factory.post_generation
    def _save(obj: User, create, extracted, **kwargs):
        if create:
            obj.save()


class GroupFactory(ModelFactory[Group]):
    class Meta:
        model = Group

    display_name = factory.Sequence(lambda n: f"{n % 9 + 1}A")
    group_type = GroupType.KLASS
    school_type = "GR"
    organisation = factory.SubFactory(SchoolUnitFactory)
    start_date = TERM_START


class MembershipFactory(ModelFactory[GroupMembership]):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    person = factory.SubFactory(PupilFactory)
    start_date = TERM_START


class EnrolmentFactory(ModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    person = factory.SubFactory(PupilFactory)
    enroled_at = factory.SubFactory(SchoolUnitFactory)
    school_type = "GR"
    school_year = 5
    start_date = TERM_START


class PlacementFactory(ModelFactory[Placement]):
    class Meta:
        model = Placement

    child = factory.SubFactory(PupilFactory)
    placed_at = factory.SubFactory(SchoolUnitFactory, school_types=["FS"])
    school_type = "FS"
    start_date = TERM_START


class DutyFactory(ModelFactory[Duty]):
    class Meta:
        model = Duty

    person = factory.SubFactory(PersonFactory)
    duty_at = factory.SubFactory(SchoolUnitFactory)
    duty_role = DutyRole.LARARE
    start_date = date(2020, 1, 1)


class AssignmentRoleFactory(ModelFactory[AssignmentRole]):
    class Meta:
        model = AssignmentRole

    duty = factory.SubFactory(DutyFactory)
    group = factory.SubFactory(GroupFactory)
    assignment_role_type = "Mentor"
    start_date = TERM_START


class ResponsibleFactory(ModelFactory[Responsible]):
    class Meta:
        model = Responsible

    person = factory.SubFactory(PupilFactory)
    responsible = factory.SubFactory(PersonFactory)
    relation_type = RelationType.VARDNADSHAVARE
    start_date = date(2010, 1, 1)


class AuthorisationFactory(ModelFactory[ProtectedIdentityAuthorisation]):
    class Meta:
        model = ProtectedIdentityAuthorisation

    person = factory.SubFactory(PupilFactory, security_marking="Skyddad folkbokföring")
    staff = factory.SubFactory(PersonFactory)
    reason = "Elevens mentor"
    start_date = TERM_START


class ActivityFactory(ModelFactory[Activity]):
    """A teaching activity; pass `groups=[...]` to say which groups it teaches."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Matematik {n}")
    organisation = factory.SubFactory(SchoolUnitFactory)
    start_date = TERM_START

    @factory.post_generation
    def groups(obj: Activity, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.set(extracted)


class ActivityTeacherFactory(ModelFactory[ActivityTeacher]):
    class Meta:
        model = ActivityTeacher

    activity = factory.SubFactory(ActivityFactory)
    duty = factory.SubFactory(DutyFactory)
    grader = True


def staff_actor(
    organisation: Organisation,
    *,
    role: str = DutyRole.SKOLADMINISTRATOR,
    on: date | None = None,
    **person: object,
) -> Actor:
    """Give a new person a duty at `organisation` and return their Actor as of `on`."""
    staff = PersonFactory(**person)
    DutyFactory(person=staff, duty_at=organisation, duty_role=role)
    return actor_for_person(staff.pk, on=on)
