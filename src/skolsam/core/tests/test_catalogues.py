"""Fail when a string guardians or pupils see, or any marked string in English, lacks a translation.

Skolsam's own text is Swedish. English covers every marked string; Arabic, Somali and
Persian cover what guardians and pupils read: the portal, its sections, the pages around
it (login, errors, the footer) and what is sent to them (notices, messages). The strings
are gathered the way `makemessages` gathers them (Django's `templatize` for templates,
then a Python extractor, here Babel's, so no system gettext is needed), from the files in
`GUARDIAN_SURFACES`; a new module that guardians see adds its files there.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from skolsam.core.management.commands.compile_catalogues import (
    catalogue_paths,
    compile_catalogue,
)

ROOT = Path(settings.BASE_DIR)
LOCALE = Path(settings.LOCALE_PATHS[0])
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# What guardians and pupils read, relative to the repository.
GUARDIAN_SURFACES = [
    "templates/base.html",
    "templates/_language_choice.html",
    "templates/403.html",
    "templates/404.html",
    "templates/registration/*.html",
    "src/skolsam/core/templates/core/*.html",
    "src/skolsam/*/portal_sections.py",
    "src/skolsam/portal/**/*.py",
    "src/skolsam/portal/templates/**/*.html",
    "src/skolsam/attendance/notices.py",
    "src/skolsam/attendance/models.py",
    "src/skolsam/attendance/reminders.py",
    "src/skolsam/accounts/templates/accounts/federation/*.html",
    "src/skolsam/accounts/templates/accounts/account.html",
    "src/skolsam/accounts/templates/accounts/pin_set.html",
    "src/skolsam/accounts/templates/accounts/unlock.html",
    "src/skolsam/accounts/unlock.py",
    "src/skolsam/accounts/views_unlock.py",
    "src/skolsam/accounts/forms.py",
    "src/skolsam/accounts/templates/accounts/two_factor_verify.html",
    "src/skolsam/messaging/templates/messaging/inbox.html",
    "src/skolsam/messaging/templates/messaging/read.html",
    "src/skolsam/messaging/templates/messaging/thread.html",
    "src/skolsam/messaging/templates/messaging/preferences.html",
    "src/skolsam/messaging/templates/messaging/_children.html",
    "src/skolsam/messaging/models.py",
    "src/skolsam/messaging/forms.py",
    "src/skolsam/messaging/services/*.py",
    "src/skolsam/help/templates/help/_disclosure.html",
    # The help texts of the portal's pages (help.texts.TRANSLATED_HELP); the staff
    # preview's text is Swedish only and has nothing marked.
    "src/skolsam/help/templates/help/pages/portal/*.html",
    # Grades in the portal: published grades and the what-if merit calculator.
    "src/skolsam/grades/views_portal.py",
    "src/skolsam/grades/family.py",
    "src/skolsam/grades/templates/grades/portal/*.html",
    "src/skolsam/help/templates/help/pages/grades_portal/*.html",
    "src/skolsam/help/templates/help/pages/messaging/preferences.html",
    "src/skolsam/help/templates/help/pages/unlock*.html",
    "src/skolsam/accessibility/templates/accessibility/statement.html",
    "src/skolsam/accessibility/templates/accessibility/report.html",
    "src/skolsam/accessibility/templates/accessibility/report_sent.html",
]
Message = tuple[str | None, str]  # (context, msgid); the singular for plural forms


def _messages_in(path: Path) -> Iterator[Message]:
    text = path.read_text(encoding="utf-8")
    code = templatize(text, origin=str(path)) if path.suffix in {".html", ".txt"} else text
    for _line, message, _comments, context in extract(
        "python", io.BytesIO(code.encode("utf-8")), keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            yield context, msgid


def _surface_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in GUARDIAN_SURFACES:
        files.update(p for p in ROOT.glob(pattern) if "/tests/" not in str(p))
    return sorted(files)


def _catalogue(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as source:
        return read_po(source, locale=language)


def _untranslated(catalogue: Catalog, wanted: set[Message]) -> list[str]:
    missing = []
    for context, msgid in sorted(wanted, key=lambda m: (m[0] or "", m[1])):
        entry = catalogue.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or entry.fuzzy or not translated:
            missing.append(f"{context + ': ' if context else ''}{msgid}")
    return missing


def test_the_guardian_surfaces_are_found() -> None:
    files = _surface_files()
    assert any(f.name == "base.html" for f in files)
    assert any(f.name == "notices.py" for f in files)
    assert sum(1 for f in files for _ in _messages_in(f)) > 20


@pytest.mark.parametrize("language", settings.SKOLSAM_PORTAL_LANGUAGES)
def test_every_string_guardians_and_pupils_see_is_translated(language: str) -> None:
    wanted = {m for f in _surface_files() for m in _messages_in(f)}
    missing = _untranslated(_catalogue(language), wanted)
    assert not missing, (
        f"{len(missing)} strings guardians or pupils see have no {language} translation in "
        f"src/skolsam/locale/{language}/LC_MESSAGES/django.po (run `make messages`, then "
        f"translate): " + "; ".join(missing[:20])
    )


def test_every_marked_string_has_an_english_translation() -> None:
    english = _catalogue("en")
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in english if m.id}
    missing = _untranslated(english, wanted)
    assert not missing, f"{len(missing)} strings lack English: " + "; ".join(missing[:20])


def test_the_catalogues_name_their_language_and_plural_rule() -> None:
    for language in settings.SKOLSAM_PORTAL_LANGUAGES:
        catalogue = _catalogue(language)
        assert str(catalogue.locale) == language
        assert catalogue.num_plurals >= 1


def test_the_compiled_catalogues_are_current() -> None:
    stale = [
        str(po)
        for po in catalogue_paths()
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").read_bytes() != compile_catalogue(po)
    ]
    assert not stale, f"Run `python manage.py compile_catalogues` (or `make install`): {stale}"
