"""A visitor chooses Arabic in the footer and reads the page right to left, in a real browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skolsam.browser_tests.checks import DESKTOP, PHONE, check_page, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Where an element's text lies: its left and right edge, and the viewport's width.
_EDGES = """(selector) => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  const box = range.getBoundingClientRect();
  return {left: box.left, right: box.right, width: document.documentElement.clientWidth};
}"""


def _choose(page: Page, language: str) -> None:
    page.locator("#language-choice").select_option(language)
    page.locator(".language-choice button").click()


def test_arabic_and_persian_read_right_to_left_and_stay_accessible(page: Page) -> None:
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    edges = page.evaluate(_EDGES, "main h1")
    assert edges["left"] < edges["width"] - edges["right"], edges

    _choose(page, "ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        # The page's title hugs the right edge, as Arabic is read.
        edges = page.evaluate(_EDGES, "main h1")
        assert edges["width"] - edges["right"] < edges["left"], edges
    page.set_viewport_size(PHONE)
    check_page(page, "login-arabic")

    _choose(page, "fa")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    check_page(page, "login-persian")

    _choose(page, "so")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "so")
    check_page(page, "login-somali")
