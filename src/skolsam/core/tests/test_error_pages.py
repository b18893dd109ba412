"""Prove that the demo (DEBUG on) shows the product's own 404 and 403 pages.

pytest-django runs tests with DEBUG off; each test here turns it on, as `make demo` runs.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.core.choices import DutyRole
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db

PRODUCT_404 = "Sidan eller uppgiften du sökte finns inte, eller så har du inte behörighet till den."
DJANGO_DEBUG_PAGE = "because you have <code>DEBUG = True</code>"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.SKOLSAM_DEBUG_ERROR_PAGES = False
    return settings


def test_an_unknown_address_shows_the_product_page_in_the_demo(demo, client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    html = response.content.decode()
    assert PRODUCT_404 in html
    assert DJANGO_DEBUG_PAGE not in html
    assert "404.html" in [t.name for t in response.templates]


def test_a_refused_pupil_looks_missing_with_the_product_page_in_the_demo(demo):
    # A teacher at Malmaskolan opens the card of a pupil at another school.
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan")
    teacher = f.UserFactory(username="larare.malma")
    f.DutyFactory(person=teacher.person, duty_at=malmaskolan, duty_role=DutyRole.LARARE)
    pupil_elsewhere = f.PupilFactory()
    f.EnrolmentFactory(person=pupil_elsewhere, enroled_at=f.SchoolUnitFactory())
    response = verified_client(teacher).get(reverse("person_detail", args=[pupil_elsewhere.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert PRODUCT_404 in html and DJANGO_DEBUG_PAGE not in html
    # The page is the product's, with the teacher's menu and no trace of the pupil.
    assert "Logga ut" in html
    assert pupil_elsewhere.family_name not in html


def test_a_refused_form_shows_the_product_403_page_in_the_demo(demo):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formuläret kunde inte skickas" in html
    assert "CSRF verification failed" not in html


def test_a_developer_gets_the_debug_page_back(demo, client):
    demo.SKOLSAM_DEBUG_ERROR_PAGES = True
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert DJANGO_DEBUG_PAGE in response.content.decode()


def test_production_shows_the_same_product_page(settings, client):
    settings.DEBUG = False
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert PRODUCT_404 in response.content.decode()
