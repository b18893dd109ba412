"""The checks themselves fail when they should: axe-core finds faults, a wide page is caught."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skolsam.browser_tests.checks import PHONE, assert_fits_phone, axe_violations

FAULTY = """<!doctype html><html><head><title>Fel</title></head><body><main>
<h1>Sida med fel</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" name="namn">
<p style="color:#aaaaaa;background:#ffffff">Ljusgrå text på vitt</p>
</main></body></html>"""


@pytest.fixture
def blank(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    yield page
    page.close()


def test_axe_finds_a_missing_alt_text_label_language_and_contrast(blank: Any) -> None:
    blank.set_content(FAULTY)
    found = {v["id"] for v in axe_violations(blank)}
    assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= found


def test_a_page_wider_than_a_phone_is_caught(blank: Any) -> None:
    blank.set_viewport_size(PHONE)
    blank.set_content('<html lang="sv"><body><div style="width:500px">bred</div></body></html>')
    with pytest.raises(AssertionError, match="wider than a 375 px phone"):
        assert_fits_phone(blank)
    blank.set_content('<html lang="sv"><body><div>smal</div></body></html>')
    assert_fits_phone(blank)
