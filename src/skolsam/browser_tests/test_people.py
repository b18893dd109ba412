"""Find a person with the live search, open the card, and stay inside what one may see.

The administrator searches the story's school day (`build_day`: Alva, Hugo and Saga in 7B,
family names Elev00-Elev02; Karin is Alva's guardian), where Eva is the school
administrator; the teacher, Maria, searches the whole story (`build_story`), where Noah
goes to Ullviskolan, another school of the same huvudman.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skolsam.audit.models import AuditEntry
from skolsam.browser_tests.checks import check_page, expect
from skolsam.core.choices import DutyRole
from skolsam.core.templatetags.skolsam_ui import civic_no as civic_no_display
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, build_story

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_administrator_finds_a_pupil_by_name_and_by_personnummer_and_opens_her_card(
    page: Page, log_in: Any
) -> None:
    day = build_day()
    alva, karin = day.pupils[0], day.guardian
    eva = f.DutyFactory(
        duty_at=day.school,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Eva"),
    )
    administrator = f.UserFactory(person=eva.person, password=None)
    log_in(administrator)
    page.goto("/")
    page.get_by_role("link", name="Personer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sök person")
    check_page(page, "search-empty")

    # Typing is enough: htmx fetches the results while the page stays put.
    search = page.get_by_label("Namn eller personnummer")
    search.press_sequentially("elev0", delay=20)
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Alva Elev00")).to_be_visible()
    expect(results.get_by_role("link", name="Saga Elev02")).to_be_visible()
    expect(page.locator("#search-status")).to_have_text("3 träffar.")
    expect(page).to_have_url(re.compile(r"/personer/\?q=elev0$"))
    check_page(page, "search")

    search.fill(alva.civic_no[2:8] + "-" + alva.civic_no[8:])
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results).to_contain_text(civic_no_display(alva.civic_no))
    results.get_by_role("link", name="Alva Elev00").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Alva Elev00")
    card = page.get_by_role("main")
    expect(card.get_by_role("heading", name=f"Karin {karin.family_name}")).to_be_visible()
    expect(card).to_contain_text("070-1234567")
    expect(card.locator("section", has=page.locator("#groups-heading"))).to_contain_text("7B")
    check_page(page, "person-card")
    assert AuditEntry.objects.filter(
        action="person.view", actor_id=administrator.pk, person_id=alva.pk
    ).exists()


def test_a_teacher_cannot_reach_a_pupil_of_another_school_by_search_or_by_url(
    page: Page, log_in: Any
) -> None:
    story = build_story()
    noah = story.pupil_at_ullviskolan
    log_in(f.UserFactory(person=story.teacher_of_7b, password=None))
    page.goto("/personer/?q=Noah")
    expect(page.locator("#search-status")).to_have_text("0 träffar.")
    expect(page.locator("#search-results")).to_contain_text(
        "Ingen person du har behörighet till matchar sökningen."
    )
    page.get_by_label("Namn eller personnummer").fill(noah.civic_no)
    expect(page.locator("#search-results")).to_contain_text("Ingen person")

    # Her own pupil opens; Noah's card answers as if he did not exist.
    response = page.goto(f"/personer/{story.pupil_in_7b.pk}/")
    assert response is not None and response.status == 200
    response = page.goto(f"/personer/{noah.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    body = page.content()
    assert "Noah" not in body and "Ullviskolan" not in body
    check_page(page, "not-found")
