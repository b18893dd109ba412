"""People for the accounts tests: Malmaskolan in Köping, its rektor, a teacher, a guardian."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from skolsam.core.choices import DutyRole
from skolsam.testing import factories as f


@dataclass
class School:
    koping: Any
    malmaskolan: Any
    alva: Any


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hash with a fast algorithm: these tests log in dozens of times, and Argon2 with the
    production cost takes a noticeable fraction of a second each. Which hasher production
    uses is tested in test_sessions against the settings module itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(db: Any) -> School:
    koping = f.HuvudmanFactory(display_name="Köpings kommun")
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan", parent=koping)
    alva = f.PupilFactory(given_name="Alva", family_name="Lindqvist")
    f.EnrolmentFactory(person=alva, enroled_at=malmaskolan)
    return School(koping, malmaskolan, alva)


def staff(school: School, role: str, username: str, **kwargs: Any) -> Any:
    user = f.UserFactory(username=username, **kwargs)
    f.DutyFactory(person=user.person, duty_at=school.malmaskolan, duty_role=role)
    return user


@pytest.fixture
def rektor(school: School) -> Any:
    return staff(school, DutyRole.REKTOR, "rektor.malma", email="rektor@malma.example.se")


@pytest.fixture
def teacher(school: School) -> Any:
    return staff(school, DutyRole.LARARE, "larare.malma", email="larare@malma.example.se")


@pytest.fixture
def auditor(db: Any) -> Any:
    user: Any = f.UserFactory(username="granskare")
    user.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    return user
