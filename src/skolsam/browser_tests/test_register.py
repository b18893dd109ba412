"""An administrator registers a pupil with guardians, and moves a pupil to another class.

Eva is the story's school administrator at Scheeleskolan: she registers Vera in 7A of the
story (`build_story`), and moves Alva from 7B to 7A on the story's school day (`build_day`),
where Karin, Alva's guardian, has a mobile number.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from skolsam.browser_tests.checks import check_page, expect, htmx_swap
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person, Responsible
from skolsam.testing import factories as f
from skolsam.testing.story import NEW_ADULTS, NEW_CHILDREN, build_day, build_story, dashed

if TYPE_CHECKING:
    from playwright.sync_api import Page


def eva_at(school: Any) -> Any:
    """Return Eva, the story's school administrator, on the school day (which has none)."""
    eva = f.PersonFactory(given_name="Eva")
    f.DutyFactory(person=eva, duty_at=school, duty_role=DutyRole.SKOLADMINISTRATOR)
    return eva


def test_an_administrator_registers_a_new_pupil_with_two_guardians(page: Page, log_in: Any) -> None:
    story = build_story()
    scheeleskolan = story.scheeleskolan
    log_in(f.UserFactory(person=story.school_admin_at_scheeleskolan, password=None))
    page.goto("/")
    page.get_by_role("link", name="Ny elev med vårdnadshavare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera ny elev")

    # Sending the empty form shows what is missing, field by field, and saves nothing.
    page.get_by_role("button", name="Registrera eleven").click()
    expect(page.locator(".error-summary")).to_be_visible()
    pupil = page.get_by_role("group", name="Eleven")
    expect(pupil.get_by_label("Förnamn")).to_have_attribute("aria-invalid", "true")
    check_page(page, "register-pupil-errors")

    page.goto("/elever/ny/")  # a fresh form
    pupil = page.get_by_role("group", name="Eleven")
    pupil.get_by_label("Förnamn").fill("Vera")
    pupil.get_by_label("Efternamn").fill("Sund")
    pupil.get_by_label("Personnummer").fill(dashed(NEW_CHILDREN[0]))
    pupil.get_by_label("Gatuadress").fill("Torggatan 4")
    pupil.get_by_label("Postnummer").fill("731 30")
    pupil.get_by_label("Postort").fill("Köping")

    # Choosing the unit reloads its school types and classes (htmx).
    enrolment = page.get_by_role("group", name="Inskrivning")
    unit = enrolment.get_by_label("Skolenhet")
    htmx_swap(
        page,
        lambda: unit.select_option(label=f"Scheeleskolan ({scheeleskolan.school_unit_code})"),
    )
    enrolment.get_by_label("Skolform").select_option(label="Grundskola")
    enrolment.get_by_label("Klass (valfritt)").select_option(label="7A – Scheeleskolan")
    enrolment.get_by_label("Årskurs (valfritt)").fill("7")

    first = page.get_by_role("group", name="Vårdnadshavare 1")
    first.get_by_label("Personnummer").fill(dashed(NEW_ADULTS[0]))
    first.get_by_label("Förnamn").fill("Sara")
    first.get_by_label("Efternamn").fill("Sund")
    first.get_by_label("Mobilnummer").fill("070-123 45 67")
    first.get_by_label("E-post").fill("sara.sund@example.se")
    second = page.get_by_role("group", name="Vårdnadshavare 2 (valfritt)")
    second.get_by_label("Personnummer").fill(dashed(NEW_ADULTS[1]))
    second.get_by_label("Förnamn").fill("Olof")
    second.get_by_label("Efternamn").fill("Sund")
    second.get_by_label("Mobilnummer").fill("073-765 43 21")
    check_page(page, "register-pupil")

    page.get_by_role("button", name="Registrera eleven").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vera Sund")
    expect(page.get_by_role("status")).to_contain_text(
        "Vera Sund är registrerad och inskriven vid Scheeleskolan"
    )
    expect(page.get_by_role("main")).to_contain_text("Sara Sund")
    expect(page.get_by_role("main")).to_contain_text("Olof Sund")
    vera = Person.objects.get(civic_no=NEW_CHILDREN[0])
    assert Enrolment.objects.filter(
        person=vera, enroled_at=scheeleskolan, school_type="GR", school_year=7
    ).exists()
    assert GroupMembership.objects.filter(
        person=vera, group__display_name="7A", group__organisation=scheeleskolan
    ).exists()
    assert set(
        Responsible.objects.filter(person=vera).values_list("responsible__given_name", flat=True)
    ) == {"Sara", "Olof"}


def test_an_administrator_moves_a_pupil_to_the_parallel_class(page: Page, log_in: Any) -> None:
    day = build_day()
    alva = day.pupils[0]
    log_in(f.UserFactory(person=eva_at(day.school), password=None))
    page.goto(f"/personer/{alva.pk}/")
    page.get_by_role("link", name="Hantera inskrivning, klass och tjänster").click()
    page.get_by_role("link", name="Byt klass").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Byt klass för Alva Elev00")
    check_page(page, "class-move")

    tomorrow = today() + timedelta(days=1)
    page.get_by_label("Ny klass").select_option(label="7A – Scheeleskolan")
    page.get_by_label("Första dag i den nya klassen").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Byt klass").click()

    expect(page.get_by_role("status")).to_contain_text("7A")
    memberships = GroupMembership.objects.filter(person=alva).order_by("start_date")
    assert [(m.group.display_name, m.end_date) for m in memberships] == [
        ("7B", today()),
        ("7A", None),
    ]
    assert memberships[1].start_date == tomorrow

    # The class list of 7A shows her from tomorrow, with her guardian's number.
    page.goto(f"/grupper/{memberships[1].group_id}/?datum={tomorrow.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("7A")
    class_list = page.locator("#class-list")
    expect(class_list.get_by_role("link", name="Alva Elev00", exact=True)).to_be_visible()
    expect(class_list).to_contain_text("070-1234567")

    # Today she is still in 7B, for the last day.
    page.get_by_role("link", name="Scheeleskolan").first.click()
    check_page(page, "school-unit")
    page.get_by_role("link", name="7B", exact=True).click()
    expect(page.locator("#class-list")).to_contain_text(f"till och med {today().isoformat()}")
    check_page(page, "class-list")
