"""Find a person with the live search, open the card, and stay inside what one may see."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skolsam.audit.models import AuditEntry
from skolsam.browser_tests.checks import check_page, expect
from skolsam.core.templatetags.skolsam_ui import civic_no as civic_no_display

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_administrator_finds_a_pupil_by_name_and_by_personnummer_and_opens_her_card(
    page: Page, school: Any, log_in: Any
) -> None:
    log_in(school.administrator)
    page.goto("/")
    page.get_by_role("link", name="Personer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sök person")
    check_page(page, "search-empty")

    # Typing is enough: htmx fetches the results while the page stays put.
    search = page.get_by_label("Namn eller personnummer")
    search.press_sequentially("lindq", delay=20)
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Alva Lindqvist")).to_be_visible()
    expect(results.get_by_role("link", name="Erik Lindqvist")).to_be_visible()
    expect(page.locator("#search-status")).to_have_text("3 träffar.")
    expect(page).to_have_url(re.compile(r"/personer/\?q=lindq$"))
    check_page(page, "search")

    search.fill(school.alva.civic_no[2:8] + "-" + school.alva.civic_no[8:])
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results).to_contain_text(civic_no_display(school.alva.civic_no))
    results.get_by_role("link", name="Alva Lindqvist").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Alva Lindqvist")
    card = page.get_by_role("main")
    expect(card.get_by_role("heading", name="Erik Lindqvist")).to_be_visible()
    expect(card).to_contain_text("070-111 22 33")
    expect(card.locator("section", has=page.locator("#groups-heading"))).to_contain_text("5A")
    check_page(page, "person-card")
    assert AuditEntry.objects.filter(
        action="person.view", actor_id=school.administrator.pk, person_id=school.alva.pk
    ).exists()


def test_a_teacher_cannot_reach_a_pupil_of_another_school_by_search_or_by_url(
    page: Page, school: Any, log_in: Any
) -> None:
    log_in(school.teacher)
    page.goto("/personer/?q=Hugo")
    expect(page.locator("#search-status")).to_have_text("0 träffar.")
    expect(page.locator("#search-results")).to_contain_text(
        "Ingen person du har behörighet till matchar sökningen."
    )
    page.get_by_label("Namn eller personnummer").fill(school.hugo.civic_no)
    expect(page.locator("#search-results")).to_contain_text("Ingen person")

    # Her own pupil opens; Hugo's card answers as if he did not exist.
    response = page.goto(f"/personer/{school.alva.pk}/")
    assert response is not None and response.status == 200
    response = page.goto(f"/personer/{school.hugo.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    body = page.content()
    assert "Hugo" not in body and "Karlbergsskolan" not in body
    check_page(page, "not-found")
