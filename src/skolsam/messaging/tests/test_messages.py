"""A mentor writes to 7B's guardians; who gets it, how often, and who sees whom.

The story's 7B: Alva (Karin is her vårdnadshavare, Johan's custody ended, Mats is annan
ansvarig) and Elsa (skyddad folkbokföring; Lena is her vårdnadshavare). Lars mentors 7B
and is not named for Elsa; Stina teaches 7B and is. Ingrid teaches 7A only.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.messaging.models import Delivery, DeliveryStatus, Message, Recipient
from skolsam.testing import factories as f
from skolsam.testing.story import build_story, login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _persons(entry: AuditEntry) -> set:
    return set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))


def _queued() -> list:
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.filter(task_path__endswith="deliver_message_task").order_by(
            "enqueued_at"
        )
    )


def _run(result: Any) -> None:
    """Run a queued task the way the worker does: its function with the stored arguments."""
    result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])


@pytest.fixture
def story() -> Any:
    s = build_story()
    s.guardian_of_pupil_in_7b.emails = [{"type": "Privat", "value": "karin@example.se"}]
    s.guardian_of_pupil_in_7b.save()
    s.guardian_of_protected_pupil.emails = [{"type": "Privat", "value": "lena@example.se"}]
    s.guardian_of_protected_pupil.save()
    s.guardian_whose_custody_ended.emails = [{"type": "Privat", "value": "johan@example.se"}]
    s.guardian_whose_custody_ended.save()
    return s


def _client(person: Any) -> Client:
    """Return a client logged in as `person` (with their one login, made the first time)."""
    from skolsam.accounts.models import User

    client = Client()
    user = User.objects.filter(person=person).first()
    if user is None:
        login(client, person)
    else:
        client.force_login(user)
    return client


LETTER = {
    "category": "veckobrev",
    "subject": "Veckobrev vecka 49",
    "body": "Hej! På fredag har vi friluftsdag. Ta med matsäck.",
    "to_guardians": "on",
}


def _compose(client: Client, group: Any, send: bool, **extra: Any) -> Any:
    data = {**LETTER, "audience": f"g:{group.pk}", "send": "1" if send else "0", **extra}
    return client.post(reverse("messaging:compose"), data)


def test_a_mentor_sends_a_class_letter_that_reaches_the_guardians_in_app_and_by_email_once(
    story, smtp, django_capture_on_commit_callbacks
):
    lars = _client(story.mentor_of_7b)
    preview = _compose(lars, story.groups["7B"], send=False)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Vårdnadshavare i 7B" in page and "Karin" in page
    assert not Message.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = _compose(lars, story.groups["7B"], send=True)
    assert sent.status_code == 302
    message = Message.objects.get()
    assert message.audience_label == "Vårdnadshavare i 7B"
    reached = set(Recipient.objects.values_list("person_id", flat=True))
    # Karin and Lena have custody; Johan's ended, Mats is not a custody holder.
    assert reached == {story.guardian_of_pupil_in_7b.pk, story.guardian_of_protected_pupil.pk}

    queued = _queued()
    assert len(queued) == 1
    _run(queued[0])
    _run(queued[0])  # a retried task sends nothing twice
    assert len(smtp.to("karin@example.se")) == 1
    # Elsa's guardian gets it only inside Skolsam: automatic mail about a protected child
    # does not leave Skolsam.
    assert smtp.to("lena@example.se") == []
    assert smtp.to("johan@example.se") == []
    assert len(smtp.received) == 1
    rcpts, mail = smtp.received[0]
    assert rcpts == ["karin@example.se"]
    assert mail["Subject"] == "Veckobrev vecka 49"
    assert "friluftsdag" in mail.get_content() and "Gäller: Alva" in mail.get_content()
    assert Delivery.objects.get().status == DeliveryStatus.SENT

    karin = _client(story.guardian_of_pupil_in_7b)
    inbox = karin.get(reverse("messaging:inbox")).content.decode()
    assert "Oläst: Veckobrev vecka 49" in inbox and "Gäller: Alva" in inbox
    mine = Recipient.objects.get(person=story.guardian_of_pupil_in_7b)
    read = karin.get(reverse("messaging:read", args=[mine.pk])).content.decode()
    assert "friluftsdag" in read
    # Recipients never see each other.
    assert "Lena" not in read and "Elsa" not in read
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "Oläst" not in karin.get(reverse("messaging:inbox")).content.decode()

    lena = _client(story.guardian_of_protected_pupil)
    theirs = lena.get(reverse("messaging:inbox")).content.decode()
    assert "Veckobrev vecka 49" in theirs and "Karin" not in theirs

    # The sender sees who read it, among those he may see.
    detail = lars.get(reverse("messaging:sent_detail", args=[message.pk])).content.decode()
    assert "1 av 1 har läst." in detail

    entry = AuditEntry.objects.get(action="message.send")
    concerned = _persons(entry)
    assert story.guardian_of_pupil_in_7b.pk in concerned and story.pupil_in_7b.pk in concerned


def test_a_protected_pupils_guardian_is_never_shown_to_a_sender_not_named_for_her(
    story, django_capture_on_commit_callbacks
):
    lars = _client(story.mentor_of_7b)
    preview = _compose(lars, story.groups["7B"], send=False).content.decode()
    assert "Lena" not in preview and "Elsa" not in preview
    assert "1 mottagare som du kan se" in preview  # Lena is not even counted

    with django_capture_on_commit_callbacks(execute=True):
        _compose(lars, story.groups["7B"], send=True)
    message = Message.objects.get()
    assert Recipient.objects.filter(person=story.guardian_of_protected_pupil).exists()
    detail = lars.get(reverse("messaging:sent_detail", args=[message.pk])).content.decode()
    assert "Karin" in detail and "Lena" not in detail and "Elsa" not in detail
    assert "av 1 har läst" in detail
    found = lars.get(reverse("messaging:search"), {"q": "friluftsdag"}).content.decode()
    assert "Veckobrev vecka 49" in found and "Lena" not in found

    # Stina is named for Elsa: she sees Lena as Elsa's guardian, in the preview too.
    stina = login_with_two_factor(story.authorised_teacher_of_7b)
    response = _compose(stina, story.groups["7B"], send=False)
    assert response.status_code == 200, response
    named = response.content.decode()
    assert "Lena" in named and "Elsa" in named and "2 mottagare som du kan se" in named

    # The rektor, who may read every message of the school, is not named for Elsa either.
    anders = login_with_two_factor(story.rektor_at_scheeleskolan)
    page = anders.get(reverse("messaging:sent_detail", args=[message.pk])).content.decode()
    assert "Karin" in page and "Lena" not in page and "Elsa" not in page
    viewed = AuditEntry.objects.get(action="message.view")
    assert _persons(viewed) == {
        story.guardian_of_pupil_in_7b.pk,
        story.pupil_in_7b.pk,
    }


def test_siblings_share_one_feed_each_message_once_with_every_child_named(
    story, smtp, django_capture_on_commit_callbacks
):
    karin = story.guardian_of_pupil_in_7b
    sibling = f.PupilFactory(given_name="Vilgot")
    f.EnrolmentFactory(person=sibling, enroled_at=story.scheeleskolan, school_year=7)
    f.MembershipFactory(person=sibling, group=story.groups["7B"])
    f.ResponsibleFactory(person=sibling, responsible=karin)
    lars = _client(story.mentor_of_7b)
    with django_capture_on_commit_callbacks(execute=True):
        _compose(lars, story.groups["7B"], send=True, to_pupils="on")
    for result in _queued():
        _run(result)
    mine = Recipient.objects.get(person=karin)
    assert sorted(c.child.given_name for c in mine.children.all()) == ["Alva", "Vilgot"]
    assert len(smtp.to("karin@example.se")) == 1
    inbox = _client(karin).get(reverse("messaging:inbox")).content.decode()
    assert inbox.count("Veckobrev vecka 49") == 1 and "Gäller: Alva, Vilgot" in inbox
    # The pupils themselves are recipients too, each once, with no child label.
    assert Recipient.objects.filter(person=sibling, as_guardian=False).exists()
    child_tab = _client(karin).get(reverse("messaging:child_inbox", args=[sibling.pk]))
    assert "Veckobrev vecka 49" in child_tab.content.decode()


def test_a_pupil_of_18_reaches_only_themself_not_the_former_guardians(
    story, django_capture_on_commit_callbacks
):
    alva = story.pupil_in_7b
    alva.birth_date = alva.birth_date.replace(year=2000) if alva.birth_date else None
    from datetime import date

    alva.birth_date = date(2006, 1, 1)
    alva.save()
    lars = _client(story.mentor_of_7b)
    with django_capture_on_commit_callbacks(execute=True):
        _compose(lars, story.groups["7B"], send=True, to_pupils="on")
    reached = set(Recipient.objects.values_list("person_id", flat=True))
    assert alva.pk in reached and story.guardian_of_pupil_in_7b.pk not in reached


def test_nobody_sends_to_an_audience_they_do_not_serve(story):
    ingrid = _client(story.teacher_of_7a)
    refused = _compose(ingrid, story.groups["7B"], send=True)
    assert refused.status_code == 400
    assert "Välj en grupp eller enhet i listan." in refused.content.decode()
    assert not Message.objects.exists()
    # A guardian has no compose page at all; a missing audience is named.
    assert (
        _client(story.guardian_of_pupil_in_7b).get(reverse("messaging:compose")).status_code == 404
    )
    lars = _client(story.mentor_of_7b)
    empty = lars.post(reverse("messaging:compose"), {**LETTER, "audience": "", "send": "1"})
    assert empty.status_code == 400 and "Detta fält måste fyllas i." in empty.content.decode()
    nobody = _compose(lars, story.groups["7B"], send=True, to_guardians="")
    assert "Välj vårdnadshavare, elever eller båda." in nobody.content.decode()
    assert not Message.objects.exists()


def test_a_message_is_read_only_by_its_own_recipient(story, django_capture_on_commit_callbacks):
    lars = _client(story.mentor_of_7b)
    with django_capture_on_commit_callbacks(execute=True):
        _compose(lars, story.groups["7B"], send=True)
    message = Message.objects.get()
    lenas = Recipient.objects.get(person=story.guardian_of_protected_pupil)
    karin = _client(story.guardian_of_pupil_in_7b)
    assert karin.get(reverse("messaging:read", args=[lenas.pk])).status_code == 404
    assert karin.get(reverse("messaging:read", args=["x"])).status_code == 404
    assert karin.get(reverse("messaging:sent_detail", args=[message.pk])).status_code == 404
    ingrid = _client(story.teacher_of_7a)
    assert ingrid.get(reverse("messaging:sent_detail", args=[message.pk])).status_code == 404
    lenas.refresh_from_db()
    assert lenas.read_at is None
