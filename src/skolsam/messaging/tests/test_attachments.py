"""Lars attaches the trip's PDF to 7B's letter. Files are typed by their bytes and kept private."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from skolsam.messaging.models import Attachment, Message, Recipient
from skolsam.testing.story import build_story, login

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(person: Any) -> Client:
    client = Client()
    login(client, person)
    return client


def _letter(group: Any, **extra: Any) -> dict:
    return {
        "audience": f"g:{group.pk}",
        "category": "nyhet",
        "subject": "Friluftsdag",
        "body": "Se bifogat program.",
        "to_guardians": "on",
        **extra,
    }


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_a_letter_carries_a_pdf_that_only_its_recipients_can_download():
    story = build_story()
    lars = _client(story.mentor_of_7b)
    url = reverse("messaging:compose")
    upload = SimpleUploadedFile("program.pdf", PDF_BYTES, content_type="text/plain")
    preview = lars.post(url, {**_letter(story.groups["7B"]), "send": "0", "attachments": upload})
    assert preview.status_code == 200
    pending = Attachment.objects.get()
    assert pending.message is None and pending.content_type == "application/pdf"
    assert "program.pdf" in preview.content.decode()
    sent = lars.post(
        url, {**_letter(story.groups["7B"]), "send": "1", "attachment_ids": str(pending.pk)}
    )
    assert sent.status_code == 302
    pending.refresh_from_db()
    assert pending.message == Message.objects.get()

    download = reverse("messaging:attachment", args=[pending.pk])
    karin = _client(story.guardian_of_pupil_in_7b)
    mine = Recipient.objects.get(person=story.guardian_of_pupil_in_7b)
    assert download in karin.get(reverse("messaging:read", args=[mine.pk])).content.decode()
    got = karin.get(download)
    assert got.status_code == 200
    assert got.getvalue() == PDF_BYTES
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"
    # The file is stored under a random name, not the one it was uploaded with.
    assert "program" not in str(pending.file.name)

    for outsider in (story.teacher_of_7a, story.guardian_whose_custody_ended, story.pupil_in_7a):
        assert _client(outsider).get(download).status_code == 404
    assert karin.get(reverse("messaging:attachment", args=["inte-ett-id"])).status_code == 404


def test_a_file_is_typed_by_its_bytes_not_its_name_and_bad_files_are_named():
    story = build_story()
    lars = _client(story.mentor_of_7b)
    url = reverse("messaging:compose")
    disguised = SimpleUploadedFile(
        "schema.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    refused = lars.post(url, {**_letter(story.groups["7B"]), "send": "1", "attachments": disguised})
    assert refused.status_code == 400
    assert "schema.pdf är inte en PDF, bild (PNG, JPEG), Word- eller Excel-fil." in (
        refused.content.decode()
    )
    assert not Attachment.objects.exists() and not Message.objects.exists()
    # A Word document named .txt is still a Word document.
    word = SimpleUploadedFile("lista.txt", _docx(), content_type="text/plain")
    assert (
        lars.post(
            url, {**_letter(story.groups["7B"]), "send": "0", "attachments": word}
        ).status_code
        == 200
    )
    assert Attachment.objects.get().content_type.endswith("wordprocessingml.document")


def test_a_file_over_the_limit_is_refused(settings: Any):
    settings.SKOLSAM_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    story = build_story()
    lars = _client(story.mentor_of_7b)
    big = SimpleUploadedFile("stor.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    refused = lars.post(
        reverse("messaging:compose"),
        {**_letter(story.groups["7B"]), "send": "0", "attachments": big},
    )
    assert (
        refused.status_code == 400
        and "stor.pdf är för stor: högst 2 MB." in refused.content.decode()
    )
    assert not Attachment.objects.exists()


def test_nobody_sends_someone_elses_upload():
    story = build_story()
    ingrid = _client(story.teacher_of_7a)
    ingrid.post(
        reverse("messaging:compose"),
        {
            **_letter(story.groups["7A"]),
            "send": "0",
            "attachments": SimpleUploadedFile("hennes.pdf", PDF_BYTES),
        },
    )
    hers = Attachment.objects.get()
    lars = _client(story.mentor_of_7b)
    lars.post(
        reverse("messaging:compose"),
        {**_letter(story.groups["7B"]), "send": "1", "attachment_ids": str(hers.pk)},
    )
    hers.refresh_from_db()
    assert hers.message is None
    assert lars.get(reverse("messaging:attachment", args=[hers.pk])).status_code == 404
