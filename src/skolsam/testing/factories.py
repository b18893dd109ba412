"""Build register data for tests with factory_boy.

Civic numbers come only from Skatteverket's published test personnummer
(../shared/data/skatteverket-testpersonnummer/), handed out in order, never reused.
"""

from __future__ import annotations

import itertools
from datetime import date

import factory

from skolsam.accounts.models import User
from skolsam.core.choices import DutyRole, GroupType, OrganisationType, RelationType
from skolsam.demo.testnumbers import test_personnummer
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.models import ProtectedIdentityAuthorisation, Person, Responsible

TERM_START = date(2026, 8, 17)

_children = itertools.cycle(test_personnummer(born_from=2010, born_to=2020))
_adults = itertools.cycle(test_personnummer(born_from=1976, born_to=1995))


class HuvudmanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    display_name = factory.Sequence(lambda n: f"Kommun {n}")
    organisation_type = OrganisationType.HUVUDMAN
    municipality_code = factory.Sequence(lambda n: f"{1900 + n % 99:04d}")
    home_municipality_code = factory.SelfAttribute("municipality_code")

    @factory.post_generation
    def _root(obj, create, extracted, **kwargs):  # noqa: N805
        if create and obj.huvudman_id is None:
            obj.huvudman = obj
            obj.save(update_fields=["huvudman"])


class SchoolUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    display_name = factory.Sequence(lambda n: f"Skolenhet {n}")
    organisation_type = OrganisationType.SKOLENHET
    parent = factory.SubFactory(HuvudmanFactory)
    huvudman = factory.LazyAttribute(lambda o: o.parent.huvudman or o.parent)
    school_unit_code = factory.Sequence(lambda n: f"{10000000 + n}")
    school_types = factory.LazyFunction(lambda: ["GR", "FKLASS", "FTH"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Iterator(["Alva", "Elsa", "Noah", "Hugo", "Maja", "Liam", "Saga"])
    family_name = factory.Iterator(["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"])
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    person = factory.SubFactory(PersonFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    display_name = factory.Sequence(lambda n: f"{n % 9 + 1}A")
    group_type = GroupType.KLASS
    school_type = "GR"
    organisation = factory.SubFactory(SchoolUnitFactory)
    start_date = TERM_START


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    person = factory.SubFactory(PupilFactory)
    start_date = TERM_START


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    person = factory.SubFactory(PupilFactory)
    enroled_at = factory.SubFactory(SchoolUnitFactory)
    school_type = "GR"
    school_year = 5
    start_date = TERM_START


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    child = factory.SubFactory(PupilFactory)
    placed_at = factory.SubFactory(SchoolUnitFactory, school_types=["FS"])
    school_type = "FS"
    start_date = TERM_START


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty

    person = factory.SubFactory(PersonFactory)
    duty_at = factory.SubFactory(SchoolUnitFactory)
    duty_role = DutyRole.LARARE
    start_date = date(2020, 1, 1)


class AssignmentRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentRole

    duty = factory.SubFactory(DutyFactory)
    group = factory.SubFactory(GroupFactory)
    assignment_role_type = "Mentor"
    start_date = TERM_START


class ResponsibleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsible

    person = factory.SubFactory(PupilFactory)
    responsible = factory.SubFactory(PersonFactory)
    relation_type = RelationType.VARDNADSHAVARE
    start_date = date(2010, 1, 1)


class AuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtectedIdentityAuthorisation

    person = factory.SubFactory(PupilFactory, security_marking="Skyddad folkbokföring")
    staff = factory.SubFactory(PersonFactory)
    reason = "Elevens mentor"
    start_date = TERM_START
