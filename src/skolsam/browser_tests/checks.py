"""Check a page in the browser: accessibility with axe-core, layout at phone width, screenshots.

axe-core is vendored in vendor/axe/ (MPL-2.0, see its LICENSE and README.md) and injected
into the page under test; nothing is fetched from the network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the tests, or fails them on CI
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

AXE = Path(__file__).with_name("vendor") / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""

# Elements sticking out to the right (or, right to left, the left) of the viewport, unless a scrolling box holds them
# (wide tables sit in .table-scroll, which scrolls sideways on purpose).
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    // Right-to-left pages overflow to the left.
    if (box.width === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
    // An absolutely positioned element escapes a scrolling box that is not positioned.
    const position = getComputedStyle(el).position;
    const escapes = position === "absolute" || position === "fixed";
    let scrolled = false;
    for (let p = el.parentElement; !escapes && p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") { scrolled = true; break; }
    }
    if (scrolled) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    out.push(name + " right=" + Math.round(box.right));
    if (out.length >= 5) break;
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, offenders: out};
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(_RUN_AXE, WCAG_TAGS))


def assert_accessible(page: Page) -> None:
    """Fail with axe-core's findings when the page breaks a WCAG 2.1 A or AA rule."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}: WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


def screenshot_dir() -> Path:
    """Return where screenshots go: $SKOLSAM_SCREENSHOT_DIR, else var/screenshots/."""
    configured = os.environ.get("SKOLSAM_SCREENSHOT_DIR")
    path = Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def assert_fits_phone(page: Page) -> None:
    """Fail when the page, at phone width, scrolls sideways (something is cut off)."""
    layout = page.evaluate(_OVERFLOW)
    # The page's scroll width decides; the offenders are only guesses for the message.
    assert layout["scrollWidth"] <= layout["width"], (
        f"{page.url} is wider than a {PHONE['width']} px phone: {layout}"
    )


def snapshot(page: Page, name: str) -> None:
    """Check the page at phone and desktop width and take a full-page screenshot of each.

    At 375 px nothing may stick out sideways; the files are `<name>-phone.png` and
    `<name>-desktop.png` in `screenshot_dir()`.
    """
    folder = screenshot_dir()
    page.set_viewport_size(PHONE)
    try:
        assert_fits_phone(page)
        page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)


def check_page(page: Page, name: str) -> None:
    """Run axe-core on the page, then check and photograph it at phone and desktop width."""
    assert_accessible(page)
    snapshot(page, name)


def htmx_swap(page: Page, action: Any) -> None:
    """Do `action` (a callable) and wait until the htmx request it sends has been swapped in.

    Waiting on the content alone can pass on the old content, before the swap.
    """
    with page.expect_response(lambda response: "hx-request" in response.request.headers):
        action()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
