"""Tove, 5A's mentor, writes the weekly letter; Erik, Alva's guardian, reads it on his phone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skolsam.browser_tests.checks import check_page, expect
from skolsam.messaging.models import Recipient
from skolsam.testing import factories as f

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_mentor_writes_a_class_letter_and_a_guardian_reads_it(
    page: Page, school: Any, log_in: Any
) -> None:
    log_in(school.teacher)
    page.goto("/meddelanden/skriv/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv meddelande")
    page.get_by_label("Till").select_option(label="5A")
    page.get_by_label("Slag").select_option(label="Veckobrev")
    page.get_by_label("Rubrik").fill("Veckobrev vecka 49")
    page.get_by_label("Meddelande", exact=True).fill("Hej! På fredag har vi friluftsdag.")
    page.get_by_role("button", name="Visa mottagare").click()
    preview = page.get_by_role("region", name="Kontrollera mottagarna")
    expect(preview).to_contain_text("Vårdnadshavare i 5A")
    expect(preview).to_contain_text("Erik Lindqvist")
    check_page(page, "messages-compose-preview")
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veckobrev vecka 49")
    expect(page.locator(".messages")).to_contain_text("Meddelandet är skickat")
    expect(page.get_by_text("0 av")).to_be_visible()
    check_page(page, "messages-sent")

    log_in(f.UserFactory(person=school.erik))
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/meddelanden/")
    link = page.get_by_role("link", name="Oläst: Veckobrev vecka 49")
    expect(link).to_be_visible()
    expect(page.get_by_text("Gäller: Alva")).to_be_visible()
    check_page(page, "messages-inbox")
    link.click()
    expect(page.get_by_text("På fredag har vi friluftsdag.")).to_be_visible()
    check_page(page, "messages-read")
    assert Recipient.objects.get(person=school.erik).read_at is not None
