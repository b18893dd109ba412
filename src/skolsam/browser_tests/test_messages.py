"""Lars, 7B's mentor, writes the weekly letter; Karin, Alva's guardian, reads it on her phone.

The story's school day (`build_day`); Johan, whose custody of Alva ended, gets no letter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skolsam.browser_tests.checks import check_page, expect
from skolsam.messaging.models import Recipient
from skolsam.testing import factories as f
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_mentor_writes_a_class_letter_and_a_guardian_reads_it(page: Page, log_in: Any) -> None:
    day = build_day()
    karin = day.guardian
    log_in(f.UserFactory(person=day.mentor))
    page.goto("/meddelanden/skriv/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv meddelande")
    page.get_by_label("Till").select_option(label="7B")
    page.get_by_label("Slag").select_option(label="Veckobrev")
    page.get_by_label("Rubrik").fill("Veckobrev vecka 49")
    page.get_by_label("Meddelande", exact=True).fill("Hej! På fredag har vi friluftsdag.")
    page.get_by_role("button", name="Visa mottagare").click()
    preview = page.get_by_role("region", name="Kontrollera mottagarna")
    expect(preview).to_contain_text("Vårdnadshavare i 7B")
    expect(preview).to_contain_text(f"{karin.given_name} {karin.family_name}")
    johan = day.former_guardian
    expect(preview).not_to_contain_text(f"{johan.given_name} {johan.family_name}")
    check_page(page, "messages-compose-preview")
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veckobrev vecka 49")
    expect(page.locator(".messages")).to_contain_text("Meddelandet är skickat")
    expect(page.get_by_text("0 av")).to_be_visible()
    check_page(page, "messages-sent")

    log_in(f.UserFactory(person=karin))
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/meddelanden/")
    link = page.get_by_role("link", name="Oläst: Veckobrev vecka 49")
    expect(link).to_be_visible()
    expect(page.get_by_text("Gäller: Alva")).to_be_visible()
    check_page(page, "messages-inbox")
    link.click()
    expect(page.get_by_text("På fredag har vi friluftsdag.")).to_be_visible()
    check_page(page, "messages-read")
    assert Recipient.objects.get(person=karin).read_at is not None
