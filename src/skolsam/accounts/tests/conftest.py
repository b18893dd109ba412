"""People for the accounts tests: the story's school day (skolsam.testing.story.build_day).

Anders, rektor at Scheeleskolan, logs in as `anders.rektor` and must use two-factor; Maria,
who teaches 7B, logs in as `maria.larare` and need not. Alva is the pupil in 7B whose card
they open.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from skolsam.testing import factories as f
from skolsam.testing.story import Day, build_day


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hash with a fast algorithm: these tests log in dozens of times, and Argon2 with the
    production cost takes a noticeable fraction of a second each. Which hasher production
    uses is tested in test_sessions against the settings module itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(db: Any) -> Day:
    return build_day()


def staff(school: Day, role: str, username: str, **kwargs: Any) -> Any:
    """Return the login of a new staff member at Scheeleskolan with `role`."""
    user = f.UserFactory(username=username, **kwargs)
    f.DutyFactory(person=user.person, duty_at=school.school, duty_role=role)
    return user


@pytest.fixture
def rektor(school: Day) -> Any:
    return f.UserFactory(
        person=school.rektor, username="anders.rektor", email="anders@scheeleskolan.example.se"
    )


@pytest.fixture
def teacher(school: Day) -> Any:
    return f.UserFactory(
        person=school.teacher, username="maria.larare", email="maria@scheeleskolan.example.se"
    )


@pytest.fixture
def auditor(db: Any) -> Any:
    user: Any = f.UserFactory(username="granskare")
    user.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    return user
