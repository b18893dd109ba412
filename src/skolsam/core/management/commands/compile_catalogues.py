"""Compile the gettext catalogues (.po) into the binary form Django reads (.mo).

Django's own `compilemessages` needs GNU gettext's `msgfmt`, a system package; Babel
compiles in Python, so `make install` (and with it `make demo`) works on a machine
without it. Fuzzy entries are left out, as msgfmt does, so a guess never reaches a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogue_paths() -> list[Path]:
    """Return every django.po under the project's LOCALE_PATHS."""
    return sorted(
        po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogue(po: Path) -> bytes:
    """Return the .mo bytes of one catalogue."""
    from io import BytesIO

    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parent.parent.name)
    out = BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) with Babel."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if a compiled catalogue is missing or out of date.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        stale = []
        for po in catalogue_paths():
            mo = po.with_suffix(".mo")
            compiled = compile_catalogue(po)
            if mo.exists() and mo.read_bytes() == compiled:
                continue
            if check:
                stale.append(str(mo))
                continue
            mo.write_bytes(compiled)
            self.stdout.write(f"Kompilerade {mo}")
        if stale:
            raise CommandError(
                "Kompilerade översättningar saknas eller är inaktuella: "
                + ", ".join(stale)
                + ". Kör: python manage.py compile_catalogues"
            )
