"""Every page carries its help, for the reader's role, and the help tells nothing personal.

Scheeleskolan's 7B today (the school day of the story): Maria teaches mathematics, Lars
mentors 7B, Anders is rektor, Karin is Alva's guardian.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from skolsam.help.texts import ERROR_PAGE, GUIDE_ROLES, TRANSLATED_HELP, has_help, page_key
from skolsam.help.views import render_guide
from skolsam.testing.factories import PupilFactory, ResponsibleFactory
from skolsam.testing.story import build_day, login

PAGES_DIR = Path(__file__).resolve().parents[1] / "templates" / "help" / "pages"

# Named URLs that are not pages: they never answer GET with HTML to anyone. Each says
# why; the POST-only ones are checked below.
POST_ONLY = {
    "logout",
    "saml_logout",
    "language_choose",
    "accessibility:case_handle",
    "logout_everywhere",
    "register_import_confirm",
    "attendance:leave_decide",
    "portal:absence_withdraw",
    "portal:absence_end",
    "portal:leave_consent",
    "portal:calendar_feed",
    "messaging:reply",
    "messaging:push_subscribe",
    "unlock_device_revoke",
    "grades_documents:catalogue_lock",
    "grades:correct",
    "grades_documents:catalogue_sign",
    "grades_documents:run_start",
    "grades_documents:summary_issue",
    "grades_reports:history_confirm",
}
# The guardian pages' old addresses: they redirect to the portal.
REDIRECTS = {
    "attendance:guardian",
    "attendance:guardian_report",
    "attendance:guardian_leave",
    "attendance:guardian_consent",
    "attendance:notices_read",
    "attendance:schedule_submit",
}
FILES = {
    "export_class_list": "a CSV or Excel file",
    "export_school_unit_pupils": "a CSV or Excel file",
    "export_audit_log": "a CSV file",
    "attendance:csn_download": "CSN's text file",
    "help:screenshot": "a PNG image",
    "saml_metadata": "the SAML service provider's XML metadata",
    "portal:ical": "an iCalendar feed",
    "messaging:service_worker": "the web push service worker (JavaScript)",
    "messaging:manifest": "the web app manifest (JSON)",
    "messaging:attachment": "a message's attached file",
    "grades_documents:catalogue_pdf": "a signed betygskatalog (PDF/A)",
    "grades_documents:document_pdf": "an issued certificate (PDF/A)",
    "grades_reports:scb_download": "the SCB text file of year 9 final grades",
    "pupil_documentation:support_decision_pdf": "a decision about special support (PDF/A)",
    "support_portal:decision_pdf": "a decision about special support in the portal (PDF/A)",
}
# The SS 12000 API answers JSON; its documentation and client pages are pages.
SS12000_PAGES = {"ss12000:docs", "ss12000:clients", "ss12000:client"}
# Only when SKOLSAM_SERVER_TIMING is on: an empty page for measuring the server's floor.
DIAGNOSTICS = {"timing_floor"}


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            names += _named_urls(entry, f"{namespace}:{inner}".strip(":") if inner else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def pages() -> list[str]:
    """Name every URL that answers GET with HTML for some role."""
    return sorted(
        name
        for name in set(_named_urls())
        if not name.startswith("admin:")
        and (not name.startswith("ss12000:") or name in SS12000_PAGES)
        and name not in POST_ONLY | REDIRECTS | set(FILES) | DIAGNOSTICS
    )


def test_every_page_has_a_help_text():
    missing = [name for name in pages() if not has_help(name)]
    assert not missing, "These pages have no help text; write one file each:\n" + "\n".join(
        f"  {name}: src/skolsam/help/templates/help/pages/{page_key(name)}.html" for name in missing
    )


def test_the_enumeration_sees_the_pages_it_must():
    found = pages()
    assert {"start", "login", "person_detail", "attendance:register", "ss12000:clients"} <= set(
        found
    )
    assert not {"logout", "export_audit_log", "ss12000:token", "ss12000:Persons-list"} & set(found)
    assert len(found) > 50


def test_no_help_text_is_left_without_its_page():
    known = {page_key(name) for name in pages()} | {ERROR_PAGE}
    role_suffix = re.compile(r"\.(" + "|".join(map(re.escape, GUIDE_ROLES)) + r")$")
    stems = {
        role_suffix.sub("", str(p.relative_to(PAGES_DIR).with_suffix("")))
        for p in PAGES_DIR.rglob("*.html")
    }
    assert stems - known == set(), "help texts for pages that no longer exist (or a misspelt role)"


# What a translated help text may hold besides HTML: its sentences, marked, with nothing filled in.
_MARKED = re.compile(
    r'\{% translate "[^"{}]+" %\}|\{% blocktranslate %\}[^{}]+\{% endblocktranslate %\}'
)


def test_the_help_texts_are_generic_text_with_nothing_filled_in():
    translated = {PAGES_DIR.parent.parent / name for name in TRANSLATED_HELP}
    for path in PAGES_DIR.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        if path in translated:
            assert source.startswith("{% load i18n %}"), path
            source = _MARKED.sub("", source.removeprefix("{% load i18n %}"))
            # Every sentence is marked: what is left is markup only.
            assert not re.sub(r"<[^>]+>", "", source).strip(), path
        assert "{{" not in source and "{%" not in source, path
        assert 0 < source.count("\n") <= 12, f"{path}: keep a help text short (3–8 lines)"


def test_the_translated_help_texts_exist_and_are_the_portal_s():
    for name in TRANSLATED_HELP:
        assert (PAGES_DIR.parent.parent / name).exists(), name
    assert "help/pages/portal/preview.html" not in TRANSLATED_HELP


@pytest.mark.django_db
def test_a_guardian_reads_the_portal_help_in_her_language_and_staff_help_stays_swedish(
    client: Client,
):
    day = build_day()
    day.guardian.language = "en"
    day.guardian.save(update_fields=["language"])
    login(client, day.guardian)
    panel = _help_panel(client.get(reverse("portal:absence_report")).content.decode())
    assert "Do not write why" in panel and "Skriv inte varför" not in panel
    assert 'class="page-help__text" lang="sv"' not in panel
    day.teacher.language = "en"
    day.teacher.save(update_fields=["language"])
    login(client, day.teacher)
    panel = _help_panel(client.get(reverse("start")).content.decode())
    # The staff text is Swedish and says so; the panel's own words are English.
    assert 'class="page-help__text" lang="sv"' in panel and "Stuck? Contact" in panel


@pytest.mark.django_db
def test_the_post_only_names_refuse_a_get(client: Client):
    login(client, build_day().teacher)
    for name in sorted(POST_ONLY):
        args = _dummy_args(name)
        response = client.get(reverse(name, args=args))
        assert response.status_code == 405, name


def _dummy_args(name: str) -> list[object]:
    shapes: list[list[object]] = [[], [uuid.uuid4()], [1], [uuid.uuid4(), uuid.uuid4()]]
    for args in shapes:
        try:
            reverse(name, args=args)
        except NoReverseMatch:
            continue
        return args
    raise AssertionError(f"no arguments fit {name}")


def _help_panel(html: str) -> str:
    match = re.search(r'<details class="page-help">.*?</details>', html, re.S)
    assert match, "the page has no help disclosure"
    return match[0]


@pytest.mark.django_db
def test_the_help_is_on_the_page_for_the_reader_s_role(client: Client):
    day = build_day()
    assert "Skriv minst två tecken" not in _help_panel(
        client.get(reverse("login")).content.decode()
    )
    assert "Glömt lösenordet" in _help_panel(client.get(reverse("login")).content.decode())

    login(client, day.teacher)
    panel = _help_panel(
        client.get(reverse("attendance:register", args=[day.lesson.pk])).content.decode()
    )
    assert "Alla är närvarande från början" in panel
    assert reverse("help:guide", args=["teacher"]) in panel
    assert reverse("help:guide", args=["rektor"]) not in panel
    assert reverse("help:guide", args=["guardian"]) not in panel

    login(client, day.guardian)
    panel = _help_panel(client.get(reverse("portal:start")).content.decode())
    assert "Anmäl frånvaro" in panel and "Sök person" not in panel
    assert reverse("help:guide", args=["guardian"]) in panel
    assert reverse("help:guide", args=["teacher"]) not in panel


@pytest.mark.django_db
def test_a_teacher_who_is_a_guardian_reads_the_staff_text_and_gets_both_guides(client: Client):
    day = build_day()
    ResponsibleFactory(person=PupilFactory(), responsible=day.teacher)
    login(client, day.teacher)
    panel = _help_panel(client.get(reverse("start")).content.decode())
    assert "Sök person" in panel
    assert reverse("help:guide", args=["teacher"]) in panel
    assert reverse("help:guide", args=["guardian"]) in panel


@pytest.mark.django_db
def test_the_help_names_no_one_on_a_page_about_someone(client: Client):
    day = build_day()
    login(client, day.teacher)
    alva = day.pupils[0]
    page = client.get(reverse("person_detail", args=[alva.pk])).content.decode()
    assert alva.given_name in page
    panel = _help_panel(page)
    assert alva.given_name not in panel and alva.family_name not in panel
    assert day.school.display_name not in panel and day.group.display_name not in panel


@pytest.mark.django_db
def test_a_forbidden_page_s_help_is_that_of_a_missing_one(client: Client):
    day = build_day()
    login(client, day.teacher)
    forbidden = client.get(reverse("attendance:statistics", args=[day.school.pk]))
    missing = client.get(reverse("attendance:statistics", args=[uuid.uuid4()]))
    nowhere = client.get("/finns-inte/")
    assert forbidden.status_code == missing.status_code == nowhere.status_code == 404
    panels = {_help_panel(r.content.decode()) for r in (forbidden, missing, nowhere)}
    assert len(panels) == 1
    assert "Frånvarostatistik" not in panels.pop()


@pytest.mark.django_db
def test_a_guide_is_for_its_role_and_a_login(client: Client):
    day = build_day()
    url = reverse("help:guide", args=["teacher"])
    assert client.get(url).status_code == 302
    login(client, day.teacher)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>" in html
    assert client.get(reverse("help:guide", args=["rektor"])).status_code == 404
    assert client.get(reverse("help:guide", args=["nobody"])).status_code == 404
    login(client, day.guardian)
    assert client.get(reverse("help:guide", args=["guardian"])).status_code == 200
    assert client.get(url).status_code == 404
    login(client, day.pupils[1])
    assert client.get(reverse("help:guide", args=["pupil"])).status_code == 200
    assert client.get(reverse("help:guide", args=["guardian"])).status_code == 404


@pytest.mark.django_db
def test_the_guides_screenshots_are_served_and_nothing_else(client: Client):
    day = build_day()
    login(client, day.teacher)
    image = client.get(reverse("help:screenshot", args=["login-phone.png"]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    for name in ("nothing-here.png", "login-phone.PNG", "..", "skolsam.css"):
        assert client.get(reverse("help:screenshot", args=[name])).status_code == 404


def test_a_guide_s_links_lead_to_the_pages_that_serve_them_and_its_html_is_escaped():
    html = render_guide(
        "# Lärare\n\n![Start](../screenshots/start-phone.png)\n\n"
        "Se [guiden för mentor](mentor.md#narvaro) och [koden](https://example.org/x.md).\n\n"
        "<script>alert(1)</script>\n"
    )
    assert f'src="{reverse("help:screenshot", args=["start-phone.png"])}"' in html
    assert f'href="{reverse("help:guide", args=["mentor"])}#narvaro"' in html
    assert 'href="https://example.org/x.md"' in html
    assert "<script>" not in html


def test_every_role_has_its_guide_with_screenshots_that_make_keeps_current():
    root = Path(settings.BASE_DIR)
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^DOC_SCREENSHOTS := ((?:.*\\\n)*.*)$", makefile, re.M)
    assert found, "the Makefile has no DOC_SCREENSHOTS"
    kept = set(found[1].replace("\\", " ").split())
    for role in GUIDE_ROLES:
        text = (root / "docs" / "guide" / f"{role}.md").read_text(encoding="utf-8")
        for image in re.findall(r"\(\.\./screenshots/([^)]+)\)", text):
            assert (root / "docs" / "screenshots" / image).is_file(), f"{role}.md: {image}"
            name = re.sub(r"-(phone|desktop)\.png$", "", image)
            assert name in kept, f"{role}.md: add {name} to DOC_SCREENSHOTS in the Makefile"
