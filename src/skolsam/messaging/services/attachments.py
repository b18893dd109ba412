"""Take files for messages: size-checked, typed by their bytes (not their names), kept private.

Accepted: PDF, PNG, JPEG, and Word and Excel documents (.docx, .xlsx: zip packages holding
the part their format requires). Anything else, a file larger than
SKOLSAM_ATTACHMENT_MAX_BYTES, or more than MAX_FILES files, is refused with the file's name
and the reason, and nothing is stored. The stored name is a random one; the person's file
name is kept only for the download.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.messaging.models import Attachment

MAX_FILES = 5

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx"}


def sniff(upload: Any) -> str | None:
    """Return the file's type from its first bytes (and, for zip packages, its parts)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return None


def _display_name(name: str) -> str:
    base = re.sub(r"[\x00-\x1f/\\\\]+", "_", name.rsplit("/", 1)[-1]).strip() or "bilaga"
    return base[:200]


def attachments_upload(*, actor: Actor, files: list[Any]) -> list[Attachment]:
    """Check and store files for a message the actor is writing; refuse all if one is bad."""
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan bifoga filer."))
    if len(files) > MAX_FILES:
        raise DomainError({"attachments": _("Högst %(n)d filer.") % {"n": MAX_FILES}})
    limit = settings.SKOLSAM_ATTACHMENT_MAX_BYTES
    checked = []
    errors = []
    for upload in files:
        name = _display_name(upload.name or "")
        if upload.size > limit:
            errors.append(
                _("%(name)s är för stor: högst %(mb)d MB.") % {"name": name, "mb": limit // 2**20}
            )
            continue
        if upload.size == 0:
            errors.append(_("%(name)s är tom.") % {"name": name})
            continue
        kind = sniff(upload)
        if kind is None:
            errors.append(
                _("%(name)s är inte en PDF, bild (PNG, JPEG), Word- eller Excel-fil.")
                % {"name": name}
            )
            continue
        checked.append((upload, name, kind))
    if errors:
        raise DomainError({"attachments": errors})
    stored = []
    for upload, name, kind in checked:
        item = Attachment(owner_id=actor.person_id, name=name, content_type=kind, size=upload.size)
        item.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}", File(upload), save=False)
        item.save()
        stored.append(item)
    return stored
